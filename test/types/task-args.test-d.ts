import { describe, expectTypeOf, it } from 'vitest';
import { createApp } from '../../sdk/index.js';
import { createCoreApp, type App } from '../../sdk/core/app.js';
import type { AsyncResult } from '../../sdk/core/async-result.js';
import type { TaskFailure } from '../../sdk/core/canvas/index.js';
import type { JsonValue } from '../../sdk/core/json.js';
import type { KwargsOf, NotJsonArgs, PositionalOf } from '../../sdk/core/task-args.js';
import type { AnyTask, Task } from '../../sdk/core/task.js';

const app = createCoreApp({ name: 'types' });
const shop = createCoreApp({ name: 'shop', queues: { default: {}, exports: {} } });

describe('task parameters are JSON types', () => {
  it('accepts strings, numbers, booleans, null, arrays, plain objects, interfaces and unknown', () => {
    interface Order {
      readonly id: string;
      readonly lines: readonly { sku: string; qty: number }[];
      readonly note?: string;
    }
    app.task('ok.order', async (order: Order, urgent: boolean, tags: string[], extra: null | number) => order.id + urgent + tags.length + extra);
    app.task('ok.failure', async (failure: TaskFailure) => failure.taskId);
    app.task('ok.json', async (value: JsonValue, anything: unknown) => [value, anything]);
    app.task('ok.variadic', async (...values: number[]) => values.length);
    app.task('ok.optional', async (name: string, options?: { loud: boolean }) => name + String(options?.loud));
  });

  it('refuses a Date parameter, saying it arrives as a string', () => {
    // @ts-expect-error a Date arrives as an ISO string: declare a string
    app.task('bad.date', async (d: Date) => d.getTime());
    expectTypeOf<
      NotJsonArgs<[d: Date]>
    >().toEqualTypeOf<'parameter 0 is a Date: it arrives as an ISO 8601 string. Declare a string and parse it (new Date(value)).'>();
  });

  it('refuses a Date, Map, bigint or function nested in an object or array, naming the path', () => {
    // @ts-expect-error a nested Date
    app.task('bad.nested', async (order: { placedAt: Date }) => order);
    // @ts-expect-error a Map arrives as {}
    app.task('bad.map', async (index: Map<string, number>) => index.size);
    // @ts-expect-error a bigint cannot be written as JSON
    app.task('bad.bigint', async (n: bigint) => n.toString());
    // @ts-expect-error a function does not travel
    app.task('bad.fn', async (callback: () => void) => callback());
    // @ts-expect-error a Date in an array
    app.task('bad.array', async (days: Date[]) => days.length);
    expectTypeOf<
      NotJsonArgs<[id: string, order: { lines: { at: Date }[] }]>
    >().toEqualTypeOf<'parameter 1.lines[].at is a Date: it arrives as an ISO 8601 string. Declare a string and parse it (new Date(value)).'>();
  });

  it('keeps delay() and applyAsync() typed by the parameters, so a Date argument does not compile', () => {
    const at = app.task('ok.at', async (iso: string) => Date.parse(iso));
    void at.delay(new Date().toISOString());
    // @ts-expect-error a Date is not the string the task declares
    void at.delay(new Date());
    // @ts-expect-error a Date is not the string the task declares
    void at.applyAsync([new Date()]);
  });
});

describe('kwargs', () => {
  const greet = app.task('greet', async (name: string, options?: { loud?: boolean; times?: number }) => name.repeat(options?.times ?? 1));
  const add = app.task('math.add', async (x: number, y: number) => x + y);

  it('are the last parameter when it is an object, and never otherwise', () => {
    expectTypeOf<KwargsOf<[name: string, options?: { loud: boolean }]>>().toEqualTypeOf<{ loud: boolean }>();
    expectTypeOf<PositionalOf<[name: string, options?: { loud: boolean }]>>().toEqualTypeOf<[name: string]>();
    expectTypeOf<KwargsOf<[x: number, y: number]>>().toBeNever();
    expectTypeOf<KwargsOf<[tags: string[]]>>().toBeNever();
  });

  it('go to applyAsync() as { kwargs } with the parameters before them as args', () => {
    expectTypeOf(greet.applyAsync(['ada'], { kwargs: { loud: true } })).toEqualTypeOf<Promise<AsyncResult<string>>>();
    void greet.applyAsync(['ada', { loud: true }]);
    // @ts-expect-error loud is a boolean
    void greet.applyAsync(['ada'], { kwargs: { loud: 'yes' } });
    // @ts-expect-error with kwargs, args are the parameters before them
    void greet.applyAsync(['ada', { loud: true }], { kwargs: { loud: true } });
    // @ts-expect-error a task whose last parameter is not an object takes no kwargs
    void add.applyAsync([1], { kwargs: { y: 2 } });
  });

  it('go to a schedule typed the same way', () => {
    app.schedule('greet.daily', greet, { cron: '0 9 * * *', args: ['ada'], kwargs: { times: 2 } });
    // @ts-expect-error times is a number
    app.schedule('greet.bad', greet, { cron: '0 9 * * *', args: ['ada'], kwargs: { times: 'two' } });
    // @ts-expect-error add takes no kwargs
    app.schedule('add.bad', add, { every: '1h', args: [1, 2], kwargs: { z: 3 } });
  });
});

describe('queue names', () => {
  it('are inferred from createApp({ queues })', () => {
    expectTypeOf(shop).toEqualTypeOf<App<'default' | 'exports'>>();
    expectTypeOf(createApp({ name: 'shop', queues: { default: {}, exports: {} } })).toEqualTypeOf<App<'default' | 'exports'>>();
    expectTypeOf(shop.defaultQueue).toEqualTypeOf<'default' | 'exports'>();
  });

  it("are 'default' without queues", () => {
    expectTypeOf(app).toEqualTypeOf<App<'default'>>();
    expectTypeOf(createApp({ name: 'plain' })).toEqualTypeOf<App<'default'>>();
    app.task('on.default', async () => null, { queue: 'default' });
    // @ts-expect-error only 'default' is declared
    app.task('on.exports', async () => null, { queue: 'exports' });
  });

  it('make a typo in a task option, a call, a route or the default queue a compile error', () => {
    const exportUsers = shop.task('users.export', async (to: string) => to, { queue: 'exports' });
    expectTypeOf(exportUsers).toEqualTypeOf<Task<[to: string], Promise<string>, 'default' | 'exports'>>();
    expectTypeOf(exportUsers).toExtend<Task<[to: string], Promise<string>>>();
    void exportUsers.applyAsync(['ops@example.com'], { queue: 'exports' });
    // @ts-expect-error 'exprots' is not declared
    void exportUsers.applyAsync(['ops@example.com'], { queue: 'exprots' });
    // @ts-expect-error 'typo' is not declared
    shop.task('users.typo', async () => null, { queue: 'typo' });
    // @ts-expect-error 'slow' is not declared
    createCoreApp({ name: 'shop', queues: { fast: {} }, defaultQueue: 'slow' });
    // @ts-expect-error routes go to declared queues
    createCoreApp({ name: 'shop', queues: { fast: {} }, taskRoutes: { 'a.*': 'slow' } });
    // @ts-expect-error a schedule's queue is declared too
    shop.schedule('users.nightly', exportUsers, { cron: '0 2 * * *', args: ['ops@example.com'], queue: 'exprots' });
  });

  it('leave an app typed with plain App taking any task', () => {
    const apps: App[] = [app, shop];
    const tasks: AnyTask[] = [shop.getTask('users.export'), app.task('any.one', async (n: number) => n)];
    expectTypeOf(apps).toEqualTypeOf<App[]>();
    expectTypeOf(tasks[0]!.delay).returns.resolves.toEqualTypeOf<AsyncResult<unknown>>();
  });
});

describe('the task surface', () => {
  it('does not show the app a task sends through, nor a send path around the argument types', () => {
    const add = app.task('surface.add', async (x: number, y: number) => x + y);
    // @ts-expect-error no host on a task
    void add.host;
    // @ts-expect-error no untyped send on a task
    void add.send(['1', '2'], {}, {});
    // @ts-expect-error no host on a signature
    void add.s(1, 2).host;
  });
});
