#!/usr/bin/env bash
# The whole test suite, as CI runs it (`npm test`): system test dependencies, lint, type checks,
# the build, unit/integration/type tests (Vitest), then the end-to-end test in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(bash scripts/install-test-deps.sh)"
# With lavapipe installed, a missing WebGPU adapter is a failure, not a skip.
export STACKLAB_REQUIRE_WEBGPU=1
# Runs made by tests go to a scratch folder, never to the user's own.
STACKLAB_RUNS_DIR=$(mktemp -d -t stacklab-test-runs-XXXXXX)
export STACKLAB_RUNS_DIR
STACKLAB_CONFIG_DIR=$(mktemp -d -t stacklab-test-config-XXXXXX)
export STACKLAB_CONFIG_DIR
mkdir -p test-results

echo "== lint"; npm run -s lint
echo "== typecheck"; npm run -s typecheck
echo "== build"; npx electron-vite build --logLevel warn
echo "== unit, integration and type tests"
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json || unit_failed=1
echo "== end-to-end (Chromium, server mode)"
npx vitest run -c vitest.e2e.config.ts --reporter=default --reporter=json --outputFile.json=test-results/e2e.json || e2e_failed=1

node -e '
const fs = require("fs");
let passed = 0, failed = 0, skipped = 0;
for (const f of ["test-results/vitest.json", "test-results/e2e.json"]) {
  if (!fs.existsSync(f)) { failed += 1; console.error(`missing ${f}: a test run crashed`); continue; }
  const r = JSON.parse(fs.readFileSync(f, "utf8"));
  passed += r.numPassedTests; failed += r.numFailedTests + (r.numRuntimeErrors ?? 0); skipped += r.numPendingTests + r.numTodoTests;
}
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
'
[ -z "${unit_failed:-}" ] && [ -z "${e2e_failed:-}" ]
