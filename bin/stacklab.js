#!/usr/bin/env node
// The `stacklab` command: runs the TypeScript CLI through tsx's loader.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { register } from 'tsx/esm/api';

register();

// ORT's CUDA provider loads the CUDA 13 and cuDNN 9 libraries through the dynamic loader, which
// reads LD_LIBRARY_PATH only when a process starts: when the provider is installed and the
// libraries were found outside the library path, the CLI runs again with them on it.
async function cudaEnv() {
  if (process.platform !== 'linux' || process.env.STACKLAB_CUDA_ENV === '1') return null;
  const ort = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  if (!existsSync(path.join(ort, 'bin', 'napi-v6', 'linux', process.arch, 'libonnxruntime_providers_cuda.so'))) return null;
  const { cudaLibraryEnv } = await import('../src/engine/runtime/cuda-libs.ts');
  const extra = cudaLibraryEnv(process.env);
  return Object.keys(extra).length ? extra : null;
}

const extra = await cudaEnv();
if (extra) {
  const child = spawn(process.execPath, process.argv.slice(1), { stdio: 'inherit', env: { ...process.env, ...extra, STACKLAB_CUDA_ENV: '1' } });
  // Ctrl+C reaches the child too (same terminal); SIGTERM is passed on. The child decides when to stop.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGTERM' ? 143 : signal === 'SIGINT' ? 130 : 1)));
} else {
  process.env.STACKLAB_CLI_ENTRY = '1';
  await import('../src/engine/cli/index.ts');
}
