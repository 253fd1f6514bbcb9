/**
 * Choices the user made in a select that the engine has not answered yet. The select shows the
 * choice while the re-import runs; when it ends the select shows the result again, so a choice
 * the engine refused (its error is shown) springs back to what is really in effect.
 */
import { ref, watch } from 'vue';

export function usePending<V extends string>(busy: () => boolean) {
  const pending = ref<Record<string, V>>({});
  watch(busy, (now) => {
    if (!now) pending.value = {};
  });
  return {
    /** The pending choice for `key`, else `shown`. */
    value: (key: string, shown: V): V => pending.value[key] ?? shown,
    set: (key: string, value: V): void => {
      pending.value = { ...pending.value, [key]: value };
    },
    has: (key: string): boolean => key in pending.value,
  };
}
