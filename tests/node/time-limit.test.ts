import { open } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { withTimeLimit } from '../../src/engine/time-limit';

/** What ORT's session.run does to the event loop: holds the main thread for `ms`. */
function holdThread(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    /* busy, as a synchronous K-step train call is */
  }
}

describe('withTimeLimit', () => {
  it('an answer that came while the main thread was held is not a timeout', async () => {
    // One read of an open file: a single request to libuv's threads, so its answer is in while the
    // main thread is held (readFile takes an open, a stat and a read, each asked for only after
    // the last answered: behind a held thread, and other test files' work on the same thread pool,
    // its last steps could miss the limit's final 50 ms and fail the test on a loaded machine).
    const fh = await open(__filename, 'r');
    try {
      const work = fh
        .read(Buffer.alloc(64), 0, 64, 0)
        .then(({ buffer, bytesRead }) => buffer.toString('utf8', 0, bytesRead));
      const limited = withTimeLimit(work, 300, () => new Error('timed out'));
      // The read finishes within milliseconds on a thread of its own; the main thread is away for
      // three times the limit, as a train call of a run sharing the GPU is.
      holdThread(900);
      await expect(limited).resolves.toMatch(/^import /);
    } finally {
      await fh.close();
    }
  });

  it('an answer that never comes times out after about the limit', async () => {
    const started = Date.now();
    let closedLate = false;
    await expect(
      withTimeLimit(
        new Promise<never>(() => undefined),
        400,
        () => new Error('no answer'),
        () => (closedLate = true),
      ),
    ).rejects.toThrow('no answer');
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(390);
    expect(waited).toBeLessThan(2000);
    expect(closedLate).toBe(false);
  });

  it('a thread held again and again still reaches the limit, a tick per hold', async () => {
    const started = Date.now();
    let settled = false;
    const limited = withTimeLimit(new Promise<never>(() => undefined), 1000, () => new Error('no answer')).catch(
      (e: Error) => {
        settled = true;
        return e.message;
      },
    );
    // Holds of 700 ms back to back, as train calls on a shared GPU come: the wait must not stall.
    while (!settled && Date.now() - started < 8000) {
      holdThread(700);
      await new Promise((r) => setImmediate(r));
    }
    expect(await limited).toBe('no answer');
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('the time the thread was held counts only in part, the time it waited in full', async () => {
    const started = Date.now();
    const limited = withTimeLimit(new Promise<never>(() => undefined), 1000, () => new Error('no answer'));
    holdThread(1500);
    await expect(limited).rejects.toThrow('no answer');
    // 1.5 s held counted as at most two ticks (0.5 s): the limit still waits the rest.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
  });
});
