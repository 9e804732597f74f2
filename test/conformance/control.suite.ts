import { describe, expect, it } from 'vitest';
import type { ResultBackend } from '../../sdk/core/ports/result-backend.js';
import { TaskState } from '../../sdk/core/states.js';
import { at, claimRequest, newTaskId, T0, taskRecord } from '../fixtures/records.js';

const EXPIRES = Math.ceil(T0.getTime() / 1000) + 3600;

/**
 * The canvas and control part of the `ResultBackend` contract (custom states, revoke, chord joins,
 * rate-limit turns, idempotency keys), run against every adapter. Sequential calls only: atomicity
 * under concurrency is DynamoDB's conditional writes, which emulators may not reproduce.
 */
export function describeControlConformance(name: string, makeBackend: () => Promise<ResultBackend>): void {
  describe(`ResultBackend control conformance: ${name}`, () => {
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
      expect(await backend.revoke({ id: done.id, reason: 'late', terminate: true, now: T0, expiresAt: EXPIRES })).toEqual({ status: 'finished', state: TaskState.SUCCESS });

      const running = claimRequest({ now: T0, leaseMs: 60_000 });
      await backend.claim(running);
      expect(await backend.revoke({ id: running.id, reason: 'stop', terminate: false, now: at(10), expiresAt: EXPIRES })).toEqual({ status: 'running', terminateRequested: false });
      expect((await backend.get(running.id))?.terminateRequested).toBeFalsy();
      expect(await backend.revoke({ id: running.id, reason: 'stop', terminate: true, now: at(10), expiresAt: EXPIRES })).toEqual({ status: 'running', terminateRequested: true });
      expect(await backend.get(running.id)).toMatchObject({ state: TaskState.STARTED, terminateRequested: true });
    });

    it('counts each chord member once, however often it joins, and is decided once', async () => {
      const backend = await makeBackend();
      const id = newTaskId('chord');
      const members = ['m-1', 'm-2', 'm-3'];
      await backend.saveChord({ id, members, callback: { task: 'sum', id }, expiresAt: EXPIRES });
      expect((await backend.joinChord(id, 'm-1'))?.joined).toBe(1);
      expect((await backend.joinChord(id, 'm-1'))?.joined).toBe(1);
      expect((await backend.joinChord(id, 'm-2'))?.joined).toBe(2);
      const last = await backend.joinChord(id, 'm-3');
      expect(last).toMatchObject({ id, joined: 3, members, callback: { task: 'sum', id } });
      expect(await backend.joinChord(newTaskId('unknown'), 'm-1')).toBeUndefined();

      const decided = await backend.decideChord(id, 'failed:m-2');
      expect(decided).toMatchObject({ id, members, callback: { task: 'sum', id } });
      expect(await backend.decideChord(id, 'failed:m-3')).toBeUndefined();
    });

    it('hands out rate-limit turns one interval apart, restarting after idle time, and answers busy beyond the horizon', async () => {
      const backend = await makeBackend();
      const key = newTaskId('rate');
      const ask = (nowMs: number) => backend.reserveRateSlot({ key, intervalMs: 100, nowMs, horizonMs: 250, expiresAt: EXPIRES });
      const t = T0.getTime();
      expect(await ask(t)).toEqual({ status: 'reserved', atMs: t });
      expect(await ask(t)).toEqual({ status: 'reserved', atMs: t + 100 });
      expect(await ask(t)).toEqual({ status: 'reserved', atMs: t + 200 });
      expect(await ask(t)).toEqual({ status: 'busy', busyUntilMs: t + 300 });
      expect(await ask(t + 10_000)).toEqual({ status: 'reserved', atMs: t + 10_000 });
      expect(await ask(t + 10_000)).toEqual({ status: 'reserved', atMs: t + 10_100 });
    });

    it('reserves an idempotency key once per window and releases it only for its holder', async () => {
      const backend = await makeBackend();
      const key = newTaskId('idem');
      const windowEndsAt = Math.ceil(T0.getTime() / 1000) + 60;
      expect(await backend.reserveIdempotencyKey({ key, taskId: 'a', now: T0, windowEndsAt })).toEqual({ status: 'reserved' });
      expect(await backend.reserveIdempotencyKey({ key, taskId: 'b', now: at(1000), windowEndsAt })).toEqual({ status: 'taken', taskId: 'a' });
      await backend.releaseIdempotencyKey(key, 'b');
      expect(await backend.reserveIdempotencyKey({ key, taskId: 'c', now: at(2000), windowEndsAt })).toEqual({ status: 'taken', taskId: 'a' });
      expect(await backend.reserveIdempotencyKey({ key, taskId: 'd', now: at(61_000), windowEndsAt: windowEndsAt + 60 })).toEqual({ status: 'reserved' });
      await backend.releaseIdempotencyKey(key, 'd');
      expect(await backend.reserveIdempotencyKey({ key, taskId: 'e', now: at(62_000), windowEndsAt: windowEndsAt + 60 })).toEqual({ status: 'reserved' });
    });
  });
}
