#!/usr/bin/env bash
# The main job: installs dependencies, builds, and runs mxir on the bundled
# examples: parse and print MX IR, then lower it and execute it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${MX_BUILD_DIR:-$root/build}

"$root/scripts/setup.sh"
"$root/scripts/build.sh" mx-opt
echo "== mx-opt examples/quantize.mlir (parsed, verified, printed)"
"$build/bin/mx-opt" "$root/examples/quantize.mlir"
echo "== examples/quantize-and-print.mlir lowered with mx-to-llvm and run by mlir-runner"
"$build/bin/mx-opt" "$root/examples/quantize-and-print.mlir" --mx-to-llvm=target=host |
  /usr/lib/llvm-22/bin/mlir-runner -e main -entry-point-result=void \
    -shared-libs=/usr/lib/llvm-22/lib/libmlir_c_runner_utils.so
