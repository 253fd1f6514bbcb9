import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json';
import { runCli } from '../../src/engine/cli';
import type { SelfTestResult, SystemInfo } from '../../src/shared/system';
import { capture } from '../helpers/cli';


describe('stacklab CLI', () => {
  it('doctor --json prints system.info and the self-test as the last line of stdout', async () => {
    const c = capture();
    expect(await runCli(['doctor', '--json'], c.io)).toBe(0);
    const info = JSON.parse(c.out.at(-1)!) as SystemInfo & { selfTest: SelfTestResult[] };
    expect(info.host).toBe('cli');
    expect(info.providers.find((p) => p.name === 'cpu')).toMatchObject({ available: true });
    const cpu = info.selfTest.find((t) => t.provider === 'cpu')!;
    expect(cpu).toMatchObject({ ok: true, steps: 24 });
    expect(cpu.lastLoss!).toBeLessThan(cpu.firstLoss!);
    expect(cpu.msPerStep!).toBeGreaterThan(0);
    for (const p of info.providers) {
      const t = info.selfTest.find((s) => s.provider === p.name)!;
      if (!p.available) expect(t).toMatchObject({ ok: false, skipped: true, reason: expect.stringMatching(/^not run: /) });
      else expect(t.ok, t.reason).toBe(true);
    }
  });

  it('doctor prints a readable report with every provider', async () => {
    const c = capture();
    expect(await runCli(['doctor', '--quick'], c.io)).toBe(0);
    const text = c.out.join('\n');
    expect(text).toMatch(/^StackLab \d+\.\d+\.\d+ \(cli\)/);
    expect(text).toMatch(/cpu\s+available/);
    expect(text).toMatch(/webgpu\s+(available|unavailable - .+)/);
    expect(text).toMatch(/cuda\s+(available|unavailable - .+)/);
    expect(text).toMatch(/device auto\s+(cpu|webgpu|cuda)/);
    expect(text).not.toMatch(/self-test/);
  });

  it.each([
    [['doctor', '--jsn'], /stacklab doctor: Unknown option '--jsn'/],
    [['doctor', 'extra'], /unexpected argument "extra"/],
    [['trian'], /unknown command "trian"/],
    [['serve', '--port', '99999'], /--port must be an integer from 0 to 65535, got "99999"/],
  ])('%j is a usage error (exit 2) that names the problem and shows the usage', async (argv, message) => {
    const c = capture();
    expect(await runCli(argv, c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(message);
    expect(c.err.join('\n')).toMatch(/usage: stacklab <command>/);
  });

  it('prints its version and help', async () => {
    const c = capture();
    expect(await runCli(['--version'], c.io)).toBe(0);
    expect(c.out).toEqual([pkg.version]);
    expect(await runCli(['help'], c.io)).toBe(0);
    expect(c.out.join('\n')).toMatch(/doctor \[--json\]/);
  });

  it('runs as a command: `npm run cli -- doctor --json` reports cpu available', async () => {
    const { stdout } = await promisify(execFile)('npm', ['run', '-s', 'cli', '--', 'doctor', '--json', '--quick'], { cwd: process.cwd() });
    const info = JSON.parse(stdout.trim().split('\n').at(-1)!) as SystemInfo;
    expect(info.providers.find((p) => p.name === 'cpu')?.available).toBe(true);
  });
});
