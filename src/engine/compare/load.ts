/** Reading finished runs back from their folders (config.json, report.json, metrics.jsonl). */
import { readdir, stat } from 'node:fs/promises';
import { readJsonFile } from '../io/files';
import path from 'node:path';
import type { ScoreTimeline } from '../../shared/timeline';
import { RunStore } from '../runs/store';
import { upgradeRunConfig } from '../runs/config-check';
import type { MetricRecord, RunConfig, RunReport } from '../runs/types';

export interface LoadedRun {
  readonly dir: string;
  readonly config: RunConfig;
  readonly report: RunReport;
  /** metrics.jsonl's complete lines (MetricRecord, read by the run store). */
  readonly metrics: readonly MetricRecord[];
  /** scores.json: the test part's anomaly scores (absent without labels, or when the file is missing or damaged). */
  readonly scores?: ScoreTimeline;
}

export interface LoadResult {
  readonly runs: LoadedRun[];
  /** Run folders left out, and why. */
  readonly skipped: string[];
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** A JSON file of a run folder: a regular file, never a link (StackLab writes them itself), that parses. */
async function readJson<T>(file: string): Promise<T> {
  const value = await readJsonFile(file, (v) => v as T, 'the run folder is damaged: train that run again');
  if (value === null) throw new Error(`${file} is missing: the run folder is damaged, train that run again`);
  return value;
}

/** One run folder (holding config.json) or a folder of run folders, e.g. what `stacklab train --out` wrote. */
export async function loadRuns(paths: readonly string[]): Promise<LoadResult> {
  const runs: LoadedRun[] = [];
  const skipped: string[] = [];
  const dirs: string[] = [];
  for (const p of paths) {
    const info = await stat(p).catch(() => null);
    if (!info) throw new Error(`${p}: no such folder; give run folders (or the folder \`stacklab train --out\` wrote)`);
    if (!info.isDirectory())
      throw new Error(`${p} is a file; give run folders (each holds config.json), or their parent folder`);
    if (await exists(path.join(p, 'config.json'))) {
      dirs.push(p);
      continue;
    }
    const children = (await readdir(p, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => path.join(p, d.name))
      .sort();
    const found: string[] = [];
    for (const c of children) if (await exists(path.join(c, 'config.json'))) found.push(c);
    if (found.length === 0) throw new Error(`${p} holds no run folder (none of its folders has a config.json)`);
    dirs.push(...found);
  }
  for (const dir of dirs) {
    if (!(await exists(path.join(dir, 'report.json')))) {
      skipped.push(`${dir}: no report.json (an interrupted run: finish it with \`stacklab train … --resume\`)`);
      continue;
    }
    const report = await readJson<RunReport>(path.join(dir, 'report.json'));
    if (report.status !== 'finished') {
      skipped.push(`${dir}: ${report.status} (finish it with \`stacklab train … --resume\`)`);
      continue;
    }
    const config = upgradeRunConfig(await readJson<RunConfig>(path.join(dir, 'config.json')));
    // Lines cut short by a crash are left out; the ones before them still count.
    const { records: metrics } = await new RunStore(dir).readMetrics();
    // Only a chart reads the scores: a run without them (unlabelled data) or with a damaged file still compares.
    const scores = await readJson<ScoreTimeline>(path.join(dir, 'scores.json')).catch(() => null);
    runs.push({ dir, config, report, metrics, ...(scores ? { scores } : {}) });
  }
  if (runs.length === 0)
    throw new Error(
      `no finished run to compare in ${paths.join(', ')}${skipped.length ? `: ${skipped.join('; ')}` : ''}`,
    );
  return { runs, skipped };
}
