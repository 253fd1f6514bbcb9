import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { RunningServer } from '../../src/engine/server/server';
import { endpointFromLocation, WsClient, type ConnectionState } from '../../src/renderer/src/api/ws-client';
import { startTestServer } from '../helpers/server';

describe('renderer WebSocket client against the real server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    ({ server } = await startTestServer());
  });
  afterAll(() => server.close());

  it('derives the endpoint from the page location', () => {
    expect(endpointFromLocation({ protocol: 'http:', host: '127.0.0.1:5000', search: '?token=a+b' })).toBe(
      'ws://127.0.0.1:5000/ws?token=a%20b',
    );
    expect(endpointFromLocation({ protocol: 'https:', host: 'h', search: '' })).toBe('wss://h/ws');
  });

  it('invokes system.info and receives events with the typed API', async () => {
    const states: ConnectionState[] = [];
    const client = new WsClient({
      url: `ws://127.0.0.1:${server.port}/ws?token=${server.token}`,
      WebSocketImpl: WebSocket,
      onStateChange: (s) => states.push(s),
    });
    const seen: string[] = [];
    const off = client.on('system.providerProbed', (p) => seen.push(p.name));
    const info = await client.invoke('system.info', { refresh: true });
    off();
    expect(info.providers.map((p) => p.name)).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(seen).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(states).toEqual(['connecting', 'open']);
    client.close();
  });

  it('fails requests with a clear error when the server refuses the connection', async () => {
    const client = new WsClient({
      url: `ws://127.0.0.1:${server.port}/ws?token=wrong`,
      WebSocketImpl: WebSocket,
      reconnectMs: 60_000,
    });
    await expect(client.invoke('system.info', {})).rejects.toThrow(/connection to the StackLab server closed/);
    client.close();
  });
});
