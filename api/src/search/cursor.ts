import { ApiError } from '../http/errors';

/** Where a page of results ended: the last message's createdAt and id. */
export interface SearchPosition {
  createdAt: Date;
  id: string;
}

/** Opaque to clients; base64url of `[createdAtMs, id]`. */
export function encodeCursor(position: SearchPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt.getTime(), position.id])).toString(
    'base64url',
  );
}

/** @throws ApiError('invalid_request') for anything that is not a cursor this API gave. */
export function decodeCursor(cursor: string): SearchPosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (
    !Array.isArray(decoded) ||
    decoded.length !== 2 ||
    !Number.isSafeInteger(decoded[0]) ||
    typeof decoded[1] !== 'string' ||
    decoded[1].length === 0 ||
    decoded[1].length > 128
  ) {
    throw badCursor();
  }
  return { createdAt: new Date(decoded[0] as number), id: decoded[1] };
}

function badCursor(): ApiError {
  return new ApiError('invalid_request', 'before is not the next of an earlier page.', [
    { path: 'before', message: 'must be the next of an earlier page' },
  ]);
}
