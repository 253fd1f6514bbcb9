/**
 * The test command's closing line: every failure counted (a failed check, a test file that threw
 * at load, an error no test caught, a crashed run), so a run that exits non-zero never reads
 * "0 failed"; and tests of data outside the repository skipped, with one line, in a bare clone.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { sharedDataDir } from '../helpers/shared-data';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const vitestBin = path.join(root, 'node_modules', '.bin', 'vitest');

/** Runs the summary script; its output and exit status. */
async function summary(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run(process.execPath, [path.join(root, 'scripts/test-summary.mjs'), ...args]);
    return { code: 0, out: r.stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

function summaryFile(dir: string, name: string, s: object): string {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    JSON.stringify({ passed: 0, failed: 0, skipped: 0, failedFiles: [], unhandledErrors: [], reason: 'passed', ...s }),
  );
  return file;
}

describe('the closing line of npm test', () => {
  it('counts failed files, errors no test caught, failed checks and crashed runs, and exits 1', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stacklab-summary-'));
    const clean = summaryFile(dir, 'clean.json', { passed: 10, skipped: 2 });
    expect(await summary(['--step', 'lint=0', '--run', `unit=${clean}=0`])).toEqual({
      code: 0,
      out: '10 passed, 0 failed, 2 skipped\n',
    });

    const atLoad = summaryFile(dir, 'load.json', {
      passed: 5,
      failedFiles: [{ file: 'tests/node/x.test.ts', error: 'at load' }],
    });
    const r1 = await summary(['--run', `unit=${atLoad}=1`]);
    expect(r1.code).toBe(1);
    expect(r1.out).toMatch(/failed: tests\/node\/x\.test\.ts \(at load\)\n5 passed, 1 failed\n$/);

    const unhandled = summaryFile(dir, 'unhandled.json', { passed: 3, failed: 1, unhandledErrors: ['late rejection'] });
    expect((await summary(['--run', `unit=${unhandled}=1`])).out).toMatch(
      /an error no test caught in the unit tests \(late rejection\)\n3 passed, 2 failed\n$/,
    );

    // Exit 1 with nothing counted; a run that left no summary; a failed check.
    const silent = await summary([
      '--step',
      'lint=0',
      '--step',
      'typecheck=2',
      '--run',
      `unit=${clean}=1`,
      '--run',
      `e2e=${path.join(dir, 'none.json')}=134`,
    ]);
    expect(silent.code).toBe(1);
    expect(silent.out).toContain('failed: typecheck (exit 2)');
    expect(silent.out).toContain('the unit tests exited 1 with no failure counted');
    expect(silent.out).toContain('the e2e tests left no summary');
    expect(silent.out.trim().split('\n').at(-1)).toBe('10 passed, 3 failed, 2 skipped');
  });

  it('a real Vitest run: a file that throws at load and an unhandled rejection are failures', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stacklab-summary-run-'));
    writeFileSync(path.join(dir, 'vitest.config.mjs'), "export default { test: { include: ['*.test.mjs'] } };\n");
    writeFileSync(
      path.join(dir, 'pass.test.mjs'),
      "import { it, expect } from 'vitest';\nit('passes', () => expect(1).toBe(1));\n",
    );
    writeFileSync(path.join(dir, 'load.test.mjs'), "throw new Error('the data are not there');\n");
    writeFileSync(
      path.join(dir, 'leak.test.mjs'),
      "import { it } from 'vitest';\nit('leaks', async () => { setTimeout(() => Promise.reject(new Error('late rejection')), 1); await new Promise((r) => setTimeout(r, 50)); });\n",
    );
    const file = path.join(dir, 'summary.json');
    const code = await run(
      vitestBin,
      ['run', '--root', dir, `--reporter=${path.join(root, 'scripts/summary-reporter.mjs')}`],
      { env: { ...process.env, STACKLAB_TEST_SUMMARY: file } },
    ).then(
      () => 0,
      (err: { code: number }) => err.code,
    );
    expect(code).toBe(1);
    const r = await summary(['--run', `unit=${file}=${code}`]);
    expect(r.out).toContain('failed: load.test.mjs (the data are not there)');
    expect(r.out).toContain('(late rejection)');
    expect(r.out.trim().split('\n').at(-1)).toBe('2 passed, 2 failed');
    expect(r.code).toBe(1);
  });

  it('skips the tests on real data in a clone with nothing beside it, with one line that says how to run them', async () => {
    expect(sharedDataDir({ STACKLAB_SHARED_DATA: '/nonexistent/shared-data' }).skipped).toBe(
      'skipped the tests on real data (TEP, NAB): /nonexistent/shared-data is not there; put the shared data beside the checkout (../shared/data) or set STACKLAB_SHARED_DATA to its folder to run them',
    );
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'stacklab-summary-skip-')), 'summary.json');
    const r = await run(
      vitestBin,
      [
        'run',
        'tests/node/import.test.ts',
        `--reporter=${path.join(root, 'scripts/summary-reporter.mjs')}`,
        '--reporter=default',
      ],
      {
        cwd: root,
        env: { ...process.env, STACKLAB_SHARED_DATA: '/nonexistent/shared-data', STACKLAB_TEST_SUMMARY: file },
      },
    );
    expect(
      `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.includes('skipped the tests on real data')),
    ).toHaveLength(1);
    const s = await summary(['--run', `unit=${file}=0`]);
    expect(s.code).toBe(0);
    expect(s.out).toMatch(/^\d+ passed, 0 failed, 4 skipped\n$/);
  });
});
