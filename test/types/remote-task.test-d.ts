import { describe, expectTypeOf, it } from 'vitest';
import { createCoreApp } from '../../sdk/core/app.js';
import type { AsyncResult } from '../../sdk/core/async-result.js';

const app = createCoreApp({ name: 'types', celeryCompat: true });
const render = app.remoteTask<[string, number], { report: string; at: Date }>('reports.render', { protocol: 'celery', queue: 'reports' });

describe('remoteTask()', () => {
  it('types delay() by the declared arguments', () => {
    expectTypeOf(render.delay).parameters.toEqualTypeOf<[string, number]>();
    // @ts-expect-error a number where a string is declared
    void render.delay(1, 2);
  });

  it('types the result as it comes back over JSON', () => {
    expectTypeOf(render.delay).returns.resolves.toEqualTypeOf<AsyncResult<{ report: string; at: string }>>();
  });

  it('takes kwargs and a countdown in applyAsync()', () => {
    expectTypeOf(render.applyAsync).parameter(1).toEqualTypeOf<import('../../sdk/core/remote-task.js').RemoteApplyOptions | undefined>();
  });

  it('accepts only the celery protocol', () => {
    // @ts-expect-error an unknown protocol
    app.remoteTask('x', { protocol: 'amqp', queue: 'q' });
  });
});
