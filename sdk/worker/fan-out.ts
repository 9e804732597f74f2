import type { OutgoingMessage } from '../core/ports/broker.js';
import { MAX_DELAY_SECONDS } from '../core/defaults.js';
import { encodeEnvelope, type Envelope } from '../core/protocol/envelope.js';
import { ScheduleHeader, scheduleRunOf, scheduleRunTaskId } from '../core/protocol/schedule-headers.js';

/**
 * The runs of one minute of a sub-minute schedule. Scheduler fires once a minute (its floor); the
 * worker turns that message into `60 / every` messages, the k-th delayed to `scheduled time + k ×
 * every` with SQS `DelaySeconds` (a late firing shortens the delays, never shifts later runs). Each
 * run's id is derived from its schedule and time, so a duplicate firing enqueues duplicates that the
 * claim then skips: at least once, never twice.
 */
export function fanOutMessages(envelope: Envelope, everySeconds: number, now: number): OutgoingMessage[] {
  const run = scheduleRunOf(envelope.headers);
  const base = run?.scheduledTime ? Date.parse(run.scheduledTime) : now;
  const { [ScheduleHeader.every]: _every, ...headers } = envelope.headers;
  const messages: OutgoingMessage[] = [];
  for (let offset = 0; offset < 60; offset += everySeconds) {
    const at = new Date(base + offset * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const id = (run && scheduleRunTaskId(run, at)) ?? `${envelope.id}+${String(offset).padStart(2, '0')}`;
    const tick: Envelope = {
      ...envelope,
      id,
      headers: run ? { ...headers, [ScheduleHeader.scheduledTime]: at } : headers,
      // A relative expiry is recomputed from each run's own time when it is decoded.
      expires: ScheduleHeader.expiresIn in headers && run ? null : envelope.expires,
    };
    const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((Date.parse(at) - now) / 1000)));
    messages.push({ id, body: encodeEnvelope(tick), delaySeconds });
  }
  return messages;
}
