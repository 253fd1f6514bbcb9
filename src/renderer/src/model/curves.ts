/**
 * The Train step's curves as plain data: each run's loss points (with every x a chart can use) and
 * growths, built from live progress or from a job's history, and thinned to a bounded size. Pure
 * functions, no store: the job store keeps one `RunLive` per run and replaces it on every update.
 */
import { resolveGrowth } from '../../../shared/plan';
import { VARIANTS, type Variant } from '../../../shared/growth';
import type { JobHistory, JobInfo, JobProgress, RunInfo } from '../../../shared/jobs';
import { stagesFor } from './stages';

/** One point of a run's loss curve, with every x the charts can use. */
export interface LossPoint {
  readonly step: number;
  readonly flops: number;
  /** Wall-clock since the run started (across resumes in this session), in milliseconds. */
  readonly wallMs: number;
  readonly loss: number;
}

/** A run's latest progress and its curve so far. A new object per update; the arrays grow in place. */
export interface RunLive extends Omit<JobProgress, 'jobId' | 'grew'> {
  /** At most `MAX_POINTS`, older ones thinned. */
  readonly points: LossPoint[];
  /** The first point of each stage after the first (never thinned). */
  readonly growth: LossPoint[];
  /** Added to the engine's elapsed time, which restarts at 0 when a run resumes. */
  readonly wallOffsetMs: number;
}

/** Points kept per run; past it, the older part of the curve is thinned to every other point. */
export const MAX_POINTS = 2000;
/** The newest points, always kept at full resolution. */
const RECENT_POINTS = 500;

/** Drops every other point of the older part when `points` is over `max` (the first point stays). */
export function thinPoints<T>(points: T[], max = MAX_POINTS, recent = RECENT_POINTS): void {
  if (points.length <= max) return;
  const cut = Math.max(1, points.length - Math.min(recent, Math.floor(max / 2)));
  const older = points.slice(0, cut).filter((_, i) => i % 2 === 0);
  points.splice(0, cut, ...older);
}

/**
 * A run's next state after a progress update. A run seen for the first time starts a curve; a
 * step before the last one means it resumed from an earlier checkpoint, so what it trains again is
 * dropped and its wall-clock continues. `prev`'s arrays are reused and changed in place: a curve of
 * 2,000 points is not copied at every update.
 */
export function advanceRun(prev: RunLive | undefined, p: JobProgress): RunLive {
  const points = prev?.points ?? [];
  const growthPoints = prev?.growth ?? [];
  let wallOffsetMs = prev?.wallOffsetMs ?? 0;
  if (prev && p.step < prev.step) {
    const keep = points.findIndex((q) => q.step >= p.step);
    if (keep >= 0) points.splice(keep);
    const g = growthPoints.findIndex((q) => q.step >= p.step);
    if (g >= 0) growthPoints.splice(g);
  }
  if (prev && p.elapsedMs + wallOffsetMs < (points.at(-1)?.wallMs ?? 0)) wallOffsetMs = points.at(-1)!.wallMs;
  // A resumed run reports its stage again (with the grew flag): a growth only where the stage number rises,
  // unless the curve was rewound (or is new) and the stage before is not known.
  const grew =
    prev === undefined || p.step < prev.step
      ? p.grew === true || (prev !== undefined && p.stage > prev.stage)
      : p.stage > prev.stage;
  if (p.loss !== null && Number.isFinite(p.loss)) {
    const point: LossPoint = { step: p.step, flops: p.flops, wallMs: p.elapsedMs + wallOffsetMs, loss: p.loss };
    if (grew && growthPoints.at(-1)?.step !== p.step) growthPoints.push(point);
    // An update repeats the latest loss read until the next read: keep only new reads (and the last step).
    const newRead = p.loss !== prev?.loss || p.step === p.totalSteps || points.length === 0;
    if (newRead && points.at(-1)?.step !== p.step) points.push(point);
    thinPoints(points);
  }
  return {
    run: p.run,
    name: p.name,
    seed: p.seed,
    step: p.step,
    totalSteps: p.totalSteps,
    stage: p.stage,
    stages: p.stages,
    layers: p.layers,
    loss: p.loss,
    valLoss: p.valLoss,
    flops: p.flops,
    elapsedMs: p.elapsedMs,
    etaMs: p.etaMs,
    points,
    growth: growthPoints,
    wallOffsetMs,
  };
}

const knownVariant = (name: string | undefined): name is Variant =>
  (VARIANTS as readonly (string | undefined)[]).includes(name);

/**
 * The steps at which a run really grew. The engine also writes a stage line where a run resumed
 * inside a stage; where the run's schedule is known here (and matches its step count), only the
 * steps where a stage begins are kept.
 */
function realGrowthSteps(steps: readonly number[], run: RunInfo | undefined, plan: JobInfo['plan']): number[] {
  const unique = [...new Set(steps)].sort((a, b) => a - b);
  if (!run || !knownVariant(run.variant)) return unique;
  const schedule = stagesFor(run.variant, { ...resolveGrowth(plan), steps: run.totalSteps }).stages;
  if (!schedule || schedule.reduce((a, st) => a + st.steps, 0) !== run.totalSteps) return unique;
  const starts = new Set(schedule.slice(1).map((_, i) => schedule.slice(0, i + 1).reduce((a, st) => a + st.steps, 0)));
  return unique.filter((st) => starts.has(st));
}

/** A run's curve, growths and latest state from its history (elapsed times restart at 0 where it resumed); null without a finite loss. */
export function runFromHistory(h: JobHistory['runs'][number], info: JobInfo): RunLive | null {
  const runInfo = info.runs[h.run];
  const points: LossPoint[] = [];
  let offset = 0;
  let lastElapsed = Number.NEGATIVE_INFINITY;
  let lastFlops = 0;
  for (const q of h.points) {
    if (!Number.isFinite(q.loss)) continue;
    const elapsed = Number.isFinite(q.elapsedMs) ? q.elapsedMs : null;
    const lastWall = points.at(-1)?.wallMs ?? 0;
    // The clock restarts when a run resumes: continue from the last time read before.
    if (elapsed !== null && elapsed < lastElapsed) offset = lastWall;
    if (elapsed !== null) lastElapsed = elapsed;
    // Steps going back: the run resumed from an earlier checkpoint and trained them again.
    const again = points.findIndex((p) => p.step >= q.step);
    if (again >= 0) points.splice(again);
    const flops = Number.isFinite(q.flops) ? q.flops : lastFlops;
    lastFlops = flops;
    points.push({ step: q.step, flops, wallMs: elapsed !== null ? elapsed + offset : lastWall, loss: q.loss });
  }
  if (points.length === 0) return null;
  const last = points.at(-1)!;
  const growthSteps = realGrowthSteps(h.growthSteps, runInfo, info.plan).filter((st) => st <= last.step);
  const growth: LossPoint[] = [];
  for (const st of growthSteps) {
    const at = points.find((p) => p.step >= st);
    if (at && growth.at(-1)?.step !== at.step) growth.push(at);
  }
  thinPoints(points);
  const variant = runInfo?.variant;
  const total = runInfo?.totalSteps ?? last.step;
  const schedule = knownVariant(variant)
    ? stagesFor(variant, { ...resolveGrowth(info.plan), steps: total }).stages
    : undefined;
  const stage = growthSteps.length + 1;
  const val = h.valPoints.at(-1);
  return {
    run: h.run,
    name: h.name,
    seed: h.seed,
    step: Math.max(last.step, val?.step ?? 0),
    totalSteps: total,
    stage,
    stages: schedule?.length ?? stage,
    layers: schedule?.[stage - 1]?.layers ?? Number.NaN,
    loss: last.loss,
    valLoss: val?.valLoss ?? null,
    flops: last.flops,
    elapsedMs: last.wallMs - offset,
    etaMs: 0,
    points,
    growth,
    wallOffsetMs: offset,
  };
}
