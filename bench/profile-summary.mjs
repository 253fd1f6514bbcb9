// node bench/profile-summary.mjs <ort-profile.json> [steps]: per-operator totals of an ORT profile.
import { readFileSync } from 'node:fs';
const [file, stepsArg] = process.argv.slice(2);
const steps = Number(stepsArg ?? 1);
const events = JSON.parse(readFileSync(file, 'utf8'));
const byOp = new Map();
let total = 0;
for (const e of events) {
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
  const k = `${e.args.op_name} [${e.args.provider ?? ''}]`;
  const v = byOp.get(k) ?? { ms: 0, n: 0 };
  v.ms += e.dur / 1000;
  v.n += 1;
  byOp.set(k, v);
  total += e.dur / 1000;
}
console.log(`kernel time per step: ${(total / steps).toFixed(2)} ms over ${byOp.size} operator kinds`);
for (const [k, v] of [...byOp].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
  console.log(`${k.padEnd(44)} ${(v.ms / steps).toFixed(2).padStart(9)} ms  ${String(v.n / steps).padStart(5)} nodes`);
}
