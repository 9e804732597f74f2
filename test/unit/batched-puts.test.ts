import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { BatchedPuts, UnprocessedItemsError } from '../../sdk/aws/batched-puts.js';

type Item = Record<string, AttributeValue>;

/**
 * A client answering `BatchWriteItem` by a script: the retry rules of `BatchedPuts` are pure logic,
 * and DynamoDB's throttling (unprocessed items) cannot be produced on the emulator. The write path
 * itself runs on the emulator in test/integration/batched-result-writes.test.ts.
 */
function scriptedClient(answer: (ids: string[], call: number) => { unprocessed?: string[]; error?: Error }) {
  const calls: { command: string; ids: string[] }[] = [];
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const name = command.constructor.name;
      if (name === 'PutItemCommand') {
        const id = (command.input.Item as Item).id!.S!;
        calls.push({ command: 'PutItem', ids: [id] });
        if (id.startsWith('bad')) throw Object.assign(new Error('Item size has exceeded the maximum allowed size'), { name: 'ValidationException' });
        return {};
      }
      const requests = Object.values(command.input.RequestItems as Record<string, { PutRequest: { Item: Item } }[]>)[0]!;
      const ids = requests.map((r) => r.PutRequest.Item.id!.S!);
      calls.push({ command: 'BatchWriteItem', ids });
      const { unprocessed = [], error } = answer(ids, calls.length);
      if (error) throw error;
      const left = requests.filter((r) => unprocessed.includes(r.PutRequest.Item.id!.S!));
      return { UnprocessedItems: left.length ? { t: left } : {} };
    },
  };
  return { client: client as unknown as DynamoDBClient, calls };
}

const item = (id: string): Item => ({ id: { S: id }, state: { S: 'SUCCESS' } });

describe('BatchedPuts: coalescing and retry rules', () => {
  it('retries only the unprocessed items, and resolves each put when its own item is written', async () => {
    const { client, calls } = scriptedClient((_, call) => (call === 1 ? { unprocessed: ['b', 'c'] } : call === 2 ? { unprocessed: ['c'] } : {}));
    const puts = new BatchedPuts({ client, tableName: 't', lingerMs: 1, retryBaseMs: 1 });
    const order: string[] = [];
    await Promise.all(['a', 'b', 'c'].map((id) => puts.put(item(id)).then(() => order.push(id))));
    expect(calls.map((c) => c.ids)).toEqual([['a', 'b', 'c'], ['b', 'c'], ['c']]);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('rejects what is still unprocessed after the retries, and only that', async () => {
    const { client, calls } = scriptedClient(() => ({ unprocessed: ['b'] }));
    const puts = new BatchedPuts({ client, tableName: 't', lingerMs: 1, retryBaseMs: 1, unprocessedRetries: 2 });
    const [a, b] = await Promise.allSettled([puts.put(item('a')), puts.put(item('b'))]);
    expect(a.status).toBe('fulfilled');
    expect(b).toMatchObject({ status: 'rejected', reason: expect.any(UnprocessedItemsError) });
    expect((b as PromiseRejectedResult).reason.message).toMatch(/1 item\(s\).*after 3 attempts/);
    expect(calls).toHaveLength(3);
  });

  it('rejects every put of a request that fails, with its error', async () => {
    const outage = Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    const { client } = scriptedClient(() => ({ error: outage }));
    const puts = new BatchedPuts({ client, tableName: 't', lingerMs: 1 });
    const settled = await Promise.allSettled([puts.put(item('a')), puts.put(item('b'))]);
    expect(settled).toEqual([
      { status: 'rejected', reason: outage },
      { status: 'rejected', reason: outage },
    ]);
  });

  it('sends a request refused as invalid again as single PutItems, so the bad item fails alone', async () => {
    const invalid = Object.assign(new Error('Item size has exceeded the maximum allowed size'), { name: 'ValidationException' });
    const { client, calls } = scriptedClient(() => ({ error: invalid }));
    const puts = new BatchedPuts({ client, tableName: 't', lingerMs: 1 });
    const settled = await Promise.allSettled([puts.put(item('a')), puts.put(item('bad')), puts.put(item('c'))]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(calls.map((c) => c.command)).toEqual(['BatchWriteItem', 'PutItem', 'PutItem', 'PutItem']);
  });

  it('sends at 25 items without waiting for the linger, and starts a new request for a key already waiting', async () => {
    const { client, calls } = scriptedClient(() => ({}));
    const puts = new BatchedPuts({ client, tableName: 't', lingerMs: 60_000 });
    const full = Promise.all(Array.from({ length: 25 }, (_, i) => puts.put(item(`k${i}`))));
    await full; // a linger of a minute: only the 25-item rule can have sent it
    expect(calls.map((c) => c.ids.length)).toEqual([25]);
    const first = puts.put(item('x'));
    const second = puts.put(item('x'));
    expect(puts.waiting).toBe(1);
    puts.flush();
    await Promise.all([first, second]);
    expect(calls.slice(1).map((c) => c.ids)).toEqual([['x'], ['x']]);
  });
});
