/**
 * Watches the master keys while a server runs: their source is checked every half second whether or not
 * requests arrive, so an idle server follows a rotation made by another process step by step (the rotation
 * waits a grace period for exactly that), and operators hear at once — one log line per change, never one
 * per tick — when the key file goes missing, is replaced, or comes back.
 */
import { isCustosError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import { runEvery } from '../platform/periodic.ts';
import type { KeyEncryptionKeys } from './master-keys.ts';

export const KEY_WATCH_MS = 500;

/** Start watching; returns the function that stops it. */
export function watchMasterKeys(
  kek: Pick<KeyEncryptionKeys, 'assertAvailable'>,
  log: Pick<Logger, 'warn' | 'info'>,
  everyMs = KEY_WATCH_MS,
): () => void {
  let last = 'ok';
  return runEvery(
    everyMs,
    async () => {
      let state = 'ok';
      try {
        kek.assertAvailable(0);
      } catch (error) {
        state = isCustosError(error) ? error.code : 'KEYRING_UNAVAILABLE';
      }
      if (state === last) return;
      if (state === 'ok') log.info('master key available again: serving');
      else log.warn({ code: state }, 'master key unavailable: every act that needs a key is refused');
      last = state;
    },
    (error) => log.warn({ err: error }, 'master key not checked'),
  );
}
