#!/usr/bin/env bash
# Mesh inspection (issue "Trabecula.Mesh and design confirmation"), side by side in one run:
#   1. `trabecula mesh inspect` on OpenSCAD spheres as binary STL against ADMesh with its default
#      checks (section d of ../shared/bench/anchors.sh). Target: at least ADMesh's triangles/s.
#   2. `trabecula mesh inspect` on the same spheres as AMF (../shared/bench/stl2amf.py, OpenSCAD's
#      layout) against `xmllint --noout --stream`, which only parses the XML. Target: at least 2x.
# Every time is a whole process (start-up included) measured by hyperfine (-N, 1 warm-up, RUNS
# runs, median reported, min beside it). Ours is the published `trabecula` (tools/publish.sh:
# the native AOT launcher), as deployed. Results: docs/performance.md.
#   bash bench/mesh.sh        # FNS="317 600 1000" RUNS=5; PUBLISHED=dir reuses a publish folder;
#                             # BEFORE=path adds an earlier build to each run: a Trabecula.Server.dll
#                             # (run with dotnet) or an earlier native `trabecula` launcher
# $fn=317 gives 100,802 triangles, the low end of the issue's 100k-1M range ($fn=300: 89,996).
set -euo pipefail
cd "$(dirname "$0")/.."
FNS=${FNS:-317 600 1000}
RUNS=${RUNS:-5}
for tool in openscad admesh xmllint hyperfine jq; do command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install openscad admesh libxml2-utils hyperfine jq)" >&2; exit 1; }; done
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
pub=${PUBLISHED:-$work/pub}
if [[ -z ${PUBLISHED:-} ]]; then
  bash tools/publish.sh "$pub" >&2
fi
exe=$pub/trabecula
before_cmd=
if [[ -n ${BEFORE:-} ]]; then
  if [[ $BEFORE == *.dll ]]; then before_cmd="dotnet $BEFORE"; else before_cmd=$BEFORE; fi
fi

# hf NAME CMD_A CMD_B [CMD_C] -> "medianA minA medianB minB [medianC minC]" in seconds
hf() {
  local name=$1; shift
  hyperfine -N --style none --warmup 1 --runs "$RUNS" --export-json "$work/$name.json" "$@" >"$work/$name.out" 2>&1 \
    || { cat "$work/$name.out" >&2; exit 1; }
  jq -r '[.results[] | (.median, .min)] | map(tostring) | join(" ")' "$work/$name.json"
}
before() { # prints the earlier build's line when BEFORE is set: LABEL N MEDIAN MIN ANCHOR_MEDIAN
  [[ -n ${BEFORE:-} && -n ${3:-} ]] || return 0
  awk -v l="$1" -v n="$2" -v bm="$3" -v bn="$4" -v am="$5" 'BEGIN { printf "    before (%s): %6.3f s (%6.3f) %5.2f M tri/s   before/anchor %.2f\n", l, bm, bn, n/bm/1e6, am/bm }'
}

echo "# mesh benchmark - $(date -u '+%Y-%m-%d %H:%M:%S') UTC; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); hyperfine -N, $RUNS runs + 1 warm-up, median (min)"
echo "# $(admesh --version 2>&1 | head -n1); xmllint $(dpkg-query -W -f='${Version}' libxml2-utils 2>/dev/null); $("$exe" version)"
for fn in $FNS; do
  echo "sphere(r=50, \$fn=$fn);" > "$work/s$fn.scad"
  openscad --export-format binstl -o "$work/s$fn.stl" "$work/s$fn.scad" >/dev/null 2>&1
  /usr/bin/python3 ../shared/bench/stl2amf.py "$work/s$fn.stl" "$work/s$fn.amf" 2>/dev/null
  tri=$(admesh -c "$work/s$fn.stl" | awk -F: '/Number of facets/{split($2,a," "); print a[1]}')
  mib=$(awk -v b="$(stat -c %s "$work/s$fn.amf")" 'BEGIN{printf "%.1f", b/1048576}')
  # The two readers agree before anything is timed.
  "$exe" mesh inspect "$work/s$fn.stl" --json | jq -c '{triangles, vertices, closed, shells}' > "$work/stl.json"
  "$exe" mesh inspect "$work/s$fn.amf" --json | jq -c '{triangles, vertices, closed, shells}' > "$work/amf.json"
  cmp -s "$work/stl.json" "$work/amf.json" || { echo "STL and AMF reports differ for \$fn=$fn" >&2; exit 1; }
  read -r am an om on bm bn <<<"$(hf "stl$fn" "admesh $work/s$fn.stl" "$exe mesh inspect $work/s$fn.stl --json" ${BEFORE:+"$before_cmd mesh inspect $work/s$fn.stl --json"})"
  awk -v fn="$fn" -v n="$tri" -v am="$am" -v an="$an" -v om="$om" -v on="$on" 'BEGIN {
    printf "STL sphere $fn=%-5s %8d tri   admesh (default checks) %6.3f s (%6.3f) %5.2f M tri/s   trabecula mesh inspect %6.3f s (%6.3f) %5.2f M tri/s   ours/anchor %.2f (target >= 1)\n",
      fn, n, am, an, n/am/1e6, om, on, n/om/1e6, am/om }'
  before "${BEFORE:-}" "$tri" "${bm:-}" "${bn:-}" "$am"
  read -r xm xn om on bm bn <<<"$(hf "amf$fn" "xmllint --noout --stream $work/s$fn.amf" "$exe mesh inspect $work/s$fn.amf --json" ${BEFORE:+"$before_cmd mesh inspect $work/s$fn.amf --json"})"
  awk -v fn="$fn" -v n="$tri" -v m="$mib" -v xm="$xm" -v xn="$xn" -v om="$om" -v on="$on" 'BEGIN {
    printf "AMF sphere $fn=%-5s %8d tri %6.1f MiB   xmllint --stream %6.3f s (%6.3f) %5.2f M tri/s   trabecula mesh inspect %6.3f s (%6.3f) %5.2f M tri/s   ours/anchor %.2f (target >= 2)\n",
      fn, n, m, xm, xn, n/xm/1e6, om, on, n/om/1e6, xm/om }'
  before "${BEFORE:-}" "$tri" "${bm:-}" "${bn:-}" "$xm"
done
