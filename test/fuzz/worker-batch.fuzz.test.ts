import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorCode } from '../../sdk/core/errors.js';
import { TaskState } from '../../sdk/core/states.js';
import { memoryHarness } from '../helpers/memory-harness.js';
import { FUZZ_RUNS, FUZZ_TIMEOUT_MS } from './runs.js';

const CODES = new Set<string>(Object.values(ErrorCode));
const BATCH = 10;
/** Batches hold 1–10 messages, 5.5 on average: 25 % more batches than FUZZ_RUNS / 5 make at least FUZZ_RUNS messages. */
const BATCHES = Math.ceil((FUZZ_RUNS / (BATCH / 2)) * 1.25);

/** One message body: garbage, any JSON, or an envelope for a registered task with generated fields. */
const body = fc.oneof(
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  {
    weight: 4,
    arbitrary: fc
      .record(
        {
          id: fc.oneof(fc.uuid(), fc.string({ maxLength: 4 }), fc.anything()),
          task: fc.oneof(fc.constantFrom('math.add', 'text.echo', 'text.fail', 'nope.missing'), fc.anything()),
          args: fc.oneof(fc.tuple(fc.integer(), fc.integer()), fc.array(fc.jsonValue(), { maxLength: 3 }), fc.anything()),
          kwargs: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 2 }), fc.anything()),
          retries: fc.oneof(fc.nat(5), fc.anything()),
          eta: fc.oneof(
            fc.constant(null),
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
            fc.anything(),
          ),
          expires: fc.oneof(
            fc.constant(null),
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
            fc.anything(),
          ),
          headers: fc.oneof(fc.constant({}), fc.anything()),
          ignoreResult: fc.oneof(fc.boolean(), fc.anything()),
        },
        { requiredKeys: ['task'] },
      )
      .map((raw) => {
        try {
          return JSON.stringify(raw) ?? '{}';
        } catch {
          return '{"task":1}';
        }
      }),
  },
);

describe('worker batch path under generated messages', () => {
  it('never crashes: each message is run, deferred, or rejected with a typed code to the DLQ', { timeout: FUZZ_TIMEOUT_MS }, async () => {
    let inputs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(body, { minLength: 1, maxLength: BATCH }), async (bodies) => {
        const h = memoryHarness();
        h.app.task('math.add', async (x: number, y: number) => x + y, { argsSchema: z.tuple([z.number(), z.number()]) });
        h.app.task('text.echo', async (...args: unknown[]) => args.length);
        h.app.task('text.fail', async () => {
          throw new TypeError('fails on purpose');
        });
        for (const b of bodies) await h.sendRaw(b);
        const received = h.receive();
        inputs += received.length;
        const response = await h.worker.processBatch(received);
        expect(Array.isArray(response.batchItemFailures)).toBe(true);

        // No internal error: every message got a decision the worker can explain.
        expect(h.events.filter((e) => e.type === 'error')).toEqual([]);
        const rejected = h.events.filter((e) => e.type === 'rejected');
        for (const event of rejected) expect(CODES.has(event.error.code ?? ''), JSON.stringify(event.error)).toBe(true);
        // Each rejection left a copy in the dead-letter queue, and a FAILURE record when an id was readable.
        expect(h.deadLetters()).toHaveLength(rejected.length);
        for (const event of rejected) {
          if (event.id) expect((await h.backend.get(event.id))?.state).toBe(TaskState.FAILURE);
        }
        // Kept messages are exactly those deferred (eta ahead) or running under another lease.
        const kept = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
        const deferred = h.events.filter((e) => e.type === 'deferred' || e.type === 'retry').length;
        expect(kept.size).toBe(deferred);
        for (const event of h.events.filter((e) => e.type === 'failed')) expect(event.error.type).not.toBe('');
      }),
      { numRuns: BATCHES },
    );
    process.stdout.write(`worker batch fuzz: ${inputs} generated messages in ${BATCHES} batches\n`);
    expect(inputs).toBeGreaterThanOrEqual(FUZZ_RUNS);
  });
});
