/**
 * A question to the studio asked again whenever what it depends on changes (an import
 * preview's choices): only the latest answer is kept, so a slow older answer arriving after
 * a newer one never shows; `asking` and `error` say where it stands.
 */
import { ref, watch, type Ref, type WatchSource } from 'vue';
import { messageOf } from '../studio';

export interface LatestAnswer<T> {
  answer: Ref<T | null>;
  asking: Ref<boolean>;
  error: Ref<string | null>;
}

/**
 * Asks `ask()` now and whenever `source` changes (deeply). `handled(err)` may take a failure
 * itself (return true); any other failure is shown as `error` in plain words.
 */
export function latestAnswer<T>(source: WatchSource, ask: () => Promise<T>, handled: (err: unknown) => boolean = () => false): LatestAnswer<T> {
  const answer = ref(null) as Ref<T | null>;
  const asking = ref(false);
  const error = ref<string | null>(null);
  let seq = 0;
  async function run(): Promise<void> {
    const mine = ++seq;
    asking.value = true;
    error.value = null;
    try {
      const a = await ask();
      if (mine === seq) answer.value = a;
    } catch (err) {
      if (mine === seq && !handled(err)) error.value = messageOf(err);
    } finally {
      if (mine === seq) asking.value = false;
    }
  }
  watch(source, run, { immediate: true, deep: true });
  return { answer, asking, error };
}
