/**
 * Server mode: the services behind HTTP (the built renderer) and a WebSocket (the IPC contract),
 * so the whole UI runs in a browser. Bound to loopback unless asked otherwise; every request
 * needs the random token of the URL printed at start (or the cookie set when that URL is opened).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { CSP_HEADER } from '../../shared/csp';
import { EVENT_CHANNELS, toWireError, validateRequest, type StackLabApi, type WireMessage } from '../../shared/ipc';
import { parseWireMessage } from '../../shared/rpc';
import { contentType, resolveStaticPath } from '../host/static-files';

export interface ServerOptions {
  /** Interface to bind; loopback by default. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** The access token; a random one when absent. */
  readonly token?: string;
  /** The built renderer (out/renderer). */
  readonly staticDir: string;
  /** The services, usually an `EngineWorker`. */
  readonly api: StackLabApi;
  /** Largest accepted WebSocket message, in bytes. */
  readonly maxMessageBytes?: number;
}

export interface RunningServer {
  /** The URL to open, with the token. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/** The token's cookie, named per port: browsers send a localhost cookie to every port of the host. */
const cookieName = (port: number) => `stacklab_token_${port}`;

/** The request target as a URL, or null when it does not parse (`GET //[`): such a request is refused, never thrown on. */
function targetOf(req: http.IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://local');
  } catch {
    return null;
  }
}

/** How many Host headers a request has (Node keeps only the first in `headers`). */
function hostHeaders(req: http.IncomingMessage): number {
  let n = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'host') n++;
  return n;
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CSP_HEADER,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

function sameToken(a: string | undefined | null, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** The token as a header: `Authorization: Bearer <token>` or `X-StackLab-Token: <token>`. */
function headerToken(req: http.IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const x = req.headers['x-stacklab-token'];
  return typeof x === 'string' ? x : undefined;
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}

/** Starts the server; resolves once it listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const bindHost = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const maxPayload = options.maxMessageBytes ?? 1 << 20;
  let port = 0;

  /** Host header check: defeats DNS rebinding when bound to loopback. */
  const hostAllowed = (hostHeader: string | undefined): boolean => {
    if (!isLoopback(bindHost)) return true;
    return ['127.0.0.1', 'localhost', '[::1]'].some((h) => hostHeader === `${h}:${port}`);
  };
  const authorised = (req: http.IncomingMessage, url: URL): boolean =>
    sameToken(url.searchParams.get('token'), token) ||
    sameToken(cookieToken(req.headers.cookie, cookieName(port)), token) ||
    sameToken(headerToken(req), token);

  const server = http.createServer((req, res) => {
    void (async () => {
      const send = (status: number, body: string) => {
        res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(body);
      };
      const url = targetOf(req);
      if (!url) return send(400, 'Bad request: the path does not parse.\n');
      if (hostHeaders(req) > 1) return send(400, 'Bad request: more than one Host header.\n');
      if (!hostAllowed(req.headers.host)) return send(403, 'Forbidden: unexpected Host header.\n');
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'Method not allowed.\n');
      if (!authorised(req, url)) {
        return send(
          401,
          'StackLab needs the access token: open the URL printed by `npm run serve` (it ends in ?token=…).\n',
        );
      }
      const file = resolveStaticPath(options.staticDir, url.pathname);
      if (!file) return send(404, 'Not found.\n');
      let size: number;
      try {
        const st = await stat(file);
        if (!st.isFile()) return send(404, 'Not found.\n');
        size = st.size;
      } catch {
        const missingUi = file.endsWith('index.html');
        return send(
          404,
          missingUi
            ? 'The renderer is not built: run `npm run build` (npm run serve does it for you).\n'
            : 'Not found.\n',
        );
      }
      const headers: Record<string, string | number> = {
        ...SECURITY_HEADERS,
        'Content-Type': contentType(file),
        'Content-Length': size,
      };
      if (url.searchParams.has('token')) {
        headers['Set-Cookie'] = `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
      }
      res.writeHead(200, headers);
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).pipe(res);
    })().catch((err: unknown) => {
      console.error(`stacklab serve: ${req.method} failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) res.writeHead(500, SECURITY_HEADERS);
      res.end('Internal error: see the server console.\n');
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload });
  const sockets = new Set<WebSocket>();

  // A connection that breaks (reset, a bad frame, …) ends that connection only.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
      socket.destroy();
    };
    const url = targetOf(req);
    if (!url || hostHeaders(req) > 1) return refuse('400 Bad Request');
    const origin = req.headers.origin;
    // Browsers always send Origin on a WebSocket handshake: it must be this server's own.
    const originOk = origin === undefined || origin.replace(/^https?:\/\//, '') === req.headers.host;
    if (url.pathname !== '/ws' || !hostAllowed(req.headers.host) || !originOk || !authorised(req, url))
      return refuse('401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws));
  });

  const sendTo = (ws: WebSocket, msg: WireMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };

  wss.on('connection', (ws) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    // A frame that breaks the protocol (too large, invalid UTF-8, unmasked, a reserved opcode or bit,
    // a bad close code, a fragmented control frame): ws reports it here and closes that socket.
    ws.on('error', () => ws.terminate());
    ws.on('message', (data) => {
      let msg: WireMessage;
      try {
        msg = parseWireMessage(data.toString());
      } catch (err) {
        // A close reason may hold 123 bytes: cut by bytes, not characters (é is two), and never let
        // a close that fails take the server with it.
        try {
          ws.close(1003, closeReason(`bad message: ${err instanceof Error ? err.message : String(err)}`));
        } catch {
          ws.terminate();
        }
        return;
      }
      if (msg.kind !== 'request') return;
      const { id } = msg;
      Promise.resolve()
        .then(() => {
          const req = validateRequest(msg.channel, msg.params);
          return options.api.invoke(req.channel, req.params);
        })
        .then(
          (result) => sendTo(ws, { kind: 'response', id, ok: true, result }),
          (err: unknown) => sendTo(ws, { kind: 'response', id, ok: false, error: toWireError(err) }),
        );
    });
  });

  const unsubscribers = EVENT_CHANNELS.map((event) =>
    options.api.on(event, (payload) => {
      for (const ws of sockets) sendTo(ws, { kind: 'event', event, payload });
    }),
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, bindHost, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = bindHost.includes(':') ? `[${bindHost}]` : bindHost === '0.0.0.0' ? '127.0.0.1' : bindHost;

  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    async close() {
      for (const u of unsubscribers) u();
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A WebSocket close reason of at most 123 UTF-8 bytes, cut on a character boundary. */
export function closeReason(text: string, maxBytes = 123): string {
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}
