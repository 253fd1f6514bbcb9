/**
 * The wizard's session (step, import, form, job shown), kept by the engine in session.json in the
 * configuration folder: a reload, a second browser tab and a restarted app all reopen it.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { WIZARD_STEPS, type SessionState } from '../../shared/session';
import { writeAtomic } from '../runs/store';

const EMPTY: SessionState = { step: 'import', importRequest: null, plan: null, jobDir: null };

export function createSessionService(configDir: string) {
  const file = path.join(configDir, 'session.json');
  let current: SessionState | null = null;
  let writing: Promise<void> = Promise.resolve();

  async function get(): Promise<SessionState> {
    if (current) return current;
    try {
      const stored = JSON.parse(await readFile(file, 'utf8')) as Partial<SessionState>;
      current = { ...EMPTY, ...stored, step: WIZARD_STEPS.includes(stored.step as never) ? stored.step! : 'import' };
    } catch {
      // None yet, or damaged: a fresh session (the data and runs themselves are not in it).
      current = EMPTY;
    }
    return current;
  }

  /**
   * Changes are applied one after another, each to the state the one before left: two changes
   * arriving together (the step, and the form's debounced fields) must not undo each other.
   */
  function set(change: Partial<SessionState>): Promise<SessionState> {
    const done = writing.then(async () => {
      const next: SessionState = { ...(await get()), ...change };
      current = next;
      try {
        await mkdir(configDir, { recursive: true });
        await writeAtomic(file, `${JSON.stringify(next, null, 2)}\n`);
      } catch {
        // A read-only configuration folder: the session lives in this process only.
      }
      return next;
    });
    writing = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  }

  return { get, set };
}
