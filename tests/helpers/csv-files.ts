/** Writing small CSV files for import tests: a temporary folder, rows, and minute timestamps. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A new temporary folder and a function that writes `name` (sub-folders made) into it, returning its path. */
export function csvFolder(prefix: string): {
  dir: string;
  file: (name: string, content: string | Uint8Array) => string;
} {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    dir,
    file: (name, content) => {
      const p = path.join(dir, name);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, content);
      return p;
    },
  };
}

/** n lines made by f, joined by line breaks (no trailing one). */
export const rows = (n: number, f: (i: number) => string): string =>
  Array.from({ length: n }, (_, i) => f(i)).join('\n');

/** Row i's timestamp, one minute apart from 2024-01-01 00:00:00. */
export const ts = (i: number): string =>
  new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString().replace('T', ' ').slice(0, 19);
