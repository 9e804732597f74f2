import { ScheduleExistsError, ScheduleNotFoundError } from '../core/errors.js';
import type { ScheduleSpec, Scheduler, StoredSchedule } from '../core/ports/scheduler.js';

/**
 * A scheduler in process memory, for unit tests and `celeriac/testing`. It stores schedules with the
 * same semantics as the EventBridge adapter (both pass the same conformance suite) and never fires
 * them: tests read them, or fire them with the local runtime's logic.
 */
export class InMemoryScheduler implements Scheduler {
  private readonly schedules = new Map<string, StoredSchedule>();

  constructor(private readonly options: { readonly account?: string; readonly region?: string; readonly now?: () => number } = {}) {}

  async create(spec: ScheduleSpec): Promise<StoredSchedule> {
    const key = keyOf(spec.group, spec.name);
    if (this.schedules.has(key)) {
      throw new ScheduleExistsError(`A schedule named "${spec.name}" already exists in group "${spec.group}".`);
    }
    const now = new Date(this.now());
    return this.store(spec, now, now);
  }

  async update(spec: ScheduleSpec): Promise<StoredSchedule> {
    const existing = this.schedules.get(keyOf(spec.group, spec.name));
    if (!existing) {
      throw new ScheduleNotFoundError(`No schedule "${spec.name}" in group "${spec.group}".`);
    }
    return this.store(spec, existing.createdAt ?? new Date(this.now()), new Date(this.now()));
  }

  async get(group: string, name: string): Promise<StoredSchedule | undefined> {
    const stored = this.schedules.get(keyOf(group, name));
    return stored && structuredClone(stored);
  }

  async list(group: string): Promise<StoredSchedule[]> {
    return [...this.schedules.values()].filter((s) => s.group === group).map((s) => structuredClone(s));
  }

  async delete(group: string, name: string): Promise<boolean> {
    return this.schedules.delete(keyOf(group, name));
  }

  private store(spec: ScheduleSpec, createdAt: Date, modifiedAt: Date): StoredSchedule {
    const { account = '000000000000', region = 'us-east-1' } = this.options;
    const { queueName, input, ...rest } = spec;
    const stored: StoredSchedule = {
      ...rest,
      arn: `arn:aws:scheduler:${region}:${account}:schedule/${spec.group}/${spec.name}`,
      targetArn: `arn:aws:sqs:${region}:${account}:${queueName}`,
      queueName,
      input,
      createdAt,
      modifiedAt,
    };
    this.schedules.set(keyOf(spec.group, spec.name), stored);
    return structuredClone(stored);
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}

function keyOf(group: string, name: string): string {
  return `${group}/${name}`;
}
