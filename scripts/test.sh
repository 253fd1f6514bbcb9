#!/usr/bin/env bash
# The whole test suite, as CI runs it (`npm test`): system test dependencies, formatting (Prettier), lint, type checks,
# the build, unit/integration/type tests (Vitest), then the end-to-end test in Chromium. Every
# step runs; the closing line counts every failure (scripts/test-summary.mjs) and the exit status
# is non-zero whenever that count is.
set -uo pipefail
cd "$(dirname "$0")/.."

deps=$(bash scripts/install-test-deps.sh) || { echo "install-test-deps failed: the tests cannot run without their system packages" >&2; exit 1; }
eval "$deps"
# With lavapipe installed, a missing WebGPU adapter is a failure, not a skip.
export STACKLAB_REQUIRE_WEBGPU=1
# Runs made by tests go to a scratch folder, never to the user's own.
STACKLAB_RUNS_DIR=$(mktemp -d -t stacklab-test-runs-XXXXXX)
export STACKLAB_RUNS_DIR
STACKLAB_CONFIG_DIR=$(mktemp -d -t stacklab-test-config-XXXXXX)
export STACKLAB_CONFIG_DIR
mkdir -p test-results
rm -f test-results/unit-summary.json test-results/e2e-summary.json

reporters=(--reporter=default --reporter=./scripts/summary-reporter.mjs)
echo "== format"; npm run -s format:check; format=$?
echo "== lint"; npm run -s lint; lint=$?
echo "== typecheck"; npm run -s typecheck; typecheck=$?
echo "== build"; npx electron-vite build --logLevel warn; build=$?
echo "== unit, integration and type tests"
STACKLAB_TEST_SUMMARY=test-results/unit-summary.json npx vitest run "${reporters[@]}"; unit=$?
echo "== end-to-end (Chromium, server mode)"
STACKLAB_TEST_SUMMARY=test-results/e2e-summary.json npx vitest run -c vitest.e2e.config.ts "${reporters[@]}"; e2e=$?

echo "== summary"
node scripts/test-summary.mjs --step "format=$format" --step "lint=$lint" --step "typecheck=$typecheck" --step "build=$build" \
  --run "unit=test-results/unit-summary.json=$unit" --run "e2e=test-results/e2e-summary.json=$e2e"
