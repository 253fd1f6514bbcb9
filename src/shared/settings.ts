/** The engine's settings (settings.json in the configuration folder), as the Settings page edits them. */
import type { DeviceChoice } from './system';

export interface Settings {
  /** Where job folders are written (absolute path). */
  readonly runsDir: string;
  readonly defaultDevice: DeviceChoice;
  /** CPU threads for training and scoring (0: let ONNX Runtime decide). */
  readonly threads: number;
  /** Runs trained at once on this machine, each in a thread of its own (0: auto, as `train --parallel auto`). */
  readonly parallelRuns: number;
  /**
   * A variant's seeds trained together in one session, up to this many (1: off, each run alone;
   * 0: auto, as `train --seed-batch auto`); only where runs train here one at a time.
   */
  readonly seedBatch: number;
  /** Train on workers through this job queue (redis://…), in the runs folder they share; null: on this machine. */
  readonly queue: string | null;
}

/** A worker connected to the job queue, as the Settings page lists them. */
export interface QueueWorker {
  readonly name: string;
  /** The device it trains on (cuda:1 for the second GPU), and its machine. */
  readonly device?: string;
  readonly host?: string;
  /** Runs it trains now. */
  readonly busy: number;
}

/** The settings before the user changes any (the runs folder depends on the host). */
export const SETTINGS_DEFAULTS: {
  readonly defaultDevice: DeviceChoice;
  readonly threads: number;
  readonly parallelRuns: number;
  readonly seedBatch: number;
  readonly queue: string | null;
} = {
  defaultDevice: 'auto',
  threads: 0,
  parallelRuns: 0,
  seedBatch: 1,
  queue: null,
};
