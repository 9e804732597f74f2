/**
 * Celery's `embed` (`{callbacks, errbacks, chain, chord}`) read into celeriac's links: a `link=` callback
 * and each chain step become a {@link SignatureData} that the worker sends with the task's result, as
 * it does for its own chains. Pure.
 */
import { createHash } from 'node:crypto';
import { CeleryMessageError, ErrorCode } from '../errors.js';
import type { JsonValue } from '../json.js';
import type { SignatureData } from '../canvas/signature-data.js';

/** Bounds on what a Celery message may carry. */
export const CELERY_LIMITS = {
  /** Deepest nesting of callbacks within callbacks. */
  maxDepth: 32,
  /** Most signatures in one embed (callbacks, errbacks and chain steps together, at every depth). */
  maxSignatures: 1000,
  /** Largest args + kwargs, in JSON characters (SQS holds 1 MiB). */
  maxBodyChars: 1024 * 1024,
} as const;

/** The links and errbacks of a Celery message. */
export interface CeleryEmbed {
  readonly links: readonly SignatureData[];
  readonly errbacks: readonly SignatureData[];
}

interface Walk {
  readonly taskId: string;
  readonly taskName: string;
  count: number;
}

/**
 * Reads `embed`. A chain arrives reversed (`[c, b]`: the worker pops the last); it becomes `b` linked
 * to `c`. A signature's `options.task_id` is kept; one without gets an id derived from the parent's
 * id and its position, so a redelivered message sends the same task ids (deduplicated by the claim).
 * @throws {CeleryMessageError} `CELERY_NOT_SUPPORTED` for a chord header (its counter lives in Celery's
 *   result backend, which celeriac does not join) or a nested canvas (`subtask_type` group/chord/chain);
 *   `CELERY_MESSAGE_INVALID` for a malformed signature.
 */
export function celeryEmbedOf(raw: unknown, taskId: string, taskName: string): CeleryEmbed {
  const walk: Walk = { taskId, taskName, count: 0 };
  const fail = (field: string, expected: string, received: unknown) => invalid(field, expected, received, taskId, taskName);
  if (!isObject(raw)) throw fail('body[2] (embed)', 'an object {callbacks, errbacks, chain, chord}', raw);
  if (raw.chord !== undefined && raw.chord !== null) {
    const callback = isObject(raw.chord) && typeof raw.chord.task === 'string' ? ` (callback ${raw.chord.task})` : '';
    throw new CeleryMessageError(
      ErrorCode.CELERY_NOT_SUPPORTED,
      `Task ${taskName}[${taskId}] is a Celery chord header${callback}: its join counter lives in Celery's result backend ` +
        "(b'chord-unlock-<group>'), which celeriac does not update, so the callback would never run. Send the chord from " +
        'celeriac (chord([...]).then(...)) or keep its header tasks on Celery workers.',
      taskId,
      taskName,
    );
  }
  const callbacks = signatureList(raw.callbacks, 'embed.callbacks', walk, 0);
  const errbacks = signatureList(raw.errbacks, 'embed.errbacks', walk, 0);
  const chain = signatureList(raw.chain, 'embed.chain', walk, 0);
  // Reversed on the wire: the next step is the last entry, and each step carries the rest.
  let next: SignatureData | undefined;
  for (const step of chain) next = next ? { ...step, links: [...(step.links ?? []), next] } : step;
  return { links: next ? [...callbacks, next] : callbacks, errbacks };
}

function signatureList(raw: unknown, where: string, walk: Walk, depth: number): SignatureData[] {
  if (raw === undefined || raw === null) return [];
  const list = isObject(raw) ? [raw] : raw;
  if (!Array.isArray(list)) throw invalid(where, 'a list of signatures, or null', raw, walk.taskId, walk.taskName);
  return list.map((sig, i) => signature(sig, `${where}[${i}]`, walk, depth));
}

function signature(raw: unknown, where: string, walk: Walk, depth: number): SignatureData {
  const fail = (field: string, expected: string, received: unknown) => invalid(`${where}${field}`, expected, received, walk.taskId, walk.taskName);
  if (++walk.count > CELERY_LIMITS.maxSignatures) throw fail('', `one of at most ${CELERY_LIMITS.maxSignatures} signatures`, '…');
  if (depth > CELERY_LIMITS.maxDepth) throw fail('', `nested at most ${CELERY_LIMITS.maxDepth} levels deep`, '…');
  if (!isObject(raw)) throw fail('', 'a signature {task, args, kwargs, options, subtask_type, immutable}', raw);
  const { task, args = [], kwargs = {}, options = {}, immutable = false } = raw;
  const kind = raw.subtask_type ?? null;
  if (kind !== null) {
    throw new CeleryMessageError(
      ErrorCode.CELERY_NOT_SUPPORTED,
      `Task ${walk.taskName}[${walk.taskId}] links a Celery ${String(kind)} (${where}); celeriac runs plain task signatures as links ` +
        'and chain steps. Link the tasks one by one, or build the canvas in celeriac.',
      walk.taskId,
      walk.taskName,
    );
  }
  if (typeof task !== 'string' || task.length === 0 || task.length > 200) throw fail('.task', 'a task name of 1–200 characters', task);
  if (!Array.isArray(args)) throw fail('.args', 'an array', args);
  if (!isObject(kwargs)) throw fail('.kwargs', 'an object', kwargs);
  if (!isObject(options)) throw fail('.options', 'an object', options);
  if (typeof immutable !== 'boolean') throw fail('.immutable', 'a boolean', immutable);
  const given = options.task_id;
  if (given !== undefined && given !== null && (typeof given !== 'string' || given.length === 0 || given.length > 255)) {
    throw fail('.options.task_id', 'a task id of 1–255 characters', given);
  }
  const id = typeof given === 'string' ? given : derivedId(walk.taskId, where);
  const countdown = options.countdown;
  if (countdown !== undefined && countdown !== null && (typeof countdown !== 'number' || !Number.isFinite(countdown) || countdown < 0)) {
    throw fail('.options.countdown', 'a number of seconds ≥ 0', countdown);
  }
  const groupId = options.group_id;
  if (groupId !== undefined && groupId !== null && typeof groupId !== 'string') throw fail('.options.group_id', 'a group id', groupId);
  const links = signatureList(options.link, `${where}.options.link`, walk, depth + 1);
  const errbacks = signatureList(options.link_error, `${where}.options.link_error`, walk, depth + 1);
  // Celery passes kwargs by name; a celeriac task takes them as one last argument.
  const allArgs = Object.keys(kwargs).length ? [...(args as JsonValue[]), kwargs as JsonValue] : (args as JsonValue[]);
  return {
    task,
    id,
    args: allArgs,
    ...(immutable ? { immutable: true } : {}),
    ...(typeof countdown === 'number' && countdown > 0 ? { options: { countdownSeconds: countdown } } : {}),
    ...(links.length ? { links } : {}),
    ...(errbacks.length ? { errbacks } : {}),
    ...(typeof groupId === 'string' ? { groupId } : {}),
  };
}

/** A UUID-shaped id fixed by the parent's id and the signature's place in the message. */
function derivedId(parentId: string, where: string): string {
  const hex = createHash('sha256').update(`${parentId}\u0000${where}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A typed rejection naming the field, what Celery writes there, and what was received. */
export function invalid(field: string, expected: string, received: unknown, taskId?: string, taskName?: string): CeleryMessageError {
  let shown: string;
  try {
    shown = received === undefined ? 'nothing' : (JSON.stringify(received)?.slice(0, 80) ?? String(received));
  } catch {
    shown = typeof received;
  }
  return new CeleryMessageError(ErrorCode.CELERY_MESSAGE_INVALID, `Invalid Celery message: "${field}" must be ${expected}, received ${shown}.`, taskId, taskName);
}
