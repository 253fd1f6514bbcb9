/**
 * The built-in sample data sets: a deterministic synthetic pump–valve–tank loop under PI level
 * control, with sensor noise, a slow sensor drift over the whole period and labelled faults; as
 * one long series (`generateSamplePlant`) or as a test rig's experiments, each at its own operating
 * point with one fault (`generateMultiRunPlant`).
 * Invariants: the output depends only on the options (seeded `Rng` streams, never Math.random);
 * the first half of the rows is fault-free; faults lie in the second half, never overlap, and
 * `label` / `faultKind` are set on exactly the rows a fault changes. Pure TypeScript.
 */
import { Rng } from '../random';

export interface SamplePlantOptions {
  readonly seed?: number;
  readonly rows?: number;
  readonly intervalSeconds?: number;
  readonly start?: string;
}
export type FaultKind =
  'spike' | 'level_shift' | 'stuck_sensor' | 'slow_drift' | 'contextual' | 'leak' | 'oscillation' | 'cavitation';
/** The faults of the single-series plant. */
type SeriesFaultKind = 'spike' | 'level_shift' | 'stuck_sensor' | 'slow_drift' | 'contextual';
export interface InjectedFault {
  readonly kind: FaultKind;
  readonly startRow: number;
  readonly endRow: number /* exclusive */;
  readonly channels: readonly string[];
}
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
const pressureOf = (speed: number, valve: number): number =>
  0.4 + 2.4 * (speed / 1500) ** 2 * (1.3 - 0.6 * (valve / 100));
const outletFlow = (valve: number, level: number): number => K_OUT * (valve / 100) * Math.sqrt(Math.max(level, 0));
const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** What differs between the runs of a multi-run plant: setpoints, disturbance levels and sensor calibration. */
interface OperatingPoint {
  readonly setpoint: number; // tank level setpoint, m
  readonly feedBase: number; // mean feed flow, m3/h
  readonly valveBase: number; // mean valve opening, %
  readonly pumpGain: number; // m3/h per rpm (pump wear)
  readonly ambient: number; // mean ambient temperature, °C
  /** Per channel, added to every reading (calibration offset), in the channel's unit. */
  readonly offsets: readonly number[];
  /** The batch recipe the run repeats (the multi-run rig); absent: a continuous process. */
  readonly recipe?: Recipe;
}

/**
 * A batch recipe: phases, each holding the feed and the valve at its own offsets from the operating
 * point for a few minutes (charge, hold, discharge…), run cycle after cycle. The same recipes recur
 * across a rig's runs, so a stretch of one cycle is followed by what followed it before: the
 * structure a real batch process gives a model to recall.
 */
interface Recipe {
  readonly phases: readonly { readonly minutes: number; readonly feed: number; readonly valve: number }[];
  /** Minutes into its first cycle the run starts at. */
  readonly offset: number;
}

/** The rig's recipes (a few, shared by its runs): 3–5 phases of 2–6 minutes each. */
function drawRecipes(seed: number, count: number): Recipe['phases'][] {
  const rng = new Rng(seed, 'multi-run/recipes');
  return Array.from({ length: count }, () =>
    Array.from({ length: 3 + rng.int(3) }, () => ({
      minutes: 2 + rng.int(5),
      feed: -3 + 6 * rng.next(),
      valve: -12 + 24 * rng.next(),
    })),
  );
}

/** The recipe phase at `minute` of the run. */
function phaseAt(recipe: Recipe, minute: number): Recipe['phases'][number] {
  const cycle = recipe.phases.reduce((a, p) => a + p.minutes, 0);
  let t = (((minute + recipe.offset) % cycle) + cycle) % cycle;
  for (const p of recipe.phases) {
    if (t < p.minutes) return p;
    t -= p.minutes;
  }
  return recipe.phases[recipe.phases.length - 1]!;
}

const NOMINAL: OperatingPoint = {
  setpoint: SETPOINT,
  feedBase: 13,
  valveBase: 50,
  pumpGain: PUMP_GAIN,
  ambient: 20,
  offsets: SPECS.map(() => 0),
};

/**
 * A fault of the process itself over [startRow, endRow), in the physics (the readings follow):
 * a leak (an unmeasured outflow of `size` m3/h), an oscillation (the pump's speed drive hunting
 * by ± `size` rpm with a 30 min period) or cavitation (the pump's delivery and its readings
 * fluctuate, `size` the share of delivery lost at random each reading).
 */
interface ProcessFault {
  readonly kind: 'leak' | 'oscillation' | 'cavitation';
  readonly startRow: number;
  readonly endRow: number;
  readonly size: number;
  /** Draws of the fault's own randomness (cavitation). */
  readonly rng: Rng;
}

/**
 * The plant's physics at one operating point: `rows` readings every `dt` seconds from `t0`.
 * Draws: `proc` once for the daily phase, then twice per row; `noise` once per channel per row.
 */
function simulate(
  rows: number,
  dt: number,
  t0: number,
  point: OperatingPoint,
  proc: Rng,
  noise: Rng,
  fault?: ProcessFault,
): { timestamps: Float64Array; v: Float64Array[] } {
  const phase = (proc.next() - 0.5) * 2; // hours: shifts the daily cycles a little per seed
  const timestamps = new Float64Array(rows);
  const v = SPECS.map(() => new Float64Array(rows));

  // Slow disturbances: AR(1) with a 2 h (feed) and 40 min (valve) correlation time.
  const aFeed = Math.exp(-dt / 7200);
  const aValve = Math.exp(-dt / 2400);
  let feedSlow = 0;
  let valveSlow = 0;
  const step = (h: number) => (point.recipe ? phaseAt(point.recipe, Math.floor(h * 60 + 1e-9)) : null);
  const feedAt = (h: number): number =>
    point.feedBase + 3 * Math.sin((2 * Math.PI * (h - 6 + phase)) / 24) + feedSlow + (step(h)?.feed ?? 0);
  const valveAt = (h: number): number =>
    clamp(
      point.valveBase +
        12 * Math.sin((2 * Math.PI * (h - 9 + phase)) / 24) +
        5 * Math.sin((4 * Math.PI * h) / 24) +
        valveSlow +
        (step(h)?.valve ?? 0),
      10,
      95,
    );
  const ambientAt = (h: number): number => point.ambient + 4 * Math.sin((2 * Math.PI * (h - 9)) / 24);

  // Initial state is the steady state for the first inputs: no start-up transient.
  let level = point.setpoint;
  let integral = (outletFlow(valveAt(0), point.setpoint) - feedAt(0)) / point.pumpGain - BIAS;
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
    const truth = [
      feed,
      speed,
      valve,
      outletFlow(valve, level),
      level,
      power,
      temp,
      pressureOf(speed, valve) + (DRIFT_PER_DAY * sec) / DAY,
    ];
    const active = fault && i >= fault.startRow && i < fault.endRow ? fault : undefined;
    // Cavitation: the delivery surges, so flow, pressure and power readings scatter 8x more.
    const loss = active?.kind === 'cavitation' ? active.size * Math.abs(active.rng.normal()) : 0;
    const scatter = (c: number) =>
      loss > 0 && (c === CH.outlet_flow || c === CH.pressure || c === CH.pump_power) ? 8 : 1;
    for (let c = 0; c < SPECS.length; c++)
      v[c]![i] = truth[c]! + point.offsets[c]! + scatter(c) * SPECS[c]![2] * noise.normal();
    const lost = active?.kind === 'leak' ? active.size : 0;
    const hunt =
      active?.kind === 'oscillation' ? active.size * Math.sin((2 * Math.PI * (i - active.startRow) * dt) / 1800) : 0;
    // Zero-order hold of the inputs over the interval; PI with conditional anti-windup.
    for (let s = 0; s < nSub; s++) {
      const err = point.setpoint - level;
      const raw = BIAS + KP * err + integral;
      speed = clamp(raw + hunt, SPEED_MIN, SPEED_MAX);
      if (raw + hunt === speed || (raw > SPEED_MAX && err < 0) || (raw < SPEED_MIN && err > 0))
        integral += (KP * err * h) / TI;
      level = Math.max(
        0,
        level + ((feed + point.pumpGain * speed * (1 - loss) - outletFlow(valve, level) - lost) * h) / 3600 / AREA,
      );
      const target = ambientAt((sec + s * h) / 3600) + 2.5 * pumpPower(speed);
      temp += (target - temp) * (1 - Math.exp(-h / TEMP_TAU));
    }
  }
  return { timestamps, v };
}

/** Each channel's range over the given rows (fault-free reference ranges). */
function rangesOver(v: readonly Float64Array[], start: number, end: number): { lo: number[]; hi: number[] } {
  return {
    lo: v.map((a) => a.subarray(start, end).reduce((m, x) => Math.min(m, x), Infinity)),
    hi: v.map((a) => a.subarray(start, end).reduce((m, x) => Math.max(m, x), -Infinity)),
  };
}

/** Changes the readings of one injected fault (a leak is in the physics already) and labels its rows. */
function injectFault(
  v: Float64Array[],
  f: InjectedFault,
  ref: { lo: number[]; hi: number[] },
  offsets: readonly number[],
  frng: Rng,
  label: Uint8Array,
  faultKind: string[],
): void {
  const { lo, hi } = ref;
  const c = CH[f.channels[0] as keyof typeof CH];
  const a = v[c]!;
  const range = hi[c]! - lo[c]!;
  const n = f.endRow - f.startRow;
  const sign = frng.next() < 0.5 ? -1 : 1;
  for (let k = 0; k < n; k++) {
    const i = f.startRow + k;
    label[i] = 1;
    faultKind[i] = f.kind;
    if (f.kind === 'spike')
      a[i]! += (a[i]! > (lo[c]! + hi[c]!) / 2 ? 1 : -1) * (0.6 + 0.4 * frng.next()) * range; // lands outside lo..hi
    else if (f.kind === 'level_shift') a[i]! += sign * 0.25 * range;
    else if (f.kind === 'stuck_sensor') a[i] = a[f.startRow - 1]!;
    else if (f.kind === 'slow_drift')
      a[i]! += (sign * 10 * SPECS[c]![2] * (k + 1)) / n; // ends at 10 noise std
    else if (f.kind === 'leak' || f.kind === 'oscillation' || f.kind === 'cavitation')
      continue; // in the physics
    else if (f.kind === 'contextual') {
      // Contextual: power reported for a speed half the speed range away from the actual one
      // (per row, towards the far side); both channels are clamped to their fault-free lo..hi.
      const sp = CH.pump_speed;
      const s = clamp(v[sp]![i]!, lo[sp]!, hi[sp]!);
      v[sp]![i] = s;
      const other = s > (lo[sp]! + hi[sp]!) / 2 ? s - 0.5 * (hi[sp]! - lo[sp]!) : s + 0.5 * (hi[sp]! - lo[sp]!);
      a[i] = clamp(pumpPower(other - offsets[sp]!) + offsets[c]! + SPECS[c]![2] * frng.normal(), lo[c]!, hi[c]!);
    }
  }
}

function channelsOf(v: readonly Float64Array[]): SamplePlant['channels'] {
  return SPECS.map(([name, unit], c) => ({ name, unit, values: Float32Array.from(v[c]!) }));
}

function checkOptions(rows: number, dt: number, t0: number, start: string | undefined): void {
  if (!Number.isInteger(rows) || rows < 2) throw new RangeError(`rows must be an integer >= 2, got ${rows}`);
  if (!(dt > 0 && Number.isFinite(dt))) throw new RangeError(`intervalSeconds must be positive, got ${dt}`);
  if (Number.isNaN(t0)) throw new RangeError(`start is not a date: ${start}`);
}

/**
 * Generates the sample plant. Defaults: seed 1, 20,160 rows (14 days) every 60 s from
 * 2026-01-05T00:00:00Z. Throws a RangeError on invalid options or too few rows for the faults.
 */
export function generateSamplePlant(options: SamplePlantOptions = {}): SamplePlant {
  const seed = options.seed ?? 1;
  const rows = options.rows ?? 20_160;
  const dt = options.intervalSeconds ?? 60;
  const t0 = Date.parse(options.start ?? '2026-01-05T00:00:00Z');
  checkOptions(rows, dt, t0, options.start);
  const { timestamps, v } = simulate(
    rows,
    dt,
    t0,
    NOMINAL,
    new Rng(seed, 'sample-plant/process'),
    new Rng(seed, 'sample-plant/noise'),
  );

  // Fault-free reference ranges, from the first half (never faulted).
  const half = Math.floor(rows / 2);
  const ref = rangesOver(v, 0, half);
  const faults = scheduleFaults(new Rng(seed, 'sample-plant/faults'), rows, half, dt);
  const label = new Uint8Array(rows);
  const faultKind: string[] = new Array<string>(rows).fill('');
  const frng = new Rng(seed, 'sample-plant/fault-shapes');
  for (const f of faults) injectFault(v, f, ref, NOMINAL.offsets, frng, label, faultKind);
  return { timestamps, channels: channelsOf(v), label, faultKind, faults };
}

/** Candidate channels per fault kind; the first listed channel of a fault is the one it changes. */
const FAULT_CHANNELS: Record<FaultKind, readonly string[]> = {
  spike: ['feed_flow', 'outlet_flow', 'pressure', 'motor_temp', 'tank_level'],
  level_shift: ['feed_flow', 'pressure', 'tank_level', 'outlet_flow'],
  stuck_sensor: ['feed_flow', 'pressure', 'motor_temp', 'outlet_flow'],
  slow_drift: ['motor_temp', 'pressure', 'tank_level', 'feed_flow'],
  contextual: ['pump_power'],
  // Process faults (in the physics): the first channel is the one that shows them most.
  leak: ['pump_speed'],
  oscillation: ['pump_speed'],
  cavitation: ['pressure'],
};

/**
 * Places one fault of each kind plus a second spike in rows [half, rows), in seeded order with
 * seeded gaps of at least one gap unit between them and from both ends: never overlapping.
 */
function scheduleFaults(rng: Rng, rows: number, half: number, dt: number): InjectedFault[] {
  const hoursToRows = (hrs: number): number => Math.max(1, Math.round((hrs * 3600) / dt));
  const kinds: SeriesFaultKind[] = ['spike', 'level_shift', 'stuck_sensor', 'slow_drift', 'contextual', 'spike'];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  const hours: Record<SeriesFaultKind, () => number> = {
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
    out.push({
      kind,
      startRow: row,
      endRow: row + lengths[i]!,
      channels: kind === 'contextual' ? [ch, 'pump_speed'] : [ch],
    });
    row += lengths[i]!;
  });
  return out;
}

export interface MultiRunOptions {
  readonly seed?: number;
  readonly runs?: number;
  readonly rowsPerRun?: number;
  readonly intervalSeconds?: number;
  readonly start?: string;
}

/** One experiment of the multi-run plant: its own operating point, a normal stretch, one fault. */
export interface PlantRun extends SamplePlant {
  /** "run-01", "run-02", … (the CSV file names without .csv). */
  readonly name: string;
}

/** The multi-run plant's fault kinds, one per run in a seeded order (spikes are too short to be a run's only fault). */
const MULTI_RUN_KINDS = [
  'level_shift',
  'stuck_sensor',
  'slow_drift',
  'contextual',
  'leak',
  'oscillation',
  'cavitation',
] as const;
/** Each kind's length as a share of the run: [shortest, longest]. */
const MULTI_RUN_LENGTH: Readonly<Record<(typeof MULTI_RUN_KINDS)[number], readonly [number, number]>> = {
  level_shift: [0.06, 0.12],
  stuck_sensor: [0.06, 0.12],
  slow_drift: [0.12, 0.2],
  contextual: [0.05, 0.1],
  leak: [0.1, 0.16],
  oscillation: [0.08, 0.14],
  cavitation: [0.05, 0.1],
};
/** The channels a process fault moves (the first is its own). */
const PROCESS_CHANNELS: Readonly<Record<ProcessFault['kind'], readonly string[]>> = {
  leak: ['pump_speed', 'pump_power', 'tank_level'],
  oscillation: ['pump_speed', 'pump_power', 'tank_level', 'pressure'],
  cavitation: ['pressure', 'outlet_flow', 'pump_power', 'tank_level'],
};
/** Batch recipes of the rig, run by its runs in turn. */
const MULTI_RUN_RECIPES = 3;
/** Sensor calibration offsets between runs: each channel's reading shifted by up to ± this (its unit). */
const OFFSET_SPAN = [1.5, 0, 4, 1, 0.05, 0.4, 3, 0.15] as const;

/**
 * A test rig's experiments: `runs` series (default 12 of 5,000 rows every 60 s, one after another
 * from 2026-02-02), each at its own operating point (level setpoint 1.5–2.5 m, feed 10–16 m3/h,
 * valve 40–60 %, ambient 14–26 °C, pump wear, sensor offsets) running one of the rig's batch
 * recipes cycle after cycle (the same three recur across runs), a fault-free stretch of 55–70 % of
 * its rows, then one labelled fault, then normal rows to its end. The faults (kinds in a seeded
 * order) are of the sensors (level shift, stuck sensor, slow drift), of a relation between
 * channels (contextual) and of the process (a leak, the speed drive hunting, cavitation), 5–20 %
 * of the run long. Deterministic in the options.
 */
export function generateMultiRunPlant(options: MultiRunOptions = {}): PlantRun[] {
  const seed = options.seed ?? 1;
  const runs = options.runs ?? 12;
  const rows = options.rowsPerRun ?? 5000;
  const dt = options.intervalSeconds ?? 60;
  const t0 = Date.parse(options.start ?? '2026-02-02T00:00:00Z');
  checkOptions(rows, dt, t0, options.start);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100)
    throw new RangeError(`runs must be an integer from 1 to 100, got ${runs}`);
  if (rows < 200) throw new RangeError(`rowsPerRun must be at least 200 (a normal stretch and a fault), got ${rows}`);
  const recipes = drawRecipes(seed, MULTI_RUN_RECIPES);
  const order = [...MULTI_RUN_KINDS];
  const shuffle = new Rng(seed, 'multi-run/kinds');
  for (let i = order.length - 1; i > 0; i--) {
    const j = shuffle.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return Array.from({ length: runs }, (_, r): PlantRun => {
    const rng = new Rng(seed, `multi-run/${r}/point`);
    const point: OperatingPoint = {
      setpoint: 1.5 + rng.next(),
      feedBase: 10 + 6 * rng.next(),
      valveBase: 40 + 20 * rng.next(),
      pumpGain: PUMP_GAIN * (0.9 + 0.2 * rng.next()),
      ambient: 14 + 12 * rng.next(),
      offsets: OFFSET_SPAN.map((span) => (2 * rng.next() - 1) * span),
      recipe: { phases: recipes[r % recipes.length]!, offset: new Rng(seed, `multi-run/${r}/recipe`).int(60) },
    };
    const kind = order[r % order.length]!;
    const [shortest, longest] = MULTI_RUN_LENGTH[kind];
    const startRow = Math.round(rows * (0.55 + 0.15 * rng.next()));
    const endRow = Math.min(
      rows - 1,
      startRow + Math.max(1, Math.round(rows * (shortest + (longest - shortest) * rng.next()))),
    );
    const pool = FAULT_CHANNELS[kind];
    const ch = pool[rng.int(pool.length)]!;
    const processKind = kind === 'leak' || kind === 'oscillation' || kind === 'cavitation' ? kind : null;
    const fault: InjectedFault = {
      kind,
      startRow,
      endRow,
      channels: kind === 'contextual' ? [ch, 'pump_speed'] : processKind ? PROCESS_CHANNELS[processKind] : [ch],
    };
    const size =
      processKind === 'leak'
        ? (0.08 + 0.04 * rng.next()) * point.feedBase
        : processKind === 'oscillation'
          ? 120 + 60 * rng.next()
          : 0.1 + 0.1 * rng.next();
    const process = processKind
      ? { kind: processKind, startRow, endRow, size, rng: new Rng(seed, `multi-run/${r}/fault-noise`) }
      : undefined;
    const { timestamps, v } = simulate(
      rows,
      dt,
      t0 + r * rows * dt * 1000,
      point,
      new Rng(seed, `multi-run/${r}/process`),
      new Rng(seed, `multi-run/${r}/noise`),
      process,
    );
    const label = new Uint8Array(rows);
    const faultKind: string[] = new Array<string>(rows).fill('');
    injectFault(
      v,
      fault,
      rangesOver(v, 0, startRow),
      point.offsets,
      new Rng(seed, `multi-run/${r}/fault-shape`),
      label,
      faultKind,
    );
    return {
      name: `run-${String(r + 1).padStart(2, '0')}`,
      timestamps,
      channels: channelsOf(v),
      label,
      faultKind,
      faults: [fault],
    };
  });
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
    lines.push(
      `${ts},${plant.channels.map((c) => num(c.values[i]!)).join(',')},${plant.label[i]},${plant.faultKind[i]}`,
    );
  }
  return lines.join('\n') + '\n';
}
