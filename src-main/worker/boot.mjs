// Starts the TypeScript worker entry inside a worker_thread when the studio runs from its
// sources under plain Node (CLI, tests): registers tsx in this thread, then loads entry.ts.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
