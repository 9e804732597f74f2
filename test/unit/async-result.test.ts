import { describe, expect, it } from 'vitest';
import { ErrorCode, ResultTimeoutError, ResultTooLargeError, TaskError, TaskRevokedError } from '../../sdk/core/errors.js';
import { TaskState } from '../../sdk/core/states.js';
import { failedRecord, retryRecord, taskRecord } from '../fixtures/records.js';
import { memoryHarness } from '../helpers/memory-harness.js';

class PaymentDeclinedError extends Error {
  override name = 'PaymentDeclinedError';
  constructor(
    message: string,
    readonly code = 'CARD_DECLINED',
  ) {
    super(message);
  }
}

const setup = () => memoryHarness({ errorTypes: [PaymentDeclinedError] });

describe('AsyncResult', () => {
  describe('get()', () => {
    it('returns the value of a SUCCESS record', async () => {
      const { app, backend } = setup();
      const record = taskRecord({ result: { total: 8, items: ['a'] } });
      await backend.save(record);

      expect(await app.asyncResult(record.id).get()).toEqual({ total: 8, items: ['a'] });
    });

    it('waits, reading the record every intervalMs, until the task is ready', async () => {
      const { app, backend, clock } = setup();
      const record = taskRecord({ state: TaskState.STARTED, result: undefined });
      await backend.save(record);
      clock.onSleep = async () => {
        if (clock.sleeps.length === 3) await backend.save({ ...record, state: TaskState.SUCCESS, result: 'done' });
      };

      expect(await app.asyncResult(record.id).get({ intervalMs: 250, timeoutMs: 10_000 })).toBe('done');
      expect(clock.sleeps).toEqual([250, 250, 250]);
    });

    it('polls every 500 ms by default', async () => {
      const { app, backend, clock } = setup();
      const record = retryRecord();
      await backend.save(record);
      clock.onSleep = async () => {
        if (clock.sleeps.length === 2) await backend.save(taskRecord({ id: record.id, result: 1 }));
      };

      await app.asyncResult(record.id).get();
      expect(clock.sleeps).toEqual([500, 500]);
    });

    it('rethrows a built-in TypeError with its type, message and stack', async () => {
      const { app, backend } = setup();
      const record = failedRecord({
        error: { type: 'TypeError', message: 'x is not a function', stack: 'TypeError: x is not a function\n    at add (tasks.ts:3:9)' },
      });
      await backend.save(record);

      const error = await app
        .asyncResult(record.id)
        .get()
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(TypeError);
      expect(error).toMatchObject({ name: 'TypeError', message: 'x is not a function' });
      expect((error as Error).stack).toBe('TypeError: x is not a function\n    at add (tasks.ts:3:9)');
    });

    it('rethrows a class listed in errorTypes as an instance of that class, with message, code and stack', async () => {
      const { app, backend } = setup();
      const record = failedRecord({
        error: { type: 'PaymentDeclinedError', code: 'CARD_EXPIRED', message: 'card expired', stack: 'PaymentDeclinedError: card expired\n    at charge' },
      });
      await backend.save(record);

      const error = await app
        .asyncResult(record.id)
        .get()
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PaymentDeclinedError);
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({ name: 'PaymentDeclinedError', message: 'card expired', code: 'CARD_EXPIRED', taskId: record.id });
      expect((error as Error).stack).toBe('PaymentDeclinedError: card expired\n    at charge');
    });

    it('rethrows an unknown type as TaskError whose name is the type', async () => {
      const { app, backend } = setup();
      const record = failedRecord({ error: { type: 'InventoryError', code: 'OUT_OF_STOCK', message: 'no carrots', stack: 'InventoryError: no carrots' } });
      await backend.save(record);

      const error = await app
        .asyncResult(record.id)
        .get()
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(TaskError);
      expect(error).toMatchObject({
        name: 'InventoryError',
        message: 'no carrots',
        code: ErrorCode.TASK_FAILED,
        remoteCode: 'OUT_OF_STOCK',
        type: 'InventoryError',
        taskId: record.id,
      });
      expect((error as Error).stack).toBe('InventoryError: no carrots');
    });

    it('resolves with the task’s error, as an Error of its type, when propagate is false', async () => {
      const { app, backend } = setup();
      const record = failedRecord();
      await backend.save(record);

      const outcome = (await app.asyncResult(record.id).get({ propagate: false })) as unknown;
      expect(outcome).toBeInstanceOf(TypeError);
      expect(outcome).toMatchObject({ name: record.error!.type, message: record.error!.message, stack: record.error!.stack });
    });

    it('resolves with a TaskRevokedError for a REVOKED record when propagate is false', async () => {
      const { app, backend } = setup();
      const record = taskRecord({ state: TaskState.REVOKED, result: undefined, error: { type: 'TaskRevoked', message: 'stop it' } });
      await backend.save(record);

      const outcome = (await app.asyncResult(record.id).get({ propagate: false })) as unknown;
      expect(outcome).toBeInstanceOf(TaskRevokedError);
    });

    it('throws ResultTooLargeError, celeriac’s own class, for a result that was too large to store', async () => {
      const { app, backend } = setup();
      const record = failedRecord({ error: { type: 'ResultTooLargeError', code: 'RESULT_TOO_LARGE', message: 'Task x returned a result of 500000 bytes…' } });
      await backend.save(record);

      const error = await app
        .asyncResult(record.id)
        .get()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResultTooLargeError);
      expect(error).toMatchObject({
        code: ErrorCode.RESULT_TOO_LARGE,
        remoteCode: ErrorCode.RESULT_TOO_LARGE,
        message: 'Task x returned a result of 500000 bytes…',
        taskId: record.id,
      });
    });

    it('throws TaskRevokedError with the reason for a REVOKED record', async () => {
      const { app, backend } = setup();
      const record = taskRecord({ state: TaskState.REVOKED, result: undefined, error: { type: 'TaskExpired', message: 'expired at noon' } });
      await backend.save(record);

      const error = await app
        .asyncResult(record.id)
        .get()
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(TaskRevokedError);
      expect(error).toMatchObject({ code: ErrorCode.TASK_REVOKED, taskId: record.id });
      expect((error as Error).message).toContain('expired at noon');
    });

    it('throws ResultTimeoutError naming the last state when not ready within timeoutMs', async () => {
      const { app, backend, clock } = setup();
      const record = taskRecord({ state: TaskState.STARTED, result: undefined });
      await backend.save(record);
      const start = clock.now();

      const error = await app
        .asyncResult(record.id)
        .get({ timeoutMs: 2_000, intervalMs: 300 })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ResultTimeoutError);
      expect(error).toMatchObject({ code: ErrorCode.RESULT_TIMEOUT, taskId: record.id, timeoutMs: 2_000, lastState: TaskState.STARTED });
      expect((error as Error).message).toContain('2000 ms');
      expect(clock.now() - start).toBe(2_000);
      expect(clock.sleeps).toEqual([300, 300, 300, 300, 300, 300, 200]);
    });

    it('times out as PENDING for an id the backend does not know', async () => {
      const { app } = setup();
      await expect(app.asyncResult('never-sent').get({ timeoutMs: 1_000 })).rejects.toMatchObject({ lastState: TaskState.PENDING });
    });
  });

  describe('state and metadata', () => {
    it('reads an unknown id as PENDING that does not exist', async () => {
      const { app } = setup();
      const result = app.asyncResult('never-sent');

      expect(await result.state()).toBe(TaskState.PENDING);
      expect(await result.exists()).toBe(false);
      expect(await result.ready()).toBe(false);
      expect(await result.retries()).toBe(0);
    });

    it('reports state, readiness, traceback, date done and retries of a record', async () => {
      const { app, backend } = setup();
      const record = failedRecord({ retries: 2 });
      await backend.save(record);
      const result = app.asyncResult(record.id);

      expect(await result.state()).toBe(TaskState.FAILURE);
      expect(await result.exists()).toBe(true);
      expect(await result.ready()).toBe(true);
      expect(await result.failed()).toBe(true);
      expect(await result.successful()).toBe(false);
      expect(await result.traceback()).toBe(record.error?.stack);
      expect(await result.dateDone()).toEqual(record.dateDone);
      expect(await result.retries()).toBe(2);
      expect(await result.result()).toEqual(record.error);
    });

    it('reports a RETRY record as not ready, with its last error as result()', async () => {
      const { app, backend } = setup();
      const record = retryRecord();
      await backend.save(record);
      const result = app.asyncResult(record.id);

      expect(await result.ready()).toBe(false);
      expect(await result.result()).toEqual(record.error);
    });

    it('deletes the record on forget()', async () => {
      const { app, backend } = setup();
      const record = taskRecord();
      await backend.save(record);
      const result = app.asyncResult(record.id);

      await result.forget();

      expect(await backend.get(record.id)).toBeUndefined();
      expect(await result.exists()).toBe(false);
      expect(await result.state()).toBe(TaskState.PENDING);
    });
  });
});
