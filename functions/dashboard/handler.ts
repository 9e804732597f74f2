/**
 * The dashboard Lambda of the example app, behind a function URL, over `celeriac/lambda`: the same
 * Hono app `celeriac dev` serves, protected by IAM or by a password kept in Secrets Manager.
 */
import { app } from '../../examples/app/tasks.js';
import { createDashboardHandler } from '../../sdk/lambda/index.js';

export const handler = createDashboardHandler(app);
