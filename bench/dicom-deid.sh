#!/usr/bin/env bash
# De-identification folder to folder (issue "DICOM and patient data intake"): `trabecula dicom deid`
# (the whole PS3.15 Annex E basic profile) against `gdcmanon --dumb` with the 19-tag list of
# ../shared/bench/anchors.sh, on the same synthetic CT series, best of RUNS, in the same run.
#   bash bench/dicom-deid.sh        # SLICES=300 RUNS=5
set -euo pipefail
cd "$(dirname "$0")/.."
SLICES=${SLICES:-300}
RUNS=${RUNS:-5}
command -v gdcmanon >/dev/null || { echo "gdcmanon is missing: apt-get install libgdcm-tools" >&2; exit 1; }
dotnet build src/Trabecula.Server -c Release -nologo -v quiet >&2
dll=src/Trabecula.Server/bin/Release/net10.0/Trabecula.Server.dll
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
/usr/bin/python3 tools/fixtures/make-ct-series.py "$work/series" -n "$SLICES" >&2
mib=$(du -sm "$work/series" | cut -f1)

best() { # command... -> best wall time in seconds over RUNS, output folder emptied before each run
  local best=999999 t
  for _ in $(seq 1 "$RUNS"); do
    rm -rf "$work/out"; mkdir -p "$work/out"; sync
    /usr/bin/time -f '%e' -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    t=$(tail -n 1 "$work/time")
    best=$(awk -v a="$t" -v b="$best" 'BEGIN {print (a < b) ? a : b}')
  done
  echo "$best"
}
DUMB=(--empty 10,10 --empty 10,20 --remove 10,30 --remove 10,1000 --remove 10,1040 --remove 10,21b0
      --empty 8,50 --empty 8,80 --remove 8,81 --empty 8,90 --remove 8,1010 --remove 8,1040
      --remove 8,1050 --remove 8,1070 --remove 18,1000 --empty 20,10 --remove 10,21
      --remove 43,1001,BENCH_PHI_01 --remove 43,1002,BENCH_PHI_01)
anchor=$(best gdcmanon --dumb "${DUMB[@]}" -i "$work/series" -o "$work/out")
ours=$(best dotnet "$dll" dicom deid "$work/series" "$work/out" --secret bench-case --pseudonym P-BENCH)
echo "# de-identification benchmark - $(date -u '+%Y-%m-%d %H:%M:%S') UTC; $(nproc) cores; $SLICES slices, $mib MiB; best of $RUNS, wall time incl. process start"
awk -v n="$SLICES" -v m="$mib" -v a="$anchor" -v o="$ours" 'BEGIN {
  printf "%-62s %8.0f files/s  %6.1f MiB/s  %.3f s\n", "gdcmanon --dumb (19 tags, anchor)", n / a, m / a, a
  printf "%-62s %8.0f files/s  %6.1f MiB/s  %.3f s\n", "trabecula dicom deid (PS3.15 E.1-1 basic profile, all rows)", n / o, m / o, o
  printf "ours / anchor = %.2f (target >= 1.0)\n", a / o }'
