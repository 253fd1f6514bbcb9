/** The test part's scores and labels thinned for a chart: max over each bucket of rows. */
export interface ScoreTimeline {
  /** First matrix row of each bucket. */
  readonly row: number[];
  /**
   * The time of each bucket's first row (epoch ms), where the data have timestamps (absent
   * otherwise, and in runs of older versions): charts then put time, not rows, on their axis.
   */
  readonly time?: number[];
  readonly score: number[];
  /** 1 when any row of the bucket is a labelled anomaly. */
  readonly label: number[];
  readonly threshold: number | null;
}
