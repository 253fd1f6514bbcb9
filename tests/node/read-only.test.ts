/**
 * A runs folder on a read-only file system (a bind mount remounted read-only, as a share can turn
 * read-only under a running job): the error names the write that failed and the reason, never the
 * clean-up that came after it, and what was saved before is kept.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src/engine/services';

const base = mkdtempSync(path.join(os.tmpdir(), 'stacklab-ro-'));
const source = path.join(base, 'source');
const mounted = path.join(base, 'mounted');
mkdirSync(source);
mkdirSync(mounted);

/** Bind-mounts `source` on `mounted`, read-write or read-only; false where this machine does not allow mounts. */
function mount(readOnly: boolean): boolean {
  try {
    if (!readOnly) execFileSync('mount', ['--bind', source, mounted], { stdio: 'ignore' });
    else execFileSync('mount', ['-o', 'remount,bind,ro', mounted], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const canMount = mount(false);
if (!canMount)
  console.warn(
    'skipped the read-only runs folder tests: this machine does not allow a bind mount (they need root, as CI has)',
  );
afterAll(() => {
  if (canMount) execFileSync('umount', [mounted]);
});

describe.skipIf(!canMount)('a read-only runs folder', () => {
  it('a job that turns read-only mid-run names the file it could not write, keeping its checkpoints', async () => {
    const out = path.join(mounted, 'job');
    const child = spawn(
      process.execPath,
      [
        'bin/stacklab.js',
        'train',
        '--sample',
        '--variants',
        'baseline',
        '--seeds',
        '1',
        '--preset',
        'tiny',
        '--steps',
        '3000',
        '--device',
        'cpu',
        '--out',
        out,
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exit = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    const cks = path.join(out, 'baseline-s1', 'checkpoints');
    for (let i = 0; i < 1200 && !(existsSync(cks) && readdirSync(cks).some((f) => f.endsWith('.safetensors'))); i++)
      await new Promise((r) => setTimeout(r, 50));
    const saved = readdirSync(cks).filter((f) => f.endsWith('.safetensors'));
    expect(saved.length).toBeGreaterThan(0);
    expect(mount(true)).toBe(true);
    expect(await exit).toBe(1);
    const last = err.trim().split('\n').at(-1)!;
    expect(last).toMatch(
      /cannot write .*baseline-s1\/(metrics\.jsonl|checkpoints\/step-\d+\.safetensors): its file system is read-only \(EROFS\)\. Make it writable or choose another folder, then resume/,
    );
    expect(last).not.toMatch(/run\.lock|unlink/);
    for (const f of saved) expect(existsSync(path.join(cks, f))).toBe(true);
  }, 120_000);

  it('a new job in it, from the command line or the app, names the folder and the read-only file system', async () => {
    const cli = spawn(
      process.execPath,
      [
        'bin/stacklab.js',
        'train',
        '--sample',
        '--variants',
        'baseline',
        '--seeds',
        '1',
        '--preset',
        'tiny',
        '--steps',
        '10',
        '--device',
        'cpu',
        '--out',
        path.join(mounted, 'new-job'),
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    cli.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    expect(await new Promise((r) => cli.on('exit', r))).toBe(1);
    expect(err).toMatch(/cannot write .*mounted\/new-job: its file system is read-only \(EROFS\)/);
    const services = createServices({ host: 'server', runsDir: mounted, configDir: path.join(base, 'config') });
    const { datasetId } = (await services.handle('data.import', { source: { kind: 'sample' } })) as {
      datasetId: string;
    };
    await expect(
      services.handle('jobs.start', {
        datasetId,
        variants: ['baseline'],
        preset: 'tiny',
        steps: 10,
        seeds: 1,
        device: 'cpu',
      }),
    ).rejects.toThrow(/cannot write .*mounted\/.*: its file system is read-only \(EROFS\)/);
  }, 60_000);
});
