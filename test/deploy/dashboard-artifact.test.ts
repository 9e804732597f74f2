import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Stack } from 'aws-cdk-lib';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { add, app } from '../../examples/app/tasks.js';
import { CeleriacApp } from '../../infra/index.js';
import { provisionLocalResources } from '../../sdk/dev/provision.js';
import { applyLocalAwsEnv, startEmulator, type RunningEmulator } from '../../sdk/dev/emulator/index.js';
import { basicAuthHeader, functionUrlGet } from '../fixtures/function-url-events.js';
import { functionPackage } from '../helpers/lambda/assets.js';
import { startLambda, type RunningLambda } from '../helpers/lambda/rie.js';
import { logicalId, testApp } from '../infra/synth.js';

type FunctionResource = {
  Type: string;
  Properties: { Environment: { Variables: Record<string, unknown> }; Timeout: number; MemorySize: number; Handler: string };
};

// The dashboard bundle `cdk synth` builds, run under the Lambda Runtime Interface Emulator behind
// function-URL events, against the example app's resources on a moto server of its own.
describe('the dashboard bundle in cdk.out, behind a function URL (password auth)', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'celeriac-dash-deploy-'));
  const savedEnv = { ...process.env };
  const password = randomBytes(18).toString('base64url');
  let emulator: RunningEmulator;
  let fn: RunningLambda;
  let environment: Record<string, string>;

  beforeAll(async () => {
    emulator = await startEmulator();
    for (const name of Object.keys(process.env).filter((key) => key.startsWith('AWS_ENDPOINT_URL'))) delete process.env[name];
    applyLocalAwsEnv(emulator.endpoint);
    const cdkApp = testApp({ bundle: true, outdir });
    const stack = new Stack(cdkApp, 'CeleriacDashboard');
    const tasksModule = fileURLToPath(new URL('../../examples/app/tasks.ts', import.meta.url));
    const celeriac = new CeleriacApp(stack, 'Celeriac', { app, tasksModule, dashboard: { auth: 'password' } });
    const assembly = cdkApp.synth();
    const functionId = logicalId(celeriac.dashboard!.function);
    const pkg = functionPackage(assembly, 'CeleriacDashboard', functionId);
    const resource = (assembly.getStackByName('CeleriacDashboard').template as { Resources: Record<string, FunctionResource> }).Resources[functionId]!;

    const sqs = new SQSClient({});
    const dynamodb = new DynamoDBClient({});
    const secrets = new SecretsManagerClient({});
    await provisionLocalResources(app, { sqs, dynamodb });
    const { ARN } = await secrets.send(new CreateSecretCommand({ Name: `celeriac-dashboard-${randomBytes(4).toString('hex')}`, SecretString: password }));
    for (const client of [sqs, dynamodb, secrets]) client.destroy();
    // What CloudFormation would resolve: the secret's ARN and the worker function's name.
    const physical: Record<string, string> = {
      [logicalId(celeriac.dashboard!.passwordSecret as never)]: ARN!,
      [logicalId(celeriac.workerFunction)]: `${app.name}-worker`,
      [`${logicalId(celeriac.schedules.role)}.Arn`]: `arn:aws:iam::123456789012:role/${app.name}-scheduler`,
    };
    environment = Object.fromEntries(
      Object.entries(resource.Properties.Environment.Variables).map(([name, value]) => {
        if (typeof value === 'string') return [name, value];
        const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
        const ref = (value as { Ref?: string }).Ref ?? (getAtt ? getAtt.join('.') : undefined);
        if (!ref || !(ref in physical)) throw new Error(`${name}: cannot resolve ${JSON.stringify(value)}`);
        return [name, physical[ref]!];
      }),
    );
    fn = await startLambda({
      codeDir: pkg.dir,
      handler: pkg.handler,
      functionName: 'celeriac-dashboard',
      timeoutSeconds: resource.Properties.Timeout,
      memoryMb: resource.Properties.MemorySize,
      environment: { ...environment, AWS_ENDPOINT_URL: emulator.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
    });
  }, 240_000);

  afterAll(async () => {
    await fn?.stop();
    await emulator?.stop();
    process.env = savedEnv;
    rmSync(outdir, { recursive: true, force: true });
  });

  const get = async (url: string, headers: Record<string, string> = {}) => {
    const { payload, functionError } = await fn.invoke<APIGatewayProxyResultV2 & { statusCode: number; body: string; headers?: Record<string, string> }>(
      functionUrlGet(url, headers),
    );
    expect(functionError, JSON.stringify(payload)).toBe(false);
    return payload;
  };

  it('runs with the environment the template gives it: password auth, its secret, the worker function', () => {
    expect(Object.keys(environment)).toEqual(
      expect.arrayContaining(['CELERIAC_DASHBOARD_AUTH', 'CELERIAC_DASHBOARD_PASSWORD_SECRET', 'CELERIAC_WORKER_FUNCTIONS']),
    );
    expect(environment.CELERIAC_DASHBOARD_AUTH).toBe('password');
  });

  it('answers 401 without the password, reading it from Secrets Manager', { timeout: 60_000 }, async () => {
    const response = await get('/api/tasks/registered');
    expect(response.statusCode).toBe(401);
    expect(response.headers?.['www-authenticate']).toBe('Basic realm="celeriac dashboard"');
    expect((await get('/api/tasks/registered', basicAuthHeader('celeriac', 'wrong'))).statusCode).toBe(401);
  });

  it('serves the API and the pages, reading SQS and DynamoDB, to the right password', { timeout: 60_000 }, async () => {
    await add.delay(4, 4);
    const auth = basicAuthHeader('celeriac', password);
    const registered = await get('/api/tasks/registered', auth);
    expect(registered.statusCode).toBe(200);
    expect((JSON.parse(registered.body) as { tasks: { name: string }[] }).tasks.map((task) => task.name)).toContain('math.add');
    const queues = await get('/api/queues', auth);
    expect(queues.statusCode).toBe(200);
    const stats = (JSON.parse(queues.body) as { queues: { name: string; waiting?: number; visible?: number }[] }).queues;
    expect(stats.map((queue) => queue.name).sort()).toEqual([...app.queues.keys()].sort());
    expect(JSON.stringify(stats.find((queue) => queue.name === 'default'))).toMatch(/[1-9]/);
    const page = await get('/tasks', auth);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h1>Tasks</h1>');
  });
});
