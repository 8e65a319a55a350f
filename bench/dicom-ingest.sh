#!/usr/bin/env bash
# DICOM ingest over HTTP, one file per request over one keep-alive connection: Trabecula's
# POST /api/orders/{id}/datasets/{ds}/instances (parse, validate, hash, encrypt, store, index,
# audit) against Orthanc's POST /instances with the same kind of client, same series, same run.
# Target: Trabecula >= 1.5 x Orthanc. Results: docs/performance.md.
#   bash bench/dicom-ingest.sh        # SLICES=300 RUNS=3 WARM=2 PORT=5191 ORTHANC_PORT=18042; PUBLISHED=dir runs the server from a
#                                     # publish folder (ReadyToRun, as deployed: tools/publish.sh or dotnet publish)
set -euo pipefail
cd "$(dirname "$0")/.."
SLICES=${SLICES:-300}
RUNS=${RUNS:-3}
PORT=${PORT:-5191}
ORTHANC_PORT=${ORTHANC_PORT:-18042}
# Passes of the series before the measured one, on the same server (each into its own order):
# a server that has been running, with its request path compiled; the first pass's rate is printed too.
WARM=${WARM:-2}
command -v Orthanc >/dev/null || { echo "Orthanc is missing: apt-get install orthanc" >&2; exit 1; }
if [[ -n ${PUBLISHED:-} ]]; then
  dll=$PUBLISHED/Trabecula.Server.dll
else
  dotnet build src/Trabecula.Server -c Release -nologo -v quiet >&2
  dll=src/Trabecula.Server/bin/Release/net10.0/Trabecula.Server.dll
fi
work=$(mktemp -d); pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
/usr/bin/python3 tools/fixtures/make-ct-series.py "$work/series" -n "$SLICES" >&2
shared_post=${SHARED_BENCH:-../shared/bench}/post-instances.py

echo "# DICOM ingest benchmark - $(date -u '+%Y-%m-%d %H:%M:%S') UTC; load average $(cut -d' ' -f1-3 /proc/loadavg); server ${PUBLISHED:+PUBLISHED/}Trabecula.Server.dll; $(nproc) cores; $SLICES slices of 512x512 CT; 1 keep-alive connection; $RUNS runs each"
for run in $(seq 1 "$RUNS"); do
  # Orthanc with the anchors' settings (SyncStorageArea true, no compression), fresh storage each run.
  mkdir -p "$work/orthanc-$run"
  cat > "$work/orthanc-$run/orthanc.json" <<JSON
{ "Name": "BENCH", "StorageDirectory": "$work/orthanc-$run", "IndexDirectory": "$work/orthanc-$run",
  "StorageCompression": false, "SyncStorageArea": true, "HttpServerEnabled": true, "HttpPort": $ORTHANC_PORT,
  "RemoteAccessAllowed": false, "AuthenticationEnabled": false, "OrthancExplorerEnabled": false,
  "DicomServerEnabled": false, "SaveJobs": false, "MetricsEnabled": false, "Plugins": [] }
JSON
  Orthanc "$work/orthanc-$run/orthanc.json" >"$work/orthanc-$run.log" 2>&1 & opid=$!; pids+=("$opid")
  for _ in $(seq 1 300); do curl -s -o /dev/null --max-time 1 http://127.0.0.1:$ORTHANC_PORT/system && break; sleep 0.1; done
  orthanc=$(/usr/bin/python3 "$shared_post" "$work/series" --port "$ORTHANC_PORT")
  kill "$opid"; wait "$opid" 2>/dev/null || true

  # Ours twice: the defaults (deflate where a sample shrinks, as uncompressed CT does), and with
  # Storage:AutoCompression off, the same work as the Orthanc above (StorageCompression false).
  for config in default no-compression; do
    data="$work/trabecula-$run-$config"; mkdir -p "$data"
    settings=(); [[ $config == no-compression ]] && settings=(Storage__AutoCompression=false)
    otp=$(dotnet "$dll" demo seed --data "$data" 2>/dev/null | awk '$1 == "demo.physician" {print $3}')
    env "${settings[@]}" Logging__LogLevel__Default=Warning SignIn__RequestsPerMinutePerAddress=10000 \
      dotnet "$dll" serve --data "$data" --urls "http://127.0.0.1:$PORT" >"$work/trabecula-$run-$config.log" 2>&1 & tpid=$!; pids+=("$tpid")
    for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/health/ready" && break; sleep 0.2; done
    ours=$(/usr/bin/python3 bench/post-to-trabecula.py "$work/series" --port "$PORT" --one-time-password "$otp" --warm-up "$WARM")
    kill "$tpid"; wait "$tpid" 2>/dev/null || true
    printf 'run %s  trabecula (%s) %s  (load average %s)\n' "$run" "$config" "$ours" "$(cut -d' ' -f1 /proc/loadavg)"
  done
  printf 'run %s  orthanc %s\n' "$run" "$orthanc"
done
