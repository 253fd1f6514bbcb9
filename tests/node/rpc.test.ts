import { describe, expect, it } from 'vitest';
import type { WireMessage } from '../../src/shared/ipc';
import { EventHub, parseWireMessage, RpcClient, TransportClosedError } from '../../src/shared/rpc';

describe('EventHub', () => {
  it('delivers to subscribers until they unsubscribe', () => {
    const hub = new EventHub();
    const seen: string[] = [];
    const off = hub.on('system.providerProbed', (p) => seen.push(p.name));
    hub.emit('system.providerProbed', { name: 'cpu', available: true, probeMs: 1 });
    expect(hub.listenerCount('system.providerProbed')).toBe(1);
    off();
    hub.emit('system.providerProbed', { name: 'webgpu', available: true, probeMs: 1 });
    expect(seen).toEqual(['cpu']);
    expect(hub.listenerCount('system.providerProbed')).toBe(0);
  });

  it('forwards wire events of its channels and drops others', () => {
    const hub = new EventHub();
    const seen: string[] = [];
    hub.on('jobs.changed', (j) => seen.push(j.id));
    hub.emitWire({ event: 'jobs.changed', payload: { id: 'a' } });
    hub.emitWire({ event: 'no.such.event', payload: { id: 'b' } });
    expect(seen).toEqual(['a']);
  });
});

describe('RpcClient', () => {
  function loopback(respond: (m: WireMessage) => WireMessage | undefined) {
    const sent: WireMessage[] = [];
    const client: RpcClient = new RpcClient({
      send: (m) => {
        sent.push(m);
        const reply = respond(m);
        if (reply) queueMicrotask(() => client.handleMessage(reply));
      },
    });
    return { client, sent };
  }

  it('matches responses to requests by id, out of order too', async () => {
    const held: WireMessage[] = [];
    const { client, sent } = loopback((m) => {
      held.push(m);
      return undefined;
    });
    const a = client.invoke('system.info', {});
    const b = client.invoke('system.info', { refresh: true });
    expect(sent.map((m) => (m.kind === 'request' ? m.id : -1))).toEqual([1, 2]);
    client.handleMessage({ kind: 'response', id: 2, ok: true, result: 'second' });
    client.handleMessage({ kind: 'response', id: 1, ok: true, result: 'first' });
    await expect(a).resolves.toBe('first');
    await expect(b).resolves.toBe('second');
  });

  it('rejects with the remote error name and message', async () => {
    const { client } = loopback((m) =>
      m.kind === 'request'
        ? { kind: 'response', id: m.id, ok: false, error: { name: 'InvalidParamsError', message: 'nope' } }
        : undefined,
    );
    await expect(client.invoke('system.info', {})).rejects.toMatchObject({
      name: 'InvalidParamsError',
      message: 'nope',
    });
  });

  it('routes events to subscribers', () => {
    const { client } = loopback(() => undefined);
    const seen: unknown[] = [];
    const off = client.on('system.providerProbed', (p) => seen.push(p));
    client.handleMessage({ kind: 'event', event: 'system.providerProbed', payload: { name: 'cpu' } });
    off();
    client.handleMessage({ kind: 'event', event: 'system.providerProbed', payload: { name: 'cuda' } });
    expect(seen).toEqual([{ name: 'cpu' }]);
  });

  it('fails pending and later requests once closed', async () => {
    const { client } = loopback(() => undefined);
    const pending = client.invoke('system.info', {});
    client.close('engine gone');
    await expect(pending).rejects.toBeInstanceOf(TransportClosedError);
    await expect(client.invoke('system.info', {})).rejects.toThrow('engine gone');
  });

  it('rejects malformed wire messages', () => {
    expect(() => parseWireMessage('{"kind":"boom"}')).toThrow(/unknown message kind/);
    expect(() => parseWireMessage('[1]')).toThrow(/not a wire message/);
    expect(() => parseWireMessage('{')).toThrow();
    expect(parseWireMessage('{"kind":"event","event":"x","payload":1}')).toEqual({
      kind: 'event',
      event: 'x',
      payload: 1,
    });
  });
});
