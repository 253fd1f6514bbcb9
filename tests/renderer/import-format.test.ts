import { describe, expect, it } from 'vitest';
import {
  formatPercent,
  formatSamplingInterval,
  formatTime,
  formatTimeSpan,
} from '../../src/renderer/src/model/import-format';

describe('import wording', () => {
  it('words numbers and times for a factory engineer', () => {
    expect(formatSamplingInterval(60)).toBe('1 minute');
    expect(formatSamplingInterval(0.5)).toBe('500 ms');
    expect(formatSamplingInterval(90)).toBe('1.5 minutes');
    expect(formatTimeSpan(1_209_540)).toBe('13 days 23 hours');
    expect(formatPercent(0.0704861)).toBe('7.0%');
    expect(formatPercent(0.0004)).toBe('0.04%');
    expect(formatTime(Date.parse('2026-01-05T06:00:30Z'))).toBe('2026-01-05 06:00:30');
  });
});
