/**
 * One colour per variant wherever a variant is drawn: the wizard (the Variants cards, the Train
 * step's run table and loss charts, the Compare step's table and charts, the PNGs the Export step
 * saves) and the HTML report, so that "midas" looks the same everywhere. The colours come from the
 * Okabe–Ito palette (distinguishable with colour-blindness), a lighter shade of each on dark
 * backgrounds. A FLOP-matched baseline ("baseline≈midas") takes a lighter shade of the baseline's
 * colour and is drawn dashed where it is a line.
 */
import { isFlopMatched, type Variant } from './growth';

type Shades = { readonly light: string; readonly dark: string };

export const VARIANT_COLORS: Readonly<Record<Variant, Shades>> = {
  baseline: { light: '#0072b2', dark: '#56b4e9' },
  gradstack: { light: '#c77c00', dark: '#e69f00' },
  midas: { light: '#009e73', dark: '#2fd3a3' },
  gstack: { light: '#b4589a', dark: '#cc79a7' },
  progressive: { light: '#d55e00', dark: '#f5854a' },
};

/** A FLOP-matched baseline: the baseline's hue, lighter (on light) or paler (on dark) than the baseline. */
export const FLOP_MATCHED_COLOR: Shades = { light: '#56b4e9', dark: '#a9dcf7' };

/** Names the palette does not know (runs of another version, say): a fixed pick by name. */
const OTHER_COLORS: readonly Shades[] = [
  { light: '#57606a', dark: '#9aa6b2' },
  { light: '#8a6d00', dark: '#e3c341' },
  { light: '#6f42c1', dark: '#a371f7' },
];

/** The dash pattern of a FLOP-matched baseline's lines. */
export const FLOP_MATCHED_DASH: readonly number[] = [6, 4];

/** A row name's colour: its variant's; a FLOP-matched baseline a lighter shade of the baseline's. */
export function variantColor(name: string, dark: boolean): string {
  const shades = isFlopMatched(name)
    ? FLOP_MATCHED_COLOR
    : (VARIANT_COLORS[name as Variant] ??
      OTHER_COLORS[[...name].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7) % OTHER_COLORS.length]!);
  return dark ? shades.dark : shades.light;
}

/** The dash pattern of a row name's lines: dashed for a FLOP-matched baseline, else solid (undefined). */
export function variantDash(name: string): number[] | undefined {
  return isFlopMatched(name) ? [...FLOP_MATCHED_DASH] : undefined;
}
