/** What `system.info` reports: the host, the versions and the execution providers ORT can use here. */
import type { PresetName } from './presets';

/** Execution providers the engine knows how to use, in `auto` preference order. */
export const EXECUTION_PROVIDERS = ['cuda', 'webgpu', 'cpu'] as const;
export type ExecutionProviderName = (typeof EXECUTION_PROVIDERS)[number];

/** A device choice as a user gives it: one provider, or `auto` (cuda, else webgpu, else cpu). */
export type DeviceChoice = ExecutionProviderName | 'auto';

/** Every device choice, in the order the wizard offers them (`auto` first, then the CPU up to CUDA). */
export const DEVICE_CHOICES = ['auto', 'cpu', 'webgpu', 'cuda'] as const satisfies readonly DeviceChoice[];

export interface ProviderStatus {
  readonly name: ExecutionProviderName;
  readonly available: boolean;
  /** Why the provider cannot be used (missing library, no adapter, …); absent when available. */
  readonly reason?: string;
  /** Wall-clock of the live probe (session creation + one run), in milliseconds. */
  readonly probeMs: number;
}

export interface SystemInfo {
  readonly appName: string;
  readonly appVersion: string;
  /** `process.platform` and `process.arch`, e.g. `linux` / `x64`. */
  readonly platform: string;
  readonly arch: string;
  readonly cpus: number;
  readonly totalMemoryBytes: number;
  readonly versions: {
    readonly node: string;
    /** Absent outside Electron (CLI and server mode). */
    readonly electron?: string;
    readonly onnxruntime: string;
  };
  /** Where the app runs: the Electron desktop app, the HTTP server mode or the CLI. */
  readonly host: 'electron' | 'server' | 'cli';
  readonly providers: readonly ProviderStatus[];
  /** The provider `auto` resolves to here, for a job of `autoPreset` (another preset may differ). */
  readonly defaultProvider: ExecutionProviderName;
  /** The preset `defaultProvider` was resolved for: `auto` takes the fastest provider for a job's preset. */
  readonly autoPreset: PresetName;
  /** Where run folders are stored. */
  readonly runsDir: string;
}

/** `stacklab doctor`'s self-test of one provider: a few train steps of the tiny preset. */
export interface SelfTestResult {
  readonly provider: ExecutionProviderName;
  readonly ok: boolean;
  /** Not run, because the provider is unavailable. */
  readonly skipped?: boolean;
  /** Why the self-test failed (or was not run); absent when ok. */
  readonly reason?: string;
  readonly steps: number;
  readonly msPerStep?: number;
  readonly firstLoss?: number;
  readonly lastLoss?: number;
  /** Largest relative difference of this provider's losses from the CPU's. */
  readonly maxRelDiffVsCpu?: number;
}
