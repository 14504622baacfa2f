import { Types, isObjectIdOrHexString } from 'mongoose';

/**
 * Ids leave this adapter as the lower-case hex form of an ObjectId. Only that exact
 * form maps back: `Types.ObjectId` would also accept any 12-character string (as raw
 * bytes) and upper-case hex, which would let two different opaque ids name one row.
 */
const OBJECT_ID_HEX = /^[0-9a-f]{24}$/;

export function isStoreId(value: unknown): value is string {
  return typeof value === 'string' && OBJECT_ID_HEX.test(value) && isObjectIdOrHexString(value);
}

/** The ObjectId an opaque id names, or null for any string this adapter never issued. */
export function parseId(value: unknown): Types.ObjectId | null {
  return isStoreId(value) ? new Types.ObjectId(value) : null;
}

/** The ObjectIds among `values` that are valid, without duplicates; the rest are ignored. */
export function parseIds(values: readonly unknown[]): Types.ObjectId[] {
  const seen = new Set<string>();
  const ids: Types.ObjectId[] = [];
  for (const value of values) {
    if (isStoreId(value) && !seen.has(value)) {
      seen.add(value);
      ids.push(new Types.ObjectId(value));
    }
  }
  return ids;
}

/**
 * For writes, where the caller promised the ids exist: an id that cannot even be an
 * ObjectId means a bug upstream, so it fails loudly instead of storing a dangling row.
 */
export function requireId(value: string, what: string): Types.ObjectId {
  const id = parseId(value);
  if (!id)
    throw new TypeError(`${what} is not an id issued by this store: ${JSON.stringify(value)}`);
  return id;
}

export function idString(id: Types.ObjectId): string {
  return id.toHexString();
}

/**
 * The key that makes a direct conversation unique for its pair, whichever side asks:
 * both ids sorted, so (a, b) and (b, a) collide on the unique index.
 */
export function directKey(userA: string, userB: string): string {
  return [userA, userB].sort().join(':');
}
