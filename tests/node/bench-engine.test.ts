/**
 * `npm run bench -- engine`'s own options (issue 25): the optimiser's state layout, the batch
 * (how a step's time grows with its windows bounds what seeds batched in one session can gain)
 * and the reasoning lab's token model.
 */
import { describe, expect, it } from 'vitest';
import { benchEngine } from '../../bench/engine';

const quick = ['--preset', 'tiny', '--device', 'cpu', '--steps', '2', '--warmup', '1', '--threads', '1'];

describe('bench engine', () => {
  it('times the lab token model at the batch asked for, and says why it has no PyTorch reference', async () => {
    const r = await benchEngine([...quick, '--lab', '--batch', '3']);
    expect(r.config.vocab).toBe(256);
    expect(r.config.batch).toBe(3);
    expect(r.msPerStep).toBeGreaterThan(0);
    expect(r.ratio).toBeNull();
    expect(r.referenceNote).toMatch(/no PyTorch reference for the lab model/);
  }, 120_000);

  it('times the stacked layout in fewer nodes than one buffer per tensor', async () => {
    const [stacked, own] = [
      await benchEngine([...quick, '--no-reference', '--layout', 'stacked']),
      await benchEngine([...quick, '--no-reference', '--layout', 'per-tensor']),
    ];
    expect(stacked.nodes).toBeLessThan(0.7 * own.nodes);
  }, 120_000);

  it('refuses a batch or a layout it cannot take, saying what it takes', async () => {
    await expect(benchEngine([...quick, '--batch', '0'])).rejects.toThrow(
      /--batch must be a whole number of windows, 1 or more, got "0"/,
    );
    await expect(benchEngine([...quick, '--layout', 'rows'])).rejects.toThrow(
      /--layout must be one of flat, per-tensor, stacked, got "rows"/,
    );
  });
});
