/**
 * Training jobs as the wizard sees them (a job = the runs of one "train" press: variants × seeds,
 * in one job folder): their runs, status, progress, training curves and exports.
 */
import type { PlanInput } from './plan';

export type RunStatus = 'queued' | 'running' | 'finished' | 'cancelled' | 'interrupted' | 'failed';

export interface RunInfo {
  /** The row name: the variant, or "baseline≈midas" for a FLOP-matched baseline. */
  readonly name: string;
  readonly variant: string;
  readonly seed: number;
  readonly dir: string;
  readonly status: RunStatus;
  readonly step: number;
  readonly totalSteps: number;
  readonly wallMs: number | null;
  readonly finalValLoss: number | null;
}

export type JobStatus = 'running' | 'finished' | 'cancelled' | 'interrupted' | 'failed';

export interface JobInfo {
  readonly id: string;
  /** The job folder (holds job.json and one folder per run). */
  readonly dir: string;
  readonly name: string;
  readonly createdAt: string;
  readonly status: JobStatus;
  readonly plan: PlanInput;
  readonly source: string;
  readonly device: string;
  readonly runs: readonly RunInfo[];
  /** Why a job failed (with what to do). */
  readonly error?: string;
  /** What its runs reported on the way (a damaged checkpoint skipped, a torn metrics line cut, a stale lock taken over). */
  readonly notes?: readonly string[];
}

/** A throttled progress update of one run of a running job (about 10 per second at most). */
export interface JobProgress {
  readonly jobId: string;
  readonly run: number;
  readonly name: string;
  readonly seed: number;
  readonly step: number;
  readonly totalSteps: number;
  readonly stage: number;
  readonly stages: number;
  readonly layers: number;
  readonly loss: number | null;
  readonly valLoss: number | null;
  readonly flops: number;
  readonly elapsedMs: number;
  readonly etaMs: number;
  /** Set on the update that follows a growth (a new stage began at this step). */
  readonly grew?: boolean;
}

export interface ExportFile {
  readonly name: string;
  readonly mime: string;
  /** Text content, or base64 for binary files. */
  readonly content: string;
  readonly encoding: 'utf8' | 'base64';
  /** Where a copy was written (inside the job folder), for the user to find. */
  readonly savedTo: string;
}

/** A job's training curves read back from its runs' metrics.jsonl (after a reload or for a job opened from the library). */
export interface JobHistory {
  readonly runs: readonly {
    /** Index of the run in `JobInfo.runs`. */
    readonly run: number;
    readonly name: string;
    readonly seed: number;
    /** Training loss readings (thinned to at most ~500 per run). */
    readonly points: readonly {
      readonly step: number;
      readonly loss: number;
      readonly flops: number;
      readonly elapsedMs: number;
    }[];
    readonly valPoints: readonly { readonly step: number; readonly valLoss: number; readonly flops: number }[];
    /** Steps at which the model grew. */
    readonly growthSteps: readonly number[];
  }[];
}
