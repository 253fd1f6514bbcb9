/**
 * `stacklab score` on crafted models: a model whose weights point at external data (a file of
 * the working directory read into the scores), and models whose metadata lies about the window,
 * the context or the channels. Each is refused before ONNX Runtime sees it, and no scores file
 * is written.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildScoringModel } from '../../src/engine/inference/scoring';
import { findExternalData } from '../../src/engine/onnx/external-data';
import { paramSpecs, PRESETS, type PatchTransformerConfig } from '../../src/engine/models/patch-transformer';
import { cli } from '../helpers/cli';

const dir = mkdtempSync(path.join(os.tmpdir(), 'stacklab-score-crafted-'));
const CHANNELS = ['a', 'b'];
const cfg: PatchTransformerConfig = { ...PRESETS.tiny, layers: 1, channels: CHANNELS.length };
const WINDOW = cfg.seqLen * cfg.patchLen;

/** A real scoring model (the builder `stacklab export` uses) with fixed, untrained weights. */
function scoringModel(): Uint8Array {
  let seed = 1;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.1;
  const params = new Map(
    paramSpecs(cfg).map((s) => {
      const n = s.shape.reduce((a, b) => a * b, 1);
      return [
        s.name,
        Float32Array.from({ length: n }, () => (s.init.kind === 'ones' ? 1 : s.init.kind === 'zeros' ? 0 : rand())),
      ];
    }),
  );
  const norm = { mean: [0, 0], std: [1, 1] };
  return buildScoringModel(cfg, params, norm, {
    channels: CHANNELS,
    variant: 'baseline',
    run: '/runs/baseline-s1',
    extra: {
      norm: JSON.stringify(norm),
      normalization: 'the pooled statistics',
      smooth: '1',
      context: String(WINDOW / 2),
      threshold: '1',
    },
  }).bytes;
}

// Protobuf wire format, just enough to rewrite a model the way an attacker would.
interface Field {
  readonly no: number;
  readonly wire: number;
  readonly body: Uint8Array;
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function readVarint(b: Uint8Array, at: { pos: number }): number {
  let n = 0;
  for (let shift = 1; ; shift *= 128) {
    const x = b[at.pos++]!;
    n += (x & 0x7f) * shift;
    if (x < 0x80) return n;
  }
}

/** The fields of one message, in order; `body` is a length-delimited field's payload or a scalar's encoded bytes. */
function fields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  const at = { pos: 0 };
  while (at.pos < b.length) {
    const tag = readVarint(b, at);
    const [no, wire] = [Math.floor(tag / 8), tag & 7];
    const start = at.pos;
    if (wire === 2) {
      const len = readVarint(b, at);
      out.push({ no, wire, body: b.subarray(at.pos, at.pos + len) });
      at.pos += len;
      continue;
    }
    if (wire === 0) readVarint(b, at);
    else at.pos += wire === 1 ? 8 : 4;
    out.push({ no, wire, body: b.subarray(start, at.pos) });
  }
  return out;
}

function encode(fs: readonly Field[]): Uint8Array {
  const parts: number[] = [];
  for (const f of fs) {
    parts.push(...varint(f.no * 8 + f.wire));
    if (f.wire === 2) parts.push(...varint(f.body.length));
    for (const x of f.body) parts.push(x);
  }
  return Uint8Array.from(parts);
}

const text = (s: string) => new TextEncoder().encode(s);
const message = (no: number, fs: readonly Field[]): Field => ({ no, wire: 2, body: encode(fs) });
const str = (no: number, s: string): Field => ({ no, wire: 2, body: text(s) });
const int = (no: number, n: number): Field => ({ no, wire: 0, body: Uint8Array.from(varint(n)) });
const entry = (no: number, key: string, value: string) => message(no, [str(1, key), str(2, value)]);
const nameOf = (fs: readonly Field[]) => new TextDecoder().decode(fs.find((f) => f.no === 8)?.body);

/** The model with initializer `name` (ModelProto.graph 7, GraphProto.initializer 5) rewritten by `edit`. */
function withInitializer(model: Uint8Array, name: string, edit: (tensor: Field[]) => Field[]): Uint8Array {
  let found = false;
  const out = encode(
    fields(model).map((f) =>
      f.no !== 7
        ? f
        : message(
            7,
            fields(f.body).map((g) => {
              if (g.no !== 5 || nameOf(fields(g.body)) !== name) return g;
              found = true;
              return message(5, edit(fields(g.body)));
            }),
          ),
    ),
  );
  if (!found) throw new Error(`no initializer ${name}`);
  return out;
}

/** TensorProto: raw_data (9) out, external_data (13) { location } and data_location (14) = EXTERNAL in. */
const external = (location: string) => (t: Field[]) => [
  ...t.filter((f) => f.no !== 9),
  entry(13, 'location', location),
  int(14, 1),
];

/** The model with metadata_props (ModelProto field 14) replaced: `meta` entries set, null ones removed. */
function withMetadata(model: Uint8Array, meta: Record<string, string | null>): Uint8Array {
  const kept = fields(model).filter(
    (f) => f.no !== 14 || !(new TextDecoder().decode(fields(f.body).find((g) => g.no === 1)?.body) in meta),
  );
  return encode([...kept, ...Object.entries(meta).flatMap(([k, v]) => (v === null ? [] : [entry(14, k, v)]))]);
}

let model: Uint8Array;
let csv: string;
const home = process.cwd();

beforeAll(() => {
  model = scoringModel();
  csv = path.join(dir, 'new.csv');
  const lines = Array.from(
    { length: 200 },
    (_, i) =>
      `2024-01-01T${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00Z,${Math.sin(i / 5).toFixed(4)},${Math.cos(i / 7).toFixed(4)}`,
  );
  writeFileSync(csv, ['time,a,b', ...lines].join('\n') + '\n');
});

afterEach(() => process.chdir(home));

/** `stacklab score` of `bytes` (written to `name` in a fresh folder that is the working directory). */
async function score(bytes: Uint8Array, name = 'model.onnx', files: Record<string, string> = {}) {
  const work = mkdtempSync(path.join(dir, 'work-'));
  for (const [f, content] of Object.entries(files)) writeFileSync(path.join(work, f), content);
  writeFileSync(path.join(work, name), bytes);
  const out = path.join(work, 'scores.csv');
  process.chdir(work);
  const r = await cli(['score', '--model', name, '--data', csv, '--out', out]);
  process.chdir(home);
  return { ...r, out, written: existsSync(out) ? readFileSync(out, 'utf8') : null };
}

describe('score: models that hold external data', () => {
  it('scores the model as exported', async () => {
    const r = await score(model);
    expect(r.code, r.err).toBe(0);
    expect(r.written!.split('\n')[0]).toBe('timestamp,score,alarm');
  });

  it('refuses a model whose initializer reads a file of the working directory, before ONNX Runtime loads it', async () => {
    // embed.b: 32 floats, so a 128-byte secret fills it exactly and shifts every score (ONNX
    // Runtime 1.29 reads it from the working directory when the model comes as bytes).
    const secret = 'API_KEY=sk-live-0123456789abcdef'.repeat(4);
    expect(secret).toHaveLength(128);
    const crafted = withInitializer(model, 'embed.b', external('secret.txt'));
    const r = await score(crafted, 'crafted.onnx', { 'secret.txt': secret });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /crafted\.onnx: initializer "embed\.b" of the main graph keeps its values in an external file \("secret\.txt"\)/,
    );
    expect(r.err).toMatch(/export the model again with stacklab export/);
    expect(r.err).not.toContain('sk-live');
    expect(r.written).toBeNull();
  });
});

describe('score: where external data can hide', () => {
  const tensor = (name: string, ...rest: Field[]) => message(0, [str(8, name), int(2, 1), ...rest]);
  const ext = [entry(13, 'location', 'secret.txt'), int(14, 1)];
  const as = (no: number, f: Field): Field => ({ ...f, no });
  const onnx = (...graph: Field[]) => encode([int(1, 8), message(7, [...graph, str(2, 'main')])]);
  const node = (name: string, ...attributes: Field[]) => message(1, [str(3, name), str(4, 'Constant'), ...attributes]);
  const attribute = (name: string, ...value: Field[]) => message(5, [str(1, name), ...value]);
  const subgraph = (name: string, ...fs: Field[]) => message(0, [...fs, str(2, name)]);

  it.each([
    ['an initializer', onnx(as(5, tensor('w', ...ext))), /initializer "w" of the main graph/],
    [
      'an initializer with only data_location',
      onnx(as(5, tensor('w', int(14, 1)))),
      /initializer "w" of the main graph/,
    ],
    [
      'an initializer with only external_data',
      onnx(as(5, tensor('w', entry(13, 'location', 'x')))),
      /initializer "w" of the main graph/,
    ],
    [
      'a sparse initializer',
      onnx(message(15, [as(1, tensor('v', ...ext)), as(2, tensor('i'))])),
      /sparse initializer "v" of the main graph/,
    ],
    [
      'a Constant node',
      onnx(node('c0', attribute('value', as(5, tensor('', ...ext))))),
      /tensor of attribute "value" of node "c0" of the main graph/,
    ],
    [
      'a list of tensors',
      onnx(node('c1', attribute('values', as(10, tensor('a')), as(10, tensor('b', ...ext))))),
      /tensor "b" of attribute "values" of node "c1"/,
    ],
    [
      'a sparse tensor attribute',
      onnx(node('c2', attribute('sparse_value', message(22, [as(1, tensor('v', ...ext))])))),
      /sparse tensor "v" of attribute "sparse_value" of node "c2"/,
    ],
    [
      'sparse tensors',
      onnx(node('c3', attribute('s', message(23, [as(2, tensor('i', ...ext))])))),
      /sparse tensor "i" of attribute "s" of node "c3"/,
    ],
    [
      'a subgraph',
      onnx(node('if', attribute('then_branch', as(6, subgraph('then', as(5, tensor('w', ...ext))))))),
      /initializer "w" of graph "then" in attribute "then_branch" of node "if" of the main graph/,
    ],
    [
      'a subgraph in a list, two deep',
      onnx(
        node(
          'loop',
          attribute(
            'graphs',
            as(
              11,
              subgraph(
                'g1',
                node(
                  'inner',
                  attribute(
                    'body',
                    as(6, subgraph('g2', node('k', attribute('value', as(5, tensor('deep', ...ext)))))),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
      /tensor "deep" of attribute "value" of node "k" of graph "g2" in .* of graph "g1" in attribute "graphs" of node "loop"/,
    ],
    [
      'a model-level function',
      encode([message(25, [str(1, 'f'), message(7, [str(3, 'n'), attribute('value', as(5, tensor('t', ...ext)))])])]),
      /tensor "t" of attribute "value" of node "n" of function "f"/,
    ],
    [
      'a function attribute default',
      encode([message(25, [str(1, 'f'), message(11, [str(1, 'a'), as(5, tensor('t', ...ext))])])]),
      /tensor "t" of attribute "a" of function "f"/,
    ],
    [
      'a training graph',
      encode([message(20, [as(2, subgraph('algo', as(5, tensor('m', ...ext))))])]),
      /initializer "m" of graph "algo" in the training info/,
    ],
  ])('finds external data in %s', async (_, bytes, where) => {
    const found = findExternalData(bytes);
    expect(found?.where).toMatch(where);
    const r = await score(bytes, 'crafted.onnx', { 'secret.txt': 'x'.repeat(64) });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/crafted\.onnx: .* keeps its values in an external file/);
    expect(r.written).toBeNull();
  });

  it('finds none in a model as exported, nor in tensors that hold their values', () => {
    expect(findExternalData(model)).toBeNull();
    expect(
      findExternalData(
        encode([message(7, [as(5, tensor('w', { no: 9, wire: 2, body: new Uint8Array(8) }, int(14, 0)))])]),
      ),
    ).toBeNull();
  });

  it('refuses bytes that are not ONNX with a message that names the file, not a stack trace', async () => {
    const cut = model.subarray(0, model.length - 5);
    // If inside If inside If …: graph, node, attribute, graph, … 40 times over is 120 levels.
    const deep = Array.from({ length: 40 }).reduce<Field>(
      (inner) => node('if', attribute('then_branch', as(6, subgraph('g', inner)))),
      node('end'),
    );
    const cases: [string, Uint8Array, RegExp][] = [
      [
        'cut.onnx',
        cut,
        /cut\.onnx is not a StackLab scoring model: it is not an ONNX file \(.* at byte \d+\); export one with stacklab export/,
      ],
      [
        'text.onnx',
        text('hello, world'),
        /text\.onnx is not a StackLab scoring model: it is not an ONNX file \(wire type/,
      ],
      [
        'deep.onnx',
        onnx(deep),
        /deep\.onnx is not a StackLab scoring model: it is not an ONNX file \(messages nest deeper than 100 levels/,
      ],
      [
        'ort.onnx',
        Uint8Array.from([0x10, 0, 0, 0, 0x4f, 0x52, 0x54, 0x4d, 0, 0, 0, 0]),
        /ort\.onnx is not a StackLab scoring model: it is not an ONNX file \(it is in ONNX Runtime's own format\)/,
      ],
      [
        'empty.onnx',
        new Uint8Array(0),
        /empty\.onnx is not a StackLab scoring model \(its metadata has no stacklab_window/,
      ],
    ];
    for (const [name, bytes, message] of cases) {
      const r = await score(bytes, name);
      expect(r.code, name).toBe(1);
      expect(r.err, name).toMatch(message);
      expect(r.err, name).not.toMatch(/\n\s+at /);
      expect(r.written, name).toBeNull();
    }
  });
});

describe('score: a model path that is not a file', () => {
  it('refuses a FIFO or a device named as the model at once, without reading it', async () => {
    const fifo = path.join(dir, 'pipe.onnx');
    execFileSync('mkfifo', [fifo]);
    const out = path.join(dir, 'pipe-scores.csv');
    for (const [model, kind] of [
      [fifo, 'a named pipe \\(FIFO\\)'],
      ['/dev/zero', 'a character device'],
    ] as const) {
      const r = await cli(['score', '--model', model, '--data', csv, '--out', out]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`cannot read the model: ${model} is ${kind}, not a regular file`));
      expect(existsSync(out)).toBe(false);
    }
  });
});

describe('score and export write only their own result', () => {
  it("refuses an --out that is an input, a folder, or not a file of the result's kind, writing nothing", async () => {
    const work = mkdtempSync(path.join(dir, 'out-'));
    const data = path.join(work, 'data.csv');
    writeFileSync(data, readFileSync(csv));
    const modelFile = path.join(work, 'm.onnx');
    writeFileSync(modelFile, model);
    const score = (out: string) => cli(['score', '--model', modelFile, '--data', data, '--out', out]);
    for (const [out, message] of [
      [data, /--out .*data\.csv is the file the command reads \(.*data\.csv\): write the scores file to another file/],
      [modelFile, /--out .*m\.onnx must end in \.csv/],
      [work, /--out .* is a folder: give the scores file's file name/],
    ] as const) {
      const r = await score(out);
      expect(r.code, out).toBe(2);
      expect(r.err, out).toMatch(message);
    }
    expect(readFileSync(data).equals(readFileSync(csv))).toBe(true);
    expect(Buffer.from(readFileSync(modelFile)).equals(Buffer.from(model))).toBe(true);
    const exported = await cli(['export', '--run', work, '--out', path.join(work, 'config.json')]);
    expect(exported.code).toBe(2);
    expect(exported.err).toMatch(/--out .*config\.json must end in \.onnx: it is the model this command writes/);
    expect(existsSync(path.join(work, 'config.json'))).toBe(false);
  });
});

describe('score: metadata that lies', () => {
  const refused: [string, Record<string, string | null>, RegExp][] = [
    // These sized the scorer's loops and buffers: context ≥ window made the windows stand still
    // (an array of starts grew until Node died), a negative window the same.
    [
      'context = window',
      { stacklab_context: String(WINDOW) },
      /metadata stacklab_context is 64, not less than the window \(stacklab_window 64\)/,
    ],
    [
      'context > window',
      { stacklab_context: '1000000' },
      /metadata stacklab_context is 1000000, not less than the window/,
    ],
    [
      'context inside a patch',
      { stacklab_context: '6' },
      /metadata stacklab_context is 6, not a whole number of patches \(stacklab_patch 4\)/,
    ],
    ['context 0', { stacklab_context: '0' }, /metadata stacklab_context is "0", not a whole number of at least 1/],
    [
      'a negative window',
      { stacklab_window: '-64' },
      /metadata stacklab_window is "-64", not a whole number from 2 to 65536/,
    ],
    ['a NaN window', { stacklab_window: 'NaN' }, /metadata stacklab_window is "NaN", not a whole number/],
    [
      'a huge window',
      { stacklab_window: '2800000000' },
      /metadata stacklab_window is "2800000000", not a whole number from 2 to 65536/,
    ],
    [
      'a window the config does not make',
      { stacklab_window: '128', stacklab_context: '32' },
      /metadata stacklab_config has seqLen 16 and patchLen 4, which do not make the window \(stacklab_window 128/,
    ],
    [
      'a window the model does not read',
      { stacklab_window: '128', stacklab_context: '32', stacklab_config: null },
      /the model reads "windows" of shape \["batch", 64, 2\], but its metadata says float32 windows of \[batch, 128, 2\]/,
    ],
    [
      'a patch that does not divide the window',
      { stacklab_patch: '3' },
      /metadata stacklab_patch is 3: the window \(stacklab_window 64\) is not two or more whole patches of it/,
    ],
    [
      'more channels than the config',
      { stacklab_channels: '["a","b","c"]' },
      /metadata stacklab_config has 2 channels, but stacklab_channels lists 3/,
    ],
    [
      'more channels than the model reads',
      { stacklab_channels: '["a","b","c"]', stacklab_config: null },
      /the model reads "windows" of shape \["batch", 64, 2\], but its metadata says float32 windows of \[batch, 64, 3\]/,
    ],
    ['no channels', { stacklab_channels: '[]' }, /metadata stacklab_channels is not a non-empty list of channel names/],
    [
      'channels that are not names',
      { stacklab_channels: '[1,2]' },
      /metadata stacklab_channels is not a non-empty list/,
    ],
    ['channels that are not JSON', { stacklab_channels: '[a' }, /metadata stacklab_channels is not valid JSON/],
    ['a channel twice', { stacklab_channels: '["a","a"]' }, /metadata stacklab_channels lists the channel "a" twice/],
    [
      'a channel name with escapes',
      { stacklab_channels: '["a","\\u001b[2Jb"]' },
      /metadata stacklab_channels has the name "\\u001b\[2Jb": a channel name is 1 to 1000 printable characters/,
    ],
    [
      'too many channels',
      { stacklab_channels: JSON.stringify(Array.from({ length: 40_000 }, (_, i) => `c${i}`)) },
      /metadata stacklab_channels lists 40000 channels: with a window of 64 rows a model reads at most 32768/,
    ],
    ['a NaN threshold', { stacklab_threshold: 'NaN' }, /metadata stacklab_threshold is "NaN", not a finite number/],
    ['an empty threshold', { stacklab_threshold: '' }, /metadata stacklab_threshold is "", not a finite number/],
    [
      'an infinite threshold',
      { stacklab_threshold: '1e999' },
      /metadata stacklab_threshold is "1e999", not a finite number/,
    ],
    [
      'smoothing of 0 rows',
      { stacklab_smooth: '0' },
      /metadata stacklab_smooth is "0", not a whole number from 1 to 100000/,
    ],
    ['smoothing of 1.5 rows', { stacklab_smooth: '1.5' }, /metadata stacklab_smooth is "1.5", not a whole number/],
    [
      'norm of the wrong length',
      { stacklab_norm: '{"mean":[0],"std":[1]}' },
      /metadata stacklab_norm has no mean of 2 finite numbers \(one per channel\)/,
    ],
    [
      'norm with a zero std',
      { stacklab_norm: '{"mean":[0,0],"std":[1,0]}' },
      /metadata stacklab_norm has std 0 for channel "b", not a positive number/,
    ],
    ['norm that is not an object', { stacklab_norm: 'null' }, /metadata stacklab_norm has no mean/],
    ['a config that is not an object', { stacklab_config: '[]' }, /metadata stacklab_config is not an object/],
    [
      'a normalisation with escapes',
      { stacklab_normalization: 'ok\u001b]0;pwned\u0007' },
      /metadata stacklab_normalization is not a line of at most 1000 printable characters/,
    ],
  ];

  it.each(refused)('refuses %s, naming the file and the field, without a scores file', async (_, meta, message) => {
    const r = await score(withMetadata(model, meta), 'lying.onnx');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^stacklab score: lying\.onnx: /);
    expect(r.err).toMatch(message);
    expect(r.err).toMatch(/export the model again with stacklab export$/);
    expect(r.written).toBeNull();
  });

  it('still scores models exported before the context, the smoothing and the threshold were recorded', async () => {
    const r = await score(
      withMetadata(model, {
        stacklab_context: null,
        stacklab_smooth: null,
        stacklab_threshold: null,
        stacklab_norm: null,
      }),
    );
    expect(r.code, r.err).toBe(0);
    const lines = r.written!.trim().split('\n');
    expect(lines[0]).toBe('timestamp,score');
    // One patch of context: the first 4 rows have no score, the fifth has one.
    expect(lines[4]!.split(',')[1]).toBe('');
    expect(Number(lines[5]!.split(',')[1])).toBeGreaterThanOrEqual(0);
  });
});
