/**
 * The batch sampler: each batch is `batch` window start rows drawn uniformly, with replacement,
 * from the allowed starts by one seeded stream. A run keeps one sampler across its stages and
 * saves its position in every checkpoint, so a resumed run draws the batches it would have.
 */
import { Rng } from '../random';

export class BatchSampler {
  private constructor(
    private readonly starts: Int32Array,
    private readonly batch: number,
    private readonly rng: Rng,
  ) {
    if (starts.length === 0) throw new Error('no valid training window start');
  }

  /** A run's sampler at its beginning (the stream "batches" of its seed). */
  static seeded(starts: Int32Array, batch: number, seed: number): BatchSampler {
    return new BatchSampler(starts, batch, new Rng(seed, 'batches'));
  }

  /** A sampler continuing from a saved position (`state`). */
  static fromState(starts: Int32Array, batch: number, state: number): BatchSampler {
    return new BatchSampler(starts, batch, Rng.fromState(state));
  }

  /** The position in the stream, for a checkpoint. */
  get state(): number {
    return this.rng.state;
  }

  /** The next batch's window start rows. */
  next(): Int32Array {
    return Int32Array.from({ length: this.batch }, () => this.starts[this.rng.int(this.starts.length)]!);
  }
}
