import { ApiError } from '../http/errors';

/**
 * A page ends at its last message; the next page starts after it in the search order.
 * Opaque to clients: base64url of that message's id.
 */
export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

/** @throws ApiError('invalid_request') for anything that is not a cursor this API gave. */
export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  // Ids are short printable ASCII (UUIDs, ObjectIds); a round trip also refuses
  // non-canonical base64url.
  if (!/^[\x21-\x7e]{1,128}$/.test(id) || encodeCursor(id) !== cursor) {
    throw new ApiError('invalid_request', 'before is not the next of an earlier page.', [
      { path: 'before', message: 'must be the next of an earlier page' },
    ]);
  }
  return id;
}
