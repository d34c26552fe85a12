/**
 * Runs tasks one at a time per key (a promise chain per key), in arrival order, so that a check and the
 * write that follows it are one step. The witness keys it by log origin (two requests from the same old size
 * cannot both pass); sign-in keys it by login (parallel guesses cannot all pass one back-off check).
 */

/** Runs `task` after every earlier task with the same key has settled; resolves or rejects with it. */
export type KeyedQueue = <T>(key: string, task: () => Promise<T>) => Promise<T>;

/**
 * A fresh queue. Keys hold no memory once their tasks are done.
 *
 * @example const serially = createKeyedQueue(); await serially(origin, () => checkAndRecord(request));
 */
export function createKeyedQueue(): KeyedQueue {
  const tails = new Map<string, Promise<void>>();
  return <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const result = (tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return result;
  };
}
