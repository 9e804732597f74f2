import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { App } from '../core/app.js';
import { Worker, type WorkerOptions } from '../worker/index.js';

/** The worker's Lambda handler for `app`: middy around the worker core, reporting partial batch failures. */
export type WorkerHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * Builds the worker handler of an app. The local runtime (`celeriac dev`) calls this same handler.
 * @example
 * export const handler = createWorkerHandler(app);
 */
export function createWorkerHandler(app: App, options: WorkerOptions = {}): WorkerHandler {
  const worker = new Worker(app, options);
  const handler = middy<SQSEvent, PromiseSettledResult<void>[], Error, Context>()
    .use(sqsPartialBatchFailure({ logger: undefined }))
    .handler((event, context) =>
      worker.settleBatch(event.Records, { deadlineMs: Date.now() + context.getRemainingTimeInMillis(), invocationId: context.awsRequestId }),
    );
  return handler as unknown as WorkerHandler;
}
