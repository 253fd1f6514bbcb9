/**
 * The packaging config (electron-builder.yml), checked without the Electron binary (which cannot
 * be downloaded here): electron-builder's own loader, schema and file matchers, the code that
 * `npm run dist` runs, applied to the files onnxruntime-node really ships in node_modules.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import electronViteConfig from '../../electron.vite.config';

const root = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  main: string;
  scripts: Record<string, string>;
  devDependencies: Record<string, string>;
};

// electron-builder's internals, resolved from electron-builder itself (app-builder-lib is its
// dependency; electron-builder's public API has no config loader or file matcher).
const fromBuilder = createRequire(createRequire(import.meta.url).resolve('electron-builder/package.json'));
const appBuilderLib = (p: string) => fromBuilder(`app-builder-lib/out/${p}`) as unknown;

interface FakeStat {
  isDirectory(): boolean;
  isFile(): boolean;
  isSymbolicLink(): boolean;
  moduleFullFilePath?: string;
}
type Filter = (file: string, stat: FakeStat) => boolean;
interface FileMatcher {
  from: string;
  patterns: string[];
  createFilter(): Filter;
}
type MacroExpander = (pattern: string) => string;
type PlatformOptions = Record<string, unknown>;
interface BuilderConfig {
  appId?: string;
  productName?: string;
  asar?: boolean;
  asarUnpack?: string[];
  npmRebuild?: boolean;
  files?: unknown;
  electronFuses?: Record<string, boolean>;
  linux?: PlatformOptions;
  win?: PlatformOptions;
  mac?: PlatformOptions;
}

const { getConfig, validateConfiguration } = appBuilderLib('util/config/config.js') as {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: null): Promise<BuilderConfig>;
  validateConfiguration(config: BuilderConfig, debugLogger: { isEnabled: boolean }): Promise<void>;
};
const matchers = appBuilderLib('fileMatcher.js') as {
  FileMatcher: new (from: string, to: string, expander: MacroExpander, patterns?: string[]) => FileMatcher;
  getMainFileMatchers(
    appDir: string,
    destination: string,
    expander: MacroExpander,
    platformOptions: PlatformOptions,
    platformPackager: unknown,
    outDir: string,
    isElectronCompile: boolean,
  ): FileMatcher[];
  getNodeModuleFileMatcher(
    appDir: string,
    destination: string,
    expander: MacroExpander,
    platformOptions: PlatformOptions,
    packager: unknown,
  ): FileMatcher;
  getFileMatchers(
    config: BuilderConfig,
    name: string,
    destination: string,
    options: Record<string, unknown>,
  ): FileMatcher[] | null;
};
const { expandMacro } = appBuilderLib('util/macroExpander.js') as {
  expandMacro(pattern: string, arch: string | null, appInfo: object, extra: Record<string, string>): string;
};

const stat = (dir: boolean, moduleFullFilePath?: string): FakeStat => ({
  isDirectory: () => dir,
  isFile: () => !dir,
  isSymbolicLink: () => false,
  ...(moduleFullFilePath === undefined ? {} : { moduleFullFilePath }),
});

/** Walks like electron-builder does: a file is reached only if every folder above it passes the filter. */
function accepts(filter: Filter, from: string, relFile: string, moduleRoot?: string): boolean {
  const parts = relFile.split('/');
  for (let i = 1; i <= parts.length; i += 1) {
    const rel = parts.slice(0, i).join('/');
    const full = moduleRoot === undefined ? undefined : path.posix.join(moduleRoot, rel);
    if (!filter(path.join(from, rel), stat(i < parts.length, full))) return false;
  }
  return true;
}

// What onnxruntime-node really ships: bin/napi-v*/<platform>/<arch>/<file>.
const ortDir = path.join(root, 'node_modules', 'onnxruntime-node');
const ortBinFiles = readdirSync(path.join(ortDir, 'bin'), { recursive: true, withFileTypes: true })
  .filter((d) => d.isFile())
  .map((d) => path.relative(ortDir, path.join(d.parentPath, d.name)).split(path.sep).join('/'));
const binTarget = (f: string) => f.split('/').slice(2, 4).join('/'); // "linux/x64"
const isNative = (f: string) => /\.(node|dll|dylib|so)$|\.so\.\d/.test(path.posix.basename(f));

const PLATFORMS = { linux: 'linux', win: 'win32', mac: 'darwin' } as const;
type BuilderPlatform = keyof typeof PLATFORMS;

/** electron-builder's view of one platform and arch: which app files, module files and unpacked files. */
function selection(config: BuilderConfig, os: BuilderPlatform, arch: string) {
  const platformOptions = config[os] ?? {};
  const expander: MacroExpander = (p) => expandMacro(p, arch, {}, { os, '/*': '{,/**/*}' });
  const destination = path.join(root, 'dist', 'unpacked', 'resources', 'app');
  const info = {
    config,
    projectDir: root,
    buildResourcesDir: path.join(root, 'build'),
    isPrepackedAppAsar: false,
    debugLogger: { isEnabled: false },
  };
  const main = matchers.getMainFileMatchers(
    root,
    destination,
    expander,
    platformOptions,
    { info, config },
    path.join(root, 'dist'),
    false,
  );
  const nodeModules = matchers.getNodeModuleFileMatcher(root, destination, expander, platformOptions, info);
  const unpack = matchers.getFileMatchers(config, 'asarUnpack', destination, {
    macroExpander: expander,
    customBuildOptions: platformOptions,
    globalOutDir: path.join(root, 'dist'),
    defaultSrc: root,
  });
  const moduleFilter = (name: string) =>
    new matchers.FileMatcher(
      path.join(root, 'node_modules', name),
      destination,
      expander,
      nodeModules.patterns,
    ).createFilter();
  const unpackFilter = unpack?.[0]?.createFilter();
  return {
    /** An app file (relative to the project) lands in the package. */
    appFile: (rel: string) => main.some((m) => path.resolve(m.from) === root && accepts(m.createFilter(), root, rel)),
    /** A file of a production dependency lands in the package. */
    moduleFile: (name: string, rel: string) =>
      accepts(moduleFilter(name), path.join(root, 'node_modules', name), rel, `node_modules/${name}`),
    /** A file of a dependency is unpacked from app.asar. */
    unpacked: (name: string, rel: string) =>
      unpackFilter !== undefined &&
      unpackFilter(path.join(root, 'node_modules', name, rel), stat(false, `node_modules/${name}/${rel}`)),
  };
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
/**
 * The architectures to check for a platform: those its targets name (else electron-builder's
 * default, x64), and every one onnxruntime-node ships for it (`--arm64` builds those too).
 */
function archsOf(os: BuilderPlatform): string[] {
  const targets = asArray(config[os]?.target as string | { target: string; arch?: string | string[] } | undefined);
  const named = targets.flatMap((t) => (typeof t === 'string' ? [] : asArray(t.arch)));
  const shipped = ortBinFiles.filter((f) => f.split('/')[2] === PLATFORMS[os]).map((f) => f.split('/')[3] ?? '');
  return [...new Set([...(named.length ? named : ['x64']), ...shipped])];
}
const targetNames = (options: PlatformOptions | undefined) =>
  asArray(options?.target as string | { target: string } | undefined).map((t) =>
    typeof t === 'string' ? t : t.target,
  );

let config: BuilderConfig;
beforeAll(async () => {
  config = await getConfig(root, null, null);
});

describe('electron-builder.yml', () => {
  it('passes electron-builder’s own configuration checks (its JSON schema)', async () => {
    await expect(validateConfiguration(config, { isEnabled: false })).resolves.toBeUndefined();
    expect(config.appId).toMatch(/^[a-z]+(\.[a-z0-9-]+)+$/);
    expect(config.productName).toBe('StackLab');
  });

  it('builds an AppImage on Linux, an NSIS installer on Windows and a hardened-runtime dmg on macOS', () => {
    expect(targetNames(config.linux)).toEqual(['AppImage']);
    expect(targetNames(config.win)).toEqual(['nsis']);
    expect(targetNames(config.mac)).toEqual(['dmg']);
    expect(config.mac?.hardenedRuntime).toBe(true);
  });

  it('packs an asar without rebuilding onnxruntime-node (prebuilt N-API binaries)', () => {
    expect(config.asar).toBe(true);
    expect(config.npmRebuild).toBe(false);
  });

  it('flips the fuses: no ELECTRON_RUN_AS_NODE, no inspector, no NODE_OPTIONS, asar only and checked, encrypted cookies', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeCliInspectArguments: false,
      enableNodeOptionsEnvironmentVariable: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
    });
  });

  it('keeps no top-level `files`, which would turn a platform list of exclusions into the whole project', () => {
    // getConfig normalises a top-level list into a file set of its own; see the comment in the yml.
    expect(config.files).toEqual([]);
  });
});

describe.each(Object.keys(PLATFORMS) as BuilderPlatform[])('the %s package', (os) => {
  it('holds the built app and package.json, never sources, tests, benchmarks, source maps or out/device', () => {
    for (const arch of archsOf(os)) {
      const pick = selection(config, os, arch);
      for (const rel of [
        'out/main/index.js',
        'out/main/engine-worker.js',
        'out/main/chunks/paths-x.js',
        'out/preload/index.cjs',
        'out/renderer/index.html',
        'out/renderer/assets/index-x.js',
        'package.json',
      ]) {
        expect(pick.appFile(rel), `${os}/${arch}: ${rel}`).toBe(true);
      }
      expect(pick.appFile(path.posix.normalize(pkg.main)), 'package.json "main"').toBe(true);
      for (const rel of [
        'src/main/index.ts',
        'src/engine/host/worker.ts',
        'tests/node/packaging.test.ts',
        'bench/index.ts',
        'scripts/test.sh',
        'bin/stacklab.js',
        'out/device/cli.mjs',
        'out/main/index.js.map',
        'electron-builder.yml',
        'README.md',
        'node_modules/ws/index.js',
        'dist/x.AppImage',
      ]) {
        expect(pick.appFile(rel), `${os}/${arch}: ${rel}`).toBe(false);
      }
      // Production dependencies the engine worker imports stay; the CLI's TypeScript loader does not.
      expect(pick.moduleFile('onnxruntime-node', 'dist/index.js')).toBe(true);
      expect(pick.moduleFile('onnxruntime-node', 'package.json')).toBe(true);
      expect(pick.moduleFile('protobufjs', 'light.js')).toBe(true);
      expect(pick.moduleFile('tsx', 'dist/cli.mjs')).toBe(false);
    }
  });

  it('holds exactly this platform’s onnxruntime-node binaries for the arch built, unpacked from the asar', () => {
    const platform = PLATFORMS[os];
    for (const arch of archsOf(os)) {
      const pick = selection(config, os, arch);
      const own = ortBinFiles.filter((f) => binTarget(f) === `${platform}/${arch}`);
      expect(
        own.filter((f) => f.endsWith('.node')),
        `onnxruntime-node ships no ${platform}/${arch} binding`,
      ).toHaveLength(1);
      expect(
        own.some((f) => /onnxruntime\.(dll|so\.1|[\d.]*dylib)$/.test(f)),
        `${platform}/${arch}: the ORT library`,
      ).toBe(true);
      for (const f of ortBinFiles) {
        expect(pick.moduleFile('onnxruntime-node', f), `${os}/${arch}: ${f}`).toBe(own.includes(f));
      }
      for (const f of own.filter(isNative)) expect(pick.unpacked('onnxruntime-node', f), `unpacked: ${f}`).toBe(true);
      // What `npm run setup:cuda` adds beside the Linux and Windows x64 binaries is unpacked too.
      for (const name of [
        'libonnxruntime_providers_cuda.so',
        'libonnxruntime_providers_shared.so',
        'onnxruntime_providers_cuda.dll',
      ]) {
        expect(pick.unpacked('onnxruntime-node', `bin/napi-v6/${platform}/${arch}/${name}`), name).toBe(true);
      }
      expect(pick.unpacked('onnxruntime-node', 'dist/index.js')).toBe(false);
      expect(pick.unpacked('protobufjs', 'light.js')).toBe(false);
    }
  });
});

describe('what the package runs', () => {
  it('package.json "main" is the main entry that electron-vite builds (out/main/index.js)', () => {
    const mainBuild = (
      electronViteConfig as {
        main?: { build?: { outDir?: string; rollupOptions?: { input?: Record<string, string>; output?: unknown } } };
      }
    ).main?.build;
    // electron-vite's default output folder for the main process, with entries named after the inputs.
    expect(mainBuild?.outDir).toBeUndefined();
    expect(mainBuild?.rollupOptions?.output).toBeUndefined();
    const inputs = Object.keys(mainBuild?.rollupOptions?.input ?? {});
    expect(inputs).toContain('index');
    expect(inputs).toContain('engine-worker'); // src/main/engine-host.ts forks out/main/engine-worker.js
    expect(path.posix.normalize(pkg.main)).toBe('out/main/index.js');
  });

  it('has npm scripts that build, then package without publishing', () => {
    expect(pkg.devDependencies['electron-builder']).toBeDefined();
    expect(pkg.scripts.dist).toBe('electron-vite build && electron-builder --publish never');
    for (const [script, flag] of [
      ['dist:linux', '--linux'],
      ['dist:win', '--win'],
      ['dist:mac', '--mac'],
    ] as const) {
      expect(pkg.scripts[script]).toBe(`electron-vite build && electron-builder ${flag} --publish never`);
    }
  });
});
