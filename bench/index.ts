/** `npm run bench -- <name> [options]`: benchmarks (not tests). Results go to bench/RESULTS.md by hand, with the command line. */
import { benchAttacks } from './attacks';
import { benchDetection } from './detection';
import { benchEngine, formatEngineBench } from './engine';
import { benchEstimate } from './estimate';
import { benchFuzz } from './fuzz';
import { benchGrowth } from './growth';
import { benchImport } from './import';
import { benchFormats } from './formats';
import { benchLab } from './lab';
import { benchOps } from './ops';
import { benchParallel } from './engine-parallel';
import { benchQueue } from './queue';
import { benchValidation } from './validation';

const [name, ...rest] = process.argv.slice(2);
const json = rest.includes('--json');
try {
  if (name === 'engine') {
    const r = await benchEngine(rest);
    console.log(formatEngineBench(r));
    if (json) console.log(JSON.stringify(r));
  } else if (name === 'growth') {
    console.log(await benchGrowth(rest));
  } else if (name === 'import') {
    console.log(await benchImport(rest));
  } else if (name === 'formats') {
    console.log(await benchFormats(rest));
  } else if (name === 'detection') {
    console.log(await benchDetection(rest));
  } else if (name === 'fuzz') {
    console.log(await benchFuzz(rest));
  } else if (name === 'validation') {
    console.log(await benchValidation(rest));
  } else if (name === 'estimate') {
    console.log(await benchEstimate(rest));
  } else if (name === 'queue') {
    console.log(await benchQueue(rest));
  } else if (name === 'ops') {
    console.log(await benchOps(rest));
  } else if (name === 'lab') {
    console.log(await benchLab(rest));
  } else if (name === 'parallel') {
    console.log(await benchParallel(rest));
  } else if (name === 'attacks') {
    console.log(await benchAttacks(rest));
  } else {
    throw new Error(
      `unknown benchmark "${name ?? ''}"; available: engine, parallel, ops, import, growth, detection, estimate, queue, fuzz, validation, attacks, lab`,
    );
  }
} catch (err) {
  console.error(`bench: ${(err as Error).message}`);
  process.exitCode = 1;
}
