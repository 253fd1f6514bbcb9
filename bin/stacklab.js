#!/usr/bin/env node
// The `stacklab` command: runs the TypeScript CLI through tsx's loader.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { register } from 'tsx/esm/api';

register();

// `npm run cli -- …` runs in the project's folder; a path the user typed is relative to the folder
// their shell was in (npm's INIT_CWD), as it would be for an installed `stacklab`.
if (process.env.npm_lifecycle_event === 'cli' && process.env.INIT_CWD && existsSync(process.env.INIT_CWD))
  process.chdir(process.env.INIT_CWD);

// ORT's CUDA provider loads the CUDA 13 and cuDNN 9 libraries through the dynamic loader, which
// reads LD_LIBRARY_PATH only when a process starts: when the provider is installed and the
// libraries were found outside the library path, the CLI runs again with them on it.
// Only commands that may load the CUDA provider: not import/compare/export/score/help, not --device cpu|webgpu.
function mayUseCuda(args) {
  if (!['train', 'doctor', 'serve', 'worker'].includes(args[0])) return false;
  const i = args.findIndex((a) => a === '--device' || a.startsWith('--device='));
  const device = i < 0 ? 'auto' : args[i].includes('=') ? args[i].split('=')[1] : args[i + 1];
  return device === 'auto' || device === 'cuda' || /^cuda:\d+$/.test(device ?? '');
}

async function cudaEnv() {
  if (process.platform !== 'linux' || process.env.STACKLAB_CUDA_ENV === '1' || !mayUseCuda(process.argv.slice(2)))
    return null;
  const ort = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  if (!existsSync(path.join(ort, 'bin', 'napi-v6', 'linux', process.arch, 'libonnxruntime_providers_cuda.so')))
    return null;
  const { cudaLibraryEnv } = await import('../src/engine/runtime/cuda-libs.ts');
  const extra = cudaLibraryEnv(process.env);
  return Object.keys(extra).length ? extra : null;
}

const extra = await cudaEnv();
if (extra) {
  // An IPC channel ties the child's life to this process: killed (kill -9), it leaves no orphan training on.
  const child = spawn(process.execPath, process.argv.slice(1), {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...extra, STACKLAB_CUDA_ENV: '1' },
  });
  // Ctrl+C reaches the child too (same terminal); SIGTERM is passed on. The child decides when to stop.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) =>
    process.exit(code ?? (signal === 'SIGTERM' ? 143 : signal === 'SIGINT' ? 130 : 1)),
  );
} else {
  // Started by the wrapper above: when it dies, so does this process (as kill -9 would have done).
  if (process.env.STACKLAB_CUDA_ENV === '1' && process.channel) {
    process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
    // The channel alone must not keep this process alive once the command is done.
    process.channel.unref();
  }
  process.env.STACKLAB_CLI_ENTRY = '1';
  await import('../src/engine/cli/index.ts');
}
