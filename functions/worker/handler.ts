/**
 * The worker Lambda of the example app, over `celeriac/lambda`. (`CeleriacApp` with `tasksModule`
 * generates the same entry for any app; this file is what it amounts to, for benches and reading.)
 */
import { app } from '../../examples/app/tasks.js';
import { createWorkerHandler } from '../../sdk/lambda/index.js';

export const handler = createWorkerHandler(app);
