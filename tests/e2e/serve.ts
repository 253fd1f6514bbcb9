import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** Starts `stacklab serve` on a free port and resolves with the URL it prints. */
export async function startServe(): Promise<{ url: string; proc: ChildProcess; stop: () => Promise<void> }> {
  if (!existsSync(path.join(ROOT, 'out/renderer/index.html'))) {
    throw new Error('out/renderer is missing: run `npm run build` before the end-to-end tests (npm test does)');
  }
  // A configuration folder of its own: the wizard's session (session.json) starts empty for each server.
  const env = { ...process.env, STACKLAB_CONFIG_DIR: mkdtempSync(path.join(os.tmpdir(), 'stacklab-e2e-config-')) };
  const proc = spawn(process.execPath, ['bin/stacklab.js', 'serve', '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stacklab serve printed no URL within 30 s:\n${log}`)), 30_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const m = /running at (http:\/\/\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    proc.once('exit', (code) => reject(new Error(`stacklab serve exited with ${code}:\n${log}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  return { url, proc, stop };
}

/** Debian's Chromium, headless, with no background traffic (the network here is closed). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
