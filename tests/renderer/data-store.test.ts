import { describe, expect, it } from 'vitest';
import { BAD_FILE_ERROR, FakeImportApi, importResult, storeWith } from './fakes/import';

describe('data store', () => {
  it('imports a source, keeps the result and hands its id to the wizard', async () => {
    const api = new FakeImportApi();
    const { data, wizard } = storeWith(api);
    const pending = data.importSource({ kind: 'sample' });
    expect(data.busy).toBe(true);
    await pending;
    expect(api.imports).toEqual([{ source: { kind: 'sample' } }]);
    expect(data.busy).toBe(false);
    expect(data.error).toBeNull();
    expect(data.result?.profile.dataset.rows).toBe(20_160);
    expect(wizard.datasetId).toBe('ds-1');
  });

  it('keeps the previous result and data set when an import fails, with the message verbatim', async () => {
    const api = new FakeImportApi();
    const { data, wizard } = storeWith(api);
    await data.importSource({ kind: 'sample' });
    const before = data.result;
    api.answer = () => new Error(BAD_FILE_ERROR);
    await data.importSource({ kind: 'path', path: '/data/line3/export.csv' });
    expect(data.error).toBe(BAD_FILE_ERROR);
    expect(data.result).toBe(before);
    expect(wizard.datasetId).toBe('ds-1');
    expect(data.busy).toBe(false);
    expect(data.request?.source).toEqual({ kind: 'path', path: '/data/line3/export.csv' });
    api.answer = (req) => importResult(req, 'ds-3');
    await data.importSource({ kind: 'sample' });
    expect(data.error).toBeNull();
    expect(wizard.datasetId).toBe('ds-3');
  });

  it('re-imports the same source with role overrides merged, keeping the dialect', async () => {
    const api = new FakeImportApi();
    const { data } = storeWith(api);
    const source = { kind: 'path', path: '/data/line3/export.csv', labels: '/data/line3/labels.json' } as const;
    await data.importSource(source);
    await data.setDialect({ decimal: ',' });
    await data.setRole('pump_power', 'ignored');
    await data.setRole('vibration', 'event');
    expect(api.imports.at(-1)).toEqual({ source, decimal: ',', roles: { pump_power: 'ignored', vibration: 'event' } });
    expect(data.result?.columns.find((c) => c.name === 'vibration')?.role).toBe('event');
  });

  it('does not carry a refused role into the next change', async () => {
    const api = new FakeImportApi();
    const { data } = storeWith(api);
    await data.importSource({ kind: 'sample' });
    api.answer = () => new Error('choose at least one sensor channel');
    await data.setRole('feed_flow', 'ignored');
    api.answer = (req) => importResult(req);
    await data.setRole('pump_power', 'ignored');
    expect(api.imports.at(-1)).toEqual({ source: { kind: 'sample' }, roles: { pump_power: 'ignored' } });
  });

  it('drops role overrides when the delimiter changes, keeps them for the decimal mark', async () => {
    const api = new FakeImportApi();
    const { data } = storeWith(api);
    await data.importSource({ kind: 'sample' });
    await data.setRole('pump_power', 'ignored');
    await data.setDialect({ decimal: ',' });
    expect(api.imports.at(-1)).toEqual({ source: { kind: 'sample' }, roles: { pump_power: 'ignored' }, decimal: ',' });
    await data.setDialect({ delimiter: ',' });
    expect(api.imports.at(-1)).toEqual({
      source: { kind: 'sample' },
      roles: { pump_power: 'ignored' },
      decimal: ',',
      delimiter: ',',
    });
    await data.setDialect({ delimiter: ';' });
    expect(api.imports.at(-1)).toEqual({ source: { kind: 'sample' }, decimal: ',', delimiter: ';' });
  });

  it('re-reads with or without a header line, starting the roles over', async () => {
    const api = new FakeImportApi();
    const { data } = storeWith(api);
    await data.importSource({ kind: 'sample' });
    await data.setRole('pump_power', 'ignored');
    await data.setDialect({ header: false });
    expect(api.imports.at(-1)).toEqual({ source: { kind: 'sample' }, header: false });
  });

  it('shows the answer to the latest request only', async () => {
    const api = new FakeImportApi();
    const { data, wizard } = storeWith(api);
    const release = api.holdNext();
    const slow = data.importSource({ kind: 'path', path: '/data/old.csv' });
    await data.importSource({ kind: 'sample' });
    expect(data.busy).toBe(false);
    release();
    await slow;
    expect(data.result?.source).toBe('sample (built-in synthetic plant)');
    expect(wizard.datasetId).toBe('ds-2');
    expect(data.busy).toBe(false);
  });

  it('builds quick role changes on each other, but not on another source being read', async () => {
    const api = new FakeImportApi();
    const { data } = storeWith(api);
    await data.importSource({ kind: 'sample' });
    const release = api.holdNext();
    const first = data.setRole('pump_power', 'ignored');
    await data.setRole('vibration', 'event');
    expect(api.imports.at(-1)).toEqual({
      source: { kind: 'sample' },
      roles: { pump_power: 'ignored', vibration: 'event' },
    });
    release();
    await first;
    const again = api.holdNext();
    const other = data.importSource({ kind: 'path', path: '/data/other.csv' });
    await data.setRole('feed_flow', 'ignored');
    expect(api.imports.at(-1)).toEqual({ source: { kind: 'path', path: '/data/other.csv' } });
    again();
    await other;
  });

  it('ignores role and dialect changes before anything is imported', async () => {
    const api = new FakeImportApi();
    const { data } = storeWith(api);
    await data.setRole('x', 'ignored');
    await data.setDialect({ delimiter: ';' });
    expect(api.calls).toEqual([]);
  });
});
