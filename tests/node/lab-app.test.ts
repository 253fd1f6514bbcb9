/**
 * The reasoning lab in the app's services: Import shows a generated corpus by its documents and
 * one item per primitive (with what each tests), a job trains token models on it, and Compare
 * reads their primitives, as the command line does.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createServices, servicesAsApi } from '../../src/engine/services';
import { PRIMITIVE_NAMES, PRIMITIVES } from '../../src/shared/lab';
import { settled } from '../helpers/jobs';

const tmp = (p: string) => mkdtempSync(path.join(os.tmpdir(), p));

describe('the reasoning lab in the app', () => {
  it('imports a generated corpus with a preview, trains on it and compares the primitives', async () => {
    const api = servicesAsApi(
      createServices({ host: 'cli', runsDir: tmp('stacklab-lab-runs-'), configDir: tmp('stacklab-lab-config-') }),
    );
    const dir = tmp('stacklab-lab-items-');
    const items = path.join(dir, 'items.jsonl');
    writeFileSync(
      items,
      ['TI-101', 'PI-202', 'FI-303']
        .map((t, i) => JSON.stringify({ primitive: 'tag-loop', prompt: `${t} loop `, answer: String(i + 1) }))
        .join('\n'),
    );
    const imported = await api.invoke('data.import', { source: { kind: 'lab', seed: 2, bytes: 65_536, items } });
    expect(imported.source).toMatch(/^reasoning lab: generated corpus, seed 2, \d+ bytes/);
    const lab = imported.lab!;
    expect(lab.bytes).toBeGreaterThanOrEqual(65_536);
    expect(lab.documents.length).toBe(6);
    expect(lab.documents.every((d) => d.length <= 400 && d.trim().length > 0)).toBe(true);
    // One item per primitive, each with its answer and what it tests; then the user's own.
    expect(lab.items.map((i) => i.primitive)).toEqual([...PRIMITIVE_NAMES, 'tag-loop']);
    const depth2 = lab.items.find((i) => i.primitive === 'assign-math-2')!;
    expect(depth2.tests).toBe(PRIMITIVES['assign-math-2'].tests);
    expect(depth2.prompt).toMatch(/=\?$/);
    expect(lab.items.at(-1)).toMatchObject({ label: 'tag-loop (your items)', prompt: 'TI-101 loop ', answer: '1' });
    // No evaluation item is in the corpus: none of the previewed documents holds one's line.
    for (const it of lab.items) for (const d of lab.documents) expect(d).not.toContain(`${it.prompt}${it.answer}\n`);
    expect(imported.fitness.findings).toEqual([]);

    // The Variants step's estimate plans the token model on the corpus (no sensor split).
    const plan = {
      datasetId: imported.datasetId,
      variants: ['baseline', 'midas'] as const,
      preset: 'tiny' as const,
      layers: 2,
      block: 1,
      steps: 20,
      seeds: 1,
      device: 'cpu' as const,
    };
    const estimate = await api.invoke('train.estimate', { ...plan, variants: [...plan.variants] });
    expect(estimate.variants.map((v) => v.variant)).toEqual(['baseline', 'midas']);
    const job = await api.invoke('jobs.start', { ...plan, variants: [...plan.variants], labItems: 8 });
    const done = await settled(api, job.id);
    expect(done.status).toBe('finished');
    const c = await api.invoke('compare.get', { dir: job.dir });
    expect(c.reasoning!.primitives.map((p) => p.name)).toEqual([...PRIMITIVE_NAMES, 'tag-loop']);
    expect(c.bottomLine[0]).toMatch(/cannot be told at this scale/);
  }, 240_000);

  it('says what is wrong with a lab source: a missing text, a bad items file', async () => {
    const api = servicesAsApi(
      createServices({ host: 'cli', runsDir: tmp('stacklab-lab-runs-'), configDir: tmp('stacklab-lab-config-') }),
    );
    await expect(
      api.invoke('data.import', { source: { kind: 'text', path: '/nonexistent/notes.txt' } }),
    ).rejects.toThrow(/no such file or folder; give a UTF-8 text file/);
    // Under --root (server mode), a link in a text folder that leads out of the root is refused, not read.
    const root = tmp('stacklab-lab-root-');
    const outside = tmp('stacklab-lab-outside-');
    writeFileSync(path.join(outside, 'secret.txt'), 'not for the preview\n'.repeat(200));
    mkdirSync(path.join(root, 'notes'));
    writeFileSync(path.join(root, 'notes', 'a.txt'), 'pump ran\n'.repeat(200));
    symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'notes', 'b.txt'));
    const rooted = servicesAsApi(
      createServices({ host: 'cli', root, runsDir: path.join(root, 'runs'), configDir: tmp('stacklab-lab-config-') }),
    );
    await expect(
      rooted.invoke('data.import', { source: { kind: 'text', path: path.join(root, 'notes') } }),
    ).rejects.toThrow(/b\.txt.*outside|outside.*b\.txt/);
    const dir = tmp('stacklab-lab-bad-');
    writeFileSync(path.join(dir, 'items.jsonl'), '{"prompt":"a"}\n');
    await expect(
      api.invoke('data.import', { source: { kind: 'lab', items: path.join(dir, 'items.jsonl') } }),
    ).rejects.toThrow(/items\.jsonl line 1: "answer" must be non-empty text/);
  });
});
