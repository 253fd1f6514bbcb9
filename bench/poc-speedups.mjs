// A poc's speed-ups on both bases from its report.json files: the per-seed log-ratio of the
// baseline's time over the variant's, mean and 95% Student t interval (the comparison's rule),
// on the wall-clock and on training time (wall-clock less validation).
//   node bench/poc-speedups.mjs <runs folder or job folder> ...
import fs from 'node:fs';
import path from 'node:path';

const T95 = [NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262];
const jobOf = (dir) =>
  fs.existsSync(path.join(dir, 'job.json')) ? dir : path.join(dir, fs.readdirSync(dir).sort().at(-1));

for (const arg of process.argv.slice(2)) {
  const job = jobOf(arg);
  const report = (run) => JSON.parse(fs.readFileSync(path.join(job, run, 'report.json'), 'utf8'));
  const seeds = fs.readdirSync(job).filter((d) => /^baseline-s\d+$/.test(d)).length;
  const cells = [];
  for (const variant of ['gradstack', 'midas'])
    for (const [basis, time] of [
      ['wall-clock', (r) => r.wallMs],
      ['training time', (r) => r.wallMs - r.evalMs],
    ]) {
      const logs = Array.from({ length: seeds }, (_, i) =>
        Math.log(time(report(`baseline-s${i + 1}`)) / time(report(`${variant}-s${i + 1}`))),
      );
      const mean = logs.reduce((a, b) => a + b) / seeds;
      const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (seeds - 1));
      const half = (T95[seeds - 1] * sd) / Math.sqrt(seeds);
      const f = (x) => Math.exp(x).toFixed(2);
      cells.push(`${variant} ${basis} ${f(mean)}x [${f(mean - half)}, ${f(mean + half)}]`);
    }
  console.log(`${arg}: ${cells.join(' | ')}`);
}
