/**
 * The built-in sample data set: a deterministic synthetic pump–valve–tank loop under PI level
 * control, with sensor noise, a slow sensor drift over the whole period and labelled faults.
 * Invariants: the output depends only on the options (seeded `Rng` streams, never Math.random);
 * the first half of the rows is fault-free; faults lie in the second half, never overlap, and
 * `label` / `faultKind` are set on exactly the rows a fault changes. Pure TypeScript.
 */
import { Rng } from '../random';

export interface SamplePlantOptions { readonly seed?: number; readonly rows?: number; readonly intervalSeconds?: number; readonly start?: string }
export type FaultKind = 'spike' | 'level_shift' | 'stuck_sensor' | 'slow_drift' | 'contextual';
export interface InjectedFault { readonly kind: FaultKind; readonly startRow: number; readonly endRow: number /* exclusive */; readonly channels: readonly string[] }
export interface SamplePlant {
  readonly timestamps: Float64Array; // epoch milliseconds
  readonly channels: readonly { readonly name: string; readonly unit: string; readonly values: Float32Array }[];
  readonly label: Uint8Array; // 1 on rows affected by a fault
  readonly faultKind: readonly string[]; // per row: '' or the FaultKind
  readonly faults: readonly InjectedFault[];
}

/** Channel name, unit and measurement-noise standard deviation, in column order. */
const SPECS = [
  ['feed_flow', 'm3/h', 0.3],
  ['pump_speed', 'rpm', 5],
  ['valve_position', '%', 0.4],
  ['outlet_flow', 'm3/h', 0.3],
  ['tank_level', 'm', 0.005],
  ['pump_power', 'kW', 0.12],
  ['motor_temp', '°C', 0.1],
  ['pressure', 'bar', 0.015],
] as const;

export const SAMPLE_PLANT_CHANNELS: readonly string[] = SPECS.map((s) => s[0]);
const CH = Object.fromEntries(SPECS.map((s, i) => [s[0], i])) as Record<(typeof SPECS)[number][0], number>;

// Plant constants. Flows in m3/h, level in m, speed in rpm, power in kW, time in seconds.
const AREA = 10; // tank cross-section, m2
const SETPOINT = 2; // tank level setpoint, m
const K_OUT = 50; // outlet_flow = K_OUT · valve/100 · sqrt(level)
const PUMP_GAIN = 0.03; // pump delivery, m3/h per rpm
const KP = 3000; // rpm per m of level error
const TI = 1200; // integral time, s
const BIAS = 900; // rpm
const SPEED_MIN = 200;
const SPEED_MAX = 1800;
const TEMP_TAU = 1200; // motor thermal time constant, s
const MAX_SUBSTEP = 10; // s; keeps the explicit integration stable for any sample interval
const DRIFT_PER_DAY = 0.012; // pressure sensor drift, bar/day, over the whole period
const DAY = 86_400;

const pumpPower = (speed: number): number => 1.5 + 13.5 * (speed / 1500) ** 3;
const pressureOf = (speed: number, valve: number): number => 0.4 + 2.4 * (speed / 1500) ** 2 * (1.3 - 0.6 * (valve / 100));
const outletFlow = (valve: number, level: number): number => K_OUT * (valve / 100) * Math.sqrt(Math.max(level, 0));
const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/**
 * Generates the sample plant. Defaults: seed 1, 20,160 rows (14 days) every 60 s from
 * 2026-01-05T00:00:00Z. Throws a RangeError on invalid options or too few rows for the faults.
 */
export function generateSamplePlant(options: SamplePlantOptions = {}): SamplePlant {
  const seed = options.seed ?? 1;
  const rows = options.rows ?? 20_160;
  const dt = options.intervalSeconds ?? 60;
  const t0 = Date.parse(options.start ?? '2026-01-05T00:00:00Z');
  if (!Number.isInteger(rows) || rows < 2) throw new RangeError(`rows must be an integer >= 2, got ${rows}`);
  if (!(dt > 0 && Number.isFinite(dt))) throw new RangeError(`intervalSeconds must be positive, got ${dt}`);
  if (Number.isNaN(t0)) throw new RangeError(`start is not a date: ${options.start}`);

  const proc = new Rng(seed, 'sample-plant/process');
  const noise = new Rng(seed, 'sample-plant/noise');
  const phase = (proc.next() - 0.5) * 2; // hours: shifts the daily cycles a little per seed
  const timestamps = new Float64Array(rows);
  const v = SPECS.map(() => new Float64Array(rows));

  // Slow disturbances: AR(1) with a 2 h (feed) and 40 min (valve) correlation time.
  const aFeed = Math.exp(-dt / 7200);
  const aValve = Math.exp(-dt / 2400);
  let feedSlow = 0;
  let valveSlow = 0;
  const feedAt = (h: number): number => 13 + 3 * Math.sin((2 * Math.PI * (h - 6 + phase)) / 24) + feedSlow;
  const valveAt = (h: number): number => clamp(50 + 12 * Math.sin((2 * Math.PI * (h - 9 + phase)) / 24) + 5 * Math.sin((4 * Math.PI * h) / 24) + valveSlow, 10, 95);
  const ambientAt = (h: number): number => 20 + 4 * Math.sin((2 * Math.PI * (h - 9)) / 24);

  // Initial state is the steady state for the first inputs: no start-up transient.
  let level = SETPOINT;
  let integral = (outletFlow(valveAt(0), SETPOINT) - feedAt(0)) / PUMP_GAIN - BIAS;
  let speed = clamp(BIAS + integral, SPEED_MIN, SPEED_MAX);
  let temp = ambientAt(0) + 2.5 * pumpPower(speed);
  const nSub = Math.ceil(dt / MAX_SUBSTEP);
  const h = dt / nSub;

  for (let i = 0; i < rows; i++) {
    const sec = i * dt;
    const hour = sec / 3600;
    timestamps[i] = t0 + sec * 1000;
    feedSlow = aFeed * feedSlow + Math.sqrt(1 - aFeed * aFeed) * 0.8 * proc.normal();
    valveSlow = aValve * valveSlow + Math.sqrt(1 - aValve * aValve) * 2 * proc.normal();
    const feed = Math.max(0, feedAt(hour));
    const valve = valveAt(hour);
    const power = pumpPower(speed);
    const truth = [feed, speed, valve, outletFlow(valve, level), level, power, temp, pressureOf(speed, valve) + (DRIFT_PER_DAY * sec) / DAY];
    for (let c = 0; c < SPECS.length; c++) v[c]![i] = truth[c]! + SPECS[c]![2] * noise.normal();
    // Zero-order hold of the inputs over the interval; PI with conditional anti-windup.
    for (let s = 0; s < nSub; s++) {
      const err = SETPOINT - level;
      const raw = BIAS + KP * err + integral;
      speed = clamp(raw, SPEED_MIN, SPEED_MAX);
      if (raw === speed || (raw > SPEED_MAX && err < 0) || (raw < SPEED_MIN && err > 0)) integral += (KP * err * h) / TI;
      level = Math.max(0, level + ((feed + PUMP_GAIN * speed - outletFlow(valve, level)) * h) / 3600 / AREA);
      const target = ambientAt((sec + s * h) / 3600) + 2.5 * pumpPower(speed);
      temp += (target - temp) * (1 - Math.exp(-h / TEMP_TAU));
    }
  }

  // Fault-free reference ranges, from the first half (never faulted).
  const half = Math.floor(rows / 2);
  const lo = v.map((a) => a.subarray(0, half).reduce((m, x) => Math.min(m, x), Infinity));
  const hi = v.map((a) => a.subarray(0, half).reduce((m, x) => Math.max(m, x), -Infinity));

  const faults = scheduleFaults(new Rng(seed, 'sample-plant/faults'), rows, half, dt);
  const label = new Uint8Array(rows);
  const faultKind: string[] = new Array<string>(rows).fill('');
  const frng = new Rng(seed, 'sample-plant/fault-shapes');
  for (const f of faults) {
    const c = CH[f.channels[0] as keyof typeof CH];
    const a = v[c]!;
    const range = hi[c]! - lo[c]!;
    const n = f.endRow - f.startRow;
    const sign = frng.next() < 0.5 ? -1 : 1;
    for (let k = 0; k < n; k++) {
      const i = f.startRow + k;
      label[i] = 1;
      faultKind[i] = f.kind;
      if (f.kind === 'spike') a[i]! += (a[i]! > (lo[c]! + hi[c]!) / 2 ? 1 : -1) * (0.6 + 0.4 * frng.next()) * range; // lands outside lo..hi
      else if (f.kind === 'level_shift') a[i]! += sign * 0.25 * range;
      else if (f.kind === 'stuck_sensor') a[i] = a[f.startRow - 1]!;
      else if (f.kind === 'slow_drift') a[i]! += (sign * 10 * SPECS[c]![2] * (k + 1)) / n; // ends at 10 noise std
      else {
        // Contextual: power reported for a speed half the speed range away from the actual one
        // (per row, towards the far side); both channels are clamped to their fault-free lo..hi.
        const sp = CH.pump_speed;
        const s = clamp(v[sp]![i]!, lo[sp]!, hi[sp]!);
        v[sp]![i] = s;
        const other = s > (lo[sp]! + hi[sp]!) / 2 ? s - 0.5 * (hi[sp]! - lo[sp]!) : s + 0.5 * (hi[sp]! - lo[sp]!);
        a[i] = clamp(pumpPower(other) + SPECS[c]![2] * frng.normal(), lo[c]!, hi[c]!);
      }
    }
  }

  const channels = SPECS.map(([name, unit], c) => ({ name, unit, values: Float32Array.from(v[c]!) }));
  return { timestamps, channels, label, faultKind, faults };
}

/** Candidate channels per fault kind; the first listed channel of a fault is the one it changes. */
const FAULT_CHANNELS: Record<FaultKind, readonly string[]> = {
  spike: ['feed_flow', 'outlet_flow', 'pressure', 'motor_temp', 'tank_level'],
  level_shift: ['feed_flow', 'pressure', 'tank_level', 'outlet_flow'],
  stuck_sensor: ['feed_flow', 'pressure', 'motor_temp', 'outlet_flow'],
  slow_drift: ['motor_temp', 'pressure', 'tank_level', 'feed_flow'],
  contextual: ['pump_power'],
};

/**
 * Places one fault of each kind plus a second spike in rows [half, rows), in seeded order with
 * seeded gaps of at least one gap unit between them and from both ends: never overlapping.
 */
function scheduleFaults(rng: Rng, rows: number, half: number, dt: number): InjectedFault[] {
  const hoursToRows = (hrs: number): number => Math.max(1, Math.round((hrs * 3600) / dt));
  const kinds: FaultKind[] = ['spike', 'level_shift', 'stuck_sensor', 'slow_drift', 'contextual', 'spike'];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  const hours: Record<FaultKind, () => number> = {
    spike: () => (1 + rng.int(3)) * (dt / 3600), // 1..3 samples
    level_shift: () => 2 + 2 * rng.next(),
    stuck_sensor: () => 2 + 2 * rng.next(),
    slow_drift: () => 8 + 6 * rng.next(),
    contextual: () => 3 + 2 * rng.next(),
  };
  const base = kinds.map((k) => hoursToRows(hours[k]()));
  const span = rows - half;
  // Short series: shrink the non-spike faults and the gaps together until the schedule fits.
  let lengths = base;
  let gap = hoursToRows(1);
  const needed = (): number => lengths.reduce((s, x) => s + x, 0) + (kinds.length + 1) * gap;
  for (let f = 0.9; needed() > span && f > 1e-4; f *= 0.9) {
    lengths = base.map((x, i) => (kinds[i] === 'spike' ? x : Math.max(1, Math.floor(x * f))));
    gap = Math.max(1, Math.floor(hoursToRows(1) * f));
  }
  const free = span - needed();
  if (free < 0) throw new RangeError(`rows ${rows} too few for the fault schedule`);
  const w = Array.from({ length: kinds.length + 1 }, () => rng.next());
  const wSum = w.reduce((s, x) => s + x, 0);
  const out: InjectedFault[] = [];
  let row = half;
  kinds.forEach((kind, i) => {
    row += gap + Math.floor((free * w[i]!) / wSum);
    const pool = FAULT_CHANNELS[kind];
    const ch = pool[rng.int(pool.length)]!;
    out.push({ kind, startRow: row, endRow: row + lengths[i]!, channels: kind === 'contextual' ? [ch, 'pump_speed'] : [ch] });
    row += lengths[i]!;
  });
  return out;
}

const num = (x: number): string => String(Number(x.toFixed(4)));

/**
 * CSV text: header `timestamp,<channels...>,label,fault_kind`, ISO-8601 UTC timestamps without
 * milliseconds when they are whole seconds, LF line endings, numbers with up to 4 decimals.
 */
export function samplePlantCsv(plant: SamplePlant): string {
  const lines = [['timestamp', ...plant.channels.map((c) => c.name), 'label', 'fault_kind'].join(',')];
  for (let i = 0; i < plant.timestamps.length; i++) {
    const ts = new Date(plant.timestamps[i]!).toISOString().replace('.000Z', 'Z');
    lines.push(`${ts},${plant.channels.map((c) => num(c.values[i]!)).join(',')},${plant.label[i]},${plant.faultKind[i]}`);
  }
  return lines.join('\n') + '\n';
}
