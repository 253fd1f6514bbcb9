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
import { trainCommand } from '../../src/engine/cli/train';
import { capture, cli } from '../helpers/cli';
import { DEFAULT_MIX } from '../../src/shared/lab';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'stacklab-lab-'));
const read = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
const SMALL = ['--preset', 'tiny', '--layers', '2', '--block', '1', '--steps', '20', '--seeds', '1', '--device', 'cpu'];

describe('stacklab train --task reasoning', () => {
  it('sizes a job the user left open for where it trains: on a CPU, the demonstration that fits 10 minutes', async () => {
    // Stopped before training (an aborted signal): the job is planned and described, nothing trains.
    const plan = async (extra: string[]) => {
      const c = capture();
      const stop = new AbortController();
      stop.abort();
      const code = await trainCommand(
        ['--task', 'reasoning', '--corpus-bytes', '65536', '--device', 'cpu', '--out', tmp(), ...extra],
        c.io,
        stop.signal,
      );
      return { code, err: c.err.join('\n') };
    };
    const open = await plan([]);
    expect(open.err).toMatch(/of the tiny preset \(4 layers, blocks of 1, Prop-1, 150 steps\) on cpu in fp32/);
    expect(open.err).toMatch(/32 items per primitive/);
    // Any size the user gives keeps the presets' own defaults for the rest.
    // A job begun with these sizes resumes with them, the command given again without them.
    const out = tmp();
    const args = ['--task', 'reasoning', '--corpus-bytes', '65536', '--variants', 'baseline', '--seeds', '1'];
    const first = capture();
    const stop = new AbortController();
    const started = await trainCommand(
      [...args, '--device', 'cpu', '--out', out],
      {
        ...first.io,
        err: (l: string) => {
          first.io.err(l);
          if (/baseline s1\s+step \d+\/150/.test(l)) stop.abort();
        },
      },
      stop.signal,
    );
    expect(started, first.err.join('\n')).toBe(130);
    expect(read(path.join(out, 'baseline-s1', 'config.json')).lab.items).toBe(32);
    const again = capture();
    const halt = new AbortController();
    halt.abort();
    const resumed = await trainCommand([...args, '--device', 'cpu', '--out', out, '--resume'], again.io, halt.signal);
    expect(resumed, again.err.join('\n')).toBe(130);
    expect(again.err.join('\n')).toMatch(/150 steps/);
    const sized = await plan(['--steps', '40']);
    expect(sized.err).toMatch(/of the tiny preset \(4 layers, blocks of 1, Prop-1, 40 steps\)/);
    expect(sized.err).toMatch(/128 items per primitive/);
  });

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
    expect(r.err).toMatch(/8 items per primitive, 5-shot, at every validation point/);
    expect(r.err).not.toMatch(/thresholds/);
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
    expect(summary.bottomLine).toMatch(/^Whether stacking changes reasoning cannot be told at this scale/);
    // The HTML report: the primitives' section in place of detection's, each with what it tests.
    const html = path.join(out, 'report.html');
    expect((await cli(['compare', out, '--html', html])).code).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<h2>Reasoning primitives</h2>');
    expect(page).not.toContain('<h2>Downstream quality</h2>');
    expect(page).toContain('Follow a chain of two aliases to its value past distractors');
    expect(summary.warnings.join(' ')).not.toMatch(/labelled anomalies/);
    // The same growth as for sensor data: MIDAS grows 1 → 2 layers on 0.75 of the baseline's FLOPs.
    const midas = read(path.join(out, 'midas-s1', 'report.json'));
    expect(midas.stages.map((s: { layers: number }) => s.layers)).toEqual([1, 2]);
    expect(midas.totalFlops).toBeLessThan(read(path.join(out, 'baseline-s1', 'report.json')).totalFlops);
  }, 240_000);

  it("trains on a user's text with the user's own items, and leaves out of scoring an item the text holds", async () => {
    const dir = tmp();
    const held = evaluationItems(1, 8).math[0]!;
    const notes = Array.from({ length: 60 }, (_, i) => `shift ${i}: pump 3 ran, valve closed at ${i} h.\n`).join('');
    // Two primitives of the user's own: tag units (4 items, one of them also written in the notes) and alarm limits (3).
    const units = ['TI-101 unit? degC', 'PI-202 unit? bar', 'FI-303 unit? m3/h', 'LI-404 unit? %'];
    const mine = [
      ...units.map((u) => ({ primitive: 'tag-unit', prompt: u.split('? ')[0] + '? ', answer: u.split('? ')[1] })),
      ...['TI-101', 'PI-202', 'FI-303'].map((t) => ({
        primitive: 'alarm-limit',
        prompt: `${t} high at `,
        answer: '90',
      })),
    ];
    writeFileSync(path.join(dir, 'items.jsonl'), mine.map((m) => JSON.stringify(m)).join('\n') + '\n');
    writeFileSync(path.join(dir, 'notes.txt'), notes + itemLine(held) + `${units[1]}\n` + notes);
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
      '--items',
      path.join(dir, 'items.jsonl'),
      '--out',
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    const report = read(path.join(out, 'baseline-s1', 'report.json'));
    expect(report.primitives.math.items).toBe(7);
    expect(report.primitives.copy.items).toBe(8);
    // The user's primitives: scored like the built-in ones, the one the notes hold left out, chance the commonest answer's share.
    expect(report.primitives['tag-unit'].chance).toBeCloseTo(1 / 3, 12);
    expect(report.primitives['tag-unit']).toMatchObject({ items: 3, shots: 2 });
    expect(report.primitives['alarm-limit']).toMatchObject({ items: 3, chance: 1, shots: 2 });
    expect(read(path.join(out, 'baseline-s1', 'config.json')).lab.userItems).toEqual(mine);
    expect(read(path.join(out, 'job.json')).import.source).toEqual({
      kind: 'text',
      path: path.join(dir, 'notes.txt'),
      items: path.join(dir, 'items.jsonl'),
    });
    const compared = JSON.parse((await cli(['compare', out, '--json'])).out.at(-1)!);
    expect(compared.reasoning.primitives.slice(-2).map((p: { label: string }) => p.label)).toEqual([
      'tag-unit (your items)',
      'alarm-limit (your items)',
    ]);
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
    // A user's items file that is not one: each error names the file and line and says what to do.
    const dir = tmp();
    const itemCases: [string, RegExp][] = [
      ['{"prompt":"a","answer":"b","primitive":"x"}\nnot json', /items\.jsonl line 2: not JSON; each line is one/],
      ['{"prompt":"a","primitive":"x"}', /line 1: "answer" must be non-empty text/],
      ['{"prompt":"a\\nb","answer":"c","primitive":"x"}', /line 1: "prompt" holds a line break: an item is one line/],
      ['{"prompt":"a","answer":"b","primitive":"copy"}', /"copy" is a built-in primitive's name: give yours another/],
      ['{"prompt":"a","answer":"b","primitive":"Mine!"}', /must be lower-case letters, digits and dashes/],
      ['{"prompt":"a","answer":"b","primitive":"x","note":1}', /line 1: unknown key "note"/],
      ['{"prompt":"a","answer":"b","primitive":"x"}', /"x" has one item: a primitive needs at least 2/],
      ['', /no items; each line is one/],
      [
        JSON.stringify({ prompt: 'x'.repeat(300), answer: '1', primitive: 'long' }),
        /302 bytes .*more than the 256 a lab model reads at once: shorten it/,
      ],
    ];
    for (const [text, message] of itemCases) {
      writeFileSync(path.join(dir, 'items.jsonl'), text);
      const r = await cli(['train', '--task', 'reasoning', '--items', path.join(dir, 'items.jsonl'), ...SMALL]);
      expect(r.code, text).not.toBe(0);
      expect(r.err, text).toMatch(message);
    }
    const folder = await cli(['train', '--task', 'reasoning', '--items', dir, ...SMALL]);
    expect(folder.err).toMatch(/not a file \(a folder\?\); give a JSONL file of items/);
    const forecast = await cli(['train', '--sample', 'plant', '--items', path.join(dir, 'items.jsonl'), ...SMALL]);
    expect(forecast.code).toBe(2);
    expect(forecast.err).toMatch(/--items belongs to the reasoning lab: add --task reasoning/);
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
    // A user's items travel in config.json: each is checked as the items file is.
    const item = (primitive: string, prompt: string, answer = '1') => ({ primitive, prompt, answer });
    const mine = config();
    mine.lab!.userItems = [item('mine', 'a='), item('mine', 'b=')];
    expect(parseRunConfig(mine, 'config.json').lab!.userItems).toHaveLength(2);
    for (const userItems of [
      [item('hop-1', 'a='), item('hop-1', 'b=')],
      [item('mine', 'a=\n'), item('mine', 'b=')],
      [item('mine', 'a=')],
      'items',
    ]) {
      const crafted = config();
      crafted.lab!.userItems = userItems;
      expect(() => parseRunConfig(crafted, 'config.json'), JSON.stringify(userItems)).toThrow(/userItems/);
    }
  });

  it('checks a lab import request field by field', () => {
    expect(importRequest('t', { source: { kind: 'lab', seed: 3, bytes: 70_000, mix: { copy: 1 } } }).source).toEqual({
      kind: 'lab',
      seed: 3,
      bytes: 70_000,
      mix: { ...DEFAULT_MIX, copy: 1 },
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
