/** Numbers the contract fixes. Both sides read them from here, never from a copy. */
export const LIMITS = {
  usernameMin: 3,
  usernameMax: 32,
  passwordMin: 8,
  passwordMax: 128,
  displayNameMin: 1,
  displayNameMax: 64,
  titleMin: 1,
  titleMax: 100,
  groupMembersMin: 2,
  groupMembersMax: 256,
  clientIdMax: 64,
  /** In Unicode code points, not UTF-16 units. */
  messageBodyMax: 4000,
  /** Request bodies and socket packets. */
  payloadBytesMax: 64 * 1024,
  userSearchLimitDefault: 20,
  userSearchLimitMax: 50,
  historyLimitDefault: 50,
  /** `GET /api/conversations` pages (version 2 addition; without `limit`, the first page). */
  conversationListLimitDefault: 50,
  conversationListLimitMax: 200,
  historyLimitMax: 200,
  accessTokenMaxSeconds: 15 * 60,
  loginFailuresMax: 10,
  loginFailureWindowSeconds: 15 * 60,
  /** Version 2: per client address. */
  registrationsPerAddressPerHour: 10,
  typingExpiryMs: 5_000,
  presenceOfflineGraceMs: 5_000,
  /** Different emoji on one message. */
  reactionsPerMessageMax: 20,
  /** Code points of the quoted body a reply keeps. */
  replyExcerptMax: 200,
  /** UTF-16 units of a reaction emoji, checked before it is segmented. */
  emojiLengthMax: 64,
  /** A deleted account's username is held this long before anyone may take it again. */
  deletedUsernameHoldDays: 30,
  /** Characters of the User-Agent a session keeps as its `client`. */
  sessionClientMax: 200,
  /** `GET /api/search`: the query text in UTF-16 units, its words, and page sizes. */
  searchQueryMax: 500,
  searchTermsMax: 16,
  searchLimitDefault: 20,
  searchLimitMax: 50,
} as const;

/** Numbers of the contract's "Files and images". */
export const UPLOAD_LIMITS = {
  /** `UPLOAD_MAX_BYTES` when unset. */
  bytesMaxDefault: 25 * 1024 * 1024,
  /** Longest side of a stored image, in pixels. */
  imageSideMax: 2048,
  /** Longest side of a thumbnail, in pixels. */
  thumbnailSideMax: 320,
  /** `attachmentIds` on one message. */
  attachmentsPerMessageMax: 10,
  /** An upload not attached to a message within this long is deleted. */
  unattachedTtlMs: 24 * 60 * 60 * 1000,
} as const;

export const USERNAME_PATTERN = /^[a-z0-9_.-]+$/;
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** Length in Unicode code points, the unit the contract counts message bodies in. */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** The first `max` code points of `text` (never half of a surrogate pair). */
export function codePointPrefix(text: string, max: number): string {
  let n = 0;
  let end = 0;
  for (const char of text) {
    if (n === max) break;
    n++;
    end += char.length;
  }
  return text.slice(0, end);
}
