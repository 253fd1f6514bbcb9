import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { RunningServer } from '../../src/engine/server/server';
import type { WireMessage } from '../../src/shared/ipc';
import { startTestServer } from '../helpers/server';

/** A raw GET, so that the Host header and paths are sent exactly as given. */
function get(port: number, pathAndQuery: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathAndQuery, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function openWs(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket, accept: (m: WireMessage) => boolean): Promise<WireMessage> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      const m = JSON.parse(data.toString()) as WireMessage;
      if (accept(m)) {
        ws.off('message', onMessage);
        resolve(m);
      }
    };
    ws.on('message', onMessage);
  });
}

describe('server mode', () => {
  let server: RunningServer;
  let host: string;
  beforeAll(async () => {
    ({ server } = await startTestServer());
    host = `127.0.0.1:${server.port}`;
  });
  afterAll(() => server.close());

  it('binds to loopback and prints a URL with a random token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses requests without the token and says what to do', async () => {
    const res = await get(server.port, '/');
    expect(res.status).toBe(401);
    expect(res.body).toMatch(/open the URL printed by `npm run serve`/);
    expect((await get(server.port, '/?token=wrong')).status).toBe(401);
  });

  it('serves the renderer with the token, sets a cookie and the security headers', async () => {
    const res = await get(server.port, `/?token=${server.token}`);
    expect(res.status).toBe(200);
    expect(res.body).toContain('StackLab test');
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(res.headers['x-frame-options']).toBe('DENY');
    const cookie = res.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const asset = await get(server.port, '/assets/app.js', { Cookie: cookie.split(';')[0]! });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/text\/javascript/);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const res = await get(server.port, `/?token=${server.token}`, { Host: `evil.example:${server.port}` });
    expect(res.status).toBe(403);
  });

  it('never serves files outside the renderer folder', async () => {
    for (const p of [
      '/../stacklab-secret.txt',
      '/%2e%2e/stacklab-secret.txt',
      '/assets/..%2f..%2fstacklab-secret.txt',
      '/%00.js',
    ]) {
      const res = await get(server.port, `${p}?token=${server.token}`);
      expect(res.body, p).not.toContain('secret');
      expect(res.status, p).not.toBe(500);
    }
  });

  it('refuses non-GET methods', async () => {
    const status = await new Promise<number>((resolve) => {
      const req = http.request(
        { host: '127.0.0.1', port: server.port, method: 'POST', path: `/?token=${server.token}` },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.end();
    });
    expect(status).toBe(405);
  });

  it('answers system.info over the WebSocket and streams probe events', async () => {
    const ws = await openWs(`ws://${host}/ws?token=${server.token}`);
    const probed: string[] = [];
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as WireMessage;
      if (m.kind === 'event' && m.event === 'system.providerProbed') probed.push((m.payload as { name: string }).name);
    });
    const reply = nextMessage(ws, (m) => m.kind === 'response' && m.id === 7);
    ws.send(JSON.stringify({ kind: 'request', id: 7, channel: 'system.info', params: { refresh: true } }));
    const res = await reply;
    expect(res).toMatchObject({ kind: 'response', id: 7, ok: true });
    const info = (res as { result: { host: string; providers: { name: string; available: boolean }[] } }).result;
    expect(info.host).toBe('server');
    expect(info.providers.find((p) => p.name === 'cpu')?.available).toBe(true);
    expect(probed).toEqual(['cuda', 'webgpu', 'cpu']);
    ws.close();
  });

  it('validates WebSocket requests and reports the problem', async () => {
    const ws = await openWs(`ws://${host}/ws?token=${server.token}`);
    const reply = nextMessage(ws, (m) => m.kind === 'response');
    ws.send(JSON.stringify({ kind: 'request', id: 1, channel: 'system.info', params: { refresh: 'please' } }));
    expect(await reply).toMatchObject({
      ok: false,
      error: { name: 'InvalidParamsError', message: expect.stringMatching(/"refresh"/) },
    });
    const unknown = nextMessage(ws, (m) => m.kind === 'response');
    ws.send(JSON.stringify({ kind: 'request', id: 2, channel: 'shell.exec', params: {} }));
    expect(await unknown).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/unknown request channel/) },
    });
    ws.close();
  });

  it('closes a WebSocket that sends garbage', async () => {
    const ws = await openWs(`ws://${host}/ws?token=${server.token}`);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('not json');
    expect(await closed).toBe(1003);
  });

  it('refuses WebSocket upgrades without the token or from another origin', async () => {
    await expect(openWs(`ws://${host}/ws`)).rejects.toThrow(/401/);
    await expect(openWs(`ws://${host}/ws?token=${server.token}`, { Origin: 'http://evil.example' })).rejects.toThrow(
      /401/,
    );
    const ok = await openWs(`ws://${host}/ws?token=${server.token}`, { Origin: `http://${host}` });
    ok.close();
  });
});
