/**
 * `stacklab compare` at the width of a terminal: the table in blocks of columns with short labels and
 * their legend, the sentences wrapped at spaces, every line within the width and no value cut;
 * `--wide` the one line per row it was; `--json` as it was.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/engine/cli';
import { comparisonSummary } from '../../src/engine/cli/compare';
import { compareRuns } from '../../src/engine/compare/compare';
import { loadRuns } from '../../src/engine/compare/load';
import { renderTable, tableRows } from '../../src/engine/compare/table';
import type { Comparison } from '../../src/shared/compare';
import { capture } from '../helpers/cli';
import { handMadeJob, writeRunFolders } from '../helpers/runs';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The sentences under `heading` with their wrapping undone: an item starts at two spaces, its continuation at four. */
function sentences(lines: readonly string[], heading: string): string[] {
  const out: string[] = [];
  for (const l of lines.slice(lines.indexOf(heading) + 1)) {
    if (/^ {2}\S/.test(l)) out.push(l.slice(2));
    else if (/^ {4}\S/.test(l) && out.length) out[out.length - 1] += ` ${l.slice(4)}`;
    else break;
  }
  return out;
}

/** Whether `label` stands in a block's header lines: on one line, or right-aligned over two split at a space. */
function headed(head: readonly string[], label: string): boolean {
  // Where `part` ends in `line` as a whole (between spaces), or -1.
  const end = (line: string, part: string) => {
    const m = new RegExp(`(^| )${escape(part)}( |$)`).exec(line);
    return m ? m.index + m[0].trimEnd().length : -1;
  };
  if (head.some((l) => end(l, label) >= 0)) return true;
  const words = label.split(' ');
  return words.slice(1).some((_, k) => {
    const [top, bottom] = [words.slice(0, k + 1).join(' '), words.slice(k + 1).join(' ')];
    return head.slice(1).some((l, i) => end(head[i]!, top) >= 0 && end(head[i]!, top) === end(l, bottom));
  });
}

/** The blocks of the printed table (between the model line and the legend), each a list of lines. */
function blocks(text: string): string[][] {
  return text
    .split('\n\n(mean ')[0]!
    .split('\n\n')
    .slice(1)
    .map((b) => b.split('\n'));
}

describe('the comparison at the width of a terminal', () => {
  const dir = writeRunFolders(handMadeJob());
  let comparison: Comparison;
  const compare = async () => (comparison ??= compareRuns((await loadRuns([dir])).runs));

  it.each([80, 120])(
    'prints `stacklab compare` in %i columns: every line fits, no value or label is cut',
    async (columns) => {
      const c = capture();
      expect(await runCli(['compare', dir], { ...c.io, columns }), c.err.join('\n')).toBe(0);
      const text = c.out.join('\n');
      await expect(text).toMatchFileSnapshot(`__snapshots__/compare-${columns}-columns.txt`);
      const lines = text.split('\n');
      expect(lines.filter((l) => l.length > columns)).toEqual([]);
      const cmp = await compare();
      const { header, rows } = tableRows(cmp);
      // Too wide on one line at either width: blocks of columns, each with the row labels.
      expect(
        renderTable(cmp)
          .split('\n')
          .some((l) => l.length > columns),
      ).toBe(true);
      const table = blocks(text);
      expect(table.length).toBeGreaterThan(1);
      // Every cell whole, between spaces (or at a line's end), in the block of its column.
      for (const [j, label] of header.entries()) {
        if (j === 0) continue;
        const block = table.find((b) => headed(b.slice(0, 2), label));
        expect(block, label).toBeDefined();
        for (const cell of rows.map((r) => r[j]!).filter((x) => x !== ''))
          expect(block!.join('\n'), `${label}: ${cell}`).toMatch(new RegExp(`(^| )${escape(cell)}( |$)`, 'm'));
      }
      // Every row label in full: in the table, or in the legend under it beside its short one.
      const legend = lines
        .slice(lines.indexOf('Rows in full:') + 1, lines.indexOf('Verdict:'))
        .join(' ')
        .replace(/\s+/g, ' ');
      for (const label of rows.map((r) => r[0]!))
        expect(text.includes(label) || legend.includes(label), label).toBe(true);
      expect(legend).toContain('probe: copy probe: copy / induction (chance 0.25, persistence 0.18)');
      // The verdict and the notes, wrapped at spaces: unwrapped, they are the comparison's own sentences.
      expect(sentences(lines, 'Verdict:').slice(0, cmp.verdict.length)).toEqual(cmp.verdict);
      expect(sentences(lines, 'Notes:')).toEqual(cmp.warnings);
    },
  );

  it('keeps the table on one line per row with its labels in full when it fits, and with --wide', async () => {
    const cmp = await compare();
    const wide = renderTable(cmp);
    const longest = Math.max(...wide.split('\n').map((l) => l.length));
    expect(renderTable(cmp, { width: longest })).toBe(wide);
    expect(wide).toMatch(
      /\n +Baseline +Baseline \(MIDAS's FLOPs\) +GradStack +MIDAS +\| +random scores +rolling z-score +PCA reconstruction +Isolation Forest +alarm on every row +never alarm\n/,
    );
    expect(wide).toContain('probe: copy / induction (chance 0.25, persistence 0.18)');
    expect(wide).not.toContain('Rows in full:');
    const c = capture();
    expect(await runCli(['compare', dir, '--wide'], { ...c.io, columns: 80 })).toBe(0);
    expect(c.out.join('\n')).toBe(wide);
  });

  it('prints --json as before, the table (fitted) on stderr', async () => {
    const c = capture();
    expect(await runCli(['compare', dir, '--json'], { ...c.io, columns: 80 })).toBe(0);
    expect(JSON.parse(c.out.at(-1)!)).toEqual(JSON.parse(JSON.stringify(comparisonSummary(await compare()))));
    expect(
      c.err
        .join('\n')
        .split('\n')
        .every((l) => l.length <= 80),
    ).toBe(true);
    expect(c.err.join('\n')).toContain('Rows in full:');
  });
});

describe('the detection delay in the table', () => {
  it('is in time where the data have timestamps, in rows otherwise', () => {
    const rows = compareRuns(handMadeJob());
    const inRows = tableRows(rows).rows.find((r) => r[0]!.startsWith('detection delay'))!;
    expect(inRows[0]).toBe('detection delay (rows) ↓');
    // Sampled every 10 s: delays of 60-180 rows are 10-30 minutes.
    const timed = compareRuns(handMadeJob().map((r) => ({ ...r, report: { ...r.report, samplingSeconds: 10 } })));
    const inTime = tableRows(timed).rows.find((r) => r[0]!.startsWith('detection delay'))!;
    expect(inTime[0]).toBe('detection delay (min) ↓');
    const mean = (cell: string) => Number(cell.split(' ')[0]);
    expect(mean(inTime[1]!)).toBeCloseTo((mean(inRows[1]!) * 10) / 60, 0);
  });
});
