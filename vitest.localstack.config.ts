import { defineConfig } from 'vitest/config';

/**
 * Tests of the suites below that LocalStack 2026.3's SQS fails by answering otherwise than moto
 * (and, as far as we know, AWS). test/localstack/localstack-sqs.test.ts pins each difference, so this
 * list fails loudly once LocalStack changes.
 */
export const LOCALSTACK_DIFFERENCES: Readonly<Record<string, string>> = {
  'reports a refused entry in its place and still sends the others': 'SendMessageBatch accepts an entry with DelaySeconds 901 (the limit is 900)',
  'rejects with the SQS error code when the queue refuses the message':
    "SendMessageBatch refuses an entry over MaximumMessageSize with the code 'InvalidParameterValueException' (moto: 'InvalidParameterValue')",
};

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// `npm run test:localstack`: SQS on LocalStack (installed into .celeriac/localstack-venv, started on
// 127.0.0.1), DynamoDB and Scheduler on the embedded moto emulator: per-service endpoints.
export default defineConfig({
  test: {
    include: ['test/localstack/**/*.test.ts', 'test/conformance/broker.sqs.test.ts', 'test/integration/inspect.test.ts', 'test/integration/task-flow.test.ts'],
    testNamePattern: new RegExp(`^(?!.*(?:${Object.keys(LOCALSTACK_DIFFERENCES).map(escapeRegExp).join('|')}))`),
    globalSetup: ['test/localstack/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 180_000,
  },
});
