/** Waiting for something that may never answer (a hung network share, a Redis that accepts and stays silent). */

/**
 * `work`, or the error `onTimeout` makes once `ms` have passed; what `work` resolves to after
 * that goes to `late` (to close a file or a connection opened too late to be used).
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
    timer = setTimeout(() => {
      timedOut = true;
      reject(onTimeout());
    }, ms);
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
