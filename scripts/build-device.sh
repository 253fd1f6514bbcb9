#!/usr/bin/env bash
# Builds what a run on a GPU test machine without Node.js needs: single-file bundles of the CLI
# and the benchmarks in out/device/ (onnxruntime-node stays external), and, when the shared
# device tooling is beside the project, its Node + ORT + Vulkan loader bundle in .device/.
# Then, on that machine: source .device/setup.sh && node out/device/bench.mjs engine ...
set -euo pipefail
cd "$(dirname "$0")/.."
banner="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
# run-thread.mjs: a run in a worker thread (--parallel), loaded by the bundles from beside them.
for entry in "src/engine/cli/index.ts:cli.mjs" "bench/index.ts:bench.mjs" "src/engine/runs/run-thread.ts:run-thread.mjs"; do
  npx esbuild "${entry%%:*}" --bundle --platform=node --format=esm --target=node20 \
    --outfile="out/device/${entry##*:}" --external:onnxruntime-node --banner:js="$banner" --log-level=warning
done
if [ -x ../shared/tools/device-bundle.sh ] || [ -f ../shared/tools/device-bundle.sh ]; then
  bash ../shared/tools/device-bundle.sh >&2
fi
ls -la out/device
