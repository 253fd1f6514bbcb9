// `npm start` needs Electron's binary, which `npm install` does not fetch (.npmrc sets
// ignore-scripts, since the download fails on closed networks). Fetch it on first start.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const dir = path.dirname(require.resolve('electron/package.json'));
const pathFile = path.join(dir, 'path.txt');
const installed = existsSync(pathFile) && existsSync(path.join(dir, 'dist', readFileSync(pathFile, 'utf8').trim()));
if (!installed) {
  console.log('Downloading the Electron binary (first start only)…');
  const res = spawnSync(process.execPath, [path.join(dir, 'install.js')], { stdio: 'inherit' });
  if (res.status !== 0) {
    console.error(
      '\nThe Electron binary could not be downloaded (see the error above). StackLab runs without it too:\n' +
        '  npm run serve       the same UI in your browser\n' +
        '  npm run cli -- help the headless command line\n' +
        'Behind a proxy, set ELECTRON_GET_USE_PROXY=1 and HTTPS_PROXY, or ELECTRON_MIRROR, and run `npm start` again.',
    );
    process.exit(1);
  }
}
