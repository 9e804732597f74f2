/**
 * Celery's task message as kombu's SQS transport writes it (protocol v2, v1 when cheap), read into
 * celeriac's {@link Envelope}. The layers, from the outside in:
 *
 * - the SQS body: base64 of the JSON envelope (kombu's `sqs_base64_encoding`, on by default), or the
 *   JSON itself; kombu decodes it only when it is strict base64 that decodes to UTF-8, and so do we;
 * - the envelope `{ body, content-type, content-encoding, headers, properties }`;
 * - `body`: base64 when `properties.body_encoding` is `"base64"`, else the JSON text itself;
 * - the JSON body: `[args, kwargs, embed]` (v2, the task in `headers`), or `{task, id, args, kwargs, …}` (v1).
 *
 * Pure: no AWS imports. See the README's "Celery interop" section for what is refused and why.
 */
import { CeleryMessageError, ErrorCode } from '../errors.js';
import type { JsonValue } from '../json.js';
import { celeryEmbedOf, CELERY_LIMITS, invalid, type CeleryEmbed } from './celery-canvas.js';
import type { Envelope } from './envelope.js';

/** `headers['celeriac-protocol']` of an envelope read from a Celery message. */
export const CELERY_PROTOCOL_HEADER = 'celeriac-protocol';
/** `headers['celery-timelimit']`: the message's `[hard, soft]` time limits in seconds, when it set any. */
export const CELERY_TIMELIMIT_HEADER = 'celery-timelimit';
/** `headers['celery-origin']`: `gen<pid>@<host>` of the Celery process that sent it. */
export const CELERY_ORIGIN_HEADER = 'celery-origin';

/** Headers Celery always writes (a.2 of the wire notes); any other header is the sender's own. */
const STANDARD_HEADERS = new Set([
  'lang', 'task', 'id', 'shadow', 'eta', 'expires', 'group', 'group_index', 'retries', 'timelimit', 'root_id', 'parent_id',
  'argsrepr', 'kwargsrepr', 'origin', 'ignore_result', 'replaced_task_nesting', 'stamped_headers', 'stamps',
]);

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Where a Celery message came from besides its body. */
export interface CelerySource {
  /** The broker's message id, used for a message with no id header. */
  readonly messageId?: string;
}

/**
 * The Celery envelope inside an SQS body, or undefined when the body is not a Celery message (a
 * celeriac envelope, or garbage for the celeriac decoder to reject).
 * @example
 * celeryEnvelopeOf('{"task":"math.add"}') // undefined
 */
export function celeryEnvelopeOf(body: string): Record<string, unknown> | undefined {
  const fromJson = (text: string): Record<string, unknown> | undefined => {
    try {
      const raw: unknown = JSON.parse(text);
      // A celeriac envelope always has `task` at the top and never `body`; Celery's the other way round.
      return isObject(raw) && 'body' in raw && !('task' in raw) ? raw : undefined;
    } catch {
      return undefined;
    }
  };
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) return fromJson(trimmed);
  const decoded = strictBase64Text(trimmed);
  return decoded === undefined ? undefined : fromJson(decoded);
}

/** True when the body is a Celery message (either base64 form). */
export function isCeleryMessage(body: string): boolean {
  return celeryEnvelopeOf(body) !== undefined;
}

/**
 * Decodes a Celery message into celeriac's envelope.
 * @throws {CeleryMessageError} `CELERY_MESSAGE_INVALID` naming the layer or field that is wrong (the
 *   same messages that make a Celery worker discard or crash), `CELERY_NOT_SUPPORTED` for a chord
 *   header, a nested canvas in a callback, or a serializer other than JSON.
 * @example
 * const envelope = decodeCeleryMessage(record.body, { messageId: record.messageId });
 * envelope.task // 'math.add'
 */
export function decodeCeleryMessage(body: string, source: CelerySource = {}): Envelope {
  const envelope = celeryEnvelopeOf(body);
  if (!envelope) throw invalid('the message', 'a Celery envelope {"body", "headers", "properties", …} (base64 or plain JSON)', body.slice(0, 80));
  const rawHeaders = envelope.headers ?? {};
  if (!isObject(rawHeaders)) throw invalid('headers', 'an object', rawHeaders);
  const salvage = { id: stringOr(rawHeaders.id), task: stringOr(rawHeaders.task) };
  const fail = (field: string, expected: string, received: unknown) => invalid(field, expected, received, salvage.id, salvage.task);

  const properties = envelope.properties;
  if (!isObject(properties)) throw fail('properties', 'an object (kombu discards a message without one as "unknown")', properties);
  const contentType = envelope['content-type'];
  if (contentType !== 'application/json') {
    if (typeof contentType === 'string') {
      throw new CeleryMessageError(
        ErrorCode.CELERY_NOT_SUPPORTED,
        `Celery message uses the "${contentType}" serializer; celeriac reads JSON only. Set task_serializer = 'json' (Celery's default) on the sender.`,
        salvage.id,
        salvage.task,
      );
    }
    throw fail('content-type', '"application/json" (without it a Celery worker crashes on the body)', contentType);
  }
  const encoding = envelope['content-encoding'] ?? 'utf-8';
  if (typeof encoding !== 'string' || !/^utf-?8$/i.test(encoding)) throw fail('content-encoding', '"utf-8"', encoding);
  if (typeof envelope.body !== 'string') throw fail('body', 'a string', envelope.body);
  let text = envelope.body;
  if (properties.body_encoding === 'base64') {
    const decoded = strictBase64Text(text);
    if (decoded === undefined) throw fail('body', 'base64 of UTF-8 JSON, as properties.body_encoding says', text.slice(0, 80));
    text = decoded;
  } else if (properties.body_encoding !== undefined && properties.body_encoding !== null) {
    throw fail('properties.body_encoding', '"base64" or absent', properties.body_encoding);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw fail('body', 'JSON text (a base64 body needs properties.body_encoding = "base64")', text.slice(0, 80));
  }
  if (typeof rawHeaders.task !== 'string' && isObject(parsed)) return decodeV1(parsed, source, rawHeaders);
  return decodeV2(parsed, rawHeaders, properties, source, fail);
}

type Fail = (field: string, expected: string, received: unknown) => CeleryMessageError;

function decodeV2(parsed: unknown, headers: Record<string, unknown>, properties: Record<string, unknown>, source: CelerySource, fail: Fail): Envelope {
  const task = headers.task;
  if (typeof task !== 'string' || task.length === 0 || task.length > 200) throw fail('headers.task', 'a task name of 1–200 characters', task);
  const id = headers.id ?? properties.correlation_id;
  if (typeof id !== 'string' || id.length === 0 || id.length > 255) throw fail('headers.id', 'a task id of 1–255 characters (without it a Celery worker crashes)', id);
  if (!Array.isArray(parsed) || parsed.length !== 3) {
    throw fail('body', 'a JSON array [args, kwargs, embed] of 3 elements (a Celery worker crashes on any other length)', parsed);
  }
  const [args, kwargs, embedRaw] = parsed as [unknown, unknown, unknown];
  if (!Array.isArray(args)) throw fail('body[0] (args)', 'an array', args);
  if (!isObject(kwargs)) throw fail('body[1] (kwargs)', 'an object', kwargs);
  const embed = celeryEmbedOf(embedRaw ?? {}, id, task);
  return buildEnvelope({
    id,
    task,
    args: args as JsonValue[],
    kwargs: kwargs as Record<string, JsonValue>,
    retries: headers.retries,
    eta: headers.eta,
    expires: headers.expires,
    parentId: headers.parent_id,
    rootId: headers.root_id,
    groupId: headers.group,
    timelimit: headers.timelimit,
    ignoreResult: headers.ignore_result,
    origin: headers.origin,
    custom: Object.fromEntries(Object.entries(headers).filter(([key]) => !STANDARD_HEADERS.has(key) && !key.startsWith('celeriac-'))),
    embed,
    fail,
  });
}

/** Protocol v1: everything in the body `{task, id, args, kwargs, retries, eta, expires, callbacks, errbacks, chord, taskset, timelimit}`. */
function decodeV1(body: Record<string, unknown>, source: CelerySource, headers: Record<string, unknown>): Envelope {
  const salvageId = stringOr(body.id);
  const salvageTask = stringOr(body.task);
  const fail: Fail = (field, expected, received) => invalid(field, expected, received, salvageId, salvageTask);
  const task = body.task;
  if (typeof task !== 'string' || task.length === 0 || task.length > 200) throw fail('body.task', 'a task name of 1–200 characters', task);
  const id = body.id ?? (source.messageId ? `sqs-${source.messageId}` : undefined);
  if (typeof id !== 'string' || id.length === 0 || id.length > 255) throw fail('body.id', 'a task id of 1–255 characters', id);
  const args = body.args ?? [];
  if (!Array.isArray(args)) throw fail('body.args', 'an array', args);
  const kwargs = body.kwargs ?? {};
  if (!isObject(kwargs)) throw fail('body.kwargs', 'an object', kwargs);
  const embed = celeryEmbedOf({ callbacks: body.callbacks ?? null, errbacks: body.errbacks ?? null, chain: null, chord: body.chord ?? null }, id, task);
  if (body.taskset !== undefined && body.taskset !== null && typeof body.taskset !== 'string') throw fail('body.taskset', 'a group id', body.taskset);
  return buildEnvelope({
    id,
    task,
    args: args as JsonValue[],
    kwargs: kwargs as Record<string, JsonValue>,
    retries: body.retries,
    eta: body.eta,
    expires: body.expires,
    parentId: null,
    rootId: null,
    groupId: body.taskset ?? null,
    timelimit: body.timelimit,
    ignoreResult: null,
    origin: null,
    custom: Object.fromEntries(Object.entries(headers).filter(([key]) => !key.startsWith('celeriac-'))),
    embed,
    fail,
  });
}

interface Parts {
  readonly id: string;
  readonly task: string;
  readonly args: JsonValue[];
  readonly kwargs: Record<string, JsonValue>;
  readonly retries: unknown;
  readonly eta: unknown;
  readonly expires: unknown;
  readonly parentId: unknown;
  readonly rootId: unknown;
  readonly groupId: unknown;
  readonly timelimit: unknown;
  readonly ignoreResult: unknown;
  readonly origin: unknown;
  readonly custom: Record<string, unknown>;
  readonly embed: CeleryEmbed;
  readonly fail: Fail;
}

function buildEnvelope(p: Parts): Envelope {
  const retries = p.retries ?? 0;
  if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0) throw p.fail('retries', 'a non-negative integer', retries);
  const headers: Record<string, JsonValue> = { ...(p.custom as Record<string, JsonValue>), [CELERY_PROTOCOL_HEADER]: 'celery' };
  const timelimit = timeLimits(p.timelimit, p.fail);
  if (timelimit) headers[CELERY_TIMELIMIT_HEADER] = timelimit;
  if (typeof p.origin === 'string') headers[CELERY_ORIGIN_HEADER] = p.origin;
  if (p.ignoreResult !== null && p.ignoreResult !== undefined && typeof p.ignoreResult !== 'boolean') throw p.fail('ignore_result', 'a boolean or null', p.ignoreResult);
  if (JSON.stringify(p.args).length + JSON.stringify(p.kwargs).length > CELERY_LIMITS.maxBodyChars) throw p.fail('body', 'at most 1 MiB', '…');
  return {
    v: 1,
    id: p.id,
    task: p.task,
    args: p.args,
    kwargs: p.kwargs,
    retries,
    eta: isoTime(p.eta, 'eta', p.fail),
    expires: isoTime(p.expires, 'expires', p.fail),
    queue: null,
    parentId: optionalId(p.parentId, 'parent_id', p.fail),
    rootId: optionalId(p.rootId, 'root_id', p.fail),
    groupId: optionalId(p.groupId, 'group', p.fail),
    links: p.embed.links,
    errbacks: p.embed.errbacks,
    chord: null,
    headers,
    ignoreResult: p.ignoreResult === true,
    sentAt: null,
  };
}

/** `[hard, soft]` seconds, each a positive number or null; null when neither is set. */
function timeLimits(raw: unknown, fail: Fail): [number | null, number | null] | null {
  if (raw === undefined || raw === null) return null;
  const ok = (value: unknown) => value === null || (typeof value === 'number' && Number.isFinite(value) && value > 0);
  if (!Array.isArray(raw) || raw.length !== 2 || !raw.every(ok)) throw fail('timelimit', '[hard, soft] in seconds, each a positive number or null', raw);
  const [hard, soft] = raw as [number | null, number | null];
  return hard === null && soft === null ? null : [hard, soft];
}

/**
 * An ISO 8601 time as Python's `isoformat()` writes it (with or without fraction, `+00:00` or `Z`),
 * normalised to `toISOString()`; a time without offset is UTC, as Celery's `utc = True` default.
 */
function isoTime(raw: unknown, field: string, fail: Fail): string | null {
  if (raw === undefined || raw === null) return null;
  const match = typeof raw === 'string' ? ISO_TIME.exec(raw) : null;
  const ms = match ? Date.parse(match[1] ? (raw as string) : `${raw as string}Z`) : NaN;
  if (!Number.isFinite(ms)) throw fail(field, 'an ISO 8601 date-time such as 2026-12-03T21:07:36.135206+00:00', raw);
  return new Date(ms).toISOString();
}

function optionalId(raw: unknown, field: string, fail: Fail): string | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 255) throw fail(field, 'an id of 1–255 characters, or null', raw);
  return raw;
}

/** The UTF-8 text a strict base64 string decodes to, or undefined (kombu's rule for the SQS body). */
export function strictBase64Text(text: string): string | undefined {
  if (text.length === 0 || !STRICT_BASE64.test(text)) return undefined;
  try {
    return utf8.decode(Buffer.from(text, 'base64'));
  } catch {
    return undefined;
  }
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= 255 ? value : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
