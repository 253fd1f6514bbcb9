// `npm run setup:cuda`: downloads onnxruntime-node's CUDA 12 provider libraries (skipped at
// `npm install`, see .npmrc). Needs internet access, and CUDA 12 + cuDNN 9 on the machine.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const ortDir = path.dirname(require.resolve('onnxruntime-node/package.json'));
const res = spawnSync(process.execPath, [path.join(ortDir, 'script', 'install.js')], {
  stdio: 'inherit',
  env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12' },
});
if (res.status !== 0) {
  console.error('\nThe CUDA provider could not be installed (see above). StackLab keeps working on webgpu and cpu.');
  process.exit(1);
}
console.log('CUDA provider installed. Check it with: npm run cli -- doctor');
