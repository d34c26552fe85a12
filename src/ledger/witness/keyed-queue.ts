/**
 * Runs tasks one at a time per key (a promise chain per key), in arrival order. The witness keys it by log
 * origin so that checking a request's old size against the stored checkpoint and recording the new one are
 * one step: two requests from the same old size cannot both pass (tlog-witness's rollback race).
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
