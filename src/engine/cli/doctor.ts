/** `stacklab doctor [--json]`: what `system.info` returns, for a person or a script. */
import type { SelfTestResult, SystemInfo } from '../../shared/system';

function formatBytes(n: number): string {
  return `${(n / 2 ** 30).toFixed(1)} GiB`;
}

function formatSelfTest(results: readonly SelfTestResult[]): string[] {
  return [
    '',
    'self-test (tiny preset, a few train steps):',
    ...results.map((r) => {
      if (r.skipped) return `  ${r.provider.padEnd(7)} skipped     (unavailable)`;
      if (!r.ok) return `  ${r.provider.padEnd(7)} FAILED      ${r.reason ?? ''}`;
      const vs = r.maxRelDiffVsCpu === undefined ? '' : `, matches cpu within ${r.maxRelDiffVsCpu.toExponential(1)}`;
      return `  ${r.provider.padEnd(7)} ok          ${r.msPerStep} ms/step, loss ${r.firstLoss!.toPrecision(3)} → ${r.lastLoss!.toPrecision(3)}${vs}`;
    }),
  ];
}

/** The human-readable report. */
export function formatDoctor(
  info: SystemInfo,
  selfTest?: readonly SelfTestResult[],
  cudaLibraries?: readonly string[],
): string {
  const lines = [
    `${info.appName} ${info.appVersion} (${info.host})`,
    `platform     ${info.platform}/${info.arch}, ${info.cpus} CPU threads, ${formatBytes(info.totalMemoryBytes)} memory`,
    `node         ${info.versions.node}`,
    ...(info.versions.electron ? [`electron     ${info.versions.electron}`] : []),
    `onnxruntime  ${info.versions.onnxruntime}`,
    `runs folder  ${info.runsDir}`,
    '',
    'execution providers:',
    ...info.providers.map((p) => {
      const mark = p.available ? 'available  ' : 'unavailable';
      const tail = p.available ? `(probe ${p.probeMs} ms)` : `- ${p.reason ?? 'unknown reason'}`;
      return `  ${p.name.padEnd(7)} ${mark} ${tail}`;
    }),
    ...(cudaLibraries?.length
      ? ['', 'CUDA libraries (for the cuda provider):', ...cudaLibraries.map((l) => `  ${l}`)]
      : []),
    '',
    `device auto  ${info.defaultProvider} (the fastest that works here, measured for the ${info.autoPreset} preset)`,
    ...(selfTest ? formatSelfTest(selfTest) : []),
  ];
  return lines.join('\n');
}
