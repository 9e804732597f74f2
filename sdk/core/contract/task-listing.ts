/**
 * The listing table of an app: what the dashboard and `celeriac inspect` list tasks from (by time,
 * filtered by state, name and text). It is apart from the task records so that listing costs a
 * fraction of a write a task instead of an index write on every record write.
 *
 * - **One item per worker batch**: the worker writes one item listing the tasks of a batch when the
 *   batch ends (up to 10 tasks from an SQS batch in about 0.5 KB: one write unit), and one more, earlier,
 *   for tasks still running after a second, so long tasks are seen as STARTED while they run.
 * - **Sharded**: the partition key is one of {@link TASK_LISTING_SHARDS} values picked at random by the
 *   writer, so no single key takes every write (DynamoDB: 1,000 writes/s per partition).
 * - **Time-ordered**: the sort key begins with the time the item was written, so a listing reads each
 *   shard newest first and merges.
 * - **Superseded, not updated**: a task listed again (its end after its start, a retry) has a newer
 *   entry in a newer item; readers keep the newest entry of each task.
 */

/** Partition key attribute (S): `s<shard>`. */
export const TASK_LISTING_SHARD_ATTRIBUTE = 'shard';

/** Sort key attribute (S): `<epoch ms, 13 digits>#<writer>#<sequence>`. */
export const TASK_LISTING_SORT_ATTRIBUTE = 'at';

/** TTL attribute (N, epoch seconds): the latest expiry of the records it lists. */
export const TASK_LISTING_TTL_ATTRIBUTE = 'expiresAt';

/** Number of partitions; a listing queries each of them and merges. */
export const TASK_LISTING_SHARDS = 8;

/** Every partition key value of the listing table. */
export function taskListingShards(): string[] {
  return Array.from({ length: TASK_LISTING_SHARDS }, (_, i) => `s${i}`);
}
