#!/usr/bin/env bash
# The main job: installs dependencies, builds, and runs mxir on the bundled
# example (examples/quantize.mlir).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${MX_BUILD_DIR:-$root/build}

"$root/scripts/setup.sh"
"$root/scripts/build.sh" mx-opt
echo "== mx-opt examples/quantize.mlir (parsed, verified, printed)"
"$build/bin/mx-opt" "$root/examples/quantize.mlir"
