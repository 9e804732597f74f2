/**
 * celeriac: Celery's task-queue model for TypeScript, serverless on AWS.
 * @example
 * import { createApp } from 'celeriac';
 * export const app = createApp({ name: 'shop' });
 * export const add = app.task('math.add', async (x: number, y: number) => x + y);
 * const sum = await (await add.delay(4, 4)).get({ timeoutMs: 10_000 }); // 8
 * @module celeriac
 */
import { App } from './core/app.js';
import type { AppConfig } from './core/options.js';
import { awsTransport } from './aws/transport.js';

export * from './core/index.js';

/**
 * Creates an app whose tasks travel on SQS and whose results live in DynamoDB (unless `config`
 * gives another transport). The queue names are inferred from `queues` (`'default'` without it), so
 * a task or a call naming another is a compile error. AWS clients are made on first use, from the environment: region,
 * credentials, and `AWS_ENDPOINT_URL` for LocalStack or the embedded emulator.
 * @throws {ConfigError} when an option is invalid.
 * @example
 * export const app = createApp({ name: 'shop', queues: { default: {}, exports: { maxConcurrency: 5 } } });
 */
export function createApp<const Q extends string = 'default'>(config: AppConfig<Q>): App<Q> {
  const app: App<Q> = new App<Q>({ ...config, transport: config.transport ?? (() => awsTransport(app)) });
  return app;
}
