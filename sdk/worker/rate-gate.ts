import type { App } from '../core/app.js';
import type { RateSlot } from '../core/ports/coordination.js';
import type { AnyTask } from '../core/task.js';

/** A reserved turn: when to start, and when the reservation was asked for. */
export interface Turn {
  readonly atMs: number;
  readonly askedAtMs: number;
}

/** What {@link RateGate.awaitTurn} decided. */
export type TurnOutcome = { readonly status: 'start' } | { readonly status: 'missed' };

/**
 * A task's global rate limit, on the worker's side. Turns come from the coordination store's shared
 * schedule (one start every interval, see `nextRateSlot`); the gate makes each start happen within
 * a twentieth of the window after its turn, so at most 105 % of the limit (plus one) start in any
 * window whatever the latency of the requests in between. To miss fewer turns, the gate aims each
 * reservation at the time it expects to be ready to start (an average of its own recent
 * reservation-to-start latencies).
 */
export class RateGate {
  private readonly leadMs = new Map<string, number>();

  constructor(
    private readonly app: App,
    private readonly horizonMs: number,
  ) {}

  /** Reserves a turn within the horizon, or says until when the schedule is full. */
  async reserve(task: AnyTask): Promise<{ readonly status: 'reserved'; readonly turn: Turn } | { readonly status: 'busy'; readonly busyUntilMs: number }> {
    const slot = await this.ask(task);
    return slot.status === 'busy' ? slot : { status: 'reserved', turn: slot.turn };
  }

  /**
   * Waits for `turn` and says whether to start now: only within a twentieth of the window after it.
   * A turn missed (a slow request in between) is reserved again, at most twice, aimed further ahead
   * with what the miss taught; then the task goes back to the queue.
   */
  async awaitTurn(task: AnyTask, turn: Turn): Promise<TurnOutcome> {
    const limit = task.options.rateLimit!;
    const clock = this.app.clock;
    let current = turn;
    for (let attempt = 0; ; attempt++) {
      const readyMs = clock.now();
      this.learn(task.name, readyMs - current.askedAtMs - Math.max(0, current.atMs - current.askedAtMs));
      if (current.atMs > readyMs) await clock.sleep(current.atMs - readyMs);
      if (clock.now() <= current.atMs + limit.windowMs / 20) return { status: 'start' };
      if (attempt === 2) return { status: 'missed' };
      const next = await this.reserve(task);
      if (next.status === 'busy') return { status: 'missed' };
      current = next.turn;
    }
  }

  /** Seconds to keep a message away so it comes back when the schedule is within the horizon again. */
  secondsUntilNear(busyUntilMs: number): number {
    return Math.ceil((busyUntilMs - this.horizonMs - this.app.clock.now()) / 1000);
  }

  private async ask(task: AnyTask): Promise<{ readonly status: 'reserved'; readonly turn: Turn } | Extract<RateSlot, { status: 'busy' }>> {
    const limit = task.options.rateLimit!;
    const askedAtMs = this.app.clock.now();
    const lead = this.leadMs.get(task.name) ?? 0;
    const slot = await this.app.coordination().reserveRateSlot({
      key: task.name,
      intervalMs: limit.intervalMs,
      nowMs: askedAtMs + lead,
      horizonMs: this.horizonMs,
      expiresAt: Math.ceil((askedAtMs + limit.windowMs) / 1000) + 3600,
    });
    return slot.status === 'busy' ? slot : { status: 'reserved', turn: { atMs: slot.atMs, askedAtMs } };
  }

  /** Moving average of the time from asking for a turn to being ready to start (capped at the horizon). */
  private learn(taskName: string, sampleMs: number): void {
    const previous = this.leadMs.get(taskName) ?? 0;
    const sample = Math.min(this.horizonMs, Math.max(0, sampleMs));
    this.leadMs.set(taskName, previous * 0.7 + sample * 0.3);
  }
}
