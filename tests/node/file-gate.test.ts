/**
 * Previews show only what an import would accept: server mode's `data.inspect` and `data.import`
 * read a file only through the data-file gate (CSV-like names; regular files judged on the opened
 * descriptor; outside /proc, /sys, /dev; under --root inside it, the real file's name CSV-like
 * too), so no file that is not CSV-like leaks a byte, a link swapped mid-request leaks nothing,
 * and a FIFO hangs nothing.
 */
import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../src/engine/services';
import { rows, ts } from '../helpers/csv-files';

const base = mkdtempSync(path.join(os.tmpdir(), 'stacklab-gate-'));
const root = path.join(base, 'root');
mkdirSync(root);
const good = path.join(root, 'good.csv');
writeFileSync(
  good,
  'timestamp,x,y\n' + rows(60, (i) => `${ts(i)},${Math.sin(i / 5).toFixed(3)},${Math.cos(i / 7).toFixed(3)}`) + '\n',
);
// A key file inside the root (never CSV-like), and a CSV-like file outside it.
const SECRET = 'SECRET-KEY-MATERIAL-7f3a';
const key = path.join(root, 'id_ed25519');
writeFileSync(key, `${SECRET}\n${SECRET},1,2\n`);
const OUTSIDE = 'OUTSIDE-THE-ROOT-91c2';
const outside = path.join(base, 'outside.txt');
writeFileSync(outside, `${OUTSIDE},1,2\n${OUTSIDE},3,4\n`);

function services(withRoot: boolean): Services {
  return createServices({
    host: 'server',
    runsDir: path.join(base, 'runs'),
    configDir: path.join(base, 'config'),
    ...(withRoot ? { root } : {}),
  });
}
const open = services(false);
const confined = services(true);

/** The request's result or its error message, as one string to search for leaked bytes. */
async function answer(
  s: Services,
  channel: 'data.inspect' | 'data.import',
  p: string,
  labels?: string,
): Promise<string> {
  return s.handle(channel, { source: { kind: 'path', path: p, ...(labels ? { labels } : {}) } }).then(
    (r) => JSON.stringify(r),
    (err: Error) => `error: ${err.message}`,
  );
}

describe('data.inspect and data.import share the data-file gate', () => {
  it('refuses files that are not CSV-like, by name or through a link, and kernel files, quoting nothing of them', async () => {
    for (const s of [open, confined]) {
      for (const channel of ['data.inspect', 'data.import'] as const) {
        const passwd = await answer(s, channel, '/etc/passwd');
        expect(passwd).toMatch(/^error: .*\/etc\/passwd/);
        expect(passwd).not.toContain('root:');
        const environ = await answer(s, channel, '/proc/self/environ');
        expect(environ).toMatch(/^error: /);
        expect(environ).not.toMatch(/PATH=|HOME=/);
        expect(await answer(s, channel, key)).toMatch(/^error: .*id_ed25519: is not a data file/);
      }
    }
    // Without --root a link is the user's own: a CSV file kept under another name (a cache file) imports.
    const cache = path.join(base, 'cache-3f2a9c');
    copyFileSync(good, cache);
    const cached = path.join(base, 'cached.csv');
    symlinkSync(cache, cached);
    expect(await answer(open, 'data.import', cached)).toContain('"datasetId"');
    // With --root, a CSV-named link to a key file inside the root, or to a file outside it.
    const toKey = path.join(root, 'key-link.csv');
    symlinkSync(key, toKey);
    const toOutside = path.join(root, 'outside-link.csv');
    symlinkSync(outside, toOutside);
    const toEnviron = path.join(root, 'environ.csv');
    symlinkSync('/proc/self/environ', toEnviron);
    for (const channel of ['data.inspect', 'data.import'] as const) {
      const viaLink = await answer(confined, channel, toKey);
      expect(viaLink).toMatch(/key-link\.csv: is a link to a file that is not a data file/);
      expect(viaLink).not.toContain(SECRET);
      const out = await answer(confined, channel, toOutside);
      expect(out).toMatch(/outside the folder this server may use/);
      expect(out).not.toContain(OUTSIDE);
      const env = await answer(open, channel, toEnviron);
      expect(env).toMatch(/environ\.csv: lies in the kernel's virtual file system/);
      expect(env).not.toMatch(/PATH=|HOME=/);
    }
    // The labels file goes through the same gate.
    const labelsLink = path.join(root, 'labels.json');
    symlinkSync(outside, labelsLink);
    const labels = await answer(confined, 'data.import', good, labelsLink);
    expect(labels).toMatch(/labels\.json.*outside the folder this server may use/);
    expect(labels).not.toContain(OUTSIDE);
    // The file a user meant is still read.
    expect(await answer(confined, 'data.inspect', good)).toContain('"header":["timestamp","x","y"]');
  });

  it('a FIFO named .csv is refused at once and hangs nothing: six at a time, then jobs.list and an import answer', async () => {
    const folder = path.join(root, 'with-fifo');
    mkdirSync(folder);
    copyFileSync(good, path.join(folder, 'b.csv'));
    const fifo = path.join(folder, 'a.csv');
    execFileSync('mkfifo', [fifo]);
    const t0 = performance.now();
    const fifos = await Promise.all(
      Array.from({ length: 6 }, (_, i) => answer(confined, i % 2 ? 'data.import' : 'data.inspect', fifo)),
    );
    for (const a of fifos) expect(a).toMatch(/a\.csv: is a named pipe \(FIFO\), not a regular file/);
    expect(await confined.handle('jobs.list', {})).toEqual([]);
    expect(await answer(confined, 'data.import', good)).toContain('"datasetId"');
    expect(performance.now() - t0).toBeLessThan(20_000);
    // A FIFO as the labels file: the same.
    const labelsFifo = path.join(folder, 'windows.json');
    execFileSync('mkfifo', [labelsFifo]);
    expect(await answer(confined, 'data.import', good, labelsFifo)).toMatch(
      /windows\.json: is a named pipe \(FIFO\), not a regular file\. Give the labels file \(JSON\) saved as a file/,
    );
    // A folder holding the FIFO imports its real CSV file and skips the pipe.
    expect(await answer(confined, 'data.inspect', folder)).toContain('"header":["timestamp","x","y"]');
  });

  it('under --root, a link swapped between a CSV file, a key file and a file outside the root while previews run leaks nothing (400 previews)', async () => {
    const link = path.join(root, 'swapped.csv');
    symlinkSync(good, link);
    // Another process swaps the link as fast as it can (atomic rename over it).
    const swapper = spawn(
      process.execPath,
      [
        '-e',
        `
      const fs = require('node:fs');
      const [link, ...targets] = process.argv.slice(1);
      for (let i = 0; ; i++) {
        const tmp = link + '.new';
        try { fs.rmSync(tmp, { force: true }); fs.symlinkSync(targets[i % targets.length], tmp); fs.renameSync(tmp, link); } catch {}
      }`,
        link,
        good,
        key,
        outside,
      ],
      { stdio: 'ignore' },
    );
    try {
      let leaked = 0;
      let previews = 0;
      for (let i = 0; i < 400; i++) {
        const a = await answer(confined, 'data.inspect', link);
        if (a.includes(SECRET) || a.includes(OUTSIDE)) leaked++;
        if (a.includes('"timestamp","x","y"')) previews++;
      }
      expect(leaked).toBe(0);
      // The swap did happen under the requests, and the CSV file was still read between swaps.
      expect(previews).toBeGreaterThan(0);
    } finally {
      swapper.kill('SIGKILL');
    }
  });
});

afterAll(async () => {
  await Promise.all([open.jobs.stopAll(), confined.jobs.stopAll()]);
});
