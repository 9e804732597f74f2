/**
 * The dashboard Lambda, behind a function URL (see `CeleriacApp`'s `dashboard` prop): the same Hono
 * app `celeriac dev` serves, on Lambda, protected by IAM or by a password kept in Secrets Manager.
 * `#celeriac-app` is the module defining the app.
 */
import { handle } from 'hono/aws-lambda';
import { app } from '#celeriac-app';
import { createDeployedDashboard } from './create-app.js';

export const handler = handle(createDeployedDashboard(app, process.env));
