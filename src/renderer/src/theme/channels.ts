/**
 * Line colours for the Import step's channels (the theme's own colours come from ./colors):
 * Tableau 10 without its red (red is the anomaly shading), readable on both themes. Past nine
 * channels the colours repeat with a dash pattern.
 */
export const CHANNEL_COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
] as const;

export function channelStyle(i: number): { color: string; dash: number[] } {
  const cycle = Math.floor(i / CHANNEL_COLORS.length);
  const dashes = [[], [6, 3], [2, 2], [8, 3, 2, 3]];
  return { color: CHANNEL_COLORS[i % CHANNEL_COLORS.length]!, dash: dashes[cycle % dashes.length]! };
}
