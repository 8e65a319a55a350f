#!/usr/bin/env bash
# Upload and download over HTTP to the local file store against the disk itself, in one run
# (issue "storage and transfer": both at least 60 % of the disk's dd ... conv=fdatasync rate).
#   a. dd if=/dev/zero bs=1M count=SIZE_MIB conv=fdatasync into the data folder (before and after)
#   b. a SIZE_MIB MiB DICOM file (random-ish pixels) through tus /api/uploads as the order page
#      sends it: creation, then PATCH pieces of CHUNK_MIB; timed until the last PATCH is answered
#      (the blob sealed, fsynced and committed); then ingested into a dataset (timed apart)
#   c. the stored instance through a download link (Features/Downloads), to the last byte
# A real server on 127.0.0.1 (SQLite, local file store, all in one temp folder, demo seed, the
# demo physician). Release build, or PUBLISHED=dir made by tools/publish.sh. TMPDIR picks the disk.
# WARM uploads of the same file (each deleted) go first, so that the measured one meets a warm
# server, as a running one is (the first upload of a fresh server pays for the JIT).
#   bash bench/transfer.sh            # SIZE_MIB=1024 CHUNK_MIB=64 RUNS=1 WARM=1
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MIB=${SIZE_MIB:-1024}
CHUNK_MIB=${CHUNK_MIB:-64}  # the order page's piece (Uploads:BrowserChunkBytes)
RUNS=${RUNS:-1}
WARM=${WARM:-1}
PORT=${PORT:-5193}
if [ -n "${PUBLISHED:-}" ]; then
  server=("$PUBLISHED/Trabecula.Server"); where="PUBLISHED/"
else
  dotnet build src/Trabecula.Server -c Release -nologo -v quiet >&2
  server=(dotnet src/Trabecula.Server/bin/Release/net10.0/Trabecula.Server.dll); where="Release build"
fi
work=$(mktemp -d); pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
/usr/bin/python3 bench/make-large-dicom.py "$work/bench.dcm" "$SIZE_MIB"
bytes=$(stat -c %s "$work/bench.dcm")

dd_rate() { # MB/s (10^6) of writing SIZE_MIB MiB of zeros with one fdatasync at the end, fresh file
  local out
  out=$(dd if=/dev/zero of="$1/dd.bin" bs=1M count="$SIZE_MIB" conv=fdatasync 2>&1 | tail -1)
  rm -f "$1/dd.bin"
  awk -v b=$((SIZE_MIB * 1048576)) '{for (i = 1; i <= NF; i++) if ($i == "s,") s = $(i-1)} END {printf "%.0f", b / s / 1e6}' <<<"$out"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f%%", 100 * a / b}'; }

echo "# transfer benchmark - $(date -u '+%Y-%m-%d %H:%M:%S') UTC; $(nproc) cores; $where; file $bytes bytes; tus pieces of $CHUNK_MIB MiB; $WARM warm-up upload(s) first; TMP on $(df --output=source,fstype "$work" | tail -1 | tr -s ' ')"
printf '%-4s %-18s %9s %9s %9s %9s %9s %8s %8s  %s\n' run load dd_MB/s up_MB/s down_MB/s ingest_s dd2_MB/s up/dd down/dd note
for run in $(seq 1 "$RUNS"); do
  data="$work/data-$run"; mkdir -p "$data"
  otp=$("${server[@]}" demo seed --data "$data" 2>/dev/null | awk '$1 == "demo.physician" {print $3}')
  Logging__LogLevel__Default=Warning SignIn__RequestsPerMinutePerAddress=10000 \
    "${server[@]}" serve --data "$data" --urls "http://127.0.0.1:$PORT" >"$work/server-$run.log" 2>&1 & pid=$!
  for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/health/ready" && break; sleep 0.2; done
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  dd1=$(dd_rate "$data")
  result=$(/usr/bin/python3 bench/transfer-client.py "$work/bench.dcm" --port "$PORT" --one-time-password "$otp" --chunk-mib "$CHUNK_MIB" --warm "$WARM")
  dd2=$(dd_rate "$data")
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  up=$(jq -r --argjson b "$bytes" '$b / .upload_s / 1e6 | round' <<<"$result")
  down=$(jq -r --argjson b "$bytes" '$b / .download_s / 1e6 | round' <<<"$result")
  ingest=$(jq -r .ingest_s <<<"$result")
  printf '%-4s %-18s %9s %9s %9s %9s %9s %8s %8s  %s\n' "$run" "$load" "$dd1" "$up" "$down" "$ingest" "$dd2" \
    "$(ratio "$up" "$dd1")" "$(ratio "$down" "$dd1")" "ratios to the dd before; to the dd after: $(ratio "$up" "$dd2") $(ratio "$down" "$dd2")"
  echo "     client: $result"
  rm -rf "$data"
done
