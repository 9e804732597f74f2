export type { Broker, DeadLetter, OutgoingMessage, SendOutcome } from './broker.js';
export {
  idempotencyKeyOf,
  requireCoordination,
  type ChordJoin,
  type ChordRecord,
  type Coordination,
  type IdempotencyOutcome,
  type IdempotencyRequest,
  type RateSlot,
  type RateSlotRequest,
} from './coordination.js';
export type { ClaimOutcome, ClaimRequest, ResultBackend, RevokeOutcome, RevokeRequest, RetryEntry, TaskMonitoring, TaskRecord } from './result-backend.js';
export { systemClock, type Clock } from './clock.js';
export type { ScheduleSpec, Scheduler, StoredSchedule } from './scheduler.js';
