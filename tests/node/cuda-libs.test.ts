/** Finding the CUDA provider's libraries: the search folders, what is found where, what is missing, and the engine's library path. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDoctor } from '../../src/engine/cli/doctor';
import {
  CUDA_LIBRARIES,
  cudaLibraryEnv,
  cudaSearchDirs,
  describeCudaLibraries,
  findCudaLibraries,
} from '../../src/engine/runtime/cuda-libs';

function tree(files: Record<string, string[]>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'stacklab-cuda-libs-'));
  for (const [dir, names] of Object.entries(files)) {
    mkdirSync(path.join(root, dir), { recursive: true });
    for (const n of names) writeFileSync(path.join(root, dir, n), '');
  }
  return root;
}

describe('CUDA libraries', () => {
  it('searches the given folders, the library path and a Python environment’s nvidia packages', () => {
    const venv = tree({
      'lib/python3.12/site-packages/nvidia/cu13/lib': ['libcublas.so.13'],
      'lib/python3.12/site-packages/nvidia/cudnn/lib': ['libcudnn.so.9'],
    });
    const dirs = cudaSearchDirs(
      { STACKLAB_CUDA_LIBS: '/opt/mine', LD_LIBRARY_PATH: '/a:/b', VIRTUAL_ENV: venv },
      '/nonexistent-home',
    );
    expect(dirs.slice(0, 3)).toEqual(['/opt/mine', '/a', '/b']);
    expect(dirs).toContain(path.join(venv, 'lib/python3.12/site-packages/nvidia/cu13/lib'));
    expect(dirs).toContain(path.join(venv, 'lib/python3.12/site-packages/nvidia/cudnn/lib'));
  });

  it('names each library where it was found, the missing ones with how to get them', () => {
    const root = tree({ cu13: ['libcublas.so.13', 'libcublasLt.so.13', 'libcudart.so.13'], cudnn: ['libcudnn.so.9'] });
    const libs = findCudaLibraries([path.join(root, 'cu13'), path.join(root, 'cudnn')]);
    expect(libs.missing.map((m) => m.file)).toEqual(['libcurand.so.10']);
    expect(libs.found.find((f) => f.library.file === 'libcudnn.so.9')!.dir).toBe(path.join(root, 'cudnn'));
    const lines = describeCudaLibraries(libs);
    expect(lines).toHaveLength(CUDA_LIBRARIES.length);
    expect(lines.find((l) => l.startsWith('cuRAND'))).toMatch(
      /MISSING \(libcurand\.so\.10\): install the CUDA 13 toolkit/,
    );
    expect(lines.find((l) => l.startsWith('cuDNN 9'))).toContain(path.join(root, 'cudnn', 'libcudnn.so.9'));
    // Doctor prints them under the providers.
    const info = {
      appName: 'StackLab',
      appVersion: '0',
      host: 'cli',
      platform: 'linux',
      arch: 'x64',
      cpus: 2,
      totalMemoryBytes: 1,
      versions: { node: '20', onnxruntime: '1.29.0' },
      runsDir: '/r',
      providers: [],
      defaultProvider: 'cpu',
    } as unknown as Parameters<typeof formatDoctor>[0];
    expect(formatDoctor(info, undefined, lines)).toMatch(
      /CUDA libraries \(for the cuda provider\):\n {2}cuBLAS 13 +\S+libcublas\.so\.13/,
    );
  });

  it.runIf(process.platform === 'linux')(
    'puts the folders found ahead of the library path, and leaves it alone when they are on it',
    () => {
      const root = tree({ cu13: ['libcublas.so.13'], cudnn: ['libcudnn.so.9'] });
      const libs = findCudaLibraries([path.join(root, 'cu13'), path.join(root, 'cudnn')]);
      expect(cudaLibraryEnv({ LD_LIBRARY_PATH: '/usr/lib' }, libs)).toEqual({
        LD_LIBRARY_PATH: [path.join(root, 'cu13'), path.join(root, 'cudnn'), '/usr/lib'].join(':'),
      });
      expect(
        cudaLibraryEnv({ LD_LIBRARY_PATH: `${path.join(root, 'cu13')}:${path.join(root, 'cudnn')}` }, libs),
      ).toEqual({});
      expect(cudaLibraryEnv({}, findCudaLibraries([]))).toEqual({});
    },
  );
});
