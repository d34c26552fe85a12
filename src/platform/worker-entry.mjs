// Worker-thread bootstrap: load tsx's loader in this thread, then the TypeScript worker module it names.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
