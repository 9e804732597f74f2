import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Broker, OutgoingMessage } from '../../sdk/core/ports/broker.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../sdk/core/defaults.js';

/** A message as a harness reads it back from a queue. */
export interface ReadMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
}

/** A dead-lettered message as a harness reads it back, with the reason the adapter kept beside it. */
export interface ReadDeadLetter {
  readonly body: string;
  readonly reason: { readonly code: string; readonly message: string; readonly taskId?: string };
}

/** What the suite needs around one adapter: the broker, one queue with a DLQ, and a way to read both. */
export interface BrokerHarness {
  readonly broker: Broker;
  /** Physical name of a queue that has a dead-letter queue. */
  readonly queueName: string;
  /** How a received message of that queue names its source (the queue ARN). */
  readonly source: string;
  /** The error code the adapter gives a message with a delay beyond 900 s. */
  readonly refusedCode: string;
  /** Receives the visible messages of the queue, hiding them for its visibility timeout. */
  receive(): Promise<readonly ReadMessage[]>;
  /** Reads the dead-letter queue. */
  deadLetters(): Promise<readonly ReadDeadLetter[]>;
  dispose(): Promise<void>;
}

const message = (id: string, body: string, delaySeconds = 0): OutgoingMessage => ({ id, body, delaySeconds });

/** Polls `read` until `done` holds, for up to `timeoutMs` (queues that make messages visible on their own time). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The contract of the `Broker` port that every adapter shares: batch outcomes, visibility changes and
 * dead-lettering. `makeHarness` is called before each test and should give fresh, empty queues.
 */
export function describeBrokerConformance(name: string, makeHarness: () => Promise<BrokerHarness>): void {
  describe(`Broker conformance: ${name}`, () => {
    let h: BrokerHarness;

    beforeEach(async () => {
      h = await makeHarness();
    });

    afterEach(async () => {
      await h?.dispose();
    });

    it('declares a 1 MiB message limit by default', () => {
      expect(h.broker.maxMessageBytes).toBe(DEFAULT_MAX_MESSAGE_BYTES);
    });

    describe('sendBatch()', () => {
      it('resolves one outcome per message, in order, each naming the message it sent', async () => {
        const bodies = ['{"task":"a"}', '{"task":"b"}', '{"task":"c"}'];

        const outcomes = await h.broker.sendBatch(
          h.queueName,
          bodies.map((body, i) => message(`t${i}`, body)),
        );

        expect(outcomes).toHaveLength(3);
        const ids = outcomes.map((o) => (o.ok ? o.messageId : undefined));
        expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
        expect(new Set(ids).size).toBe(3);
        const received = await eventually(h.receive, (m) => m.length >= 3);
        const bodyById = new Map(received.map((m) => [m.messageId, m.body]));
        expect(ids.map((id) => bodyById.get(id!))).toEqual(bodies);
      });

      it('reports a refused entry in its place and still sends the others', async () => {
        const outcomes = await h.broker.sendBatch(h.queueName, [message('a', 'first'), message('b', 'too late', 901), message('c', 'third')]);

        expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
        const refused = outcomes[1];
        expect(refused).toMatchObject({ ok: false, code: h.refusedCode });
        expect(refused?.ok === false && refused.message.length).toBeGreaterThan(0);
        const received = await eventually(h.receive, (m) => m.length >= 2);
        expect(received.map((m) => m.body).sort()).toEqual(['first', 'third']);
      });

      it('keeps a delayed message hidden until its delay has passed', async () => {
        await h.broker.sendBatch(h.queueName, [message('later', 'later', 60), message('now', 'now')]);

        const received = await eventually(h.receive, (m) => m.length >= 1);
        expect(received.map((m) => m.body)).toEqual(['now']);
      });

      it('keeps the body byte for byte', async () => {
        const body = '{"task":"t","args":["Grüße 🥕 東京","line\\nbreak"]}';
        await h.broker.sendBatch(h.queueName, [message('u', body)]);

        const [received] = await eventually(h.receive, (m) => m.length >= 1);
        expect(received?.body).toBe(body);
      });
    });

    describe('changeVisibility()', () => {
      it('makes a received message visible again at once with a timeout of 0', async () => {
        await h.broker.sendBatch(h.queueName, [message('v', 'again')]);
        const [first] = await eventually(h.receive, (m) => m.length >= 1);
        expect(await h.receive()).toEqual([]);

        await h.broker.changeVisibility(h.source, first!.receiptHandle, 0);

        const again = await eventually(h.receive, (m) => m.length >= 1);
        expect(again.map((m) => [m.messageId, m.body])).toEqual([[first!.messageId, 'again']]);
      });

      it('brings a received message back after the new timeout, not before', async () => {
        await h.broker.sendBatch(h.queueName, [message('v', 'soon')]);
        const [first] = await eventually(h.receive, (m) => m.length >= 1);

        await h.broker.changeVisibility(h.source, first!.receiptHandle, 1);

        expect(await h.receive()).toEqual([]);
        const again = await eventually(h.receive, (m) => m.length >= 1, 6_000);
        expect(again.map((m) => m.body)).toEqual(['soon']);
      });
    });

    describe('deadLetter()', () => {
      it('puts the body in <queue>-dlq with the reason beside it', async () => {
        const body = 'not json {';

        await h.broker.deadLetter(h.source, {
          body,
          messageId: 'source-message-1',
          reason: { code: 'MESSAGE_NOT_JSON', message: 'Message body is not JSON', taskId: 'sqs-source-message-1' },
        });

        const letters = await eventually(h.deadLetters, (l) => l.length >= 1);
        expect(letters).toEqual([{ body, reason: { code: 'MESSAGE_NOT_JSON', message: 'Message body is not JSON', taskId: 'sqs-source-message-1' } }]);
        expect(await h.receive()).toEqual([]);
      });

      it('keeps no task id when the reason has none', async () => {
        await h.broker.deadLetter(h.source, { body: '{}', messageId: 'm-2', reason: { code: 'ENVELOPE_INVALID', message: 'no task' } });

        const letters = await eventually(h.deadLetters, (l) => l.length >= 1);
        expect(letters).toHaveLength(1);
        expect(letters[0]?.reason).toEqual({ code: 'ENVELOPE_INVALID', message: 'no task' });
      });
    });
  });
}
