/** The renderer's one way to reach the services: the preload bridge in Electron, the WebSocket otherwise. */
import { inject, ref, type InjectionKey, type Ref } from 'vue';
import type { StackLabApi } from '../../../shared/ipc';
import { endpointFromLocation, WsClient, type ConnectionState } from './ws-client';

export const API_KEY: InjectionKey<StackLabApi> = Symbol('stacklab-api');
/** The state of the link to the services (always 'open' in Electron). */
export const CONNECTION_KEY: InjectionKey<Ref<ConnectionState>> = Symbol('stacklab-connection');

export function createApi(win: Window, onStateChange?: (state: ConnectionState) => void): StackLabApi {
  if (win.stacklab) {
    onStateChange?.('open');
    return win.stacklab;
  }
  return new WsClient({ url: endpointFromLocation(win.location), ...(onStateChange ? { onStateChange } : {}) });
}

/** The API provided by the app (inside components and setup stores). */
export function useApi(): StackLabApi {
  const api = inject(API_KEY);
  if (!api) throw new Error('StackLab API not provided: mount the app through createStackLabApp');
  return api;
}

/** The connection state provided by the app; 'open' when none was provided (tests, Electron). */
export function useConnection(): Ref<ConnectionState> {
  return inject(CONNECTION_KEY, () => ref<ConnectionState>('open'), true);
}
