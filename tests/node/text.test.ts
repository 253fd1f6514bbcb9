/** Terminal text: counts with their noun, prose wrapped at spaces, the width the CLI fits its text to. */
import { describe, expect, it } from 'vitest';
import { count, wrap } from '../../src/engine/compare/text';
import { terminalColumns } from '../../src/engine/cli/io';

describe('terminal text', () => {
  it('writes a count with its noun, singular for one', () => {
    expect([0, 1, 2].map((n) => count(n, 'layer'))).toEqual(['0 layers', '1 layer', '2 layers']);
    expect(count(1, 'series', 'series')).toBe('1 series');
    expect(count(3, 'anomaly-free file')).toBe('3 anomaly-free files');
  });

  it('wraps at spaces within the width, with a first and a hanging indent', () => {
    const text =
      "MIDAS: no measurable difference in time (speed-up 0.66x [0.09, 5.09]; 0.76 of the baseline's FLOPs); validation loss +0.0057 [−0.0170, +0.0285], no significant difference.";
    for (const width of [24, 30, 40, 57, 80]) {
      const lines = wrap(text, width, '  ', '    ');
      expect(
        lines.every((l) => l.length <= width),
        lines.join('\n'),
      ).toBe(true);
      expect(lines[0]!.startsWith('  M')).toBe(true);
      expect(lines.slice(1).every((l) => /^ {4}\S/.test(l))).toBe(true);
      // Nothing lost, nothing cut: the words come back in order.
      expect(lines.map((l) => l.trim()).join(' ')).toBe(text);
      // A value stays with its interval where a line holds both (past the indent of 4).
      for (const interval of ['0.66x [0.09, 5.09];', '+0.0057 [−0.0170, +0.0285],']) {
        if (4 + interval.length <= width)
          expect(
            lines.some((l) => l.includes(interval)),
            `${width}: ${interval}`,
          ).toBe(true);
      }
    }
    expect(wrap('VUS-PR 0.412 ±0.021 against 0.300', 16)).toEqual(['VUS-PR', '0.412 ±0.021', 'against 0.300']);
  });

  it('cuts only a word longer than a whole line, such as a long path', () => {
    const lines = wrap('run folders in /very/long/path/to/the/runs/of/one/job', 20, '', '  ');
    expect(lines).toEqual(['run folders in', '  /very/long/path/to', '  /the/runs/of/one/j', '  ob']);
    expect(wrap('', 20)).toEqual(['']);
  });

  it("fits to the terminal's columns, else to $COLUMNS, else to 120", () => {
    expect(terminalColumns({ isTTY: true, columns: 93 }, { COLUMNS: '200' })).toBe(93);
    expect(terminalColumns({ isTTY: false }, { COLUMNS: '80' })).toBe(80);
    expect(terminalColumns({}, {})).toBe(120);
    expect(terminalColumns({}, { COLUMNS: 'wide' })).toBe(120);
    expect(terminalColumns({}, { COLUMNS: '0' })).toBe(120);
  });
});
