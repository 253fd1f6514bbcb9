/**
 * A Vitest reporter that writes what `scripts/test-summary.mjs` counts, to the file named by
 * $STACKLAB_TEST_SUMMARY: tests passed, failed and skipped; test files that failed outside any
 * test (an error at load, a worker that crashed); and errors no test caught (unhandled rejections).
 * Vitest's JSON report leaves the last two out, so a run could exit 1 and still read "0 failed".
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const message = (e) =>
  String(e?.message ?? e ?? 'unknown error')
    .split('\n')[0]
    .slice(0, 300);

export default class SummaryReporter {
  onTestRunEnd(testModules, unhandledErrors, reason) {
    const file = process.env.STACKLAB_TEST_SUMMARY;
    if (!file) return;
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const failedFiles = [];
    for (const m of testModules) {
      let failedHere = 0;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else skipped++;
      }
      failed += failedHere;
      // A file that failed with no failed test in it: it threw at load, or its worker died.
      const errors = m.errors();
      if (m.state() === 'failed' && failedHere === 0)
        failedFiles.push({
          file: m.relativeModuleId ?? m.moduleId,
          error: errors.length ? message(errors[0]) : 'the file failed outside its tests',
        });
    }
    const summary = { passed, failed, skipped, failedFiles, unhandledErrors: unhandledErrors.map(message), reason };
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  }
}
