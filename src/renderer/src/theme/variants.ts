/**
 * The variants' colours in the wizard: those of src/shared/colors.ts (the HTML report draws with
 * the same), and translucent shades of them for bands and fills.
 */
export {
  FLOP_MATCHED_COLOR,
  FLOP_MATCHED_DASH,
  VARIANT_COLORS,
  variantColor,
  variantDash,
} from '../../../shared/colors';

/** "#1f6feb" → "rgba(31, 111, 235, a)"; other colour strings unchanged. */
export function translucent(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(color)?.[1];
  if (!hex) return color;
  return `rgba(${parseInt(hex.slice(0, 2), 16)}, ${parseInt(hex.slice(2, 4), 16)}, ${parseInt(hex.slice(4, 6), 16)}, ${alpha})`;
}
