/**
 * What every module's `wire` receives first: the platform it runs on. One shape for every module, so the
 * composition root (`app.ts`) reads as a list of modules built in order, each from the platform and the
 * services of the modules before it.
 */
import type { EventBus } from './bus.ts';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { DatabaseHandle } from './database/database.ts';
import type { Logger } from './logger.ts';
import type { ChangeVersions } from './cache/change-versions.ts';

export interface Platform {
  config: Readonly<Config>;
  database: DatabaseHandle;
  clock: Clock;
  logger: Logger;
  bus: EventBus;
  /** Which watched tables changed, for the in-memory caches in front of them (platform/cache/). */
  changes: ChangeVersions;
}
