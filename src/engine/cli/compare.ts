/** `stacklab compare <run-dir|runs-dir>… [--html report.html] [--json]` */
import path from 'node:path';
import type { Comparison, SeedDifference } from '../../shared/compare';
import { compareRuns } from '../compare/compare';
import { renderHtml } from '../compare/html';
import { loadRuns } from '../compare/load';
import { renderTable } from '../compare/table';
import { writeAtomic } from '../runs/store';
import { variantLabel } from '../../shared/growth';
import { parseCommandArgs, UsageError } from './args';
import { DEFAULT_COLUMNS, type CliIo } from './io';

export const COMPARE_USAGE = `stacklab compare <run-dir|folder of runs>… [--html <report.html>] [--wide] [--json]
  one table of all variants (speed, FLOPs, validation loss, every detection metric and probe with its
  95% interval over seeds, the classical baselines) and the verdict in plain words
  --html <file>           also write a self-contained report (charts embedded; prints well)
  --wide                  the table on one line per row with its labels in full, however wide (default:
                          fitted to the terminal, or to $COLUMNS or 120 characters when not a terminal)
  --json                  the comparison as one JSON object on the last line of stdout`;

/** The JSON summary of `--json`: the table's numbers without the curves. */
export function comparisonSummary(c: Comparison): object {
  const iv = (x: { mean: number; lo: number; hi: number } | null | undefined) =>
    x ? { mean: x.mean, lo: x.lo, hi: x.hi } : null;
  const map = (o: Readonly<Record<string, { mean: number; lo: number; hi: number }>>) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, iv(v)]));
  const differencesOf = (o: Readonly<Record<string, SeedDifference>>) =>
    Object.fromEntries(Object.entries(o).map(([k, d]) => [k, { ...iv(d), significant: d.significant }]));
  return {
    data: c.data,
    setup: c.setup,
    primaryMetric: c.primaryMetric,
    bottomLine: c.bottomLine.join(' '),
    variants: c.variants.map((v) => ({
      variant: v.variant,
      label: variantLabel(v.variant),
      usable: v.usable,
      why: v.why,
      alarmsUsable: v.alarmsUsable,
      alarmsWhy: v.alarmsWhy,
      runs: v.runs,
      seeds: v.seeds,
      dirs: v.dirs,
      depths: v.depths,
      speedup: v.speedup ? v.speedup.mean : null,
      speedupInterval: iv(v.speedup),
      speed: v.speed,
      flops: v.flops,
      flopRatio: v.flopRatio,
      wallMs: iv(v.wallMs),
      trainMs: iv(v.trainMs),
      finalValLoss: iv(v.finalValLoss),
      metrics: map(v.metrics),
      differences: Object.fromEntries(
        Object.entries(v.differences).map(([k, d]) => [
          k,
          { ...iv(d), significant: d.significant, ...(d.p !== undefined ? { p: d.p } : {}) },
        ]),
      ),
      pointAdjustedF1: iv(v.pointAdjustedF1),
      probes: map(v.probes),
      isoplot: v.isoplot.fit,
      ...(v.perSeries ? { perSeries: { ...v.perSeries, metrics: map(v.perSeries.metrics) } } : {}),
    })),
    baselines: c.baselines.map((b) => ({
      name: b.name,
      label: b.label,
      kind: b.kind,
      ...(b.kind === 'detector'
        ? { usable: b.usable, why: b.why, alarmsUsable: b.alarmsUsable, alarmsWhy: b.alarmsWhy }
        : {}),
      metrics: map(b.metrics),
      pointAdjustedF1: iv(b.pointAdjustedF1),
      ...(b.fit ? { fit: b.fit } : {}),
      ...(b.ownFits ? { ownFits: b.ownFits } : {}),
      ...(b.perSeries ? { perSeries: { ...b.perSeries, metrics: map(b.perSeries.metrics) } } : {}),
    })),
    probeChance: c.probeChance,
    probePersistence: c.probePersistence,
    probeInformative: c.probeInformative,
    probeWhy: c.probeWhy ?? {},
    ladders: (c.ladders ?? []).map((r) => ({
      ...r,
      variants: Object.fromEntries(Object.entries(r.variants).map(([v, x]) => [v, iv(x)])),
    })),
    probeControl: Object.fromEntries(Object.entries(c.probeControl ?? {}).map(([k, d]) => [k, d ? iv(d) : null])),
    // The reasoning lab: per primitive, each variant's accuracy (mean, interval), its chance and whether it informs.
    ...(c.reasoning
      ? {
          reasoning: {
            primitives: c.reasoning.primitives.map((p) => ({
              name: p.name,
              label: p.label,
              tests: p.tests,
              chance: p.chance,
              informative: p.informative,
              items: p.items,
              shots: p.shots,
              accuracy: map(p.variants),
              // At the baseline's final validation loss (the paper's reading), and each variant − baseline there.
              atBaselineLoss: map(p.atLoss),
              notReached: p.notReached,
              differences: differencesOf(p.differences),
              budgetDifferences: differencesOf(p.budgetDifferences),
              control: p.control ? { ...iv(p.control), significant: p.control.lo > 0 } : null,
            })),
            verdict: c.reasoning.sentences.join('\n'),
          },
        }
      : {}),
    prevalence: c.prevalence,
    sameSchedules: c.sameSchedules,
    protocol: c.protocol,
    verdict: c.verdict.join('\n'),
    warnings: c.warnings,
  };
}

/** Loads, compares and prints (fitted to `io.columns`, unless `wide`); writes the HTML report when asked. Returns the comparison. */
export async function printComparison(
  dirs: readonly string[],
  io: CliIo,
  options: { html?: string; json?: boolean; wide?: boolean },
): Promise<Comparison> {
  const { runs, skipped } = await loadRuns(dirs);
  const comparison = compareRuns(runs, { skipped });
  (options.json ? io.err : io.out)(
    renderTable(comparison, options.wide ? {} : { width: io.columns ?? DEFAULT_COLUMNS }),
  );
  if (options.html) {
    await writeAtomic(options.html, renderHtml(comparison));
    io.err(`report written to ${path.resolve(options.html)}`);
  }
  if (options.json) io.out(JSON.stringify(comparisonSummary(comparison)));
  return comparison;
}

export async function compareCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('compare', argv, {
    html: { type: 'string' },
    json: { type: 'boolean', default: false },
    wide: { type: 'boolean', default: false },
  });
  if (positionals.length === 0)
    throw new UsageError('stacklab compare: give one or more run folders (or the folder `stacklab train --out` wrote)');
  await printComparison(positionals, io, {
    ...(values.html ? { html: values.html } : {}),
    json: values.json,
    wide: values.wide,
  });
  return 0;
}
