#!/usr/bin/env bash
# Mesh inspection (issue "Trabecula.Mesh and design confirmation"): `trabecula mesh inspect` against
# ADMesh with its default checks on OpenSCAD spheres as binary STL, best of RUNS wall times in the
# same run (ours includes .NET start-up, ADMesh's its process start). Target: at least ADMesh's
# triangles per second. Results: docs/performance.md.
#   bash bench/mesh.sh        # FNS="300 600 1000" RUNS=3
set -euo pipefail
cd "$(dirname "$0")/.."
FNS=${FNS:-300 600 1000}
RUNS=${RUNS:-3}
for tool in openscad admesh; do command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 1; }; done
dotnet build src/Trabecula.Server -c Release -nologo -v quiet >&2
dll=src/Trabecula.Server/bin/Release/net10.0/Trabecula.Server.dll
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
best() { local b=999999 t; for _ in $(seq 1 "$RUNS"); do /usr/bin/time -f '%e' -o "$work/t" "$@" >/dev/null 2>&1; t=$(tail -n1 "$work/t"); b=$(awk -v a="$t" -v b="$b" 'BEGIN{print (a<b)?a:b}'); done; echo "$b"; }
echo "# mesh inspection benchmark - $(date -u '+%Y-%m-%d %H:%M:%S') UTC; $(nproc) cores; best of $RUNS wall times incl. process start"
for fn in $FNS; do
  echo "sphere(r=50, \$fn=$fn);" > "$work/s$fn.scad"
  openscad --export-format binstl -o "$work/s$fn.stl" "$work/s$fn.scad" >/dev/null 2>&1
  tri=$(admesh -c "$work/s$fn.stl" | awk -F: '/Number of facets/{split($2,a," "); print a[1]}')
  a=$(best admesh "$work/s$fn.stl")
  o=$(best dotnet "$dll" mesh inspect "$work/s$fn.stl" --json)
  awk -v fn="$fn" -v n="$tri" -v a="$a" -v o="$o" 'BEGIN {
    printf "sphere $fn=%-5s %8d tri   admesh (default checks) %10.0f tri/s   trabecula mesh inspect %10.0f tri/s   ratio %.2f\n", fn, n, n/a, n/o, a/o }'
done
