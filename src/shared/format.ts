/** How reports write numbers, the same in the CLI, the HTML report and the app. */
import type { SeedInterval } from './compare';

/** "1.29x [1.10, 1.52]": a ratio's interval (from a log scale) is not symmetric; "1.29x" for one seed, "–" for none. */
export function formatRatio(x: SeedInterval | null | undefined, none = '–'): string {
  if (!x || !Number.isFinite(x.mean)) return none;
  return x.n > 1 && Number.isFinite(x.lo) ? `${x.mean.toFixed(2)}x [${x.lo.toFixed(2)}, ${x.hi.toFixed(2)}]` : `${x.mean.toFixed(2)}x`;
}
