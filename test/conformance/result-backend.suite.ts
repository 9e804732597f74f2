import { describe, expect, it } from 'vitest';
import type { ResultBackend, TaskRecord } from '../../sdk/core/ports/result-backend.js';
import { TaskState } from '../../sdk/core/states.js';
import { at, claimRequest, failedRecord, fullRecord, newTaskId, retryRecord, T0, taskRecord } from '../fixtures/records.js';

const EXPIRES = Math.ceil(T0.getTime() / 1000) + 3600;

/** Options of {@link describeResultBackendConformance}. */
export interface ResultBackendConformanceOptions {
  /**
   * Set, with the reason, when the store behind the adapter does not apply conditional writes
   * atomically (moto), so a race between claims says nothing about the adapter: the concurrent-claim
   * test is skipped. It runs on the real service and on emulators that serialise writes.
   * @default - the concurrent-claim test runs
   */
  readonly nonAtomicStore?: string;
}

/**
 * The backend with every claim carrying the `firstDelivery` hint: the outcome of a claim must not
 * depend on it, so the claim tests run with both.
 */
function withClaimHint(backend: ResultBackend, firstDelivery: boolean): ResultBackend {
  const hinted = Object.create(backend) as ResultBackend;
  hinted.claim = (request) => backend.claim({ ...request, firstDelivery });
  return hinted;
}

/**
 * The contract of the `ResultBackend` port, run against every adapter. Each test uses fresh task ids,
 * so adapters may share one store (one table per file) across tests.
 */
export function describeResultBackendConformance(name: string, makeBackend: () => Promise<ResultBackend>, options: ResultBackendConformanceOptions = {}): void {
  describe(`ResultBackend conformance: ${name}`, () => {
    describe('get()', () => {
      it('returns undefined for an id it has no record of', async () => {
        const backend = await makeBackend();
        expect(await backend.get(newTaskId('unknown'))).toBeUndefined();
      });
    });

    for (const firstDelivery of [true, false]) {
      describe(`claim() (${firstDelivery ? 'hinted first delivery' : 'hinted redelivery'})`, () => {
        it('claims an unknown task with 0 retries and records it STARTED with its lease', async () => {
          const backend = withClaimHint(await makeBackend(), firstDelivery);
          const request = claimRequest({ task: 'reports.build', queue: 'exports' });

          expect(await backend.claim(request)).toEqual({ status: 'claimed', retries: 0 });

          const record = await backend.get(request.id);
          expect(record).toMatchObject({
            id: request.id,
            state: TaskState.STARTED,
            task: 'reports.build',
            queue: 'exports',
            retries: 0,
            expiresAt: request.expiresAt,
          });
          expect(record?.leaseUntil?.toISOString()).toBe(request.leaseUntil.toISOString());
          expect(record?.dateStarted?.toISOString()).toBe(request.now.toISOString());
        });

        it('answers running with the holder’s leaseUntil while the lease is live', async () => {
          const backend = withClaimHint(await makeBackend(), firstDelivery);
          const first = claimRequest({ now: T0, leaseMs: 60_000 });
          await backend.claim(first);

          const second = await backend.claim({ ...first, now: at(59_999), leaseUntil: at(59_999 + 60_000) });

          expect(second.status).toBe('running');
          expect(second.status === 'running' && second.leaseUntil.toISOString()).toBe(first.leaseUntil.toISOString());
          expect((await backend.get(first.id))?.leaseUntil?.toISOString()).toBe(first.leaseUntil.toISOString());
        });

        it('claims again once now is past the lease, and records the new lease', async () => {
          const backend = withClaimHint(await makeBackend(), firstDelivery);
          const first = claimRequest({ now: T0, leaseMs: 60_000 });
          await backend.claim(first);
          const later = { ...first, now: at(60_001), leaseUntil: at(120_001) };

          expect(await backend.claim(later)).toEqual({ status: 'claimed', retries: 0 });
          const record = await backend.get(first.id);
          expect(record?.state).toBe(TaskState.STARTED);
          expect(record?.leaseUntil?.toISOString()).toBe(at(120_001).toISOString());
          expect(record?.dateStarted?.toISOString()).toBe(at(60_001).toISOString());
        });

        it('claims a task whose lease ends exactly now', async () => {
          const backend = withClaimHint(await makeBackend(), firstDelivery);
          const first = claimRequest({ now: T0, leaseMs: 60_000 });
          await backend.claim(first);

          expect(await backend.claim({ ...first, now: first.leaseUntil, leaseUntil: at(120_000) })).toEqual({ status: 'claimed', retries: 0 });
        });

        it.each([TaskState.SUCCESS, TaskState.FAILURE, TaskState.REVOKED])('answers finished for a %s record and leaves it as it was', async (state) => {
          const backend = withClaimHint(await makeBackend(), firstDelivery);
          const record = state === TaskState.FAILURE ? failedRecord() : taskRecord({ state });
          await backend.save(record);

          expect(await backend.claim(claimRequest({ id: record.id, now: at(10_000) }))).toEqual({ status: 'finished', state });
          expect(await backend.get(record.id)).toEqual(record);
        });

        it('claims a RETRY record and reports the retries made so far', async () => {
          const backend = withClaimHint(await makeBackend(), firstDelivery);
          const record = retryRecord({ retries: 2 });
          await backend.save(record);

          expect(await backend.claim(claimRequest({ id: record.id, now: at(6_000) }))).toEqual({ status: 'claimed', retries: 2 });
          expect(await backend.get(record.id)).toMatchObject({ state: TaskState.STARTED, retries: 2 });
        });

        it('claims a PENDING record', async () => {
          const backend = withClaimHint(await makeBackend(), firstDelivery);
          const record = taskRecord({ state: TaskState.PENDING, retries: 1, result: undefined, dateDone: undefined });
          await backend.save(record);

          expect(await backend.claim(claimRequest({ id: record.id }))).toEqual({ status: 'claimed', retries: 1 });
        });

        // The claim rule (sdk/core/claim-rule.ts) only refuses a STARTED record whose lease is live; a
        // STARTED record without leaseUntil (written by save(), another tool or an older layout) is free.
        // DynamoDB once answered `running` here, deferring every delivery until the DLQ.
        it('claims a STARTED record that has no lease', async () => {
          const backend = withClaimHint(await makeBackend(), firstDelivery);
          const { result: _r, dateDone: _d, ...rest } = taskRecord();
          const record: TaskRecord = { ...rest, state: TaskState.STARTED };
          await backend.save(record);

          expect(await backend.claim(claimRequest({ id: record.id, now: at(1_000) }))).toEqual({ status: 'claimed', retries: 0 });
          expect((await backend.get(record.id))?.leaseUntil).toBeInstanceOf(Date);
        });

        it.skipIf(options.nonAtomicStore !== undefined)('grants exactly one of five concurrent claims of one id; the others see running', async () => {
          const backend = withClaimHint(await makeBackend(), firstDelivery);
          const id = newTaskId('race');
          const outcomes = await Promise.all([0, 1, 2, 3, 4].map((i) => backend.claim(claimRequest({ id, now: at(i), leaseUntil: at(60_000 + i) }))));

          expect(outcomes.filter((o) => o.status === 'claimed')).toHaveLength(1);
          const running = outcomes.filter((o) => o.status === 'running');
          expect(running).toHaveLength(4);
          const holder = await backend.get(id);
          for (const outcome of running) {
            expect(outcome.status === 'running' && outcome.leaseUntil.toISOString()).toBe(holder?.leaseUntil?.toISOString());
          }
        });
      });
    }

    describe('save()', () => {
      it('round-trips every field: JSON result, error, dates to the millisecond, expiresAt', async () => {
        const backend = await makeBackend();
        const record = fullRecord();
        await backend.save(record);

        const read = await backend.get(record.id);
        expect(read).toEqual(record);
        for (const key of ['dateStarted', 'dateDone', 'leaseUntil', 'retryAt'] as const) {
          expect(read?.[key]).toBeInstanceOf(Date);
          expect(read?.[key]?.getTime()).toBe(record[key]?.getTime());
        }
      });

      it.each<[string, TaskRecord['result']]>([
        ['null', null],
        ['a string with unicode', 'naïve café ☕ 𝄞'],
        ['an empty string', ''],
        ['zero', 0],
        ['false', false],
        ['an array of arrays', [[1], [[2]], []]],
      ])('round-trips a result of %s', async (_label, result) => {
        const backend = await makeBackend();
        const record = taskRecord({ result });
        await backend.save(record);

        const read = await backend.get(record.id);
        expect(read).toHaveProperty('result');
        expect(read?.result).toEqual(result);
      });

      it('replaces the whole record: fields the new record lacks are gone', async () => {
        const backend = await makeBackend();
        const retry = retryRecord();
        await backend.save(retry);
        const done = taskRecord({ id: retry.id, retries: 2, result: 'done' });
        await backend.save(done);

        const read = await backend.get(retry.id);
        expect(read).toEqual(done);
        expect(read).not.toHaveProperty('error');
        expect(read).not.toHaveProperty('retryAt');
      });
    });

    describe('forget()', () => {
      it('deletes the record', async () => {
        const backend = await makeBackend();
        const record = taskRecord();
        await backend.save(record);

        await backend.forget(record.id);

        expect(await backend.get(record.id)).toBeUndefined();
      });

      it('lets a forgotten task be claimed afresh', async () => {
        const backend = await makeBackend();
        const record = taskRecord();
        await backend.save(record);
        await backend.forget(record.id);

        expect(await backend.claim(claimRequest({ id: record.id }))).toEqual({ status: 'claimed', retries: 0 });
      });

      it('does nothing for an unknown id', async () => {
        const backend = await makeBackend();
        await expect(backend.forget(newTaskId('unknown'))).resolves.toBeUndefined();
      });
    });

    // Custom states and revokes, sequential calls: atomicity under concurrency is DynamoDB's
    // conditional writes, which emulators may not reproduce.
    describe('updateState() and revoke()', () => {
      it('sets a custom state with meta on a running task, keeping its lease, and refuses a final one', async () => {
        const backend = await makeBackend();
        const request = claimRequest({ now: T0, leaseMs: 60_000 });
        await backend.claim(request);
        expect(await backend.updateState(request.id, 'PROGRESS', { current: 3, total: 10 })).toBe(true);
        const record = await backend.get(request.id);
        expect(record).toMatchObject({ state: 'PROGRESS', meta: { current: 3, total: 10 } });
        expect(record?.leaseUntil?.toISOString()).toBe(request.leaseUntil.toISOString());
        // A custom state under a live lease is running: a second claim waits.
        expect((await backend.claim({ ...request, now: at(1000) })).status).toBe('running');

        const done = taskRecord();
        await backend.save(done);
        expect(await backend.updateState(done.id, 'PROGRESS', null)).toBe(false);
        expect(await backend.updateState(newTaskId('missing'), 'PROGRESS', null)).toBe(false);
      });

      it('revokes an unknown task so a later claim finds it REVOKED', async () => {
        const backend = await makeBackend();
        const id = newTaskId('revoke');
        expect(await backend.revoke({ id, reason: 'not needed', terminate: false, now: T0, expiresAt: EXPIRES })).toEqual({ status: 'revoked' });
        const record = await backend.get(id);
        expect(record?.state).toBe(TaskState.REVOKED);
        expect(record?.error?.message).toContain('not needed');
        expect(await backend.claim(claimRequest({ id }))).toEqual({ status: 'finished', state: TaskState.REVOKED });
      });

      it('leaves a finished task alone and flags a running one only when asked to terminate', async () => {
        const backend = await makeBackend();
        const done = taskRecord();
        await backend.save(done);
        expect(await backend.revoke({ id: done.id, reason: 'late', terminate: true, now: T0, expiresAt: EXPIRES })).toEqual({
          status: 'finished',
          state: TaskState.SUCCESS,
        });

        const running = claimRequest({ now: T0, leaseMs: 60_000 });
        await backend.claim(running);
        expect(await backend.revoke({ id: running.id, reason: 'stop', terminate: false, now: at(10), expiresAt: EXPIRES })).toEqual({
          status: 'running',
          terminateRequested: false,
        });
        expect((await backend.get(running.id))?.terminateRequested).toBeFalsy();
        expect(await backend.revoke({ id: running.id, reason: 'stop', terminate: true, now: at(10), expiresAt: EXPIRES })).toEqual({
          status: 'running',
          terminateRequested: true,
        });
        expect(await backend.get(running.id)).toMatchObject({ state: TaskState.STARTED, terminateRequested: true });
      });
    });
  });
}
