/** The Compare and Export steps' services: a job's comparison, a run's score timeline, and export files. */
import { readJsonFile } from '../io/files';
import path from 'node:path';
import type { Comparison } from '../../shared/compare';
import type { ExportFile } from '../../shared/jobs';
import type { ScoreTimeline } from '../../shared/timeline';
import { compareRuns } from '../compare/compare';
import { comparisonCsv } from '../compare/csv';
import { renderHtml } from '../compare/html';
import { loadRuns } from '../compare/load';
import { exportRun } from '../runs/export';
import { readJobFile } from '../runs/job';
import { writeAtomic } from '../runs/store';

export async function comparisonOf(dir: string): Promise<Comparison> {
  const { runs, skipped } = await loadRuns([dir]);
  return compareRuns(runs, { skipped });
}

export async function timelineOf(runDir: string): Promise<ScoreTimeline> {
  // A regular file in the run folder, never a link (it could lead out of server mode's --root).
  const scores = await readJsonFile(
    path.join(runDir, 'scores.json'),
    (v) => v as ScoreTimeline,
    'train that run again (stacklab train … --resume)',
  );
  if (!scores)
    throw new Error(
      `${runDir} has no anomaly scores (scores.json): the run did not finish, or its data have no labelled test part`,
    );
  return scores;
}

/** A name as a file name's stem: letters, digits, '.', '_' and '-' (accents dropped), at most 80 characters. */
export function fileStemOf(name: string): string {
  const stem = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\w.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 80)
    .replace(/[-.]+$/, '');
  return stem || 'stacklab';
}

/**
 * A file name after the job (its name in job.json, else its folder's): "line 3 · midas · tiny" →
 * "line-3-midas-tiny", so that reports of several jobs saved to one place stay apart.
 */
export async function fileStem(dir: string): Promise<string> {
  const job = await readJobFile(dir).catch(() => null);
  return fileStemOf(job?.name || path.basename(path.resolve(dir)));
}

/** Builds the file, writes a copy into the job (or run) folder, and returns both. */
export async function exportFile(kind: 'report' | 'csv' | 'onnx', dir: string): Promise<ExportFile> {
  if (kind === 'onnx') {
    const e = await exportRun(dir);
    const savedTo = path.join(dir, e.name);
    await writeAtomic(savedTo, e.model.bytes);
    return {
      name: e.name,
      mime: 'application/octet-stream',
      content: Buffer.from(e.model.bytes).toString('base64'),
      encoding: 'base64',
      savedTo,
    };
  }
  const c = await comparisonOf(dir);
  const stem = await fileStem(dir);
  const [name, mime, content] =
    kind === 'report'
      ? [`${stem}-report.html`, 'text/html', renderHtml(c)]
      : [`${stem}-comparison.csv`, 'text/csv', comparisonCsv(c)];
  const savedTo = path.join(dir, name);
  await writeAtomic(savedTo, content);
  return { name, mime, content, encoding: 'utf8', savedTo };
}
