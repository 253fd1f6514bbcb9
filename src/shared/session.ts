/** Where the user is in the wizard, kept by the engine so that a reload or another tab reopens it. */
import type { ImportRequest } from './import';
import type { PlanInput } from './plan';

/** The wizard's steps, in order (the renderer's step list uses these ids). */
export const WIZARD_STEPS = ['import', 'variants', 'train', 'compare', 'export'] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

/**
 * Where the user is in the wizard, kept by the engine (session.json in the configuration folder)
 * so that a reload, a second browser tab or a restarted app opens the same step, data and form.
 */
export interface SessionState {
  readonly step: WizardStep;
  /** The import shown on the Import step (re-read on restore), or none yet. */
  readonly importRequest: ImportRequest | null;
  /** The Variants step's form: only the fields the user set. */
  readonly plan: PlanInput | null;
  /** The job the Train, Compare and Export steps show. */
  readonly jobDir: string | null;
}
