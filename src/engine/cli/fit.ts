/**
 * Usage text fitted to a terminal's width. A usage is written once, at any width, as entries: a
 * head (an option or a command), a gap of two or more spaces, and its description, whose
 * continuation lines are indented to the description's column. Here each entry is joined again
 * and its description rewrapped under that column, or under a narrower one where the terminal
 * leaves the column too little room; lines of other kinds are wrapped at spaces under their own
 * indent.
 */
import { wrap } from '../compare/text';

/** The least room a description keeps beside its head before it moves under the head. */
const MIN_DESCRIPTION = 28;
/** Where a description goes when it moves under its head: this much deeper than the head. */
const UNDER_HEAD = 6;
/** The narrowest width text is fitted to (a narrower terminal wraps what is left). */
const MIN_WIDTH = 40;

interface Entry {
  indent: string;
  head: string | null;
  /** The column the description (or the line's text, without a head) starts at. */
  column: number;
  text: string;
}

/** The head and the description of an entry's first line, or null for a line of plain text. */
function entryHead(line: string): { head: string; column: number; text: string } | null {
  const m = /^(\s*\S(?:.*?\S)?)( {2,})(\S.*)$/.exec(line);
  if (!m) return null;
  return { head: m[1]!, column: m[1]!.length + m[2]!.length, text: m[3]! };
}

const indentOf = (line: string) => /^ */.exec(line)![0].length;

function parse(text: string): (Entry | string)[] {
  const out: (Entry | string)[] = [];
  for (const line of text.split('\n')) {
    const last = out.at(-1);
    const indent = indentOf(line);
    // A continuation: indented to about the description column of the entry before it (a head
    // wider than its column pushes the first line's description right), not an option itself.
    const continues =
      typeof last === 'object' &&
      line.trim() !== '' &&
      !line.trimStart().startsWith('-') &&
      (last.head !== null
        ? indent > last.indent.length && Math.abs(indent - last.column) <= 6
        : // A paragraph: plain lines at the same indent, under a synopsis or a note.
          indent > 0 && indent === last.indent.length && entryHead(line) === null);
    if (continues) {
      last.text += ` ${line.trim()}`;
      continue;
    }
    if (!line.trim()) {
      out.push('');
      continue;
    }
    const e = entryHead(line);
    const pad = ' '.repeat(indent);
    if (e) out.push({ indent: pad, head: e.head.trimStart(), column: e.column, text: e.text });
    else out.push({ indent: pad, head: null, column: indent, text: line.trim() });
  }
  return out;
}

/** `text` (a usage, or any text of such entries) with no line longer than `width`. */
export function fitUsage(text: string, width: number): string {
  const w = Math.max(MIN_WIDTH, width);
  const lines: string[] = [];
  for (const e of parse(text)) {
    if (typeof e === 'string') {
      lines.push(e);
      continue;
    }
    if (e.head === null) {
      // Plain text: a synopsis continued two deeper, a paragraph at its own indent.
      const rest = ' '.repeat(Math.min(e.indent.length || 2, w / 2));
      lines.push(...wrap(e.text, w, e.indent, rest));
      continue;
    }
    const head = e.indent + e.head;
    if (w - e.column >= MIN_DESCRIPTION && head.length + 2 <= e.column) {
      lines.push(...wrap(e.text, w, head.padEnd(e.column), ' '.repeat(e.column)));
      continue;
    }
    // Too narrow for the column: the head alone (wrapped if need be), the description under it.
    const under = ' '.repeat(Math.min(e.indent.length + UNDER_HEAD, Math.floor(w / 3)));
    const narrow = Math.min(e.column, under.length);
    if (head.length + 2 <= narrow && w - narrow >= MIN_DESCRIPTION) {
      lines.push(...wrap(e.text, w, head.padEnd(narrow), under));
      continue;
    }
    lines.push(...wrap(e.head, w, e.indent, e.indent + '  '));
    lines.push(...wrap(e.text, w, under, under));
  }
  return lines.join('\n');
}

/** A line's label ("  channels: ", "  time: "), under which its wrapped text continues. */
const LABEL = /^(\s*[\w ()/-]{1,28}?: )\S/;

/**
 * Printed text with no line longer than `width`: a longer line wraps at spaces, continued under
 * its label where it has a short one, else two deeper than its own indent.
 */
export function fitLines(text: string, width: number): string {
  const w = Math.max(MIN_WIDTH, width);
  return text
    .split('\n')
    .flatMap((line) => {
      if (line.length <= w) return [line];
      const indent = indentOf(line);
      const label = LABEL.exec(line)?.[1];
      const rest = ' '.repeat(label && label.length <= w / 3 ? label.length : Math.min(indent + 2, w / 3));
      return wrap(line.slice(indent), w, ' '.repeat(indent), rest);
    })
    .join('\n');
}
