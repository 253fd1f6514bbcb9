// node bench/profile-compare.mjs <ort-profile.json> <steps> <torch-profile.json>: GPU time per
// step by kind of work, ORT against PyTorch (issue 25): the ORT profile of `bench engine
// --profile P` (its steps, warm-up included) and the .json that `bench_torch.py --profile F`
// writes beside F (ten steps). A kind is read from ORT's operator types and from the names of
// PyTorch's kernels (or operators, on a CPU).
import { readFileSync } from 'node:fs';

const KINDS = [
  [
    'matrix products',
    /MatMul|Gemm|gemm|cutlass|cublas|aten::(mm|bmm|addmm|matmul|linear)\b|xmma|sm\d+_.*_(nn|nt|tn|tt)/i,
  ],
  ['softmax and masks', /Softmax|softmax|Where|masked/],
  ['LayerNorm', /LayerNorm|layer_norm/i],
  ['GELU', /Gelu|gelu|Erf\b|erf/],
  ['optimizer', /Adam|adam|multi_tensor|foreach|Optimizer/],
  [
    'casts and copies',
    /Cast|Transpose|Concat|Split|Slice|Expand|Identity|Reshape|Gather|Scatter|copy|_to_copy|cat|transpose|clone|contiguous|index/,
  ],
  ['reductions', /Reduce|reduce|sum|mean|norm/],
  [
    'element-wise',
    /Add|Mul|Sub|Div|Sqrt|Pow|Neg|Exp|Log|Sigmoid|Relu|Max|Min|Clip|elementwise|vectorized|add|mul|div|sub/,
  ],
];
const kindOf = (name) => KINDS.find(([, re]) => re.test(name))?.[0] ?? 'other';

const [ortFile, stepsArg, torchFile] = process.argv.slice(2);
if (!ortFile || !stepsArg || !torchFile) {
  console.error('usage: node bench/profile-compare.mjs <ort-profile.json> <steps> <torch-profile.json>');
  process.exit(2);
}
const steps = Number(stepsArg);
const ort = new Map();
for (const e of JSON.parse(readFileSync(ortFile, 'utf8'))) {
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
  const k = kindOf(e.args.op_name ?? e.name);
  ort.set(k, (ort.get(k) ?? 0) + e.dur / 1000 / steps);
}
const torch = new Map();
const t = JSON.parse(readFileSync(torchFile, 'utf8'));
for (const op of t.ops) {
  // On CUDA the kernels carry the time and their operators none; on a CPU the operators do.
  const k = kindOf(op.name);
  torch.set(k, (torch.get(k) ?? 0) + op.ms);
}
const kinds = [...KINDS.map(([k]) => k), 'other'];
const f = (v) => (v === undefined ? '-' : v.toFixed(2)).padStart(9);
console.log(`${'ms per step'.padEnd(20)}${'ORT'.padStart(9)}${'PyTorch'.padStart(9)}   ORT − PyTorch`);
let a = 0;
let b = 0;
for (const k of kinds) {
  const x = ort.get(k) ?? 0;
  const y = torch.get(k) ?? 0;
  if (!x && !y) continue;
  a += x;
  b += y;
  console.log(`${k.padEnd(20)}${f(x)}${f(y)}   ${(x - y >= 0 ? '+' : '') + (x - y).toFixed(2)}`);
}
console.log(`${'all'.padEnd(20)}${f(a)}${f(b)}   ${(a - b >= 0 ? '+' : '') + (a - b).toFixed(2)}`);
console.log("(ORT's AdamW update is element-wise operators of the step graph: counted as element-wise, not optimizer)");
