/**
 * Where the job queue lives: a Redis (or Valkey) URL, `redis://[:password@]host:port[/db]` or
 * `rediss://…` for TLS. Parsed once, with the password hidden whenever the URL is shown.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { queueError } from './errors';

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
  const client = new Redis({ ...target.connection, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  // The reason comes as an error event (WRONGPASS, ECONNREFUSED); connect() then only says the connection closed.
  let reason: unknown;
  client.on('error', (err) => (reason ??= err));
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    client.disconnect();
    throw queueError(target.shown, reason ?? err);
  }
  return client;
}

export function parseQueueUrl(raw: string): QueueTarget {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new QueueUrlError(`the queue URL "${raw}" does not parse: give redis://[:password@]host:port[/db] (or rediss:// for TLS)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new QueueUrlError(`the queue URL must start with redis:// or rediss://, got "${u.protocol}//…"`);
  const port = u.port ? Number(u.port) : 6379;
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new QueueUrlError(`the database in the queue URL must be a whole number (redis://host:port/0), got "${u.pathname.slice(1)}"`);
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
