#!/usr/bin/env bash
# The blob store's streaming encrypt + hash (BenchmarkDotNet, 1 GiB in memory) against OpenSSL on
# the same machine, in the same run: the anchors are measured before and after, so a change of load
# during the run shows. Target (issue "storage"): at least 50 % of the slower anchor.
# Usage: bash bench/blob.sh. Numbers go to docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/Trabecula.Bench -c Release -v q -nologo >&2
anchors() {
  echo "== anchors (openssl speed, 16 KiB blocks), load $(cut -d' ' -f1-3 /proc/loadavg) =="
  openssl speed -seconds 3 -bytes 16384 -evp aes-256-gcm 2>/dev/null | tail -1
  openssl speed -seconds 3 -bytes 16384 -evp sha256 2>/dev/null | tail -1
}
anchors
echo "== Trabecula (BenchmarkDotNet, in process) =="
dotnet bench/Trabecula.Bench/bin/Release/net10.0/Trabecula.Bench.dll blob-seal | grep -E '^Trabecula blob seal|^\| '
anchors
