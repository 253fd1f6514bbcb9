/** The two raw Electron IPC channel names the typed contract travels on. */
export const IPC_INVOKE = 'stacklab:invoke';
export const IPC_EVENT = 'stacklab:event';
