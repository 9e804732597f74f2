/** The smallest app: one no-op task. The cold-start bench bundles the worker with it to weigh the SDK alone. */
import { createApp } from '../../sdk/index.js';

export const app = createApp({ name: 'bench-noop' });
export const noop = app.task('bench.noop', async () => null);
