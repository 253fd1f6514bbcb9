/**
 * TF32 on CUDA: whether tensor cores may serve float32 matrix products. ORT's CUDA provider
 * turns them on by default and the Node binding cannot pass its `use_tf32` option, so StackLab
 * uses NVIDIA's process-wide NVIDIA_TF32_OVERRIDE=0, which the CUDA libraries read once, when
 * they load (the first CUDA session of the process). The mode is therefore fixed per process:
 * strict unless the process asked for tf32 before its first CUDA session.
 */
import { allowsTf32, type Precision } from '../../shared/precision';

let latched: boolean | undefined;

/** Fixes this process's mode before its first CUDA session (idempotent); returns whether TF32 is on. */
export function latchCudaTf32(want?: boolean): boolean {
  if (latched === undefined) {
    const fromEnv = process.env.STACKLAB_TF32 === '1';
    latched = want ?? fromEnv;
    if (latched && process.env.NVIDIA_TF32_OVERRIDE === '0') {
      latched = false;
      throw new Error(
        'tf32 was asked for, but NVIDIA_TF32_OVERRIDE=0 is set in the environment, which keeps TF32 off in this process: unset it, or train in fp32',
      );
    }
    // Set before the CUDA libraries load; they read it then.
    if (!latched) process.env.NVIDIA_TF32_OVERRIDE = '0';
  }
  return latched;
}

/** Checks (and on first use fixes) that this process's CUDA libraries run `precision` as it says. */
export function claimCudaPrecision(precision: Precision): void {
  const want = allowsTf32(precision);
  const on = latchCudaTf32(want);
  if (on === want) return;
  throw new Error(
    on
      ? `this engine process loaded CUDA with TF32 on (for a tf32 run), and TF32 can be switched off only when a process starts: run ${precision} in a new process (a new \`stacklab train\`, or restart the app or \`stacklab serve\`)`
      : `this engine process loaded CUDA in strict fp32 (NVIDIA_TF32_OVERRIDE=0), and TF32 can be switched on only when a process starts: run tf32 from the CLI (\`stacklab train --precision tf32\`), or start \`stacklab serve\` (or the app) with STACKLAB_TF32=1`,
  );
}

/**
 * The GPU this process's CUDA sessions use (the CUDA provider's device id): 0 unless a worker was
 * started with `--device cuda:N` (one worker per GPU of a machine).
 */
export function cudaDeviceId(): number {
  const n = Number(process.env.STACKLAB_CUDA_DEVICE ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** The mode this process runs CUDA in, or undefined before its first CUDA session. */
export function cudaTf32Mode(): boolean | undefined {
  return latched;
}
