import { ConfigError } from '../errors.js';
import type { JsonValue } from '../json.js';

/** A chord's join state: the callback and its members, stored when the chord is applied. */
export interface ChordRecord {
  /** Chord id: the callback's task id. */
  readonly id: string;
  /** Member result ids, in order (the callback receives their results in this order). */
  readonly members: readonly string[];
  /** The callback signature (wire form). */
  readonly callback: JsonValue;
  /** TTL, epoch seconds. */
  readonly expiresAt: number;
}

/** A chord's state after a member joined. */
export interface ChordJoin extends ChordRecord {
  /** Distinct members that joined so far (a member joining twice counts once). */
  readonly joined: number;
}

/** Asks for a rate-limit slot (a shared schedule: one start every `intervalMs`). */
export interface RateSlotRequest {
  /** Limit key, e.g. the task name. */
  readonly key: string;
  /** Milliseconds between two starts (window / limit). */
  readonly intervalMs: number;
  /** Now, epoch ms. */
  readonly nowMs: number;
  /** Reserve no slot further ahead than this many milliseconds. */
  readonly horizonMs: number;
  /** TTL of the limiter's item, epoch seconds. */
  readonly expiresAt: number;
}

/** Result of a rate-limit slot request. */
export type RateSlot =
  /** A slot starting at `atMs` is reserved (now or within the horizon). */
  | { readonly status: 'reserved'; readonly atMs: number }
  /** The schedule is full beyond the horizon until `busyUntilMs`: nothing reserved, come back later. */
  | { readonly status: 'busy'; readonly busyUntilMs: number };

/** Asks to reserve an idempotency key for a task id. */
export interface IdempotencyRequest {
  /** The key, namespaced by the caller: `<task>#<key>` for a task's calls (see `idempotencyKeyOf`). */
  readonly key: string;
  /** Task id the key points to when reserved. */
  readonly taskId: string;
  readonly now: Date;
  /** End of the window, epoch seconds: after it the key may be reserved again. */
  readonly windowEndsAt: number;
}

/** Result of an idempotency key reservation. */
export type IdempotencyOutcome =
  | { readonly status: 'reserved' }
  /** The key is held by an earlier call within the window: its task id. */
  | { readonly status: 'taken'; readonly taskId: string };

/**
 * The key a task's `idempotencyKey` is reserved under: `<task>#<key>` (the DynamoDB adapter stores it
 * as item `idem#<task>#<key>`). `#` is the separator the table's other coordination items use
 * (`chord#…`, `rate#…`); keys reserved by earlier releases keep matching.
 * @example
 * idempotencyKeyOf('reports.build', 'report-2026-10'); // 'reports.build#report-2026-10'
 */
export function idempotencyKeyOf(task: string, key: string): string {
  return `${task}#${key}`;
}

/**
 * What canvas and control coordinate through beside the task records, shared by every worker and
 * producer: chord joins, global rate-limit turns and idempotency keys. Each is one item changed by
 * single conditional writes (atomic on DynamoDB).
 */
export interface Coordination {
  /** Stores a chord's join state before its members are sent. */
  saveChord(chord: ChordRecord): Promise<void>;
  /**
   * Adds `memberId` to the chord's joined set (idempotent: a member joining twice counts once) and
   * returns the chord's state; undefined when the chord is unknown.
   */
  joinChord(chordId: string, memberId: string): Promise<ChordJoin | undefined>;
  /**
   * Marks the chord decided (failed because of `outcome`), once: returns the chord to the one caller
   * that decided it, undefined to every other (and for an unknown chord).
   */
  decideChord(chordId: string, outcome: string): Promise<ChordRecord | undefined>;
  /** Reserves the next start in a rate limit shared by every worker (see {@link RateSlotRequest}). */
  reserveRateSlot(request: RateSlotRequest): Promise<RateSlot>;
  /** Reserves an idempotency key for a task id, unless an earlier call holds it within its window. */
  reserveIdempotencyKey(request: IdempotencyRequest): Promise<IdempotencyOutcome>;
  /** Releases an idempotency key held by `taskId` (when sending the task failed). */
  releaseIdempotencyKey(key: string, taskId: string): Promise<void>;
}

/**
 * The transport's coordination store.
 * @throws {ConfigError} when the transport has none (a hand-built transport without `coordination`).
 * @example
 * requireCoordination(app.transport(), app.name).joinChord(chordId, memberId);
 */
export function requireCoordination(transport: { readonly coordination?: Coordination }, appName: string): Coordination {
  if (transport.coordination) return transport.coordination;
  throw new ConfigError(
    `App "${appName}" has no coordination store: chords, rateLimit and idempotencyKey need one ` +
      "(createApp from 'celeriac' keeps it in the results table; celeriac/testing in memory). Pass `coordination` to app.useTransport().",
  );
}
