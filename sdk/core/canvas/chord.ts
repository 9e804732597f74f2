import { randomUUID } from 'node:crypto';
import type { AsyncResult } from '../async-result.js';
import { Group, type ResultsOf } from './group.js';
import { sendSignatureData } from './send.js';
import { canvasHost, type AnyCanvas, type Canvas } from './signature.js';

/**
 * A group whose results, once every member succeeded, are sent as a list to a callback (Celery:
 * `chord(header)(callback)`). The join is an atomic counter in the coordination store: no polling task.
 * When a member fails for good the callback never runs: its record becomes FAILURE with a
 * `ChordError` naming the member, and the callback's `linkError` signatures are sent.
 * @example
 * const total = await (await chord(orders.map((id) => price.s(id)), sum.s()).delay()).get();
 */
// biome-ignore lint/suspicious/noExplicitAny: members of any result type; `unknown` would refuse Canvas<[], number> (the result type is read back by ResultsOf)
export class Chord<S extends readonly Canvas<[], any>[], Out> {
  constructor(
    readonly header: Group<S>,
    readonly callback: Canvas<[ResultsOf<S>], Out>,
  ) {}

  /**
   * Stores the chord's join state (one write), then sends its members. The handle is on the
   * callback's result.
   */
  async applyAsync(): Promise<AsyncResult<Out>> {
    const callback = (this.callback as AnyCanvas).compile({});
    const host = canvasHost(this.callback as AnyCanvas);
    if (this.header.members.length === 0) {
      await sendSignatureData(host, callback.head, { value: [] });
      return host.asyncResult<Out>(callback.resultId);
    }
    const chordId = callback.head.id;
    const groupId = randomUUID();
    const members = this.header.members.map((member: AnyCanvas) => member.compile({ groupId, chord: chordId }));
    const now = host.clock.now();
    await host.coordination().saveChord({
      id: chordId,
      members: members.map((m) => m.resultId),
      callback: callback.head as never,
      expiresAt: Math.ceil(now / 1000) + host.resultExpiresSeconds,
    });
    await Promise.all(members.map((m) => sendSignatureData(host, m.head)));
    return host.asyncResult<Out>(callback.resultId);
  }

  /** Same as `applyAsync()`. */
  delay(): Promise<AsyncResult<Out>> {
    return this.applyAsync();
  }
}

/**
 * Makes a chord: `header` runs in parallel, then `callback` gets the list of results, in order.
 * @example
 * chord([add.s(1, 1), add.s(2, 2)], sum.s()) // sum([2, 4])
 */
// biome-ignore lint/suspicious/noExplicitAny: as on Chord, any member result type
export function chord<const S extends readonly Canvas<[], any>[], Out>(header: S | Group<S>, callback: Canvas<[ResultsOf<S>], Out>): Chord<S, Out> {
  return new Chord(header instanceof Group ? header : new Group(header), callback);
}
