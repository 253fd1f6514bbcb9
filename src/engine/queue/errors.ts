/** The queue accepted the connection but did not answer in time; its message already names the URL. */
export class QueueSilentError extends Error {
  override readonly name = 'QueueSilentError';
}

/** Redis errors in words a user can act on, naming the queue URL (its password hidden). */
export function queueError(shown: string, err: unknown): Error {
  if (err instanceof QueueSilentError) return err;
  const raw = err instanceof Error ? err.message : String(err);
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(raw))
    return new Error(
      `the queue at ${shown} refused the password: check the password in the URL (redis://:PASSWORD@host:port)`,
    );
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|connect|Connection is closed/i.test(raw))
    return new Error(
      `the queue at ${shown} cannot be reached (${raw.split('\n')[0]}): start Redis there, or check the host, port and firewall`,
    );
  return new Error(`the queue at ${shown}: ${raw}`);
}
