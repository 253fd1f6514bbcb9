/**
 * The CUDA 13 runtime and cuDNN 9 libraries that ORT's CUDA provider loads: where they are on this
 * machine (the library path, /usr/local/cuda*, the `nvidia/*` packages of a Python environment that
 * PyTorch brings), which are missing and how to get them, and the library path an engine process
 * must start with. The dynamic loader reads LD_LIBRARY_PATH only when a process starts, so the
 * engine process (or the CLI, re-executing itself) is started with it.
 */
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface CudaLibrary {
  /** What a user knows it as. */
  readonly name: string;
  /** The file the provider asks the loader for (Linux soname). */
  readonly file: string;
  /** Where to get it, in a sentence. */
  readonly get: string;
}

const TOOLKIT =
  'install the CUDA 13 toolkit (or the runtime libraries: pip install nvidia-cublas nvidia-cuda-runtime nvidia-curand for CUDA 13)';

export const CUDA_LIBRARIES: readonly CudaLibrary[] = [
  { name: 'cuBLAS 13', file: 'libcublas.so.13', get: TOOLKIT },
  { name: 'cuBLASLt 13', file: 'libcublasLt.so.13', get: TOOLKIT },
  { name: 'CUDA runtime 13 (cudart)', file: 'libcudart.so.13', get: TOOLKIT },
  { name: 'cuRAND (CUDA 13)', file: 'libcurand.so.10', get: TOOLKIT },
  {
    name: 'cuDNN 9',
    file: 'libcudnn.so.9',
    get: 'install cuDNN 9 for CUDA 13 (NVIDIA’s cudnn package, or pip install nvidia-cudnn-cu13)',
  },
];

function dirs(p: string): string[] {
  try {
    return readdirSync(p, { withFileTypes: true })
      .filter((e) => e.isDirectory() || e.isSymbolicLink())
      .map((e) => path.join(p, e.name));
  } catch {
    return [];
  }
}

/** `nvidia/<package>/lib` folders (and `nvidia/cu13/lib`) below a site-packages folder. */
function nvidiaLibs(sitePackages: string): string[] {
  return dirs(path.join(sitePackages, 'nvidia')).map((d) => path.join(d, 'lib'));
}

/** The site-packages folders of the Python environments a user is likely to have. */
function sitePackages(env: NodeJS.ProcessEnv, home: string): string[] {
  const prefixes = [
    env.VIRTUAL_ENV,
    env.CONDA_PREFIX,
    path.join(home, '.local'),
    '/usr/local',
    '/usr',
    ...dirs('/opt').flatMap((d) => [d, path.join(d, '.venv')]),
  ].filter((p): p is string => !!p);
  const out: string[] = [];
  for (const prefix of prefixes) {
    for (const lib of [path.join(prefix, 'lib'), path.join(prefix, 'lib64')]) {
      for (const py of dirs(lib).filter((d) => /python3\.\d+$/.test(d)))
        out.push(path.join(py, 'site-packages'), path.join(py, 'dist-packages'));
    }
  }
  return out;
}

/** Folders searched, in order: STACKLAB_CUDA_LIBS, the library path, CUDA installs, Python environments. */
export function cudaSearchDirs(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string[] {
  const list = (v: string | undefined) => (v ?? '').split(path.delimiter).filter(Boolean);
  const cuda = dirs('/usr/local')
    .filter((d) => /\/cuda(-[\d.]+)?$/.test(d))
    .flatMap((d) => [path.join(d, 'lib64'), path.join(d, 'targets', 'x86_64-linux', 'lib')]);
  const all = [
    ...list(env.STACKLAB_CUDA_LIBS),
    ...list(env.LD_LIBRARY_PATH),
    ...cuda,
    '/usr/lib/x86_64-linux-gnu',
    ...sitePackages(env, home).flatMap(nvidiaLibs),
    ...list(env.CONDA_PREFIX && path.join(env.CONDA_PREFIX, 'lib')),
  ];
  return [...new Set(all)];
}

export interface CudaLibraries {
  readonly found: readonly { readonly library: CudaLibrary; readonly dir: string }[];
  readonly missing: readonly CudaLibrary[];
}

/** Each library's first folder among `search` (see cudaSearchDirs). */
export function findCudaLibraries(search: readonly string[] = cudaSearchDirs()): CudaLibraries {
  const found: { library: CudaLibrary; dir: string }[] = [];
  const missing: CudaLibrary[] = [];
  for (const library of CUDA_LIBRARIES) {
    const dir = search.find((d) => existsSync(path.join(d, library.file)));
    if (dir) found.push({ library, dir });
    else missing.push(library);
  }
  return { found, missing };
}

/**
 * The environment an engine process needs for the CUDA provider: LD_LIBRARY_PATH with the folders
 * the libraries were found in, ahead of the current one (unchanged when none is missing from it).
 */
export function cudaLibraryEnv(
  env: NodeJS.ProcessEnv = process.env,
  libs: CudaLibraries = findCudaLibraries(cudaSearchDirs(env)),
): NodeJS.ProcessEnv {
  if (process.platform !== 'linux') return {};
  const current = (env.LD_LIBRARY_PATH ?? '').split(path.delimiter).filter(Boolean);
  const needed = [...new Set(libs.found.map((f) => f.dir))].filter((d) => !current.includes(d));
  if (needed.length === 0) return {};
  return { LD_LIBRARY_PATH: [...needed, ...current].join(path.delimiter) };
}

/** What doctor says about the libraries: one line per library, where it is or how to get it. */
export function describeCudaLibraries(libs: CudaLibraries): string[] {
  return CUDA_LIBRARIES.map((l) => {
    const at = libs.found.find((f) => f.library === l);
    return at
      ? `${l.name.padEnd(26)} ${path.join(at.dir, l.file)}`
      : `${l.name.padEnd(26)} MISSING (${l.file}): ${l.get}`;
  });
}
