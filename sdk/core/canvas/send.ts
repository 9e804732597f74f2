import type { AsyncResult } from '../async-result.js';
import type { JsonValue } from '../json.js';
import { sendTask, type TaskHost } from '../task-send.js';
import type { SignatureData } from './signature-data.js';

/** A canvas element frozen for sending: the signature to send first, and the id whose result is the element's. */
export interface Compiled {
  readonly head: SignatureData;
  readonly resultId: string;
}

/** Where a compiled element sits in a workflow. */
export interface Placement {
  /** Group the element's tasks belong to. */
  readonly groupId?: string;
  /** Chord the element is a member of: set on the task whose result is the element's. */
  readonly chord?: string;
}

/** The input a mutable signature receives first: its parent's result, or a failure for an errback. */
export interface Input {
  readonly value: unknown;
}

/** Who sent a workflow task (for `parentId` / `rootId`). */
export interface Lineage {
  readonly parentId: string;
  readonly rootId: string;
}

/** Returns `head` with the node `id` (found through its links) replaced by `update(node)`. */
export function updateNode(head: SignatureData, id: string, update: (node: SignatureData) => SignatureData): SignatureData {
  if (head.id === id) return update(head);
  if (!head.links?.length) return head;
  return { ...head, links: head.links.map((link) => updateNode(link, id, update)) };
}

/** Every node reachable from `head` through its links (a chain's tasks), head first. */
export function chainNodes(head: SignatureData): SignatureData[] {
  return [head, ...(head.links ?? []).flatMap(chainNodes)];
}

/**
 * Sends one frozen signature: its task with its id, its partial arguments after the input (unless
 * immutable), and its links and errbacks for the worker to send next.
 * @throws what `applyAsync()` throws (unknown task, invalid arguments, queue refusal…).
 */
export function sendSignatureData(host: Pick<TaskHost, 'getTask'>, data: SignatureData, input?: Input, lineage?: Lineage): Promise<AsyncResult<unknown>> {
  const task = host.getTask(data.task);
  const args: unknown[] = input === undefined || data.immutable ? [...data.args] : [input.value, ...data.args];
  return sendTask(
    task,
    args,
    { ...data.options, taskId: data.id },
    {
      ...(data.links?.length ? { links: data.links } : {}),
      ...(data.errbacks?.length ? { errbacks: data.errbacks } : {}),
      ...(data.groupId !== undefined ? { groupId: data.groupId } : {}),
      ...(data.chord !== undefined ? { chord: data.chord } : {}),
      ...(lineage ?? {}),
    },
  );
}

/** Converts partial arguments to their JSON form for the wire (as `JSON.stringify` would). */
export function toJsonArgs(args: readonly unknown[]): JsonValue[] {
  return JSON.parse(JSON.stringify(args)) as JsonValue[];
}
