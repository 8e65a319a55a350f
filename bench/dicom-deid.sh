#!/usr/bin/env bash
# De-identification folder to folder (issue "DICOM and patient data intake"): `trabecula dicom deid`
# (the whole PS3.15 Annex E basic profile) against `gdcmanon --dumb` with the 19-tag list of
# ../shared/bench/anchors.sh, on the same synthetic CT series, median of RUNS (hyperfine), in the same run.
#   bash bench/dicom-deid.sh        # SLICES=300 RUNS=5; PUBLISHED=dir reuses a publish folder;
#                                   # BEFORE=path/Trabecula.Server.dll adds an earlier build (run with dotnet)
set -euo pipefail
cd "$(dirname "$0")/.."
SLICES=${SLICES:-300}
RUNS=${RUNS:-5}
for tool in gdcmanon hyperfine jq; do command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install libgdcm-tools hyperfine jq" >&2; exit 1; }; done
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# Ours is the published `trabecula` (tools/publish.sh: the native AOT launcher), as deployed; PUBLISHED=dir reuses one.
pub=${PUBLISHED:-$work/pub}
if [[ -z ${PUBLISHED:-} ]]; then
  bash tools/publish.sh "$pub" >&2
fi
exe=$pub/trabecula
/usr/bin/python3 tools/fixtures/make-ct-series.py "$work/series" -n "$SLICES" >&2
mib=$(du -sm "$work/series" | cut -f1)

DUMB=(--empty 10,10 --empty 10,20 --remove 10,30 --remove 10,1000 --remove 10,1040 --remove 10,21b0
      --empty 8,50 --empty 8,80 --remove 8,81 --empty 8,90 --remove 8,1010 --remove 8,1040
      --remove 8,1050 --remove 8,1070 --remove 18,1000 --empty 20,10 --remove 10,21
      --remove 43,1001,BENCH_PHI_01 --remove 43,1002,BENCH_PHI_01)
# One hyperfine run of both commands (the output folder emptied before every run, not timed);
# wall time of the whole process, start-up included.
hyperfine -N --style none --warmup 1 --runs "$RUNS" --export-json "$work/hf.json" \
  --prepare "rm -rf $work/out" \
  "gdcmanon --dumb ${DUMB[*]} -i $work/series -o $work/out" \
  "$exe dicom deid $work/series $work/out --secret bench-case --pseudonym P-BENCH" \
  ${BEFORE:+"dotnet $BEFORE dicom deid $work/series $work/out --secret bench-case --pseudonym P-BENCH"} > "$work/hf.out" 2>&1 || { cat "$work/hf.out" >&2; exit 1; }
read -r am an om on bm bn <<<"$(jq -r '[.results[] | (.median, .min)] | map(tostring) | join(" ")' "$work/hf.json")"
echo "# de-identification benchmark - $(date -u '+%Y-%m-%d %H:%M:%S') UTC; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); $SLICES slices, $mib MiB; hyperfine -N, $RUNS runs + 1 warm-up, median (min), wall time incl. process start"
awk -v n="$SLICES" -v m="$mib" -v am="$am" -v an="$an" -v om="$om" -v on="$on" 'BEGIN {
  printf "%-62s %8.0f files/s  %6.1f MiB/s  %.3f s (min %.3f s: %.0f files/s)\n", "gdcmanon --dumb (19 tags, anchor)", n / am, m / am, am, an, n / an
  printf "%-62s %8.0f files/s  %6.1f MiB/s  %.3f s (min %.3f s: %.0f files/s)\n", "trabecula dicom deid (PS3.15 E.1-1 basic profile, all rows)", n / om, m / om, om, on, n / on
  printf "ours / anchor = %.2f by median, %.2f by min (target >= 1.0)\n", am / om, an / on }'
if [[ -n ${bm:-} ]]; then
  awk -v n="$SLICES" -v l="$BEFORE" -v am="$am" -v bm="$bm" -v bn="$bn" 'BEGIN {
    printf "before (%s): %.3f s (min %.3f s), %.0f files/s, before / anchor = %.2f\n", l, bm, bn, n / bm, am / bm }'
fi
