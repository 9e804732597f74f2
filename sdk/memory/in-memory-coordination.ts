import type { ChordJoin, ChordRecord, Coordination, IdempotencyOutcome, IdempotencyRequest, RateSlot, RateSlotRequest } from '../core/ports/coordination.js';
import { nextRateSlot } from '../core/rate-limit.js';

/**
 * Chord joins, rate-limit turns and idempotency keys in process memory, for unit tests and
 * `celeriac/testing`. Same semantics as `DynamoDbCoordination` (both pass the same conformance
 * suite), except that nothing expires.
 * @example
 * app.useTransport({ broker, backend: new InMemoryResultBackend(), coordination: new InMemoryCoordination() });
 */
export class InMemoryCoordination implements Coordination {
  private readonly chords = new Map<string, ChordRecord & { joined: Set<string>; decided?: string }>();
  private readonly rateSchedules = new Map<string, number>();
  private readonly idempotencyKeys = new Map<string, { taskId: string; windowEndsAt: number }>();
  /** Writes made, by kind. */
  readonly writes = { chord: 0, rate: 0, idempotency: 0 };

  async saveChord(chord: ChordRecord): Promise<void> {
    this.writes.chord += 1;
    this.chords.set(chord.id, { ...structuredClone(chord), joined: new Set() });
  }

  async joinChord(chordId: string, memberId: string): Promise<ChordJoin | undefined> {
    const chord = this.chords.get(chordId);
    if (!chord) return undefined;
    this.writes.chord += 1;
    chord.joined.add(memberId);
    return { id: chord.id, members: [...chord.members], callback: structuredClone(chord.callback), expiresAt: chord.expiresAt, joined: chord.joined.size };
  }

  async decideChord(chordId: string, outcome: string): Promise<ChordRecord | undefined> {
    const chord = this.chords.get(chordId);
    if (!chord || chord.decided !== undefined) return undefined;
    this.writes.chord += 1;
    chord.decided = outcome;
    return { id: chord.id, members: [...chord.members], callback: structuredClone(chord.callback), expiresAt: chord.expiresAt };
  }

  async reserveRateSlot(request: RateSlotRequest): Promise<RateSlot> {
    const next = nextRateSlot(this.rateSchedules.get(request.key), request);
    if ('busyUntilMs' in next) return { status: 'busy', busyUntilMs: next.busyUntilMs };
    this.writes.rate += 1;
    this.rateSchedules.set(request.key, next.tat);
    return { status: 'reserved', atMs: next.atMs };
  }

  async reserveIdempotencyKey(request: IdempotencyRequest): Promise<IdempotencyOutcome> {
    const held = this.idempotencyKeys.get(request.key);
    if (held && held.windowEndsAt * 1000 > request.now.getTime()) return { status: 'taken', taskId: held.taskId };
    this.writes.idempotency += 1;
    this.idempotencyKeys.set(request.key, { taskId: request.taskId, windowEndsAt: request.windowEndsAt });
    return { status: 'reserved' };
  }

  async releaseIdempotencyKey(key: string, taskId: string): Promise<void> {
    if (this.idempotencyKeys.get(key)?.taskId === taskId) this.idempotencyKeys.delete(key);
  }
}
