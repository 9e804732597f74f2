import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * Size of a DynamoDB item as DynamoDB bills it (names + values, UTF-8): strings by their bytes,
 * numbers by about one byte per two significant digits plus one, booleans and null one byte, maps
 * and lists 3 bytes plus one byte per element plus their contents.
 */
export function itemBytes(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value), 0);
}

function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|^0+|e.*$/gi, '').length / 2) + 1;
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((s, v) => s + Buffer.byteLength(v), 0);
  if (value.NS) return value.NS.reduce((s, v) => s + valueBytes({ N: v }), 0);
  if (value.L) return 3 + value.L.reduce((s, v) => s + 1 + valueBytes(v), 0);
  if (value.M) return 3 + Object.entries(value.M).reduce((s, [k, v]) => s + 1 + Buffer.byteLength(k) + valueBytes(v), 0);
  return 0;
}

/** Write units of one standard write of an item of `bytes` (1 KB a unit, rounded up). */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}
