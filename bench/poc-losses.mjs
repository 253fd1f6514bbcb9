// Every number a job folder's runs computed, without timings or paths: a job's metrics.jsonl lines
// and report.json, run by run, one JSON line each. Two jobs trained from the same config.json give
// the same lines exactly when their losses, gradients, evaluations and probes are bit-identical.
//   node bench/poc-losses.mjs <job folder> > before.txt   (then after a change: diff)
import fs from 'node:fs';
import path from 'node:path';

const job = process.argv[2];
if (!job) {
  console.error('usage: node bench/poc-losses.mjs <job folder>');
  process.exit(2);
}
const timing = /ms$|Ms$|time|Time|seconds|Seconds|speed|Speed|dir|Dir|path|source|version/i;
const strip = (o) =>
  Array.isArray(o)
    ? o.map(strip)
    : o && typeof o === 'object'
      ? Object.fromEntries(
          Object.entries(o)
            .filter(([k]) => !timing.test(k) && !['tokensPerSec', 'createdAt', 'at'].includes(k))
            .map(([k, v]) => [k, strip(v)]),
        )
      : o;
for (const run of fs.readdirSync(job).sort()) {
  const dir = path.join(job, run);
  if (!fs.statSync(dir).isDirectory()) continue;
  for (const line of fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n'))
    console.log(run, JSON.stringify(strip(JSON.parse(line))));
  console.log(run, 'report', JSON.stringify(strip(JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')))));
}
