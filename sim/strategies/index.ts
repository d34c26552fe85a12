/** Every attack strategy, in the order the report lists them. */
import { createBulkScraper } from './bulk-scraper.ts';
import { createEnumeration } from './enumeration.ts';
import { createFabricatedCases } from './fabricated-cases.ts';
import { createLowAndSlow } from './low-and-slow.ts';
import { createRing } from './ring.ts';
import { createSnooping } from './snooping.ts';
import type { Strategy, StrategyContext } from './strategy.ts';

export function createStrategies(ctx: StrategyContext): Strategy[] {
  return [
    createBulkScraper,
    createFabricatedCases,
    createLowAndSlow,
    createRing,
    createEnumeration,
    createSnooping,
  ].map((create, i) => create(ctx, i));
}
