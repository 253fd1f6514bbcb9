import { runCli } from '../../src/engine/cli';

/** An output sink for `runCli` that keeps every line (across calls, when reused). */
export function capture(columns?: number) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), ...(columns ? { columns } : {}) };
  return { io, out, err };
}

/** Runs one CLI invocation with captured output. */
export async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string }> {
  const c = capture();
  const code = await runCli(args, c.io);
  return { code, out: c.out, err: c.err.join('\n') };
}
