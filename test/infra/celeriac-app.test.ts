import { RemovalPolicy, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { CeleriacApp } from '../../infra/index.js';
import { ExampleStack } from '../../infra/example-stack.js';
import { createCoreApp } from '../../sdk/core/app.js';
import { app, tasksModule } from '../fixtures/infra-app.js';
import { logicalId, statementsOfRole, testApp, testStack } from './synth.js';

describe('CeleriacApp', () => {
  let stack: Stack;
  let celeriac: CeleriacApp;
  let web: iam.Role;
  let template: Template;
  const ids = { queue: {} as Record<string, string>, dlq: {} as Record<string, string>, table: '', workerRole: '', webRole: '' };

  /** What a countdown needs: one-time schedules in `shop-eta`, its group, and passing the Scheduler role. */
  const countdownStatements = () => [
    {
      effect: 'Allow',
      actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'],
      resources: [
        JSON.stringify({
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':schedule/shop-eta/*']],
        }),
      ],
    },
    { effect: 'Allow', actions: ['scheduler:GetScheduleGroup'], resources: [logicalId(celeriac.schedules.countdownGroup)] },
    { effect: 'Allow', actions: ['iam:PassRole'], resources: [logicalId(celeriac.schedules.role)] },
  ];

  beforeAll(() => {
    stack = testStack();
    celeriac = new CeleriacApp(stack, 'Celeriac', { app, tasksModule });
    web = new iam.Role(stack, 'Web', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    celeriac.grantEnqueue(web);
    celeriac.grantReadResults(web);
    template = Template.fromStack(stack);
    for (const name of ['default', 'exports']) {
      ids.queue[name] = logicalId(celeriac.queues.get(name)!);
      ids.dlq[name] = logicalId(celeriac.deadLetterQueues.get(name)!);
    }
    ids.table = logicalId(celeriac.table);
    ids.workerRole = logicalId(celeriac.workerFunction.role!);
    ids.webRole = logicalId(web);
  });

  it('creates each queue under its physical name with SSE and a visibility timeout of 6 × the worker timeout', () => {
    // Two queues, their dead-letter queues, and the schedules' delivery dead-letter queue.
    template.resourceCountIs('AWS::SQS::Queue', 5);
    for (const name of ['default', 'exports']) {
      template.hasResource('AWS::SQS::Queue', {
        Properties: {
          QueueName: `shop-${name}`,
          SqsManagedSseEnabled: true,
          VisibilityTimeout: 180,
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [ids.dlq[name], 'Arn'] }, maxReceiveCount: 10 },
        },
      });
    }
  });

  it('creates each dead-letter queue under its physical name with SSE and 14 days of retention', () => {
    for (const name of ['default', 'exports']) {
      expect(template.toJSON().Resources[ids.dlq[name]!].Properties).toEqual({
        QueueName: `shop-${name}-dlq`,
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1_209_600,
      });
    }
  });

  it('denies every queue and dead-letter queue to requests without TLS', () => {
    const queueIds = [...Object.values(ids.queue), ...Object.values(ids.dlq)];
    for (const id of queueIds) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
  });

  it('creates the results table keyed by id, on demand, with TTL on expiresAt, PITR on, retained, and no index', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        TableName: 'shop-results',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    });
    const results = Object.values(template.findResources('AWS::DynamoDB::Table', { Properties: { TableName: 'shop-results' } }));
    expect(results[0]?.Properties.GlobalSecondaryIndexes).toBeUndefined();
  });

  it('creates the listing table keyed by shard and time, on demand, with TTL on expiresAt, PITR on, retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        TableName: 'shop-listing',
        KeySchema: [
          { AttributeName: 'shard', KeyType: 'HASH' },
          { AttributeName: 'at', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'shard', AttributeType: 'S' },
          { AttributeName: 'at', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    });
  });

  it('creates one arm64 nodejs22.x worker with the app timeout, memory, environment and a one-month log group', () => {
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 30,
      MemorySize: 512,
      Environment: {
        Variables: {
          CELERIAC_APP: 'shop',
          CELERIAC_SCHEDULER_ROLE_ARN: { 'Fn::GetAtt': [logicalId(celeriac.schedules.role), 'Arn'] },
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
      LoggingConfig: { LogGroup: { Ref: logicalId(celeriac.node.findChild('WorkerLogs')) } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Runtime: Match.stringLikeRegexp('python') }, 0);
  });

  it('maps each queue to the worker with partial batch failures, its batch size and its concurrency cap', () => {
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping');
    const byQueue = Object.fromEntries(Object.values(mappings).map((mapping) => [mapping.Properties.EventSourceArn['Fn::GetAtt'][0], mapping.Properties]));
    const functionRef = { Ref: logicalId(celeriac.workerFunction) };
    expect(byQueue).toEqual({
      [ids.queue.default!]: {
        EventSourceArn: { 'Fn::GetAtt': [ids.queue.default, 'Arn'] },
        FunctionName: functionRef,
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      },
      [ids.queue.exports!]: {
        EventSourceArn: { 'Fn::GetAtt': [ids.queue.exports, 'Arn'] },
        FunctionName: functionRef,
        BatchSize: 5,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 5 },
      },
    });
  });

  it('grants the worker only what it needs, on the app queue, DLQ, table and countdown group ARNs', () => {
    const queues = Object.values(ids.queue).sort();
    const dlqs = Object.values(ids.dlq).sort();
    expect(statementsOfRole(template, ids.workerRole)).toEqual([
      // Its own log group only (no AWSLambdaBasicExecutionRole, which allows every log group).
      { effect: 'Allow', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logicalId(celeriac.node.findChild('WorkerLogs'))] },
      {
        effect: 'Allow',
        actions: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage', 'sqs:SendMessage'],
        resources: queues,
      },
      { effect: 'Allow', actions: ['sqs:GetQueueUrl', 'sqs:SendMessage'], resources: dlqs },
      {
        effect: 'Allow',
        actions: ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [ids.table],
      },
      // One listing item a batch, nothing else on the listing table.
      { effect: 'Allow', actions: ['dynamodb:PutItem'], resources: [logicalId(celeriac.listingTable)] },
      ...countdownStatements(),
    ]);
  });

  it('attaches no AWS managed policy to the worker role', () => {
    const role = template.toJSON().Resources[ids.workerRole];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('names no wildcard resource in any IAM policy, beyond the schedules of its own countdown group', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    expect(Object.keys(policies).length).toBeGreaterThan(0);
    const text = JSON.stringify(policies);
    expect(text).not.toMatch(/"Resource":"\*"/);
    expect(text.match(/[^"]*\*"/g)?.every((end) => end === ':schedule/shop-eta/*"')).toBe(true);
  });

  it('grantEnqueue and grantReadResults give a role exactly the send, countdown and read actions', () => {
    expect(statementsOfRole(template, ids.webRole)).toEqual([
      {
        effect: 'Allow',
        actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        resources: Object.values(ids.queue).sort(),
      },
      ...countdownStatements(),
      { effect: 'Allow', actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem'], resources: [ids.table] },
    ]);
  });

  it('keeps its construct ids stable', () => {
    const children = celeriac.node.children.map((child) => child.node.id).sort();
    expect(children).toEqual([
      'DeadLetterQueue-default',
      'DeadLetterQueue-exports',
      'EventSource-default',
      'EventSource-exports',
      'Listing',
      'Queue-default',
      'Queue-exports',
      'Results',
      'Schedules',
      'Worker',
      'WorkerLogs',
      'WorkerRole',
    ]);
  });

  it('gives queue depth, dead-letter depth and worker error metrics', () => {
    const depth = celeriac.metricQueueDepth('exports');
    expect(depth.metricName).toBe('ApproximateNumberOfMessagesVisible');
    expect(stack.resolve(depth.dimensions)).toEqual({ QueueName: { 'Fn::GetAtt': [ids.queue.exports, 'QueueName'] } });
    const dead = celeriac.metricDeadLetterDepth('default', { statistic: 'Maximum' });
    expect(dead.statistic).toBe('Maximum');
    expect(stack.resolve(dead.dimensions)).toEqual({ QueueName: { 'Fn::GetAtt': [ids.dlq.default, 'QueueName'] } });
    const errors = celeriac.metricWorkerErrors();
    expect([errors.namespace, errors.metricName]).toEqual(['AWS/Lambda', 'Errors']);
    expect(stack.resolve(errors.dimensions)).toEqual({ FunctionName: { Ref: logicalId(celeriac.workerFunction) } });
  });

  it('throws naming the declared queues when a metric asks for an unknown one', () => {
    expect(() => celeriac.metricQueueDepth('emails')).toThrow(/Queue "emails" is not declared in app "shop" \(declared: default, exports\)/);
    expect(() => celeriac.metricDeadLetterDepth('emails')).toThrow(/not declared/);
  });
});

describe('CeleriacApp options', () => {
  it('sets the batching window only when the queue has one, and applies removalPolicy to the table', () => {
    const stack = testStack();
    const batched = createCoreApp({
      name: 'batched',
      worker: { timeoutSeconds: 60, memoryMb: 1024 },
      queues: { default: {}, bulk: { batchSize: 100, maxBatchingWindowSeconds: 5, maxReceiveCount: 20 } },
    });
    new CeleriacApp(stack, 'Celeriac', { app: batched, tasksModule, removalPolicy: RemovalPolicy.DESTROY, runtime: lambda.Runtime.NODEJS_24_X });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 100, MaximumBatchingWindowInSeconds: 5 });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: Match.absent(),
      ScalingConfig: Match.absent(),
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'batched-bulk',
      VisibilityTimeout: 360,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 20 }),
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Timeout: 60, MemorySize: 1024 });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });

  it('cannot be given an app whose queue visibility timeout is under 6 × the worker timeout', () => {
    expect(() => createCoreApp({ name: 'hasty', queues: { default: { visibilityTimeoutSeconds: 120 } } })).toThrow(
      /queues\.default\.visibilityTimeoutSeconds must be an integer from 180 \(6 × worker\.timeoutSeconds.*received 120/,
    );
  });

  it('throws when the runtime is older than Node.js 22', () => {
    expect(() => new CeleriacApp(testStack(), 'Celeriac', { app, tasksModule, runtime: lambda.Runtime.NODEJS_20_X })).toThrow(
      /runtime must be Node\.js 22 or newer .*received nodejs20\.x/,
    );
    expect(() => new CeleriacApp(testStack(), 'Celeriac', { app, tasksModule, runtime: lambda.Runtime.PYTHON_3_13 })).toThrow(/received python3\.13/);
  });
});

describe('ExampleStack', () => {
  it('outputs each queue URL, the results and listing table names and the worker function name', () => {
    const stack = new ExampleStack(testApp(), 'CeleriacExample', { app, tasksModule });
    const template = Template.fromStack(stack);
    const queueIds = ['default', 'exports'].map((name) => logicalId(stack.celeriac.queues.get(name)!));
    expect(Object.values(template.findOutputs('*')).map((output) => output.Value)).toEqual([
      { Ref: queueIds[0] },
      { Ref: queueIds[1] },
      { Ref: logicalId(stack.celeriac.table) },
      { Ref: logicalId(stack.celeriac.listingTable) },
      { Ref: logicalId(stack.celeriac.workerFunction) },
    ]);
    expect(Object.keys(template.findOutputs('*'))).toContain('WorkerFunctionName');
  });
});
