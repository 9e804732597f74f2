import { describe, expect, it } from 'vitest';
import type { Coordination } from '../../sdk/core/ports/coordination.js';
import { at, newTaskId, T0 } from '../fixtures/records.js';

const EXPIRES = Math.ceil(T0.getTime() / 1000) + 3600;

/**
 * The contract of the `Coordination` port (chord joins, rate-limit turns, idempotency keys), run
 * against every adapter. Each test uses fresh keys, so adapters may share one store. Sequential calls
 * only: atomicity under concurrency is DynamoDB's conditional writes, which emulators may not reproduce.
 */
export function describeCoordinationConformance(name: string, makeCoordination: () => Promise<Coordination>): void {
  describe(`Coordination conformance: ${name}`, () => {
    it('counts each chord member once, however often it joins, and is decided once', async () => {
      const backend = await makeCoordination();
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
      const backend = await makeCoordination();
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
      const backend = await makeCoordination();
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
