/**
 * A seeded generator of malformed CSV files, for the import fuzz test and its benchmark: a valid
 * plant export (timestamps, a few sensor channels, sometimes a label column) damaged by one to
 * three mutations of the kinds users and broken exports produce. Same seed, same files.
 */
import { Rng as SeededRng } from '../../src/engine/random';

export interface MalformedCsv {
  readonly name: string;
  /** The mutations applied, in order (for the failure message and the benchmark's table). */
  readonly kinds: readonly string[];
  readonly bytes: Uint8Array;
}

type Rng = () => number;
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

const JUNK = [
  'inf',
  '-Infinity',
  'NaN',
  '1e400',
  '-1e39',
  '9'.repeat(400),
  '#VALUE!',
  'ERR',
  '--',
  '5%',
  'n/a',
  '',
  ' ',
  '0x1f',
  '1,5',
  '1.2.3',
  '∞',
  '１２',
  '"',
  '""',
  '\u0000',
  'true',
  '1e-400',
  '-0',
  '+7',
  '.5',
  '5.',
];
const LABELS = ['0', '1', 'normal', 'NORMAL', 'fault', 'anomaly', 'yes', 'WOBBLY', '2', '-1', '0.5', ''];

function baseCsv(rng: Rng): { header: string[]; rows: string[][] } {
  const channels = int(rng, 1, 6);
  const n = int(rng, 5, 1500);
  const labelled = rng() < 0.5;
  const header = [
    'timestamp',
    ...Array.from(
      { length: channels },
      (_, c) => pick(rng, ['flow', 'temp', 'pressure', 'level', 'x', 'Druck', 'vib'] as const) + `_${c}`,
    ),
    ...(labelled ? ['label'] : []),
  ];
  const start = Date.UTC(2024, int(rng, 0, 11), int(rng, 1, 28));
  const step = pick(rng, [1000, 60_000, 180_000]);
  const rows = Array.from({ length: n }, (_, i) => [
    new Date(start + i * step).toISOString().replace('T', ' ').slice(0, 19),
    ...Array.from({ length: channels }, (_, c) =>
      (Math.sin(i / (5 + c)) * (10 + c) + 50 + rng()).toFixed(int(rng, 0, 4)),
    ),
    ...(labelled ? [String(i % 97 > 90 ? 1 : 0)] : []),
  ]);
  return { header, rows };
}

const encodeText = (s: string) => new TextEncoder().encode(s);

/** Mutations of the table (before it becomes text). */
const TABLE_MUTATIONS: Record<string, (rng: Rng, t: { header: string[]; rows: string[][] }) => void> = {
  'junk cells': (rng, t) => {
    for (let k = int(rng, 1, 40); k > 0 && t.rows.length; k--) {
      const r = pick(rng, t.rows);
      r[int(rng, 0, r.length - 1)] = pick(rng, JUNK);
    }
  },
  'a column of junk': (rng, t) => {
    const c = int(rng, 1, t.header.length - 1);
    for (const r of t.rows) if (rng() < 0.7) r[c] = pick(rng, JUNK);
  },
  'repeated names': (rng, t) => {
    for (let c = 1; c < t.header.length; c++)
      if (rng() < 0.6) t.header[c] = pick(rng, ['x', 'x_2', '', ' ', 'timestamp', 'label']);
  },
  'ragged rows': (rng, t) => {
    for (let k = int(rng, 1, 5); k > 0 && t.rows.length; k--) {
      const r = pick(rng, t.rows);
      if (rng() < 0.5) r.pop();
      else r.push('extra');
    }
  },
  'unclosed quote': (rng, t) => {
    if (!t.rows.length) return;
    const r = pick(rng, t.rows);
    r[int(rng, 0, r.length - 1)] = `"open${rng() < 0.5 ? '' : ',with delimiter'}`;
  },
  'quoted newlines': (rng, t) => {
    for (let k = int(rng, 1, 10); k > 0 && t.rows.length; k--) {
      const r = pick(rng, t.rows);
      r[int(rng, 0, r.length - 1)] = `"a\nb""c"`;
    }
  },
  'broken timestamps': (rng, t) => {
    for (let k = int(rng, 1, 6); k > 0 && t.rows.length; k--)
      pick(rng, t.rows)[0] = pick(rng, [
        '',
        '2024-13-45 99:00:00',
        '0x65',
        '1970-01-01 00:00:00',
        '2054-01-01 00:00:00',
        'yesterday',
        '31/02/24 10',
        '1709532000',
      ]);
  },
  'shuffled rows': (rng, t) => {
    for (let i = t.rows.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [t.rows[i], t.rows[j]] = [t.rows[j]!, t.rows[i]!];
    }
  },
  'duplicate timestamps': (rng, t) => {
    for (let i = 1; i < t.rows.length; i++) if (rng() < 0.3) t.rows[i]![0] = t.rows[i - 1]![0]!;
  },
  'epoch seconds': (_rng, t) => {
    for (const r of t.rows) r[0] = String(Math.floor(Date.parse(`${r[0]}Z`) / 1000));
  },
  'constant channels': (_rng, t) => {
    for (const r of t.rows) for (let c = 1; c < r.length; c++) r[c] = '1';
  },
  'odd labels': (rng, t) => {
    const c = t.header.indexOf('label');
    if (c < 0) t.header.push('status');
    for (const r of t.rows) {
      if (c < 0) r.push(pick(rng, LABELS));
      else if (rng() < 0.1) r[c] = pick(rng, LABELS);
    }
  },
  'no rows': (_rng, t) => {
    t.rows.length = 0;
  },
  'one row': (_rng, t) => {
    t.rows.length = Math.min(1, t.rows.length);
  },
  'wide header': (rng, t) => {
    const extra = int(rng, 500, 5000);
    for (let c = 0; c < extra; c++) t.header.push(`s${c}`);
    for (const r of t.rows) for (let c = 0; c < extra; c++) r.push(String((c * 7) % 13));
  },
  'no header': (_rng, t) => {
    t.header = t.rows.shift() ?? [];
  },
};

/** Mutations of the encoded bytes. */
const BYTE_MUTATIONS: Record<string, (rng: Rng, b: Uint8Array) => Uint8Array> = {
  truncated: (rng, b) => b.subarray(0, int(rng, 0, b.length)),
  'random bytes': (rng, b) => {
    const out = Uint8Array.from(b);
    for (let k = int(rng, 1, 30); k > 0 && out.length; k--) out[int(rng, 0, out.length - 1)] = int(rng, 0, 255);
    return out;
  },
  'NUL bytes': (rng, b) => {
    const out = Uint8Array.from(b);
    for (let k = int(rng, 1, 200); k > 0 && out.length; k--) out[int(rng, 0, out.length - 1)] = 0;
    return out;
  },
  'UTF-16 LE': (_rng, b) => {
    const s = new TextDecoder().decode(b);
    const out = new Uint8Array(2 + s.length * 2);
    out.set([0xff, 0xfe]);
    for (let i = 0; i < s.length; i++) new DataView(out.buffer).setUint16(2 + i * 2, s.charCodeAt(i), true);
    return out;
  },
  'UTF-16 BE without BOM': (_rng, b) => {
    const s = new TextDecoder().decode(b);
    const out = new Uint8Array(s.length * 2);
    for (let i = 0; i < s.length; i++) new DataView(out.buffer).setUint16(i * 2, s.charCodeAt(i), false);
    return out;
  },
  'UTF-32 BOM': (_rng, b) => concat(new Uint8Array([0xff, 0xfe, 0, 0]), b),
  'UTF-8 BOM': (_rng, b) => concat(new Uint8Array([0xef, 0xbb, 0xbf]), b),
  'Latin-1 bytes': (rng, b) => {
    const out = Uint8Array.from(b);
    for (let k = int(rng, 1, 20); k > 0 && out.length; k--)
      out[int(rng, 0, out.length - 1)] = pick(rng, [0xb0, 0xe4, 0xf6, 0xfc, 0xdf, 0xe9]);
    return out;
  },
  'CR line endings': (_rng, b) => b.map((c) => (c === 10 ? 13 : c)),
  'mixed line endings': (rng, b) => {
    const out: number[] = [];
    for (const c of b) {
      if (c === 10 && rng() < 0.4) out.push(13, 10);
      else if (c === 10 && rng() < 0.1) out.push(13);
      else out.push(c);
    }
    return Uint8Array.from(out);
  },
  'semicolons and decimal commas': (_rng, b) =>
    encodeText(
      new TextDecoder()
        .decode(b)
        .replace(/,/g, ';')
        .replace(/(\d)\.(\d)/g, '$1,$2'),
    ),
  'a delimiter change mid-file': (rng, b) => {
    const s = new TextDecoder().decode(b);
    const at = int(rng, 0, s.length);
    return encodeText(s.slice(0, at) + s.slice(at).replace(/,/g, '\t'));
  },
  'a long line': (rng, b) => {
    const s = new TextDecoder().decode(b);
    const at = s.indexOf('\n', int(rng, 0, s.length));
    const long = Array.from({ length: int(rng, 10_000, 200_000) }, (_, i) => String(i % 10)).join(',');
    return encodeText(at < 0 ? s + long : s.slice(0, at + 1) + long + s.slice(at));
  },
  'no line breaks': (_rng, b) => b.filter((c) => c !== 10 && c !== 13),
  'blank space': (rng, b) =>
    rng() < 0.5 ? encodeText(' \n\n\t \n'.repeat(int(rng, 1, 1000))) : concat(encodeText('\n\n\n   \n'), b),
  'trailing garbage': (rng, b) =>
    concat(
      b,
      Uint8Array.from({ length: int(rng, 1, 5000) }, () => int(rng, 0, 255)),
    ),
  empty: () => new Uint8Array(0),
};

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** `count` malformed CSV files from `seed`: 1–3 mutations each, table ones before byte ones. */
export function malformedCsvs(seed: number, count: number): MalformedCsv[] {
  const seeded = new SeededRng(seed, 'malformed-csv');
  const rng = () => seeded.next();
  const tableKinds = Object.keys(TABLE_MUTATIONS);
  const byteKinds = Object.keys(BYTE_MUTATIONS);
  return Array.from({ length: count }, (_, i) => {
    const t = baseCsv(rng);
    const kinds: string[] = [];
    const m = int(rng, 1, 3);
    const chosen = Array.from({ length: m }, () => (rng() < 0.55 ? pick(rng, tableKinds) : pick(rng, byteKinds)));
    for (const k of chosen.filter((k) => k in TABLE_MUTATIONS)) {
      TABLE_MUTATIONS[k]!(rng, t);
      kinds.push(k);
    }
    let bytes: Uint8Array = encodeText(
      [t.header, ...t.rows].map((r) => r.join(',')).join('\n') + (rng() < 0.8 ? '\n' : ''),
    );
    for (const k of chosen.filter((k) => k in BYTE_MUTATIONS)) {
      bytes = BYTE_MUTATIONS[k]!(rng, bytes);
      kinds.push(k);
    }
    return { name: `fuzz-${String(i).padStart(3, '0')}.csv`, kinds, bytes };
  });
}
