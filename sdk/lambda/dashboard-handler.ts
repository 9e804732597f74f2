import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { handle } from 'hono/aws-lambda';
import type { Hono } from 'hono';
import { secretsManagerPassword } from '../aws/secrets-manager-password.js';
import type { App } from '../core/app.js';
import { ConfigError } from '../core/errors.js';
import { DASHBOARD_AUTH_ENV, DASHBOARD_PASSWORD_SECRET_ENV, DASHBOARD_USERNAME } from '../dashboard/deployed.js';
import { createDashboard } from '../dashboard/server.js';
import { createAwsInspector } from '../aws-inspector.js';
import { WORKER_FUNCTIONS_ENV } from '../core/contract/index.js';

/** Clients of {@link createDeployedDashboard}. */
export interface DeployedDashboardClients {
  /**
   * Secrets Manager client, for the password.
   * @default - a client from the environment
   */
  readonly secretsManager?: SecretsManagerClient;
}

/**
 * The dashboard as the deployed function serves it, configured from its environment (set by the
 * `CeleriacDashboard` construct): `CELERIAC_DASHBOARD_AUTH` is `iam` (the function URL checks
 * callers) or `password` (basic auth, user `celeriac`, against the secret named by
 * `CELERIAC_DASHBOARD_PASSWORD_SECRET`, read at cold start); `CELERIAC_WORKER_FUNCTIONS` names the
 * worker function whose CloudWatch metrics the Workers page shows. Fails closed: without a valid
 * auth mode it throws rather than serve unprotected.
 * @throws {ConfigError} when `CELERIAC_DASHBOARD_AUTH` is missing or unknown, or `password` has no secret.
 * @example
 * export const handler = handle(createDeployedDashboard(app, process.env));
 */
export function createDeployedDashboard(app: App, env: Readonly<Record<string, string | undefined>>, clients: DeployedDashboardClients = {}): Hono {
  const auth = env[DASHBOARD_AUTH_ENV];
  const secretId = env[DASHBOARD_PASSWORD_SECRET_ENV];
  if (auth !== 'iam' && auth !== 'password') {
    throw new ConfigError(`${DASHBOARD_AUTH_ENV} must be "iam" or "password", received ${JSON.stringify(auth)}: the dashboard does not serve without auth.`);
  }
  if (auth === 'password' && !secretId) {
    throw new ConfigError(`${DASHBOARD_AUTH_ENV} is "password" but ${DASHBOARD_PASSWORD_SECRET_ENV} names no secret.`);
  }
  const workerFunctions = env[WORKER_FUNCTIONS_ENV];
  const inspector = createAwsInspector(app, workerFunctions ? { workerFunctions } : {});
  return createDashboard(
    inspector,
    auth === 'password' ? { credentials: { username: DASHBOARD_USERNAME, password: secretsManagerPassword(clients.secretsManager, secretId!) } } : {},
  );
}

/** The deployed dashboard's Lambda handler (a function URL event in, an HTTP response out). */
export type DashboardHandler = ReturnType<typeof handle>;

/**
 * The dashboard function's handler: {@link createDeployedDashboard} behind Hono's Lambda adapter,
 * configured from `env` (the function's environment, set by the `CeleriacDashboard` construct).
 * @throws {ConfigError} as {@link createDeployedDashboard} does.
 * @example
 * export const handler = createDashboardHandler(app);
 */
export function createDashboardHandler(
  app: App,
  env: Readonly<Record<string, string | undefined>> = process.env,
  clients: DeployedDashboardClients = {},
): DashboardHandler {
  return handle(createDeployedDashboard(app, env, clients));
}
