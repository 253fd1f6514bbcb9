/**
 * A user's own reasoning items (`--items FILE.jsonl`): one `{"prompt": …, "answer": …,
 * "primitive": …}` a line, each primitive scored like a built-in one (its k-shot examples drawn
 * from its other items in the file), so an engineer can test reasoning questions of their plant.
 */
import { readFile, stat } from 'node:fs/promises';
import { USER_ITEM_LIMITS, userItemProblem, userItemsProblem, type UserItem } from '../../shared/lab';
import type { PrimitiveItem } from './primitives';

/** The items of a JSONL text; errors name the file and line and say what to do. */
export function parseUserItems(text: string, file: string): UserItem[] {
  const items: UserItem[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const where = `${file} line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`${where}: not JSON; each line is one {"prompt": …, "answer": …, "primitive": …}`);
    }
    const problem = userItemProblem(value);
    if (problem) throw new Error(`${where}: ${problem}`);
    const item = value as UserItem;
    const key = `${item.primitive}\n${item.prompt}`;
    if (seen.has(key)) throw new Error(`${where}: the same prompt again for "${item.primitive}"; keep one of them`);
    seen.add(key);
    items.push({ primitive: item.primitive, prompt: item.prompt, answer: item.answer });
  });
  if (items.length === 0)
    throw new Error(`${file}: no items; each line is one {"prompt": …, "answer": …, "primitive": …}`);
  const problem = userItemsProblem(items);
  if (problem) throw new Error(`${file}: ${problem}`);
  return items;
}

/** Reads a user's items file (UTF-8 JSONL, at most USER_ITEM_LIMITS.bytes). */
export async function readUserItems(file: string): Promise<UserItem[]> {
  const info = await stat(file).catch(() => null);
  if (!info) throw new Error(`${file}: no such file; give a JSONL file of items (--items)`);
  if (!info.isFile()) throw new Error(`${file}: not a file (a folder?); give a JSONL file of items (--items)`);
  if (info.size > USER_ITEM_LIMITS.bytes)
    throw new Error(`${file}: ${info.size} bytes, more than ${USER_ITEM_LIMITS.bytes / 1024} KiB of items; give fewer`);
  const bytes = await readFile(file);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${file}: not UTF-8 text; save it as UTF-8`);
  }
  return parseUserItems(text, file);
}

/**
 * The items as scoring pools, one per primitive, its first `max` in the file's order. Chance is
 * what always giving the pool's most frequent answer scores: free-form answers have no fixed set
 * of candidates, and that guess is the best one without reading the prompt.
 */
export function userPools(items: readonly UserItem[], max = Infinity): Record<string, PrimitiveItem[]> {
  const pools: Record<string, UserItem[]> = {};
  for (const it of items) {
    const pool = (pools[it.primitive] ??= []);
    if (pool.length < max) pool.push(it);
  }
  return Object.fromEntries(
    Object.entries(pools).map(([name, pool]) => {
      const counts = new Map<string, number>();
      for (const it of pool) counts.set(it.answer, (counts.get(it.answer) ?? 0) + 1);
      const chance = Math.max(...counts.values()) / pool.length;
      return [name, pool.map((it) => ({ ...it, chance }))];
    }),
  );
}
