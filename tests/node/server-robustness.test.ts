/**
 * Server mode under attack: requests and frames that break the protocol end their connection
 * only; the server keeps answering. Raw sockets, so every byte is sent exactly as written.
 */
import net from 'node:net';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { RunningServer } from '../../src/engine/server/server';
import { startTestServer } from '../helpers/server';

let server: RunningServer;
beforeAll(async () => {
  ({ server } = await startTestServer({ maxMessageBytes: 64 * 1024 }));
});
afterAll(() => server.close());

/** Sends raw bytes and collects what comes back until the server closes the connection (or 3 s pass). */
function raw(
  bytes: Buffer | string,
  after?: (sock: net.Socket, head: string) => void,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const sock = net.connect(server.port, '127.0.0.1');
    let text = '';
    let upgraded = false;
    const done = (closed: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => done(false), 3000);
    sock.on('data', (d) => {
      text += d.toString('latin1');
      if (!upgraded && after && text.includes('\r\n\r\n') && text.startsWith('HTTP/1.1 101')) {
        upgraded = true;
        after(sock, text);
      }
    });
    sock.on('close', () => done(true));
    sock.on('error', () => done(true));
    sock.write(bytes);
  });
}

const handshake = (target = `/ws?token=${server.token}`) =>
  `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;

/** One WebSocket frame; `mask` false sends it unmasked (a client must mask). */
function frame(o: {
  fin?: boolean;
  rsv1?: boolean;
  opcode: number;
  payload?: Buffer;
  mask?: boolean;
  length?: number;
}): Buffer {
  const payload = o.payload ?? Buffer.alloc(0);
  const len = o.length ?? payload.length;
  const mask = o.mask ?? true;
  const b0 = (o.fin === false ? 0 : 0x80) | (o.rsv1 ? 0x40 : 0) | o.opcode;
  const head: number[] = [b0];
  if (len < 126) head.push((mask ? 0x80 : 0) | len);
  else if (len < 65536) head.push((mask ? 0x80 : 0) | 126, len >> 8, len & 255);
  else {
    head.push((mask ? 0x80 : 0) | 127, 0, 0, 0, 0);
    head.push((len >>> 24) & 255, (len >>> 16) & 255, (len >>> 8) & 255, len & 255);
  }
  const key = Buffer.from([1, 2, 3, 4]);
  const body = mask ? Buffer.from(payload.map((x, i) => x ^ key[i % 4]!)) : payload;
  return Buffer.concat([Buffer.from(head), ...(mask ? [key] : []), body]);
}

async function stillServing(): Promise<void> {
  const status = await new Promise<number>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: server.port, path: `/?token=${server.token}` }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
  expect(status).toBe(200);
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())));
  ws.send(JSON.stringify({ kind: 'request', id: 1, channel: 'settings.get', params: {} }));
  expect(JSON.parse(await reply)).toMatchObject({ kind: 'response', id: 1, ok: true });
  ws.close();
}

describe('server robustness', () => {
  it('refuses a request target that does not parse, without a token and without dying', async () => {
    const r = await raw(`GET //[ HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`);
    expect(r.text).toMatch(/^HTTP\/1\.1 400/);
    const up = await raw(handshake('//['));
    expect(up.text).toMatch(/^HTTP\/1\.1 400/);
    expect(up.closed).toBe(true);
    await stillServing();
  });

  it('refuses a request with two Host headers', async () => {
    const r = await raw(
      `GET /?token=${server.token} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nHost: evil.example\r\nConnection: close\r\n\r\n`,
    );
    expect(r.text).toMatch(/^HTTP\/1\.1 400/);
    expect(r.text).toMatch(/more than one Host header/);
  });

  it('answers malformed HTTP with 400 and keeps serving', async () => {
    const r = await raw('GARBAGE\r\n\r\n');
    expect(r.text).toMatch(/^HTTP\/1\.1 400/);
    await stillServing();
  });

  const bad: [string, Buffer][] = [
    ['a payload over the limit', frame({ opcode: 1, length: 2 * 1024 * 1024, payload: Buffer.alloc(16) })],
    ['invalid UTF-8 in a text frame', frame({ opcode: 1, payload: Buffer.from([0xc3, 0x28, 0xff]) })],
    ['an unmasked frame', frame({ opcode: 1, payload: Buffer.from('{}'), mask: false })],
    ['a reserved opcode', frame({ opcode: 3, payload: Buffer.from('x') })],
    ['RSV1 without an extension', frame({ opcode: 1, rsv1: true, payload: Buffer.from('{}') })],
    ['a ping over 125 bytes', frame({ opcode: 9, payload: Buffer.alloc(200, 1) })],
    ['close code 999', frame({ opcode: 8, payload: Buffer.from([999 >> 8, 999 & 255]) })],
    ['a fragmented control frame', frame({ fin: false, opcode: 9, payload: Buffer.from('p') })],
  ];
  for (const [what, bytes] of bad) {
    it(`closes the socket that sends ${what}, and only it`, async () => {
      const r = await raw(handshake(), (sock) => sock.write(bytes));
      expect(r.text).toMatch(/^HTTP\/1\.1 101/);
      expect(r.closed).toBe(true);
      await stillServing();
    });
  }

  // Valid frames whose messages are not: the close reason quoting them must fit a close frame's 123 bytes.
  it.each([
    ['a message of an unknown kind in non-ASCII', JSON.stringify({ kind: 'é'.repeat(200) })],
    ['invalid JSON in non-ASCII', '{' + 'ü'.repeat(300)],
  ])('answers %s with close code 1003, and keeps serving', async (_what, text) => {
    const r = await raw(handshake(), (sock) => sock.write(frame({ opcode: 1, payload: Buffer.from(text) })));
    expect(r.text).toMatch(/^HTTP\/1\.1 101/);
    // The server's close frame: FIN + opcode 8, a length, then the code 1003 (0x03 0xEB).
    const close = r.text.indexOf(String.fromCharCode(0x88));
    expect(close).toBeGreaterThan(0);
    expect(r.text.slice(close + 2, close + 4)).toBe(String.fromCharCode(0x03, 0xeb));
    await stillServing();
  });

  it('takes the token as a header, and names its cookie after the port', async () => {
    const res = await new Promise<http.IncomingMessage>((resolve) =>
      http.get(
        { host: '127.0.0.1', port: server.port, path: '/', headers: { Authorization: `Bearer ${server.token}` } },
        resolve,
      ),
    );
    res.resume();
    expect(res.statusCode).toBe(200);
    const x = await new Promise<http.IncomingMessage>((resolve) =>
      http.get(
        { host: '127.0.0.1', port: server.port, path: '/', headers: { 'X-StackLab-Token': server.token } },
        resolve,
      ),
    );
    x.resume();
    expect(x.statusCode).toBe(200);
    const set = await new Promise<http.IncomingMessage>((resolve) =>
      http.get({ host: '127.0.0.1', port: server.port, path: `/?token=${server.token}` }, resolve),
    );
    set.resume();
    expect(set.headers['set-cookie']![0]).toBe(
      `stacklab_token_${server.port}=${server.token}; HttpOnly; SameSite=Strict; Path=/`,
    );
    // Another port's cookie is not this server's.
    const other = await new Promise<http.IncomingMessage>((resolve) =>
      http.get(
        { host: '127.0.0.1', port: server.port, path: '/', headers: { Cookie: `stacklab_token_1=${server.token}` } },
        resolve,
      ),
    );
    other.resume();
    expect(other.statusCode).toBe(401);
  });
});
