import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStackResourcesCommand, type Output } from '@aws-sdk/client-cloudformation';
import {
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { add, app, weeklySummary } from '../../examples/app/tasks.js';
import { ExampleStack } from '../../infra/example-stack.js';
import { TASK_LISTING_SHARD_ATTRIBUTE, TASK_LISTING_SORT_ATTRIBUTE } from '../../sdk/core/contract/task-listing.js';
import { DEFAULT_DLQ_RETENTION_SECONDS } from '../../sdk/core/defaults.js';
import { countdownGroupOf } from '../../sdk/core/schedule/definition.js';
import { applyLocalAwsEnv, startEmulator, type RunningEmulator } from '../../sdk/dev/emulator/index.js';
import { functionPackage, zipDirectory, type FunctionPackage } from '../helpers/lambda/assets.js';
import { invokeInFreshProcess, startLambda, type RunningLambda } from '../helpers/lambda/rie.js';
import { pollOnce, type Poll } from '../helpers/lambda/sqs-event-source.js';
import { bootstrapLikeCdk, createStack, deleteStack, forMoto, MOTO_UNSUPPORTED_TYPES, type MotoTemplate } from '../helpers/moto-cloudformation.js';
import { receiveMessages } from '../helpers/sqs.js';
import { logicalId, testApp } from '../infra/synth.js';

const STACK = 'CeleriacExample';
const EXAMPLE_TASKS = fileURLToPath(new URL('../../examples/app/tasks.ts', import.meta.url));
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

// `cdk synth` with bundling, then what `cdk deploy` does, on a moto server of this file's own (so the
// event source mappings it disables and the example app's names collide with no other test).
describe("the example stack, deployed into moto's CloudFormation", () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'celeriac-deploy-'));
  const savedEnv = { ...process.env };
  let emulator: RunningEmulator;
  let template: { Resources: Resources };
  let moto: MotoTemplate;
  let worker: FunctionPackage;
  let outputs: Record<string, string>;
  let cfn: CloudFormationClient;
  let sqs: SQSClient;
  let dynamodb: DynamoDBClient;
  let lambda: LambdaClient;
  let fn: RunningLambda | undefined;
  const queueOf = (name: string) => app.queue(name);

  beforeAll(async () => {
    emulator = await startEmulator();
    for (const name of Object.keys(process.env).filter((key) => key.startsWith('AWS_ENDPOINT_URL'))) delete process.env[name];
    applyLocalAwsEnv(emulator.endpoint);
    [cfn, sqs, dynamodb, lambda] = [new CloudFormationClient({}), new SQSClient({}), new DynamoDBClient({}), new LambdaClient({})];

    const cdkApp = testApp({ bundle: true, outdir });
    const stack = new ExampleStack(cdkApp, STACK, { app, tasksModule: EXAMPLE_TASKS });
    const assembly = cdkApp.synth();
    template = assembly.getStackByName(STACK).template as { Resources: Resources };
    worker = functionPackage(assembly, STACK, logicalId(stack.celeriac.workerFunction));
    const zipFile = path.join(outdir, worker.objectKey);
    await zipDirectory(worker.dir, zipFile);
    await bootstrapLikeCdk([{ objectKey: worker.objectKey, zipFile }]);
    moto = forMoto(template as never);
    const created = await createStack(cfn, STACK, moto.body);
    outputs = Object.fromEntries((created.Outputs ?? []).map((output: Output) => [output.OutputKey!, output.OutputValue!]));
  }, 240_000);

  afterAll(async () => {
    await fn?.stop();
    for (const client of [cfn, sqs, dynamodb, lambda]) client?.destroy();
    await emulator?.stop();
    process.env = savedEnv;
    rmSync(outdir, { recursive: true, force: true });
  });

  it('creates every resource of the template except the types moto cannot model', async () => {
    const omittedTypes = [...new Set(moto.omitted.values())].sort();
    expect(omittedTypes).toEqual(['AWS::SQS::QueuePolicy', 'AWS::Scheduler::Schedule', 'AWS::Scheduler::ScheduleGroup']);
    for (const type of omittedTypes) expect(MOTO_UNSUPPORTED_TYPES[type]).toBeTruthy();
    const resources = (await cfn.send(new DescribeStackResourcesCommand({ StackName: STACK }))).StackResources ?? [];
    const expected = Object.keys(template.Resources)
      .filter((id) => !moto.omitted.has(id))
      .sort();
    expect(resources.map((resource) => resource.LogicalResourceId).sort()).toEqual(expected);
    expect(resources.filter((resource) => resource.ResourceStatus !== 'CREATE_COMPLETE')).toEqual([]);
    // What is left out, by type: five queue policies (enforceSSL), two groups, two schedules.
    expect([...moto.omitted.values()].filter((type) => type === 'AWS::SQS::QueuePolicy')).toHaveLength(app.queues.size * 2 + 1);
  });

  it('names each queue and DLQ as the SDK looks them up, with the visibility timeout, redrive and retention the app declares', async () => {
    for (const settings of app.queues.values()) {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: settings.queueName }));
      // moto's engine writes the output on AWS's host; the SDK finds queues by name either way.
      expect(new URL(outputs[`QueueUrl${settings.name}`]!).pathname).toBe(new URL(QueueUrl!).pathname);
      const { QueueUrl: dlqUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: settings.deadLetterQueueName }));
      const attributes = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))).Attributes!;
      const dlq = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['All'] }))).Attributes!;
      expect(Number(attributes.VisibilityTimeout)).toBe(settings.visibilityTimeoutSeconds);
      expect(JSON.parse(attributes.RedrivePolicy!)).toEqual({ deadLetterTargetArn: dlq.QueueArn, maxReceiveCount: settings.maxReceiveCount });
      expect(attributes.SqsManagedSseEnabled).toBe('true');
      expect(Number(dlq.MessageRetentionPeriod)).toBe(DEFAULT_DLQ_RETENTION_SECONDS);
    }
  });

  it('names the results and listing tables as the SDK expects: keys, no index, TTL attribute, point-in-time recovery', async () => {
    expect(outputs.ResultsTableName).toBe(app.resultsTableName);
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: app.resultsTableName }));
    expect(Table!.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(Table!.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table!.GlobalSecondaryIndexes ?? []).toEqual([]);
    expect(outputs.ListingTableName).toBe(app.listingTableName);
    const listing = (await dynamodb.send(new DescribeTableCommand({ TableName: app.listingTableName }))).Table!;
    expect(listing.KeySchema).toEqual([
      { AttributeName: TASK_LISTING_SHARD_ATTRIBUTE, KeyType: 'HASH' },
      { AttributeName: TASK_LISTING_SORT_ATTRIBUTE, KeyType: 'RANGE' },
    ]);
    expect(listing.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    // moto's engine leaves TimeToLiveSpecification out (its API has TTL): the template says it, and the API call the
    // engine would make is checked to take it.
    const tables = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::DynamoDB::Table');
    const tableResource = tables.find((resource) => resource.Properties.TableName === app.resultsTableName)!;
    expect(tableResource.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(tables.find((resource) => resource.Properties.TableName === app.listingTableName)?.Properties.TimeToLiveSpecification).toEqual({
      AttributeName: 'expiresAt',
      Enabled: true,
    });
    expect((await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: app.resultsTableName }))).TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
    await dynamodb.send(
      new UpdateTimeToLiveCommand({ TableName: app.resultsTableName, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }),
    );
    const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: app.resultsTableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
    // Point-in-time recovery: moto's engine leaves it out too (and its API reports it DISABLED); the template says it.
    expect(tableResource.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    const backups = await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: app.resultsTableName }));
    expect(backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBeDefined();
  });

  it('creates the worker function from the uploaded bundle, fed by one event source per queue reporting batch item failures', async () => {
    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: outputs.WorkerFunctionName }));
    expect(config).toMatchObject({ Runtime: 'nodejs22.x', Handler: worker.handler, Timeout: app.worker.timeoutSeconds, MemorySize: app.worker.memoryMb });
    // moto's engine ignores Architectures (it reports x86_64): the template says arm64.
    const functionResource = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::Lambda::Function')!;
    expect(functionResource.Properties.Architectures).toEqual(['arm64']);
    expect(config.Environment?.Variables?.CELERIAC_APP).toBe(app.name);
    const mappings = (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: outputs.WorkerFunctionName }))).EventSourceMappings ?? [];
    expect(mappings).toHaveLength(app.queues.size);
    for (const settings of app.queues.values()) {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: settings.queueName }));
      const { QueueArn } = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!;
      const mapping = mappings.find((candidate) => candidate.EventSourceArn === QueueArn);
      expect(mapping, settings.name).toMatchObject({ BatchSize: settings.batchSize, FunctionResponseTypes: ['ReportBatchItemFailures'] });
      if (settings.maxConcurrency !== undefined) expect(mapping?.ScalingConfig?.MaximumConcurrency).toBe(settings.maxConcurrency);
    }
  });

  it('declares the Scheduler groups and schedules moto cannot create (template): names, expressions, time zones, targets', () => {
    const of = (type: string) => Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
    expect(
      of('AWS::Scheduler::ScheduleGroup')
        .map(([, group]) => group.Properties.Name)
        .sort(),
    ).toEqual([app.name, countdownGroupOf(app.name)].sort());
    const schedules = Object.fromEntries(of('AWS::Scheduler::Schedule').map(([, schedule]) => [schedule.Properties.Name as string, schedule.Properties]));
    expect(schedules['reports.weekly-summary']).toMatchObject({
      GroupName: app.name,
      ScheduleExpression: 'cron(30 7 ? * 2 *)',
      ScheduleExpressionTimezone: 'Asia/Shanghai',
      State: 'ENABLED',
    });
    expect(schedules['reports.status-every-3s']).toMatchObject({ GroupName: app.name, ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    const defaultQueueId = logicalIdOfQueue(template.Resources, app.queue('default').queueName);
    for (const schedule of Object.values(schedules)) expect((schedule.Target as { Arn: unknown }).Arn).toEqual({ 'Fn::GetAtt': [defaultQueueId, 'Arn'] });
  });

  describe('the bundle in cdk.out, run by the Lambda Runtime Interface Emulator on real SQS events', () => {
    let config: FunctionConfiguration;
    let defaultQueue: { url: string; arn: string; dlqUrl: string };
    const invoke = (event: unknown) => fn!.invoke(event);
    const functionEnv = (extra: Record<string, string> = {}) => ({
      ...config.Environment!.Variables,
      AWS_ENDPOINT_URL: emulator.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      CELERIAC_EXAMPLE_OUTPUT: path.join(outdir, 'example-output'),
      ...extra,
    });
    /** Polls as the event source mapping does until `done` or the deadline; every poll is kept. */
    const pollUntil = async (done: () => Promise<boolean>, timeoutMs = 30_000): Promise<Poll[]> => {
      const polls: Poll[] = [];
      const deadline = Date.now() + timeoutMs;
      while (!(await done())) {
        if (Date.now() > deadline)
          throw new Error(`not done after ${timeoutMs} ms; polls: ${JSON.stringify(polls.map((poll) => poll.response))}\n${fn?.output()}`);
        const poll = await pollOnce(sqs, defaultQueue, invoke, { batchSize: queueOf('default').batchSize });
        if (poll) polls.push(poll);
      }
      return polls;
    };

    beforeAll(async () => {
      config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: outputs.WorkerFunctionName }));
      // moto's own poller would run the function in Docker on every SendMessage: this file polls instead.
      const mappings = (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: outputs.WorkerFunctionName }))).EventSourceMappings ?? [];
      for (const mapping of mappings) await lambda.send(new UpdateEventSourceMappingCommand({ UUID: mapping.UUID, Enabled: false }));
      const { QueueUrl: url } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueOf('default').queueName }));
      const { QueueArn } = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!;
      const { QueueUrl: dlqUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueOf('default').deadLetterQueueName }));
      defaultQueue = { url: url!, arn: QueueArn!, dlqUrl: dlqUrl! };
      fn = await startLambda({
        codeDir: worker.dir,
        handler: config.Handler!,
        functionName: config.FunctionName!,
        timeoutSeconds: config.Timeout!,
        memoryMb: config.MemorySize!,
        environment: functionEnv(),
      });
    }, 240_000);

    it('delay() runs to SUCCESS, a task enqueuing another included', { timeout: 90_000 }, async () => {
      const sum = await add.delay(2, 3);
      const summary = await weeklySummary.delay('ops@shop.example');
      let email: Awaited<ReturnType<typeof app.asyncResult>> | undefined;
      const polls = await pollUntil(async () => {
        if (!(await summary.ready())) return false;
        email ??= app.asyncResult((await summary.get({ timeoutMs: 1_000 })).queuedEmail);
        return (await sum.ready()) && (await email.ready());
      });
      expect(await sum.get({ timeoutMs: 1_000 })).toBe(5);
      expect(await email!.state()).toBe('SUCCESS');
      expect(await email!.result()).toMatchObject({ to: 'ops@shop.example' });
      // The event carried what Lambda's event source passes.
      const record = polls[0]!.event.Records[0]!;
      expect(record).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: defaultQueue.arn, awsRegion: 'us-east-1' });
      expect(Number(record.attributes.ApproximateReceiveCount)).toBeGreaterThanOrEqual(1);
      expect(record.md5OfBody).toBe(createHash('md5').update(record.body).digest('hex'));
      expect(Number(record.attributes.SentTimestamp)).toBeGreaterThan(Date.now() - 120_000);
      expect(polls.every((poll) => !poll.functionError && poll.response?.batchItemFailures.length === 0)).toBe(true);
      const stored = await sum.record();
      // The request id the emulator gave the invocation, read from the Lambda context.
      expect(stored.workerId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });

    it('reports a message not due yet as a batch item failure beside one that ran, and runs it when it comes back', { timeout: 90_000 }, async () => {
      const early = await sendEarly(3);
      const now = await add.delay(1, 1);
      const polls = await pollUntil(async () => (await now.ready()) && (await app.asyncResult(early).ready()));
      const failures = polls.flatMap((poll) => (poll.response as SQSBatchResponse).batchItemFailures.map((failure) => failure.itemIdentifier));
      const earlyMessages = polls.flatMap((poll) => poll.event.Records).filter((record) => JSON.parse(record.body).id === early);
      expect(earlyMessages.length).toBeGreaterThanOrEqual(2);
      expect(failures).toContain(earlyMessages[0]!.messageId);
      expect(earlyMessages.at(-1)!.attributes.ApproximateReceiveCount).not.toBe('1');
      expect(await app.asyncResult(early).get({ timeoutMs: 1_000 })).toBe(14);
      expect(await now.get({ timeoutMs: 1_000 })).toBe(2);
    });

    it('records a poison message as FAILURE and moves it to the dead-letter queue, without failing the batch', { timeout: 60_000 }, async () => {
      const body = await realBody();
      const id = `poison-${Date.now()}`;
      await sqs.send(new SendMessageCommand({ QueueUrl: defaultQueue.url, MessageBody: JSON.stringify({ ...body, id, args: ['two', 'three'] }) }));
      const polls = await pollUntil(() => app.asyncResult(id).ready());
      expect(await app.asyncResult(id).state()).toBe('FAILURE');
      expect(polls.flatMap((poll) => poll.response!.batchItemFailures)).toEqual([]);
      const dead = await receiveMessages(sqs, defaultQueue.dlqUrl, { waitSeconds: 1 });
      expect(dead.map((message) => (JSON.parse(message.Body!) as { id: string }).id)).toContain(id);
    });

    it('starts nothing it could not finish before the invocation deadline: the whole batch stays on the queue', { timeout: 60_000 }, async () => {
      // 500 ms left: less than the worker's safety margin. (A fresh process, not the emulator: it gives the cold
      // start the invocation's timeout, where Lambda gives it 10 s of its own.)
      const spec = {
        codeDir: worker.dir,
        handler: config.Handler!,
        functionName: config.FunctionName!,
        timeoutSeconds: config.Timeout!,
        memoryMb: config.MemorySize!,
        environment: functionEnv(),
      };
      const result = await add.delay(5, 5);
      let poll: Poll | undefined;
      for (let attempt = 0; attempt < 10 && !poll; attempt++)
        poll = await pollOnce(sqs, defaultQueue, (event) => invokeInFreshProcess(spec, event, 500), { batchSize: 10, visibilitySeconds: 2 });
      expect(poll!.functionError).toBe(false);
      expect(poll!.response!.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(poll!.event.Records.map((record) => record.messageId));
      expect(await result.state()).toBe('PENDING');
      await pollUntil(() => result.ready());
      expect(await result.get({ timeoutMs: 1_000 })).toBe(10);
    });

    /** A task message as `delay()` writes it, read back from the queue (and put back). */
    async function realBody(): Promise<Record<string, unknown>> {
      await add.delay(0, 0);
      const [message] = await receiveMessages(sqs, defaultQueue.url, { waitSeconds: 1, visibilitySeconds: 0 });
      return JSON.parse(message!.Body!) as Record<string, unknown>;
    }

    /** Sends add(7, 7) with an ETA `seconds` ahead but no SQS delay: it arrives before it is due. */
    async function sendEarly(seconds: number): Promise<string> {
      const body = await realBody();
      const id = `early-${Date.now()}`;
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: defaultQueue.url,
          MessageBody: JSON.stringify({ ...body, id, args: [7, 7], eta: new Date(Date.now() + seconds * 1000).toISOString() }),
        }),
      );
      return id;
    }
  });

  it('deletes the stack: queues and function gone, the tables kept (RemovalPolicy.RETAIN)', { timeout: 120_000 }, async () => {
    await fn?.stop();
    fn = undefined;
    await deleteStack(cfn, STACK);
    for (const settings of app.queues.values()) {
      await expect(sqs.send(new GetQueueUrlCommand({ QueueName: settings.queueName }))).rejects.toThrow();
    }
    await expect(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: outputs.WorkerFunctionName }))).rejects.toThrow();
    for (const tableName of [app.resultsTableName, app.listingTableName]) {
      expect((await dynamodb.send(new DescribeTableCommand({ TableName: tableName }))).Table?.TableName).toBe(tableName);
      await dynamodb.send(new DeleteTableCommand({ TableName: tableName }));
    }
  });
});

function logicalIdOfQueue(resources: Resources, queueName: string): string {
  const found = Object.entries(resources).find(([, resource]) => resource.Type === 'AWS::SQS::Queue' && resource.Properties.QueueName === queueName);
  if (!found) throw new Error(`no queue ${queueName} in the template`);
  return found[0];
}
