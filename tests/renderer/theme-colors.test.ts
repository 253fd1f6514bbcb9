import { describe, expect, it } from 'vitest';
import { readThemeColors } from '../../src/renderer/src/theme/colors';
import { variantColor } from '../../src/renderer/src/theme/variants';

describe('theme colours', () => {
  it('follows the app’s theme choice for its colours', () => {
    document.documentElement.dataset.theme = 'dark';
    try {
      expect(readThemeColors().dark).toBe(true);
      expect(variantColor('midas', readThemeColors().dark)).toBe(variantColor('midas', true));
      expect(variantColor('midas', true)).not.toBe(variantColor('midas', false));
    } finally {
      delete document.documentElement.dataset.theme;
    }
    expect(readThemeColors().dark).toBe(false);
  });
});
