/** Waiting for something that may never answer (a hung network share, a Redis that accepts and stays silent). */

/** How often the time limit looks at the clock (ms). */
const TICK_MS = 250;

/**
 * `work`, or the error `onTimeout` makes once `ms` have passed; what `work` resolves to after
 * that goes to `late` (to close a file or a connection opened too late to be used).
 *
 * Only time in which this process could have heard the answer counts: ORT runs a session (a
 * K-step train call, a session's creation) on the main thread for seconds at a time, and an
 * answer that arrived meanwhile waits for the thread like the timer does. A limit timed by one
 * timer expired on the GPU then (a lock read "timed out" after a 15 s call and the run stopped
 * with its lock called gone: bench/RESULTS.md), so the clock advances by ticks, each counting
 * at most two ticks' time however long the thread was away.
 */
export async function withTimeLimit<T>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => Error,
  late?: (value: T) => void,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const limit = new Promise<never>((_, reject) => {
    let waited = 0;
    const schedule = (delay: number) => {
      const at = Date.now();
      timer = setTimeout(() => tick(at, delay), delay);
    };
    const tick = (at: number, delay: number) => {
      const gap = Date.now() - at;
      waited += Math.min(gap, delay);
      // Late: the thread was held. Answers that came meanwhile are let in before the next look.
      if (gap > delay + TICK_MS) return schedule(0);
      if (waited < ms) return schedule(Math.min(TICK_MS, ms - waited));
      timedOut = true;
      reject(onTimeout());
    };
    schedule(Math.min(TICK_MS, ms));
  });
  work.then(
    (v) => timedOut && late?.(v),
    () => undefined,
  );
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}
