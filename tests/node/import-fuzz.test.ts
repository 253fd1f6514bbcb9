/**
 * Fuzz: a few hundred seeded malformed CSVs through `stacklab import`. Every one either imports
 * (exit 0) or fails with exit 1 and a short message that names the file: no crash, no internal
 * error, no hang, no runaway memory.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli';
import { malformedCsvs } from '../helpers/malformed-csv';

const CASES = 300;
const dir = mkdtempSync(path.join(os.tmpdir(), 'stacklab-fuzz-'));

describe('import fuzz', () => {
  it(`${CASES} malformed CSVs: each imports, or fails with exit 1 and a message under 500 characters naming the file`, async () => {
    const outcomes = { imported: 0, refused: 0 };
    let peakRss = 0;
    for (const c of malformedCsvs(20261201, CASES)) {
      const file = path.join(dir, c.name);
      writeFileSync(file, c.bytes);
      const what = `${c.name} (${c.kinds.join(' + ')})`;
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: import still running after 30 s`)), 30_000);
      });
      const r = await Promise.race([cli(['import', file]), hung]).finally(() => clearTimeout(timer));
      expect([0, 1], `${what}: exit ${r.code}: ${r.err}`).toContain(r.code);
      if (r.code === 1) {
        outcomes.refused++;
        expect(r.err, what).toMatch(new RegExp(`^stacklab import: .*${c.name.replace('.', '\\.')}`));
        expect(r.err.length, `${what}: ${r.err.slice(0, 600)}`).toBeLessThan(500);
        expect(r.err, what).not.toMatch(/TypeError|RangeError|ReferenceError|Maximum call stack|Invalid typed array|undefined|\n\s+at /);
      } else outcomes.imported++;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      expect(peakRss, what).toBeLessThan(2 ** 30);
    }
    // The generator reaches both outcomes (a fuzz that only ever refuses tests nothing of the import).
    expect(outcomes.imported).toBeGreaterThan(CASES / 10);
    expect(outcomes.refused).toBeGreaterThan(CASES / 10);
  }, 600_000);
});
