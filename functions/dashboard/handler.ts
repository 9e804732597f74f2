/**
 * The dashboard Lambda, behind a function URL (see `CeleriacApp`'s `dashboard` prop): the same Hono
 * app `celeriac dev` serves, on Lambda. `#celeriac-app` is the module defining the app.
 */
import { handle } from 'hono/aws-lambda';
import { app } from '#celeriac-app';
import { createDashboard } from '../../sdk/dashboard/server.js';
import { createAwsInspector } from '../../sdk/inspect/aws.js';

export const handler = handle(createDashboard(createAwsInspector(app)));
