/**
 * Where the job queue lives: a Redis (or Valkey) URL, `redis://[:password@]host:port[/db]` or
 * `rediss://…` for TLS. Parsed once, with the password hidden whenever the URL is shown.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { withTimeLimit } from '../time-limit';
import { queueError, QueueSilentError } from './errors';

export class QueueUrlError extends Error {
  override readonly name = 'QueueUrlError';
}

export interface QueueTarget {
  /** The URL as it may be shown: the password replaced by ***. */
  readonly shown: string;
  readonly connection: RedisOptions;
}

/**
 * A plain Redis connection for what BullMQ does not do (the first check, cancel keys), connected
 * and pinged: a Redis that is not there or refuses the password fails here, at once, by name.
 */
export async function controlClient(target: QueueTarget): Promise<Redis> {
  // Every command answers within QUEUE_ANSWER_MS or fails: a Redis that accepts and stays silent is an error, not a hang.
  const client = new Redis({
    ...target.connection,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    commandTimeout: QUEUE_ANSWER_MS,
  });
  // The reason comes as an error event (WRONGPASS, ECONNREFUSED); connect() then only says the connection closed.
  let reason: unknown;
  client.on('error', (err) => (reason ??= err));
  try {
    await queueAnswers(
      target,
      (async () => {
        await client.connect();
        await client.ping();
      })(),
    );
  } catch (err) {
    client.disconnect();
    // A peer that never answers never closes its side either: the socket is dropped, not ended politely.
    (client as unknown as { stream?: { destroy(): void } }).stream?.destroy();
    throw queueError(target.shown, err instanceof QueueSilentError ? err : (reason ?? err));
  }
  return client;
}

/** How long the queue may take to answer (connect, a command, BullMQ's readiness) before it is an error. */
export const QUEUE_ANSWER_MS = 10_000;

/** `work` against the queue, or an error naming its URL once QUEUE_ANSWER_MS pass without an answer. */
export function queueAnswers<T>(target: QueueTarget, work: Promise<T>, what = 'answer'): Promise<T> {
  return withTimeLimit(
    work,
    QUEUE_ANSWER_MS,
    () =>
      new QueueSilentError(
        `the queue at ${target.shown} did not ${what} within ${QUEUE_ANSWER_MS / 1000} s: is it a Redis server, and is it overloaded or paused? Check the host and port`,
      ),
  );
}

export function parseQueueUrl(raw: string): QueueTarget {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new QueueUrlError(
      `the queue URL "${raw}" does not parse: give redis://[:password@]host:port[/db] (or rediss:// for TLS)`,
    );
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new QueueUrlError(`the queue URL must start with redis:// or rediss://, got "${u.protocol}//…"`);
  const port = u.port ? Number(u.port) : 6379;
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0)
    throw new QueueUrlError(
      `the database in the queue URL must be a whole number (redis://host:port/0), got "${u.pathname.slice(1)}"`,
    );
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const shownUrl = new URL(u.toString());
  if (shownUrl.password) shownUrl.password = '***';
  return {
    shown: shownUrl.toString().replace(/\/$/, ''),
    connection: {
      host: u.hostname || '127.0.0.1',
      port,
      db,
      ...(password ? { password } : {}),
      ...(username ? { username } : {}),
      ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
      // BullMQ's workers block on Redis: no per-request retry limit, and fail fast when it is gone.
      maxRetriesPerRequest: null,
      connectTimeout: 5000,
    },
  };
}
