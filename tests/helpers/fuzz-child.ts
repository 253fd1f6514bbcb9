/**
 * Child process of the import fuzz test: `node --import tsx tests/helpers/fuzz-child.ts SEED CASES DIR`.
 * Imports each seeded malformed CSV through `stacklab import` and prints one JSON line before
 * (`{"start": name}`) and one after each case (outcome and the process's peak memory), so that the
 * parent can stop it when a case hangs, even in synchronous code, and name that case.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../src/engine/cli';
import { malformedCsvs } from './malformed-csv';

/** The high-water mark of this process's resident memory, in bytes (Linux), else the current RSS. */
function peakRss(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(existsSync('/proc/self/status') ? readFileSync('/proc/self/status', 'utf8') : '');
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}

const [seed, cases, dir] = process.argv.slice(2);
for (const c of malformedCsvs(Number(seed), Number(cases))) {
  const file = path.join(dir!, c.name);
  writeFileSync(file, c.bytes);
  process.stdout.write(JSON.stringify({ start: c.name, kinds: c.kinds }) + '\n');
  const err: string[] = [];
  const code = await runCli(['import', file], { out: () => {}, err: (l) => err.push(l) });
  process.stdout.write(
    JSON.stringify({ name: c.name, kinds: c.kinds, code, err: err.join('\n'), peakRss: peakRss() }) + '\n',
  );
}
