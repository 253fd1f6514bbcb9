/** Waiting for something that may never answer (a hung network share, a Redis that accepts and stays silent). */

/** How often the time limit looks at the clock (ms). */
const TICK_MS = 250;

/**
 * `work`, or the error `onTimeout` makes once `ms` have passed; what `work` resolves to after
 * that goes to `late` (to close a file or a connection opened too late to be used).
 *
 * Only time in which this process could have heard the answer counts in full: ORT runs a session
 * (a K-step train call, a session's creation) on its caller's thread for seconds at a time, and
 * an answer that arrived meanwhile waits for the thread like the timer does. A limit timed by one
 * timer expired on the GPU then (a lock read "timed out" after a 15 s call and the run stopped
 * with its lock called gone: bench/RESULTS.md). So the clock advances by ticks, each counting at
 * most one tick's time however long the thread was away, and a late tick that reaches the limit
 * lets the answers that came meanwhile in first. A thread held again and again still reaches the
 * limit, a tick per hold.
 */
export async function withTimeLimit<T>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => Error,
  late?: (value: T) => void,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  let answered = false;
  const limit = new Promise<never>((_, reject) => {
    let waited = 0;
    const schedule = (delay: number) => {
      const at = performance.now();
      timer = setTimeout(() => tick(at, delay), delay);
    };
    const expire = () => {
      if (answered) return;
      timedOut = true;
      reject(onTimeout());
    };
    const tick = (at: number, delay: number) => {
      const gap = performance.now() - at;
      waited += Math.min(gap, TICK_MS);
      if (waited < ms) return schedule(Math.max(0, Math.min(TICK_MS, ms - waited)));
      // Late (the thread was held): answers that came meanwhile are let in first (setImmediate
      // runs after this turn's I/O callbacks).
      if (gap > delay + TICK_MS) setImmediate(expire);
      else expire();
    };
    schedule(Math.max(0, Math.min(TICK_MS, ms)));
  });
  work.then(
    (v) => {
      answered = true;
      if (timedOut) late?.(v);
    },
    () => (answered = true),
  );
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}
