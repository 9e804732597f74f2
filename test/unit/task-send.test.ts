import { describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../sdk/core/protocol/envelope.js';
import { OptionsError } from '../../sdk/core/errors.js';
import { memoryHarness } from '../helpers/memory-harness.js';

describe('sending with kwargs', () => {
  const setup = () => {
    const h = memoryHarness();
    const calls: unknown[][] = [];
    const greet = h.app.task('greet', async (name: string, options?: { punctuation?: string; times?: number }) => {
      calls.push(options === undefined ? [name] : [name, options]);
      return `${name}${(options?.punctuation ?? '').repeat(options?.times ?? 1)}`;
    });
    const sent = () => h.broker.messages(h.queueName()).map((m) => decodeEnvelope(m.body));
    return { ...h, greet, calls, sent };
  };

  it('puts kwargs in the envelope and the worker passes them as the last argument', async () => {
    const { greet, calls, sent, deliver, backend } = setup();
    const result = await greet.applyAsync(['Ada'], { kwargs: { punctuation: '!', times: 2 } });
    expect(sent()).toMatchObject([{ args: ['Ada'], kwargs: { punctuation: '!', times: 2 } }]);

    await deliver();

    expect(calls).toEqual([['Ada', { punctuation: '!', times: 2 }]]);
    expect((await backend.get(result.id))?.result).toBe('Ada!!');
  });

  it('sends empty kwargs as the last positional argument, so the task still gets its object', async () => {
    const { greet, calls, sent, deliver } = setup();
    await greet.applyAsync(['Bob'], { kwargs: {} });
    expect(sent()).toMatchObject([{ args: ['Bob', {}], kwargs: {} }]);

    await deliver();

    expect(calls).toEqual([['Bob', {}]]);
  });

  it('refuses kwargs that are not an object with OptionsError', async () => {
    const { greet } = setup();
    await expect(greet.applyAsync(['Ada'], { kwargs: ['!'] as never })).rejects.toThrow(OptionsError);
  });
});

describe("a task's app", () => {
  it('is neither an enumerable nor a named property of the task, and canvas still sends through it', async () => {
    const h = memoryHarness();
    const add = h.app.task('math.add', async (x: number, y: number) => x + y);
    expect(Object.keys(add)).toEqual(['name', 'fn', 'options']);
    expect('host' in add).toBe(false);
    expect('send' in add).toBe(false);
    const result = await add.s(2, 3).delay();
    await h.deliver();
    expect(await result.get({ timeoutMs: 0 })).toBe(5);
  });
});
