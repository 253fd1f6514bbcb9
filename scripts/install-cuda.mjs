// `npm run setup:cuda [-- --cuda12] [-- --from <package.tgz>]`: installs ORT's CUDA execution
// provider beside onnxruntime-node's binding. Nothing of this runs at `npm install` (.npmrc).
//
// Default (CUDA 13): ORT's own CUDA provider build for this ORT version, from the npm registry
// (package com.github.asus4.onnxruntime.<platform>-gpu, fetched with `npm pack`, so npm checks its
// integrity); the provider's ORT version must equal onnxruntime-node's, or it is refused with both
// numbers. It needs CUDA 13 (cuBLAS, cuBLASLt, cudart, curand) and cuDNN 9 at run time:
// `stacklab doctor` says which are found where.
// --cuda12: ORT's own installer instead (CUDA 12 builds from GitHub: needs internet and CUDA 12).
// --from FILE: a package tarball already on disk (offline machines; tests).
// --target DIR: where the libraries go (default: beside the binding).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** The provider package for each ORT version whose build is on the registry. */
const PROVIDER_PACKAGES = { '1.29.0': '0.4.9' };

const PLATFORMS = {
  'linux-x64': {
    pkg: 'linux-x64-gpu',
    dir: 'Plugins/Linux/x64',
    files: ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'],
    binding: 'linux/x64',
  },
  'win32-x64': {
    pkg: 'win-x64-gpu',
    dir: 'Plugins/Windows/x64',
    files: ['onnxruntime_providers_cuda.dll', 'onnxruntime_providers_shared.dll'],
    binding: 'win32/x64',
  },
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ortDir = path.join(root, 'node_modules', 'onnxruntime-node');

function fail(message) {
  console.error(`setup:cuda: ${message}`);
  console.error('StackLab keeps working on webgpu and cpu.');
  process.exit(1);
}

/** The ORT versions a provider library names (null-terminated strings such as "1.29.0"). */
function versionsIn(bytes) {
  const text = bytes.toString('latin1');
  return [...new Set([...text.matchAll(/\0(1\.\d{1,3}\.\d{1,3})\0/g)].map((m) => m[1]))];
}

const { values } = parseArgs({
  options: { cuda12: { type: 'boolean', default: false }, from: { type: 'string' }, target: { type: 'string' } },
});

if (values.cuda12) {
  const res = spawnSync(process.execPath, [path.join(ortDir, 'script', 'install.js')], {
    stdio: 'inherit',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12' },
  });
  if (res.status !== 0)
    fail("ORT's CUDA 12 installer failed (see above): it needs internet access and CUDA 12 with cuDNN 9.");
  console.log('CUDA 12 provider installed. Check it with: npm run cli -- doctor');
  process.exit(0);
}

const platform = PLATFORMS[`${process.platform}-${process.arch}`];
if (!platform)
  fail(`no CUDA provider build for ${process.platform}-${process.arch} (there are builds for linux-x64 and win32-x64)`);
const core = JSON.parse(readFileSync(path.join(ortDir, 'package.json'), 'utf8')).version;
const providerVersion = PROVIDER_PACKAGES[core];
if (!providerVersion && !values.from)
  fail(
    `onnxruntime-node is ${core}; a CUDA provider build is on the registry for ${Object.keys(PROVIDER_PACKAGES).join(', ')} only (pin onnxruntime-node to one of them, or use --cuda12)`,
  );

const work = mkdtempSync(path.join(os.tmpdir(), 'stacklab-cuda-'));
try {
  let tarball = values.from && path.resolve(values.from);
  if (!tarball) {
    const spec = `com.github.asus4.onnxruntime.${platform.pkg}@${providerVersion}`;
    console.log(`fetching ${spec} (about 180 MB) with npm…`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const res = spawnSync(npm, ['pack', spec, '--pack-destination', work, '--silent'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      shell: process.platform === 'win32',
    });
    if (res.status !== 0)
      fail(
        `npm could not fetch ${spec} (see above): check the network or the npm registry settings, or download it elsewhere and pass --from <file.tgz>`,
      );
    tarball = path.join(
      work,
      readdirSync(work).find((f) => f.endsWith('.tgz')),
    );
  }
  if (!existsSync(tarball)) fail(`${tarball} does not exist`);
  const untar = spawnSync('tar', ['-xzf', tarball, '-C', work], { stdio: 'inherit' });
  if (untar.status !== 0) fail(`cannot unpack ${tarball} (is it the provider package?)`);
  const from = path.join(work, 'package', platform.dir);
  for (const f of platform.files)
    if (!existsSync(path.join(from, f)))
      fail(
        `${tarball} has no ${platform.dir}/${f}: not the CUDA provider package for ${process.platform}-${process.arch}`,
      );
  const found = versionsIn(readFileSync(path.join(from, platform.files[0])));
  if (!found.includes(core))
    fail(
      `the CUDA provider is built for ORT ${found.join(', ') || 'an unknown version'}, but onnxruntime-node is ${core}: core and provider must be the same ORT version`,
    );
  const target = values.target ? path.resolve(values.target) : path.join(ortDir, 'bin', 'napi-v6', platform.binding);
  mkdirSync(target, { recursive: true });
  for (const f of platform.files) copyFileSync(path.join(from, f), path.join(target, f));
  console.log(`CUDA provider for ORT ${core} installed in ${target}.`);
  console.log('It needs CUDA 13 and cuDNN 9 at run time; check with: npm run cli -- doctor');
} finally {
  rmSync(work, { recursive: true, force: true });
}
