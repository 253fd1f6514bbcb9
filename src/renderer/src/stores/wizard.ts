/** The wizard's steps and where the user is. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { WIZARD_STEPS, type WizardStep } from '../../../shared/session';

interface StepLabel {
  readonly title: string;
  readonly hint: string;
}

/** What the navigation shows for each step (a step of WIZARD_STEPS without one does not compile). */
const STEP_LABELS: Readonly<Record<WizardStep, StepLabel>> = {
  import: { title: 'Import', hint: 'Plant sensor CSVs' },
  variants: { title: 'Variants', hint: 'Training schedules' },
  train: { title: 'Train', hint: 'Live progress' },
  compare: { title: 'Compare', hint: 'Speed and quality' },
  export: { title: 'Export', hint: 'Report and model' },
};

/** The steps in order (WIZARD_STEPS, the list a saved session is checked against), with their labels. */
export const STEPS: readonly (StepLabel & { readonly id: WizardStep })[] = WIZARD_STEPS.map((id) => ({
  id,
  ...STEP_LABELS[id],
}));

export const useWizardStore = defineStore('wizard', () => {
  const index = ref(0);
  const current = computed(() => STEPS[index.value]!);
  const isFirst = computed(() => index.value === 0);
  const isLast = computed(() => index.value === STEPS.length - 1);

  /** The imported data set (set by the Import step, read by Variants). */
  const datasetId = ref<string | null>(null);
  /** The job folder the Train, Compare and Export steps show (set when a job starts or is opened). */
  const jobDir = ref<string | null>(null);
  /** The Settings page is shown over the wizard. */
  const settingsOpen = ref(false);

  function goTo(id: WizardStep): void {
    const i = STEPS.findIndex((s) => s.id === id);
    // An unknown step (a session of another version) leaves the wizard where it is.
    if (i >= 0) index.value = i;
  }
  function next(): void {
    if (!isLast.value) index.value += 1;
  }
  function back(): void {
    if (!isFirst.value) index.value -= 1;
  }
  return { index, current, isFirst, isLast, goTo, next, back, datasetId, jobDir, settingsOpen };
});
