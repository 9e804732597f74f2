import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { recordKeyOf, taskIdOfKey } from '../../sdk/aws/celery-result-item.js';
import { decodeResultItem, encodeResultItem } from '../../sdk/aws/result-item.js';
import { celeryMetaOf, fromCeleryMeta, toCeleryException } from '../../sdk/core/protocol/celery-result.js';
import type { TaskRecord } from '../../sdk/core/ports/result-backend.js';

/** Every Celery task-meta item in the DynamoDB captures (written by Celery's backend, or by hand and read by Celery). */
function capturedTaskItems(): { file: string; key: string; meta: Record<string, unknown>; timestamp: string }[] {
  const dir = new URL('../fixtures/celery/dynamodb/', import.meta.url);
  const out: { file: string; key: string; meta: Record<string, unknown>; timestamp: string }[] = [];
  const seen = new Set<string>();
  const walk = (node: unknown, file: string): void => {
    if (Array.isArray(node)) return node.forEach((child) => walk(child, file));
    if (typeof node !== 'object' || node === null) return;
    const item = node as Record<string, { S?: string; B?: string; N?: string }>;
    const key = item.id?.S;
    if (key?.startsWith("b'celery-task-meta-") && typeof item.result?.B === 'string' && !seen.has(`${file}:${key}:${item.result.B}`)) {
      seen.add(`${file}:${key}:${item.result.B}`);
      const text = Buffer.from(item.result.B, 'base64').toString('utf8');
      if (text.startsWith('{')) out.push({ file, key, meta: JSON.parse(text) as Record<string, unknown>, timestamp: item.timestamp?.N ?? '' });
    }
    for (const child of Object.values(node)) walk(child, file);
  };
  for (const file of readdirSync(dir)) walk(JSON.parse(readFileSync(new URL(file, dir), 'utf8')), file);
  return out;
}

const items = capturedTaskItems();

describe('Celery task meta over the captured DynamoDB items', () => {
  it('finds the captured items of every state', () => {
    expect(new Set(items.map((i) => i.meta.status))).toEqual(new Set(['SUCCESS', 'FAILURE', 'RETRY', 'STARTED', 'REVOKED', 'PENDING']));
  });

  for (const { file, key, meta } of items) {
    it(`reads ${String(meta.status)} of ${file} (${key.slice(19, 27)})`, () => {
      const outcome = fromCeleryMeta(meta);
      expect(outcome.state).toBe(meta.status);
      if (meta.status === 'SUCCESS') expect(outcome.result).toEqual(meta.result);
      if (['FAILURE', 'RETRY', 'REVOKED'].includes(meta.status as string)) {
        expect(outcome.error?.type).toBe((meta.result as { exc_type: string }).exc_type);
      }
      expect(taskIdOfKey(key)).toBe(meta.task_id ?? taskIdOfKey(key));
    });
  }
});

describe('the Celery layout of a celeriac record', () => {
  const done = new Date('2026-12-03T20:10:03.057Z');
  const success: TaskRecord = { id: 't-1', state: 'SUCCESS', task: 'math.add', retries: 0, result: 8, dateDone: done, expiresAt: 1 };

  it('is keyed, typed and shaped as the items Celery writes', () => {
    const item = encodeResultItem(success, 'celery');
    const captured = items.find((i) => i.meta.status === 'SUCCESS' && i.file.startsWith('default__success_add'))!;
    expect(item.id?.S).toBe(recordKeyOf('t-1', 'celery'));
    expect(item.id?.S).toMatch(/^b'celery-task-meta-t-1'$/);
    expect(item.result?.B).toBeInstanceOf(Uint8Array);
    expect(Number(item.timestamp?.N)).toBeGreaterThan(1e9);
    const meta = JSON.parse(new TextDecoder().decode(item.result!.B)) as Record<string, unknown>;
    expect(Object.keys(meta)).toEqual(Object.keys(captured.meta));
    expect(meta).toMatchObject({ status: 'SUCCESS', result: 8, traceback: null, children: [], task_id: 't-1' });
    expect(meta.date_done).toBe('2026-12-03T20:10:03.057000+00:00');
  });

  it('reads back as the same record', () => {
    expect(decodeResultItem(encodeResultItem(success, 'celery'))).toEqual(decodeResultItem(encodeResultItem(success)));
    const failure: TaskRecord = { ...success, state: 'FAILURE', result: { 'celeriac:truncated': true }, error: { type: 'ResultTooLargeError', code: 'RESULT_TOO_LARGE', message: 'big' } };
    expect(decodeResultItem(encodeResultItem(failure, 'celery'))).toEqual(decodeResultItem(encodeResultItem(failure)));
  });

  it('stores a FAILURE as the exception a Python client can catch, exc_message a list', () => {
    const meta = celeryMetaOf({ id: 't', state: 'FAILURE', error: { type: 'RangeError', message: 'n must be ≥ 0' } });
    expect(meta.result).toEqual({ exc_type: 'ValueError', exc_message: ['n must be ≥ 0'], exc_module: 'builtins' });
  });

  it('maps errors to Python built-ins where they correspond, celeriac codes to Celery exceptions, the rest to celeriac.errors', () => {
    expect(toCeleryException({ type: 'ValueError', message: 'm' }).exc_module).toBe('builtins');
    expect(toCeleryException({ type: 'TypeError', message: 'm' })).toMatchObject({ exc_type: 'TypeError', exc_module: 'builtins' });
    expect(toCeleryException({ type: 'Error', message: 'm' })).toMatchObject({ exc_type: 'Exception', exc_module: 'builtins' });
    expect(toCeleryException({ type: 'UnknownTaskError', code: 'UNKNOWN_TASK', message: 'm' })).toMatchObject({ exc_type: 'NotRegistered', exc_module: 'celery.exceptions' });
    expect(toCeleryException({ type: 'TaskExpired', code: 'TASK_REVOKED', message: 'm' })).toMatchObject({ exc_type: 'TaskRevokedError', exc_module: 'celery.exceptions' });
    expect(toCeleryException({ type: 'PaymentDeclined', message: 'm' })).toMatchObject({ exc_type: 'PaymentDeclined', exc_module: 'celeriac.errors' });
  });
});

describe('records a Celery worker wrote into the app table (remote tasks)', () => {
  const wire = (file: string) =>
    JSON.parse(readFileSync(new URL(`../fixtures/celery/dynamodb/${file}`, import.meta.url), 'utf8')) as { item_written_wire: Record<string, { S?: string; B?: string; N?: string }> };
  const toItem = (raw: Record<string, { S?: string; B?: string; N?: string }>) =>
    Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.B !== undefined ? { B: new Uint8Array(Buffer.from(v.B, 'base64')) } : v])) as Parameters<typeof decodeResultItem>[0];

  for (const { file, key, meta } of items) {
    it(`reads Celery's own ${String(meta.status)} item of ${file} (${key.slice(19, 27)}) as a record`, () => {
      const record = decodeResultItem(toItem({ id: { S: key }, result: { B: Buffer.from(JSON.stringify(meta)).toString('base64') }, timestamp: { N: '1' } }));
      expect(record.id).toBe(taskIdOfKey(key));
      expect(record.state).toBe(meta.status);
      if (meta.status === 'SUCCESS') expect(record.result).toEqual(meta.result);
      if (meta.status === 'FAILURE') expect(record.error?.type).toBe((meta.result as { exc_type: string }).exc_type);
    });
  }

  it('reads a result Celery compressed (result_compression, the in-band marker)', () => {
    expect(decodeResultItem(toItem(wire('reverse__compressed_gzip.json').item_written_wire))).toMatchObject({ state: 'SUCCESS', result: 'zipped' });
  });
});
