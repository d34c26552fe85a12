/**
 * Background work on a timer: a task run every so often, never two runs of it at once (a slow run makes the
 * next tick skip, not pile up), never keeping the process alive, its errors handed to `onError`.
 */

/**
 * Run `task` every `everyMs`; returns the function that stops it.
 *
 * @example
 *   const stop = runEvery(60_000, () => breakGlass.raiseOverdueAlerts(), (err) => log.warn({ err }));
 */
export function runEvery(
  everyMs: number,
  task: () => Promise<unknown>,
  onError: (error: unknown) => void,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task()
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
