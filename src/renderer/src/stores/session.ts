/**
 * The wizard's session as the engine keeps it (`session.get` / `session.set`): the step, the
 * import, the Variants form and the job shown. Restored once when the window opens, so a reload
 * or a second tab continues where the user was; every change afterwards is sent back.
 */
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import { WIZARD_STEPS, type SessionState } from '../../../shared/session';
import { useApi } from '../api';
import { useDataStore } from './data';
import { usePlanStore } from './plan';
import { useWizardStore } from './wizard';

/** Quiet time after the last change before it is sent. */
export const SESSION_SAVE_DELAY_MS = 300;

export const useSessionStore = defineStore('session', () => {
  const api = useApi();
  const wizard = useWizardStore();
  const data = useDataStore();
  const plan = usePlanStore();
  /** The stored session has been applied (or there was none): changes are saved from here on. */
  const restored = ref(false);
  let pending: Partial<SessionState> = {};
  let timer: ReturnType<typeof setTimeout> | undefined;

  function flush(): void {
    clearTimeout(timer);
    const out = pending;
    pending = {};
    // A lost save costs only the restore of this one change; the wizard goes on.
    if (Object.keys(out).length) void api.invoke('session.set', out).catch(() => undefined);
  }

  /** Sends a change: the step, the import and the job at once (a reload may follow any moment), the form's typing debounced. */
  function save(change: Partial<SessionState>, now = true): void {
    if (!restored.value) return;
    pending = { ...pending, ...change };
    clearTimeout(timer);
    if (now) flush();
    else timer = setTimeout(flush, SESSION_SAVE_DELAY_MS);
  }

  async function restore(): Promise<void> {
    let s: SessionState | null = null;
    try {
      s = await api.invoke('session.get', {});
    } catch {
      // An engine without sessions (or one that failed): start fresh.
    }
    // Only a session as this version writes it (an engine that answers otherwise is ignored).
    if (s && typeof s === 'object' && (WIZARD_STEPS as readonly string[]).includes(s.step)) {
      if (s.plan) plan.apply(s.plan);
      if (s.jobDir && !wizard.jobDir) wizard.jobDir = s.jobDir;
      // The step first, so the page opens where it was while the data are read again.
      if (wizard.current.id === 'import') wizard.goTo(s.step);
      if (s.importRequest && !data.result && !data.busy) void data.reopen(s.importRequest);
    }
    restored.value = true;
  }

  watch(
    () => wizard.current.id,
    (step) => save({ step }),
  );
  watch(
    () => data.result?.request,
    (req) => req && save({ importRequest: req }),
  );
  watch(
    () => plan.fields,
    (fields) => save({ plan: fields }, false),
    { deep: true },
  );
  watch(
    () => wizard.jobDir,
    (jobDir) => save({ jobDir }),
  );

  return { restored, restore };
});
