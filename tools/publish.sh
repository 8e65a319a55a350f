#!/usr/bin/env bash
# Publishes the deployable Trabecula into one folder: the server (ReadyToRun, Trabecula.Server)
# and the `trabecula` launcher (native AOT) beside it. The launcher runs the library verbs
# (dicom, mesh) itself and hands every other verb to the server executable.
#   bash tools/publish.sh OUT      # needs clang and zlib1g-dev for the native launcher
set -euo pipefail
out=${1:?usage: tools/publish.sh OUT}
cd "$(dirname "$0")/.."
command -v clang >/dev/null || { echo "clang is missing (apt-get install clang zlib1g-dev): the native launcher cannot be linked" >&2; exit 1; }
dotnet publish src/Trabecula.Server -c Release -o "$out" -nologo -v quiet
dotnet publish src/Trabecula.Launcher -c Release -o "$out" -nologo -v quiet
rm -f "$out/trabecula.dbg"
"$out/trabecula" version
