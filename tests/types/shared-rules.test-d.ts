/**
 * Type test: the rules the engine keeps beside its own code name the same things as their shared
 * definitions (the presets, the device choices).
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { PRESETS, PresetName as ModelPresetName } from '../../src/engine/models/patch-transformer';
import type { PresetName } from '../../src/shared/presets';
import type { DEVICE_CHOICES, DeviceChoice } from '../../src/shared/system';

describe('shared rules, engine copies', () => {
  it('the model shapes are keyed by the shared preset names', () => {
    expectTypeOf<keyof typeof PRESETS>().toEqualTypeOf<PresetName>();
    expectTypeOf<ModelPresetName>().toEqualTypeOf<PresetName>();
  });

  it('the device choices list every choice', () => {
    expectTypeOf<(typeof DEVICE_CHOICES)[number]>().toEqualTypeOf<DeviceChoice>();
  });
});
