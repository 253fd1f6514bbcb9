/**
 * Fuzz: a few hundred seeded malformed CSVs through `stacklab import`. Every one either imports
 * (exit 0) or fails with exit 1 and a short message that names the file: no crash, no internal
 * error, no case running past 30 s (the cases run in a child process, which is stopped when one
 * hangs, even in synchronous code), no process over 1 GB.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';

const CASES = 300;
const HANG_MS = 30_000;
const dir = mkdtempSync(path.join(os.tmpdir(), 'stacklab-fuzz-'));

type Outcome = { name: string; kinds: string[]; code: number; err: string; peakRss: number };

/** Runs the cases in a child; resolves with every outcome, or rejects naming the case that hung. */
function runCases(seed: number, cases: number): Promise<Outcome[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'tests/helpers/fuzz-child.ts', String(seed), String(cases), dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const outcomes: Outcome[] = [];
    let current = '(start-up)';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${current}: import still running after ${HANG_MS / 1000} s`));
      }, HANG_MS);
    };
    arm();
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line) as { start: string; kinds: string[] } | Outcome;
      if ('start' in msg) {
        current = `${msg.start} (${msg.kinds.join(' + ')})`;
        arm();
      } else outcomes.push(msg);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(outcomes);
      else
        reject(
          new Error(`the fuzz process ended (${signal ?? `exit ${code}`}) during ${current}:\n${stderr.slice(-2000)}`),
        );
    });
  });
}

describe('import fuzz', () => {
  it(`${CASES} malformed CSVs: each imports, or fails with exit 1 and a message under 500 characters naming the file`, async () => {
    const outcomes = await runCases(20261201, CASES);
    expect(outcomes).toHaveLength(CASES);
    for (const r of outcomes) {
      const what = `${r.name} (${r.kinds.join(' + ')})`;
      expect([0, 1], `${what}: exit ${r.code}: ${r.err}`).toContain(r.code);
      if (r.code === 1) {
        expect(r.err, what).toMatch(new RegExp(`^stacklab import: .*${r.name.replace('.', '\\.')}`));
        expect(r.err.length, `${what}: ${r.err.slice(0, 600)}`).toBeLessThan(500);
        expect(r.err, what).not.toMatch(
          /TypeError|RangeError|ReferenceError|Maximum call stack|Invalid typed array|undefined|\n\s+at /,
        );
      }
      expect(r.peakRss, `${what}: peak memory`).toBeLessThan(2 ** 30);
    }
    // The generator reaches both outcomes (a fuzz that only ever refuses tests nothing of the import).
    expect(outcomes.filter((r) => r.code === 0).length).toBeGreaterThan(CASES / 10);
    expect(outcomes.filter((r) => r.code === 1).length).toBeGreaterThan(CASES / 10);
  }, 600_000);
});
