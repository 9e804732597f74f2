/**
 * The one index of the results table: sparse, sharded and time-ordered, serving every listing of
 * the dashboard and `celeriac inspect` (by time, filtered by state, name and text).
 *
 * - **Sparse**: only task records carry its keys, so other items of the table cost no index write.
 * - **Sharded**: the partition key is one of {@link TASK_INDEX_SHARDS} values picked by a hash of the
 *   task id, so no single key takes every write (DynamoDB: 1,000 writes/s per partition).
 * - **Time-ordered**: the sort key is the time the task was sent, which never changes during a
 *   task's life, so each later write of the record updates its index entry in place (one index write)
 *   instead of moving it (a delete and a put: two).
 * - **Small**: it projects only the listing columns, so an index write costs one write unit however
 *   large the arguments and result are.
 */

/** Name of the global secondary index. */
export const TASK_INDEX_NAME = 'byTime';

/** Partition key attribute of the index (S): `t<shard>`. */
export const TASK_INDEX_SHARD_ATTRIBUTE = 'idxShard';

/** Sort key attribute of the index (N): epoch milliseconds at which the task was sent. */
export const TASK_INDEX_TIME_ATTRIBUTE = 'idxTime';

/** Number of index partitions; a listing queries each of them and merges. */
export const TASK_INDEX_SHARDS = 16;

/** Attributes the index projects besides the keys: the listing columns. */
export const TASK_INDEX_PROJECTION = ['state', 'task', 'queue', 'retries', 'sentAt', 'dateStarted', 'dateDone', 'runtimeMs', 'workerId'] as const;

/** The partition key value of a task id (FNV-1a hash modulo the shard count). */
export function taskIndexShard(id: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `t${hash % TASK_INDEX_SHARDS}`;
}

/** Every partition key value of the index. */
export function taskIndexShards(): string[] {
  return Array.from({ length: TASK_INDEX_SHARDS }, (_, i) => `t${i}`);
}
