/** Loads the third-party test vectors from ../shared/vectors beside the repository. */
import { readFileSync } from 'node:fs';

export function loadVectors<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(`../../../shared/vectors/${file}`, import.meta.url), 'utf8')) as T;
}
