import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createCoreApp } from '../../sdk/core/app.js';
import type { AsyncResult } from '../../sdk/core/async-result.js';
import { currentTask, type RetryOptions, type TaskContext } from '../../sdk/core/context.js';
import type { Jsonify, JsonValue } from '../../sdk/core/json.js';
import type { Task } from '../../sdk/core/task.js';

const app = createCoreApp({ name: 'types' });

const add = app.task('math.add', async (x: number, y: number) => x + y);
const greet = app.task('greet', (name: string, options?: { loud: boolean }) => (options?.loud ? name.toUpperCase() : name));
const stamp = app.task('stamp', async (label: string) => ({ label, at: new Date(), tags: ['a'], nested: { when: new Date() } }));
const nothing = app.task('nothing', async () => {});
const syncVoid = app.task('sync-void', (_id: string): void => {});
const maybe = app.task('maybe', async (): Promise<string | undefined> => undefined);

describe('delay()', () => {
  it('takes the parameters of the task function', () => {
    expectTypeOf(add.delay).parameters.toEqualTypeOf<[x: number, y: number]>();
    expectTypeOf(greet.delay).parameters.toEqualTypeOf<[name: string, options?: { loud: boolean }]>();
    expectTypeOf(add).toEqualTypeOf<Task<[x: number, y: number], Promise<number>>>();
  });

  it('rejects wrong argument types and counts', () => {
    void add.delay(1, 2);
    void greet.delay('ada');
    void greet.delay('ada', { loud: true });
    // @ts-expect-error a string is not a number
    void add.delay('1', 2);
    // @ts-expect-error too few arguments
    void add.delay(1);
    // @ts-expect-error too many arguments
    void add.delay(1, 2, 3);
    // @ts-expect-error the option object has the wrong shape
    void greet.delay('ada', { loud: 'yes' });
    // @ts-expect-error a task without parameters takes none
    void nothing.delay(1);
  });
});

describe('AsyncResult', () => {
  it('carries the awaited return type', () => {
    expectTypeOf(add.delay).returns.resolves.toEqualTypeOf<AsyncResult<number>>();
    expectTypeOf(greet.delay).returns.resolves.toEqualTypeOf<AsyncResult<string>>();
    expectTypeOf<Awaited<ReturnType<AsyncResult<number>['get']>>>().toEqualTypeOf<number>();
  });

  it('types the result as it comes back over JSON: a Date becomes a string', () => {
    type Stamped = { label: string; at: string; tags: string[]; nested: { when: string } };
    expectTypeOf(stamp.delay).returns.resolves.toEqualTypeOf<AsyncResult<Stamped>>();
    expectTypeOf(stamp.asyncResult('id').get).returns.resolves.toEqualTypeOf<Stamped>();
  });

  it('types a task that returns nothing as null', () => {
    expectTypeOf(nothing.delay).returns.resolves.toEqualTypeOf<AsyncResult<null>>();
    expectTypeOf(syncVoid.delay).returns.resolves.toEqualTypeOf<AsyncResult<null>>();
  });

  it('types a value that may be undefined as it comes back: null, or a missing key', () => {
    // The worker stores `value ?? null`; JSON.stringify drops undefined keys and writes undefined
    // array items as null.
    expectTypeOf(maybe.delay).returns.resolves.toEqualTypeOf<AsyncResult<string | null>>();
    expectTypeOf<Jsonify<{ note: string | undefined; id: number }>>().toEqualTypeOf<{ note?: string; id: number }>();
    expectTypeOf<Jsonify<(string | undefined)[]>>().toEqualTypeOf<(string | null)[]>();
  });

  it('gives app.asyncResult() the type asked for, unknown by default', () => {
    expectTypeOf(app.asyncResult('id')).toEqualTypeOf<AsyncResult<unknown>>();
    expectTypeOf(app.asyncResult<number>('id')).toEqualTypeOf<AsyncResult<number>>();
  });
});

describe('applyAsync()', () => {
  it('takes the arguments as a typed tuple', () => {
    expectTypeOf(add.applyAsync).parameter(0).toEqualTypeOf<[x: number, y: number]>();
    void add.applyAsync([1, 2], { countdownSeconds: 10 });
    // @ts-expect-error the second argument is not a number
    void add.applyAsync([1, '2']);
    // @ts-expect-error the tuple is too short
    void add.applyAsync([1]);
    // @ts-expect-error unknown option
    void add.applyAsync([1, 2], { countdown: 10 });
  });
});

describe('argsSchema', () => {
  it('accepts a schema whose output matches the parameters', () => {
    app.task('schema.zod', async (email: string, seats: number) => `${email}${seats}`, {
      argsSchema: z.tuple([z.email(), z.number()]),
    });
    app.task('schema.valibot', async (email: string, seats: number) => `${email}${seats}`, {
      argsSchema: v.tuple([v.string(), v.number()]),
    });
  });

  it('rejects a schema whose output does not match the parameters', () => {
    app.task('schema.mismatch', async (email: string, seats: number) => `${email}${seats}`, {
      // @ts-expect-error seats is a number, the schema says string
      argsSchema: z.tuple([z.email(), z.string()]),
    });
    app.task('schema.short', async (email: string, seats: number) => `${email}${seats}`, {
      // @ts-expect-error the schema describes one argument, the task takes two
      argsSchema: z.tuple([z.email()]),
    });
  });
});

describe('currentTask()', () => {
  it('is typed as the task context', () => {
    expectTypeOf(currentTask).returns.toEqualTypeOf<TaskContext>();
    const ctx = currentTask();
    expectTypeOf(ctx.id).toEqualTypeOf<string>();
    expectTypeOf(ctx.retries).toEqualTypeOf<number>();
    expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
    expectTypeOf(ctx.parentId).toEqualTypeOf<string | null>();
    expectTypeOf(ctx.headers).toEqualTypeOf<Readonly<Record<string, JsonValue>>>();
    expectTypeOf(ctx.retry).parameters.toEqualTypeOf<[options?: RetryOptions]>();
    expectTypeOf(ctx.retry).returns.toBeNever();
  });

  it('is not a positional argument of the task function', () => {
    // @ts-expect-error the context is not passed to delay()
    void add.delay(1, 2, currentTask());
  });
});
