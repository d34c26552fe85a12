/**
 * The repository's `policies/` folder: the default Cedar policy set and its schema, as `.cedar` files that
 * security teams review, diff and check with Cedar's own tooling (policies/README.md).
 *
 * The folder is found from this module's location, not the working directory, so `npm start`,
 * `bin/custos.mjs` and the tests read the same files from anywhere.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `policies/` at the repository root (this module is `src/access/policy/policy-files.ts`). */
export const policiesFolder = new URL('../../../policies/', import.meta.url);

/**
 * The text of one file in `policies/`; throws naming the path when it cannot be read.
 *
 * @example
 *   const text = readPolicyFile('custos.cedar');
 */
export function readPolicyFile(name: string): string {
  const url = new URL(name, policiesFolder);
  try {
    return readFileSync(url, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read the Cedar file ${fileURLToPath(url)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
