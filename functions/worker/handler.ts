/**
 * The worker Lambda. `#celeriac-app` is the module defining the app's tasks (package.json
 * "imports"), bundled in by esbuild; AWS clients read their settings from the environment.
 */
import { app } from '#celeriac-app';
import { createWorkerHandler } from './create-handler.js';

export const handler = createWorkerHandler(app);
