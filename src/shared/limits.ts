/**
 * The ranges the engine accepts for every number a request carries: ./ipc.ts validates by them,
 * and the wizard's fields and messages show the same bounds.
 */

export interface Range {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
  /** The minimum itself is out of range (a learning rate above 0). */
  readonly exclusiveMin?: boolean;
}

export const LIMITS = {
  /** Target depth. */
  layers: { min: 1, max: 96, integer: true },
  block: { min: 1, max: 96, integer: true },
  /** Prop-α. */
  alpha: { min: 0, max: 4, integer: false },
  /** Steps per run. */
  steps: { min: 1, max: 1_000_000, integer: true },
  /** Peak learning rate: anything near the top diverges; beyond, it is a typo. */
  lr: { min: 0, max: 1000, integer: false, exclusiveMin: true },
  /** Steps the learning rate warms up again over after each growth (0: none). */
  rewarmup: { min: 0, max: 1_000_000, integer: true },
  /** Seeds per variant. */
  seeds: { min: 1, max: 20, integer: true },
  /** Training rows per series (the rest is test). */
  trainRows: { min: 2, max: 1_000_000_000, integer: true },
  /** The leading share of each series that trains and validates. */
  trainFraction: { min: 0.01, max: 0.99, integer: false },
  /** Rows the detectors' scores are averaged over (1: none). */
  smooth: { min: 1, max: 100_000, integer: true },
  /** Rows a gap is forward-filled over on import (0: none). */
  fillLimit: { min: 0, max: 1_000_000, integer: true },
  /** The reasoning lab: evaluation items per primitive (at most the 512 a generated corpus holds out). */
  labItems: { min: 8, max: 512, integer: true },
  /** The reasoning lab: solved examples before each item (k-shot). */
  shots: { min: 0, max: 16, integer: true },
  /** CPU threads (0: ONNX Runtime decides). */
  threads: { min: 0, max: 256, integer: true },
  /** Runs at once on this machine (0: auto). */
  parallelRuns: { min: 0, max: 16, integer: true },
  /** Seeds batched in one session (0: auto, 1: off). */
  seedBatch: { min: 0, max: 16, integer: true },
} as const satisfies Readonly<Record<string, Range>>;

/** Whether `v` is a finite number inside `r` (and whole where `r` asks for it). */
export function inRange(v: unknown, r: Range): v is number {
  return (
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (r.exclusiveMin ? v > r.min : v >= r.min) &&
    v <= r.max &&
    (!r.integer || Number.isInteger(v))
  );
}

/** What a value of `r` must be, in words: "a whole number from 1 to 96". */
export function rangeText(r: Range): string {
  return `${r.integer ? 'a whole number' : 'a number'} ${r.exclusiveMin ? 'above' : 'from'} ${r.min} ${r.exclusiveMin ? 'up ' : ''}to ${r.max}`;
}
