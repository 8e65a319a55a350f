#!/usr/bin/env bash
# The blob store's streaming encrypt + hash against OpenSSL on the same machine, in the same run.
# Usage: bash bench/blob.sh [MiB] (default 1024). Numbers go to docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-1024}
dotnet build bench/Trabecula.Bench -c Release -v q -nologo >&2
echo "== anchors (openssl speed, 16 KiB blocks) =="
openssl speed -seconds 3 -bytes 16384 -evp aes-256-gcm 2>/dev/null | tail -1
openssl speed -seconds 3 -bytes 16384 -evp sha256 2>/dev/null | tail -1
echo "== Trabecula =="
dotnet bench/Trabecula.Bench/bin/Release/net10.0/Trabecula.Bench.dll blob-seal --mib "$mib" --runs 3
