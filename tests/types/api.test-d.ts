/**
 * Type test: the IPC contract, the preload API, the server-mode WebSocket client and the
 * engine hosts expose exactly the same channels with the same parameter and result types.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { EngineWorker } from '../../src/engine/host/worker-client';
import type { ElectronEngineHost } from '../../src/main/engine-host';
import type { PreloadApi } from '../../src/preload/index';
import type { WsClient } from '../../src/renderer/src/api/ws-client';
import type { EventChannel, EventMap, RequestChannel, RequestMap, StackLabApi } from '../../src/shared/ipc';
import { requestValidators } from '../../src/shared/ipc';
import type { SystemInfo } from '../../src/shared/system';

type InvokeChannel<T extends StackLabApi> = Parameters<T['invoke']>[0];
type OnChannel<T extends StackLabApi> = Parameters<T['on']>[0];

describe('one contract, every client', () => {
  it('the validators cover exactly the request channels', () => {
    expectTypeOf<keyof typeof requestValidators>().toEqualTypeOf<RequestChannel>();
    expectTypeOf<keyof RequestMap>().toEqualTypeOf<RequestChannel>();
    expectTypeOf<keyof EventMap>().toEqualTypeOf<EventChannel>();
  });

  it('the preload API, the WebSocket client and the engine hosts are StackLabApi', () => {
    expectTypeOf<PreloadApi>().toEqualTypeOf<StackLabApi>();
    expectTypeOf<WsClient>().toExtend<StackLabApi>();
    expectTypeOf<EngineWorker>().toExtend<StackLabApi>();
    expectTypeOf<ElectronEngineHost>().toExtend<StackLabApi>();
  });

  it('they accept the same request and event channels', () => {
    expectTypeOf<InvokeChannel<PreloadApi>>().toEqualTypeOf<RequestChannel>();
    expectTypeOf<InvokeChannel<WsClient>>().toEqualTypeOf<RequestChannel>();
    expectTypeOf<InvokeChannel<EngineWorker>>().toEqualTypeOf<RequestChannel>();
    expectTypeOf<OnChannel<PreloadApi>>().toEqualTypeOf<EventChannel>();
    expectTypeOf<OnChannel<WsClient>>().toEqualTypeOf<EventChannel>();
    expectTypeOf<OnChannel<EngineWorker>>().toEqualTypeOf<EventChannel>();
  });

  it('system.info carries its declared types end to end', () => {
    const client = {} as WsClient;
    expectTypeOf(client.invoke<'system.info'>)
      .parameter(1)
      .toEqualTypeOf<{ readonly refresh?: boolean }>();
    expectTypeOf(client.invoke<'system.info'>).returns.resolves.toEqualTypeOf<SystemInfo>();
  });
});
