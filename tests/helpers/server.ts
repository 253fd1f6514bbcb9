import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from '../../src/engine/server/server';
import { createServices, servicesAsApi } from '../../src/engine/services';

/** A server over in-process services and a tiny fake renderer build, for HTTP and WebSocket tests. */
export async function startTestServer(
  options: { maxMessageBytes?: number } = {},
): Promise<{ server: RunningServer; staticDir: string }> {
  const staticDir = mkdtempSync(path.join(os.tmpdir(), 'stacklab-static-'));
  writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>StackLab test</title>');
  mkdirSync(path.join(staticDir, 'assets'));
  writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(path.dirname(staticDir), 'stacklab-secret.txt'), 'secret');
  const api = servicesAsApi(createServices({ host: 'server', runsDir: '/tmp/r' }));
  const server = await startServer({ staticDir, api, ...options });
  return { server, staticDir };
}
