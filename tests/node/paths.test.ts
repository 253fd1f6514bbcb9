/**
 * What a token holder can reach: folder choices are checked (never /proc, within a time limit),
 * error texts quote at most a few characters and nothing of a file that is not CSV or JSON
 * labels, and `--root` confines every path.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/engine/data/dataset';
import { createServices, servicesAsApi } from '../../src/engine/services';
import { usableFolder } from '../../src/engine/services/folders';

const dir = mkdtempSync(path.join(os.tmpdir(), 'stacklab-paths-'));
const SECRET = 'root:x:0:0:the-first-line-of-a-private-file:/root:/bin/bash';

describe('folder choices', () => {
  it('refuses the kernel file systems at once, and files, and relative paths', async () => {
    const t0 = performance.now();
    await expect(usableFolder('/proc/x', 'the runs folder')).rejects.toThrow(
      /the runs folder cannot be \/proc\/x: it lies in the kernel's virtual file system/,
    );
    await expect(usableFolder('/sys/kernel/stacklab', 'the runs folder')).rejects.toThrow(/virtual file system/);
    await expect(usableFolder('/dev/shm/../null', 'the runs folder')).rejects.toThrow(/virtual file system|is a file/);
    expect(performance.now() - t0).toBeLessThan(2000);
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'x');
    await expect(usableFolder(file, 'the runs folder')).rejects.toThrow(/is a file, not a folder/);
    await expect(usableFolder('runs', 'the runs folder')).rejects.toThrow(/must be an absolute path/);
    expect(await usableFolder(path.join(dir, 'new', 'runs'), 'the runs folder')).toBe(path.join(dir, 'new', 'runs'));
  });

  it('answers settings.set {"runsDir": "/proc/x"} with an error instead of spinning', async () => {
    const api = servicesAsApi(
      createServices({ host: 'server', runsDir: path.join(dir, 'runs'), configDir: path.join(dir, 'config') }),
    );
    await expect(api.invoke('settings.set', { runsDir: '/proc/x' })).rejects.toThrow(/virtual file system/);
    expect((await api.invoke('settings.get', {})).runsDir).toBe(path.join(dir, 'runs'));
  });
});

describe('error texts', () => {
  it('never quote a file that is not a CSV or a JSON labels file', async () => {
    const passwd = path.join(dir, 'passwd');
    writeFileSync(passwd, `${SECRET}\nbin:x:1:1\n`);
    const messages: string[] = [];
    for (const f of [passwd, path.join(dir, 'passwd.conf')]) {
      writeFileSync(f, `${SECRET}\n`);
      messages.push(
        await loadDataset(f).then(
          () => 'imported',
          (e: Error) => e.message,
        ),
      );
    }
    const labels = path.join(dir, 'labels.txt');
    writeFileSync(labels, SECRET);
    const csv = path.join(dir, 'ok.csv');
    writeFileSync(csv, 'a,b\n1,2\n3,4\n');
    messages.push(
      await loadDataset(csv, { labels }).then(
        () => 'imported',
        (e: Error) => e.message,
      ),
    );
    // A .json labels file that is not JSON: the position only, not the text JSON.parse quotes.
    const json = path.join(dir, 'labels.json');
    writeFileSync(json, SECRET);
    messages.push(
      await loadDataset(csv, { labels: json }).then(
        () => 'imported',
        (e: Error) => e.message,
      ),
    );
    for (const m of messages) {
      expect(m).not.toMatch(/the-first-line|root:x/);
      expect(m.length).toBeLessThan(500);
    }
    expect(messages[0]).toMatch(/is not a data file/);
    expect(messages[2]).toMatch(/is not a labels file/);
    expect(messages[3]).toMatch(/is not valid JSON/);
  });

  it('quote a CSV file only in short excerpts', async () => {
    const wide = path.join(dir, 'wide.csv');
    const header = Array.from({ length: 5000 }, (_, i) => `column_with_a_long_name_${i}_${'x'.repeat(30)}`).join(';');
    writeFileSync(wide, `${header}\n${Array.from({ length: 5000 }, () => 'text').join(';')}\n`);
    const m = await loadDataset(wide).then(
      () => 'imported',
      (e: Error) => e.message,
    );
    expect(m).toMatch(/has no numeric sensor column/);
    expect(m).toMatch(/… \(5000 in all\)/);
    expect(m.length).toBeLessThan(500);
  });
});

describe('--root', () => {
  const root = path.join(dir, 'root');
  mkdirSync(path.join(root, 'data'), { recursive: true });
  writeFileSync(path.join(root, 'data', 'plant.csv'), 'a,b\n1,2\n3,5\n');
  const outside = path.join(dir, 'outside.csv');
  writeFileSync(outside, 'a,b\n1,2\n');
  // A link inside the root to a file outside it.
  mkdirSync(path.join(root, 'linked'), { recursive: true });
  writeFileSync(path.join(root, 'linked', 'a.csv'), 'a,b\n1,2\n3,5\n');
  symlinkSync(outside, path.join(root, 'linked', 'b.csv'));
  // A runs folder stored before --root was given, outside it.
  mkdirSync(path.join(dir, 'root-config'), { recursive: true });
  writeFileSync(
    path.join(dir, 'root-config', 'settings.json'),
    JSON.stringify({ runsDir: path.join(dir, 'old-runs'), defaultDevice: 'auto', threads: 0 }),
  );
  const api = servicesAsApi(
    createServices({
      host: 'server',
      runsDir: path.join(dir, 'elsewhere'),
      configDir: path.join(dir, 'root-config'),
      root,
    }),
  );

  it('keeps data, runs and job paths inside the root', async () => {
    await expect(api.invoke('data.import', { source: { kind: 'path', path: outside } })).rejects.toThrow(
      /the data .*outside\.csv is outside the folder this server may use/,
    );
    // A path that climbs out through .. is outside too.
    await expect(
      api.invoke('data.import', { source: { kind: 'path', path: path.join(root, '..', 'outside.csv') } }),
    ).rejects.toThrow(/outside the folder this server may use/);
    await expect(api.invoke('settings.set', { runsDir: path.join(dir, 'runs-out') })).rejects.toThrow(
      /the runs folder .* is outside/,
    );
    await expect(api.invoke('compare.get', { dir: '/etc' })).rejects.toThrow(/the job folder \/etc is outside/);
    await expect(api.invoke('export.file', { kind: 'report', dir: '/etc' })).rejects.toThrow(/outside/);
    // A folder of the root whose link leads outside it is refused, naming the link.
    await expect(
      api.invoke('data.import', { source: { kind: 'path', path: path.join(root, 'linked') } }),
    ).rejects.toThrow(/the data file .*linked\/b\.csv is outside the folder this server may use/);
    // Runs default to a folder inside the root, even when settings.json named one outside it.
    expect((await api.invoke('settings.get', {})).runsDir).toBe(path.join(root, 'runs'));
    await expect(api.invoke('jobs.list', {})).resolves.toBeDefined();
    expect(
      (await api.invoke('data.import', { source: { kind: 'path', path: path.join(root, 'data', 'plant.csv') } }))
        .profile.dataset.rows,
    ).toBe(2);
  });
});
