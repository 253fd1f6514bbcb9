/**
 * The reasoning lab from the command line: `stacklab train --task reasoning` trains token models
 * on a generated corpus or a user's text and scores the primitives at every validation point;
 * wrong options, crafted configs and import requests are refused with what was wrong.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluationItems, itemLine, PRIMITIVE_NAMES } from '../../src/engine/data/primitives';
import { parseRunConfig } from '../../src/engine/runs/config-check';
import { importRequest, InvalidParamsError } from '../../src/shared/ipc';
import { cli } from '../helpers/cli';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'stacklab-lab-'));
const read = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
const SMALL = ['--preset', 'tiny', '--layers', '2', '--block', '1', '--steps', '20', '--seeds', '1', '--device', 'cpu'];

describe('stacklab train --task reasoning', () => {
  it('trains token models on a generated corpus and scores every primitive at every validation point', async () => {
    const out = tmp();
    const r = await cli([
      'train',
      '--task',
      'reasoning',
      ...SMALL,
      '--variants',
      'baseline,midas',
      '--corpus-bytes',
      '65536',
      '--lab-items',
      '8',
      '--out',
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    const config = read(path.join(out, 'baseline-s1', 'config.json'));
    expect(config.model).toMatchObject({ vocab: 256, channels: 1, patchLen: 1, layers: 2 });
    expect(config.lab).toEqual({ items: 8, shots: 5, itemsSeed: 1 });
    expect(config.data.source).toMatch(/reasoning lab: generated corpus, seed 1, \d+ bytes/);
    expect(read(path.join(out, 'job.json')).import.source).toEqual({ kind: 'lab', bytes: 65536 });
    for (const run of ['baseline-s1', 'midas-s1']) {
      const report = read(path.join(out, run, 'report.json'));
      expect(Object.keys(report.primitives).sort()).toEqual([...PRIMITIVE_NAMES].sort());
      for (const s of Object.values(report.primitives) as { accuracy: number; chance: number; items: number }[]) {
        expect(s.accuracy).toBeGreaterThanOrEqual(0);
        expect(s.accuracy).toBeLessThanOrEqual(1);
        expect(s.items).toBe(8);
      }
      expect(report.primitives['assign-math-2'].chance).toBeCloseTo(0.2, 12);
      expect(report.evaluation).toBeNull();
      const iso = readFileSync(path.join(out, run, 'metrics.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .filter((m) => m.type === 'isoplot');
      expect(iso.length).toBeGreaterThanOrEqual(2);
      expect(iso.at(-1).step).toBe(20);
      for (const p of iso) expect(Object.keys(p.primitives).length).toBe(PRIMITIVE_NAMES.length);
      expect(report.finalValLoss).toBeLessThan(Math.log(256));
    }
    // compare --json reads the primitives: each variant's accuracy, chance, and what one seed cannot tell.
    const compared = await cli(['compare', out, '--json']);
    expect(compared.code, compared.err).toBe(0);
    const summary = JSON.parse(compared.out.at(-1)!);
    expect(summary.reasoning.primitives.map((p: { name: string }) => p.name)).toEqual([...PRIMITIVE_NAMES]);
    expect(summary.reasoning.primitives[0]).toMatchObject({ informative: false, items: 8, control: null });
    expect(Object.keys(summary.reasoning.primitives[0].accuracy)).toEqual(['baseline', 'midas']);
    expect(summary.reasoning.verdict).toMatch(/one seed per variant, so no interval/);
    expect(summary.warnings.join(' ')).not.toMatch(/labelled anomalies/);
    // The same growth as for sensor data: MIDAS grows 1 → 2 layers on 0.75 of the baseline's FLOPs.
    const midas = read(path.join(out, 'midas-s1', 'report.json'));
    expect(midas.stages.map((s: { layers: number }) => s.layers)).toEqual([1, 2]);
    expect(midas.totalFlops).toBeLessThan(read(path.join(out, 'baseline-s1', 'report.json')).totalFlops);
  }, 240_000);

  it("trains on a user's text and leaves out of scoring an item the text holds", async () => {
    const dir = tmp();
    const held = evaluationItems(1, 8).math[0]!;
    const notes = Array.from({ length: 60 }, (_, i) => `shift ${i}: pump 3 ran, valve closed at ${i} h.\n`).join('');
    writeFileSync(path.join(dir, 'notes.txt'), notes + itemLine(held) + notes);
    const out = tmp();
    const r = await cli([
      'train',
      '--task',
      'reasoning',
      '--data',
      path.join(dir, 'notes.txt'),
      ...SMALL,
      '--variants',
      'baseline',
      '--lab-items',
      '8',
      '--out',
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    const report = read(path.join(out, 'baseline-s1', 'report.json'));
    expect(report.primitives.math.items).toBe(7);
    expect(report.primitives.copy.items).toBe(8);
    expect(read(path.join(out, 'job.json')).import.source).toEqual({ kind: 'text', path: path.join(dir, 'notes.txt') });
  }, 240_000);

  it('refuses lab options that do not fit, each with what to change', async () => {
    const cases: [string[], RegExp][] = [
      [['--task', 'guess'], /--task must be forecast or reasoning, got "guess"/],
      [['--sample', 'plant', '--mix', 'copy=1'], /--mix belongs to the reasoning lab: add --task reasoning/],
      [['--task', 'reasoning', '--sample', 'plant'], /trains on a corpus: .*not --sample/],
      [['--task', 'reasoning', '--mix', 'copy=x'], /--mix: "copy=x" is not kind=share/],
      [['--task', 'reasoning', '--mix', 'filler=0,copy=0,assign=0,math=0,hop=0'], /every share is 0/],
      [['--task', 'reasoning', '--corpus-bytes', '10'], /--corpus-bytes must be a whole number from 65536/],
      [['--task', 'reasoning', '--data', 'x.txt', '--corpus-seed', '2'], /shapes the generated corpus, not your text/],
      [['--task', 'reasoning', '--lab-items', '3'], /items per primitive must be/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(['train', ...args, '--steps', '10']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
    }
    const missing = await cli(['train', '--task', 'reasoning', '--data', '/nonexistent/notes.txt', ...SMALL]);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toMatch(/\/nonexistent\/notes\.txt: no such file or folder; give a UTF-8 text file/);
    const binary = tmp();
    writeFileSync(path.join(binary, 'dump.txt'), Buffer.from([0xff, 0xfe, 0x00, 0xc3]));
    const bad = await cli(['train', '--task', 'reasoning', '--data', path.join(binary, 'dump.txt'), ...SMALL]);
    expect(bad.err).toMatch(/dump\.txt: not UTF-8 text; save it as UTF-8/);
  });
});

describe('the lab at the boundaries', () => {
  const config = () => {
    const c = read(path.join(__dirname, '..', 'fixtures', 'lab-config.json'));
    return c as Record<string, Record<string, unknown>>;
  };

  it('reads a lab config.json back, and refuses a crafted one: lab without a token model, a vocab with channels', () => {
    expect(parseRunConfig(config(), 'config.json').lab).toEqual({ items: 8, shots: 5, itemsSeed: 1 });
    const noVocab = config();
    delete noVocab.model!.vocab;
    expect(() => parseRunConfig(noVocab, 'config.json')).toThrow(/"lab".*absent unless the model is a token model/);
    const channels = config();
    channels.model!.channels = 3;
    expect(() => parseRunConfig(channels, 'config.json')).toThrow(/vocab/);
    const items = config();
    items.lab!.items = 100_000;
    expect(() => parseRunConfig(items, 'config.json')).toThrow(/items/);
  });

  it('checks a lab import request field by field', () => {
    expect(importRequest('t', { source: { kind: 'lab', seed: 3, bytes: 70_000, mix: { copy: 1 } } }).source).toEqual({
      kind: 'lab',
      seed: 3,
      bytes: 70_000,
      mix: { filler: 0.3, copy: 1, assign: 0.3, math: 0.1, hop: 0.15 },
    });
    for (const source of [
      { kind: 'lab', bytes: 5 },
      { kind: 'lab', seed: 1.5 },
      { kind: 'lab', mix: { copy: -1 } },
      { kind: 'lab', mix: { poems: 1 } },
      { kind: 'lab', extra: 1 },
      { kind: 'text' },
    ])
      expect(() => importRequest('t', { source }), JSON.stringify(source)).toThrow(InvalidParamsError);
  });
});
