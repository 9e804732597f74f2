import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, DeleteSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeployedDashboard } from '../../sdk/lambda/index.js';
import { awsTransport } from '../../sdk/aws/transport.js';
import { ConfigError } from '../../sdk/core/errors.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { provisionThrowawayApp, type ThrowawayResources } from '../helpers/emulator-resources.js';
import { basicAuthHeader, functionUrlGet } from '../fixtures/function-url-events.js';

describe('The deployed dashboard function (on the emulator)', () => {
  let res: ThrowawayResources;
  let secrets: SecretsManagerClient;
  const password = randomBytes(18).toString('base64url');
  const secretNames: string[] = [];

  async function secret(value: string): Promise<string> {
    const name = `${res.app.name}-dashboard-${secretNames.length}`;
    await secrets.send(new CreateSecretCommand({ Name: name, SecretString: value }));
    secretNames.push(name);
    return name;
  }

  beforeAll(async () => {
    useEmulatorEnv();
    res = await provisionThrowawayApp({ default: {} });
    res.app.useTransport(awsTransport(res.app, { sqs: res.sqs, dynamodb: res.dynamodb }));
    res.app.task('math.add', async (x: number, y: number) => x + y);
    secrets = new SecretsManagerClient({});
  }, 120_000);
  afterAll(async () => {
    await Promise.allSettled(secretNames.map((SecretId) => secrets.send(new DeleteSecretCommand({ SecretId, ForceDeleteWithoutRecovery: true }))));
    secrets?.destroy();
    await res?.dispose();
  });

  describe('with a password kept in Secrets Manager', () => {
    let handler: (event: ReturnType<typeof functionUrlGet>) => Promise<APIGatewayProxyResult>;

    beforeAll(async () => {
      const secretId = await secret(password);
      const dashboard = createDeployedDashboard(
        res.app,
        { CELERIAC_DASHBOARD_AUTH: 'password', CELERIAC_DASHBOARD_PASSWORD_SECRET: secretId },
        { secretsManager: secrets },
      );
      handler = handle(dashboard) as unknown as typeof handler;
    });

    it('answers 401 with a WWW-Authenticate header to a request without credentials', async () => {
      const response = await handler(functionUrlGet('/api/tasks/registered'));
      expect(response.statusCode).toBe(401);
      expect(response.headers?.['www-authenticate']).toBe('Basic realm="celeriac dashboard"');
      expect(response.body).not.toContain('math.add');
    });

    it('answers 401 to a wrong password or a wrong user', async () => {
      for (const headers of [
        basicAuthHeader('celeriac', 'wrong'),
        basicAuthHeader('celeriac', `${password}x`),
        basicAuthHeader('admin', password),
        { authorization: 'Bearer token' },
      ]) {
        const response = await handler(functionUrlGet('/api/tasks/registered', headers));
        expect(response.statusCode).toBe(401);
        expect(response.body).not.toContain('math.add');
      }
    });

    it('serves the API and the pages to the right password', async () => {
      const api = await handler(functionUrlGet('/api/tasks/registered', basicAuthHeader('celeriac', password)));
      expect(api.statusCode).toBe(200);
      expect(JSON.parse(api.body)).toEqual({ tasks: [expect.objectContaining({ name: 'math.add', queue: 'default' })] });
      const page = await handler(functionUrlGet('/tasks', basicAuthHeader('celeriac', password)));
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<h1>Tasks</h1>');
    });
  });

  it('reads the password from a JSON secret’s password field', async () => {
    const secretId = await secret(JSON.stringify({ username: 'celeriac', password: 'json-held' }));
    const dashboard = createDeployedDashboard(
      res.app,
      { CELERIAC_DASHBOARD_AUTH: 'password', CELERIAC_DASHBOARD_PASSWORD_SECRET: secretId },
      { secretsManager: secrets },
    );
    expect((await dashboard.request('/api/tasks/registered', { headers: basicAuthHeader('celeriac', 'json-held') })).status).toBe(200);
    expect((await dashboard.request('/api/tasks/registered', { headers: basicAuthHeader('celeriac', 'wrong') })).status).toBe(401);
  });

  it('answers 503, never the dashboard, when the secret cannot be read', async () => {
    const dashboard = createDeployedDashboard(
      res.app,
      { CELERIAC_DASHBOARD_AUTH: 'password', CELERIAC_DASHBOARD_PASSWORD_SECRET: `${res.app.name}-missing` },
      { secretsManager: secrets },
    );
    const response = await dashboard.request('/api/tasks/registered', { headers: basicAuthHeader('celeriac', 'anything') });
    expect(response.status).toBe(503);
    expect(await response.text()).not.toContain('math.add');
    expect((await dashboard.request('/api/tasks/registered')).status).toBe(401);
  });

  it('leaves the checking to the function URL in IAM mode', async () => {
    const dashboard = createDeployedDashboard(res.app, { CELERIAC_DASHBOARD_AUTH: 'iam' });
    expect((await dashboard.request('/api/tasks/registered')).status).toBe(200);
  });

  it('refuses to start without an auth mode, or in password mode without a secret', () => {
    expect(() => createDeployedDashboard(res.app, {})).toThrow(ConfigError);
    expect(() => createDeployedDashboard(res.app, { CELERIAC_DASHBOARD_AUTH: 'none' })).toThrow(/must be "iam" or "password"/);
    expect(() => createDeployedDashboard(res.app, { CELERIAC_DASHBOARD_AUTH: 'password' })).toThrow(/names no secret/);
  });
});
