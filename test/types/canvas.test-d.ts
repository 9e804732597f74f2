import { describe, expectTypeOf, it } from 'vitest';
import { createCoreApp } from '../../sdk/core/app.js';
import type { AsyncResult } from '../../sdk/core/async-result.js';
import { chain, chord, group, type GroupResult, type Signature, type TaskFailure } from '../../sdk/core/canvas/index.js';

const app = createCoreApp({ name: 'types' });

const add = app.task('math.add', async (x: number, y: number) => x + y);
const toText = app.task('text.of', async (n: number, unit: string) => `${n} ${unit}`);
const shout = app.task('text.shout', async (text: string) => ({ text: text.toUpperCase(), at: new Date() }));
const sum = app.task('math.sum', async (values: number[]) => values.reduce((a, b) => a + b, 0));
const notify = app.task('ops.notify', async (channel: string) => channel);
const alert = app.task('ops.alert', async (failure: TaskFailure, channel: string) => `${channel}: ${failure.error.message}`);

describe('signatures', () => {
  it('is complete with every argument, and waits for its parent result with all but the first', () => {
    expectTypeOf(add.s(1, 2)).toEqualTypeOf<Signature<[], number>>();
    expectTypeOf(add.s(1)).toEqualTypeOf<Signature<[x: number], number>>();
    expectTypeOf(toText.s('kg')).toEqualTypeOf<Signature<[n: number], string>>();
  });

  it('types the result as it comes back over JSON', () => {
    expectTypeOf(shout.s('hi')).toEqualTypeOf<Signature<[], { text: string; at: string }>>();
  });

  it('rejects wrong partial arguments', () => {
    // @ts-expect-error unit is a string
    add.s('1');
    // @ts-expect-error too many arguments
    add.s(1, 2, 3);
    // @ts-expect-error the partial arguments are the last ones: unit is a string
    toText.s(5);
  });

  it('ignores the parent result when immutable', () => {
    expectTypeOf(notify.si('ops').delay).parameters.toEqualTypeOf<[input?: unknown]>();
  });
});

describe('chain()', () => {
  it("types the chain's result as its last task's", async () => {
    const c = chain(add.s(2, 2), toText.s('apples'), shout.s());
    const result = await c.delay();
    expectTypeOf(result).toEqualTypeOf<AsyncResult<{ text: string; at: string }>>();
    expectTypeOf(await result.get()).toEqualTypeOf<{ text: string; at: string }>();
  });

  it('rejects a step that does not accept the previous result', () => {
    // @ts-expect-error toText takes a number first, shout returns an object
    chain(shout.s('x'), toText.s('kg'));
    // @ts-expect-error a complete signature would get the previous result as an extra argument
    chain(add.s(1, 1), add.s(2, 2));
  });

  it('accepts an immutable step anywhere', () => {
    expectTypeOf(chain(add.s(1, 1), notify.si('ops'))).toMatchTypeOf<{ delay(): Promise<AsyncResult<string>> }>();
  });

  it('takes the first step’s input when the first step is partial', () => {
    const c = chain(add.s(10), toText.s('kg'));
    expectTypeOf(c.delay).parameters.toEqualTypeOf<[x: number]>();
  });
});

describe('group() and chord()', () => {
  it('types a group’s results in order', async () => {
    const g = await group([add.s(1, 1), toText.s(3, 'kg')]).delay();
    expectTypeOf(g).toEqualTypeOf<GroupResult<[number, string]>>();
    expectTypeOf(await g.get()).toEqualTypeOf<[number, string]>();
    const many = await group([1, 2, 3].map((n) => add.s(n, n))).delay();
    expectTypeOf(await many.get()).toEqualTypeOf<number[]>();
  });

  it('rejects a member that still needs input', () => {
    // @ts-expect-error add.s(1) waits for a parent result
    group([add.s(1)]);
  });

  it('gives the callback the list of results and types the chord’s result as the callback’s', async () => {
    const result = await chord([add.s(1, 1), add.s(2, 2)], sum.s()).delay();
    expectTypeOf(result).toEqualTypeOf<AsyncResult<number>>();
    // @ts-expect-error toText takes a number, not the list of results
    chord([add.s(1, 1)], toText.s('kg'));
  });

  it('types link and linkError callbacks', () => {
    add.s(1, 1).link(toText.s('kg'));
    add.s(1, 1).linkError(alert.s('ops'));
    // @ts-expect-error shout takes a string, add returns a number
    add.s(1, 1).link(shout.s());
    // @ts-expect-error an errback receives a TaskFailure first
    add.s(1, 1).linkError(toText.s('kg'));
  });
});
