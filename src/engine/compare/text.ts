/** Plain text for a terminal: counts with their noun, and prose wrapped to a width at word boundaries. */

/** "1 layer", "4 layers": a count and its noun, plural unless the count is 1 (`plural` for other plurals). */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** The longest value with its interval kept on one line: "+0.0062 [−0.0175, +0.0298]" is 26 characters. */
const INTERVAL_MAX = 32;

/**
 * The words of a text, where a value and its interval stay one word: "0.41 ±0.02", "0.198 [0.106, 0.290]"
 * (a half-width or a bracket joins the number before it; a bracket, the words up to the one that closes it).
 */
function words(text: string): string[] {
  const out: string[] = [];
  const open = (w: string) => (w.match(/\[/g)?.length ?? 0) > (w.match(/\]/g)?.length ?? 0);
  const interval = (last: string, w: string) => /^[±[]/.test(w) && /\d[x%]?$/.test(last);
  for (const w of text.split(' ').filter((x) => x !== '')) {
    const last = out.at(-1);
    const joins = last !== undefined && (interval(last, w) || open(last)) && last.length + 1 + w.length <= INTERVAL_MAX;
    if (joins) out[out.length - 1] = `${last} ${w}`;
    else out.push(w);
  }
  return out;
}

/**
 * `text` in lines of at most `width` characters, broken at spaces: the first line begins with `first`,
 * the others with `rest`. A value and its interval share a line where a line can hold them; a word
 * longer than a whole line (a long path) is cut, as no space lies inside it.
 */
export function wrap(text: string, width: number, first = '', rest = first): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  const queue = words(text);
  while (queue.length) {
    const w = queue.shift()!;
    if (!empty && line.length + 1 + w.length <= width) {
      line += ` ${w}`;
      continue;
    }
    if (!empty) {
      lines.push(line);
      line = rest;
      empty = true;
    }
    // An interval too long for a whole line goes word by word.
    if (line.length + w.length > width && w.includes(' ')) {
      queue.unshift(...w.split(' '));
      continue;
    }
    let word = w;
    while (line.length + word.length > width && line.length < width) {
      const room = width - line.length;
      lines.push(line + word.slice(0, room));
      word = word.slice(room);
      line = rest;
    }
    line += word;
    empty = false;
  }
  lines.push(line);
  return lines;
}
