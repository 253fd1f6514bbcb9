/** `npm run setup:cuda` with a stubbed provider package: a version other than onnxruntime-node's is refused, the right one placed. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const core = JSON.parse(readFileSync('node_modules/onnxruntime-node/package.json', 'utf8')).version as string;

/** A package tarball shaped like the registry's provider package, its library naming ORT `version`. */
function stubPackage(version: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stacklab-cuda-stub-'));
  const lib = path.join(dir, 'package', 'Plugins', 'Linux', 'x64');
  mkdirSync(lib, { recursive: true });
  writeFileSync(
    path.join(lib, 'libonnxruntime_providers_cuda.so'),
    Buffer.concat([Buffer.from('\x7fELF stub\0'), Buffer.from(`\0${version}\0`), Buffer.alloc(64)]),
  );
  writeFileSync(path.join(lib, 'libonnxruntime_providers_shared.so'), 'shared stub');
  writeFileSync(path.join(dir, 'package', 'package.json'), '{"name":"stub","version":"0.0.0"}');
  const tgz = path.join(dir, 'provider.tgz');
  execFileSync('tar', ['-czf', tgz, '-C', dir, 'package']);
  return tgz;
}

const setup = (args: string[]) =>
  spawnSync(process.execPath, ['scripts/install-cuda.mjs', ...args], { encoding: 'utf8' });

describe.runIf(process.platform === 'linux' && process.arch === 'x64')('setup:cuda', () => {
  it('refuses a provider built for another ORT version, naming both', () => {
    const target = mkdtempSync(path.join(os.tmpdir(), 'stacklab-cuda-target-'));
    const r = setup(['--from', stubPackage('1.28.0'), '--target', target]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `the CUDA provider is built for ORT 1.28.0, but onnxruntime-node is ${core}: core and provider must be the same ORT version`,
    );
    expect(existsSync(path.join(target, 'libonnxruntime_providers_cuda.so'))).toBe(false);
  });

  it('puts the provider libraries of the matching version in place', () => {
    const target = mkdtempSync(path.join(os.tmpdir(), 'stacklab-cuda-target-'));
    const r = setup(['--from', stubPackage(core), '--target', target]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`CUDA provider for ORT ${core} installed in ${target}`);
    expect(readFileSync(path.join(target, 'libonnxruntime_providers_shared.so'), 'utf8')).toBe('shared stub');
    expect(existsSync(path.join(target, 'libonnxruntime_providers_cuda.so'))).toBe(true);
  });

  it('says what is wrong with a package that is not the provider', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stacklab-cuda-bad-'));
    mkdirSync(path.join(dir, 'package'));
    writeFileSync(path.join(dir, 'package', 'x'), 'x');
    execFileSync('tar', ['-czf', path.join(dir, 'bad.tgz'), '-C', dir, 'package']);
    const r = setup(['--from', path.join(dir, 'bad.tgz'), '--target', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /has no Plugins\/Linux\/x64\/libonnxruntime_providers_cuda\.so: not the CUDA provider package/,
    );
  });
});
