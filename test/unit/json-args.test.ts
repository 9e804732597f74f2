import { describe, expect, it } from 'vitest';
import { ArgsValidationError, CeleriacError, ErrorCode } from '../../sdk/core/errors.js';
import { ArgsNotJsonError } from '../../sdk/core/json-args.js';
import { memoryHarness } from '../helpers/memory-harness.js';

const setup = () => {
  const h = memoryHarness();
  const echo = h.app.task('data.echo', async (...values: unknown[]) => values.length);
  return { ...h, echo };
};

const cyclic = (): unknown => {
  const node: { self?: unknown } = {};
  node.self = node;
  return node;
};

describe('arguments JSON cannot carry', () => {
  it.each([
    ['a BigInt', () => 10n, /args\[0\]: a BigInt \(10n\) has no JSON form/],
    ['a cycle', cyclic, /args\[0\]\[self\]: the value refers to itself \(a cycle\)/],
    ['NaN', () => Number.NaN, /args\[0\]: NaN has no JSON form/],
    ['Infinity', () => Number.POSITIVE_INFINITY, /args\[0\]: Infinity has no JSON form/],
    ['a function', () => () => 1, /args\[0\]: a function cannot be sent/],
    ['a Map', () => new Map([['a', 1]]), /args\[0\]: a Map would arrive as \{\}: send Object\.fromEntries\(map\)/],
    ['a Set nested in an object', () => ({ tags: new Set(['x']) }), /args\[0\]\[tags\]: a Set would arrive as \{\}/],
  ])('rejects %s with ArgsNotJsonError naming the task, and sends nothing', async (_what, make, message) => {
    const { echo, broker, queueName } = setup();
    const error = await echo.delay(make()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArgsNotJsonError);
    expect(error).toBeInstanceOf(ArgsValidationError);
    expect(error).toBeInstanceOf(CeleriacError);
    expect(error).toMatchObject({ code: ErrorCode.ARGS_INVALID, name: 'ArgsNotJsonError', taskName: 'data.echo' });
    expect((error as Error).message).toMatch(/^Arguments of task "data\.echo" failed validation: /);
    expect((error as Error).message).toMatch(message);
    expect(broker.messages(queueName())).toHaveLength(0);
  });

  it('sends what JSON carries: dates (as their JSON), nested arrays and objects, null and undefined', async () => {
    const { echo, broker, queueName } = setup();
    await echo.delay(new Date(0), [1, [2, { a: 'b' }]], null, undefined, Object.create(null) as object);
    expect(broker.messages(queueName())).toHaveLength(1);
  });
});
