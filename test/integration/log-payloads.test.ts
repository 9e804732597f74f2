import type { Context, SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWorkerHandler } from '../../sdk/lambda/index.js';
import { memoryHarness } from '../helpers/memory-harness.js';

const SECRET_ARG = 'card-4242-4242-4242-4242';
const SECRET_RESULT = 'token-of-the-customer';

function lambdaContext(): Context {
  return { getRemainingTimeInMillis: () => 30_000 } as Context;
}

async function logLinesOfOneTask(options: { logPayloads?: boolean } = {}): Promise<string> {
  const h = memoryHarness();
  const charge = h.app.task('billing.charge', async (card: string) => ({ card: card.slice(-4), token: SECRET_RESULT }));
  await charge.delay(SECRET_ARG);
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
  const handler = createWorkerHandler(h.app, options);
  const records = h.receive().map((m) => m as unknown as SQSRecord);
  await handler({ Records: records }, lambdaContext());
  return lines.join('\n');
}

afterEach(() => vi.restoreAllMocks());

describe("the worker's log lines, through the Lambda handler's default logger", () => {
  it('carry neither task arguments nor results by default', async () => {
    const output = await logLinesOfOneTask();
    expect(output).toMatch(/Task billing\.charge\[[0-9a-f-]+\] succeeded in \d+\.\d{3}s/);
    expect(output).not.toContain(SECRET_ARG);
    expect(output).not.toContain(SECRET_RESULT);
  });

  it('carry the result when the user opts in with logPayloads, and still never the arguments', async () => {
    const output = await logLinesOfOneTask({ logPayloads: true });
    expect(output).toContain(SECRET_RESULT);
    expect(output).not.toContain(SECRET_ARG);
  });
});
