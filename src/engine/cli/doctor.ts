/** `stacklab doctor [--json]`: what `system.info` returns, for a person or a script. */
import type { SystemInfo } from '../../shared/system';

function formatBytes(n: number): string {
  return `${(n / 2 ** 30).toFixed(1)} GiB`;
}

/** The human-readable report. */
export function formatDoctor(info: SystemInfo): string {
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
    '',
    `device auto  ${info.defaultProvider}`,
  ];
  return lines.join('\n');
}
