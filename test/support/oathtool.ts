/**
 * Runs the real `oathtool` (OATH Toolkit, Debian package `oathtool`) so that the TOTP tests check Custos
 * against an independent implementation. Fails loudly when it is missing: that test must not pass silently.
 */
import { spawnSync } from 'node:child_process';

export const OATHTOOL = '/usr/bin/oathtool';

/** Run `oathtool` with `args`; returns its exit status and trimmed output lines. */
export function oathtool(args: string[]): { status: number | null; lines: string[]; stderr: string } {
  const result = spawnSync(OATHTOOL, args, { encoding: 'utf8', timeout: 10_000 });
  if (result.error)
    throw new Error(`cannot run ${OATHTOOL} (apt-get install oathtool)`, { cause: result.error });
  return {
    status: result.status,
    lines: result.stdout.split('\n').filter((line) => line !== ''),
    stderr: result.stderr,
  };
}
