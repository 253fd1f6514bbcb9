/**
 * The per-run protocol of multi-run data (test-rig sets, one file per run): every metric on each
 * series' own test rows, and their unweighted (macro) mean over the series that can be scored,
 * beside the pooled metrics over all test rows at once. A series can be scored when its scored
 * test rows hold both labelled anomalies and normal rows (without anomalies it has no AUC).
 */
import { aucPr, aucRoc, thresholdMetrics, type ThresholdMetrics } from './metrics';
import { vus } from './vus';

/** The threshold-free metrics of one series, and those at the alarm threshold. */
export interface SeriesMetrics {
  readonly vusPr: number;
  readonly vusRoc: number;
  readonly aucRoc: number;
  readonly aucPr: number;
  readonly atThreshold: ThresholdMetrics;
}

/** One series' test part. */
export interface SeriesEvaluation {
  /** The series' file name. */
  readonly name: string;
  /** Its scored test rows. */
  readonly testRows: number;
  /** Its labelled-anomalous scored test rows. */
  readonly anomalies: number;
  /** Null when it cannot be scored: no labelled anomaly, or no normal row, among its scored test rows. */
  readonly metrics: SeriesMetrics | null;
}

/** Metrics per series and their macro mean: `Evaluation.perSeries` (data of several series only). */
export interface PerSeriesEvaluation {
  /** Every series with scored test rows, in data-set order. */
  readonly series: readonly SeriesEvaluation[];
  /** Series that could be scored: the number the macro mean is over. */
  readonly scored: number;
  /** Each metric's mean over the scored series (a series where it is not finite, such as the delay of an event never found, left out); null when none could be scored. */
  readonly macro: SeriesMetrics | null;
}

/** One series' metrics from its test rows' scores, labels and alarm scores (alarm at `threshold`). */
function seriesMetrics(
  scores: readonly number[],
  labels: readonly number[],
  alarms: readonly number[],
  threshold: number,
): SeriesMetrics {
  const volume = vus(scores, labels);
  return {
    vusPr: volume.pr,
    vusRoc: volume.roc,
    aucRoc: aucRoc(scores, labels),
    aucPr: aucPr(scores, labels),
    atThreshold: thresholdMetrics(alarms, labels, threshold),
  };
}

/** The mean of the finite values (NaN when there are none). */
function finiteMean(xs: readonly number[]): number {
  const ok = xs.filter(Number.isFinite);
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
}

/** The macro mean of every metric over the scored series. */
function macroOf(list: readonly SeriesMetrics[]): SeriesMetrics {
  const at = Object.keys(list[0]!.atThreshold) as (keyof ThresholdMetrics)[];
  return {
    vusPr: finiteMean(list.map((m) => m.vusPr)),
    vusRoc: finiteMean(list.map((m) => m.vusRoc)),
    aucRoc: finiteMean(list.map((m) => m.aucRoc)),
    aucPr: finiteMean(list.map((m) => m.aucPr)),
    atThreshold: Object.fromEntries(
      at.map((k) => [k, finiteMean(list.map((m) => m.atThreshold[k]))]),
    ) as unknown as ThresholdMetrics,
  };
}

/**
 * Metrics per series from the pooled evaluation's test rows: `rows` (matrix rows), their
 * `scores`, `labels` and `alarms` (the scores on the threshold's scale), `series` the matrix rows
 * of each series. Series without a scored test row are left out.
 */
export function perSeriesEvaluation(
  test: { readonly rows: readonly number[]; readonly scores: readonly number[]; readonly labels: readonly number[] },
  alarms: readonly number[],
  threshold: number,
  series: readonly { readonly name: string; readonly start: number; readonly end: number }[],
): PerSeriesEvaluation {
  const out: SeriesEvaluation[] = [];
  for (const s of series) {
    const idx = test.rows.flatMap((r, k) => (r >= s.start && r < s.end ? [k] : []));
    if (idx.length === 0) continue;
    const labels = idx.map((k) => test.labels[k]!);
    const anomalies = labels.reduce((a, b) => a + b, 0);
    const metrics =
      anomalies > 0 && anomalies < labels.length
        ? seriesMetrics(
            idx.map((k) => test.scores[k]!),
            labels,
            idx.map((k) => alarms[k]!),
            threshold,
          )
        : null;
    out.push({ name: s.name, testRows: idx.length, anomalies, metrics });
  }
  const scored = out.flatMap((s) => (s.metrics ? [s.metrics] : []));
  return { series: out, scored: scored.length, macro: scored.length ? macroOf(scored) : null };
}
