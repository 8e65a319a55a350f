#!/usr/bin/env bash
# AUTH-03: does a failed sign-in take the same time whether the user is unknown, the password is
# wrong, or the account is locked? Starts the real server on 127.0.0.1 with a fresh demo seed,
# locks one account, then times N attempts of each kind with curl (interleaved, so that drift hits
# all three alike) and prints the medians. The per-address rate limit is raised for the run only.
#   bash bench/signin-timing.sh      # N=50
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-50}
PORT=${PORT:-5187}
dotnet build src/Trabecula.Server -c Release -nologo -v quiet >&2
dll=src/Trabecula.Server/bin/Release/net10.0/Trabecula.Server.dll
data=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
dotnet "$dll" demo seed --data "$data" >/dev/null 2>&1
SignIn__RequestsPerMinutePerAddress=10000 dotnet "$dll" serve --data "$data" --urls "http://127.0.0.1:$PORT" >"$data/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null || { echo "the server did not start:" >&2; cat "$data/server.log" >&2; exit 1; }

attempt() { # user password -> seconds
  curl -s -o /dev/null -w '%{time_total}\n' -H 'Content-Type: application/json' \
    -d "{\"userName\":\"$1\",\"password\":\"$2\"}" "http://127.0.0.1:$PORT/api/auth/login"
}
for _ in 1 2 3 4 5 6; do attempt demo.operator not-the-password >/dev/null; done   # locks demo.operator
for _ in 1 2 3; do attempt demo.designer warm-up-password >/dev/null; done           # warm-up

: >"$data/unknown"; : >"$data/wrong"; : >"$data/locked"
for i in $(seq 1 "$N"); do
  attempt "nobody.$i" "wrong-password-$i" >>"$data/unknown"
  attempt demo.inspector "wrong-password-$i" >>"$data/wrong"
  attempt demo.operator "wrong-password-$i" >>"$data/locked"
  # demo.inspector locks after 5 wrong passwords; from then on it is a second "locked" sample.
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m*1000}'; }
printf 'failed sign-in, median of %s (ms): unknown user %s, wrong password %s, locked account %s\n' \
  "$N" "$(median "$data/unknown")" "$(median "$data/wrong")" "$(median "$data/locked")"
