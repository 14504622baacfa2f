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
  historyLimitMax: 200,
  accessTokenMaxSeconds: 15 * 60,
  loginFailuresMax: 10,
  loginFailureWindowSeconds: 15 * 60,
  typingExpiryMs: 5_000,
  presenceOfflineGraceMs: 5_000,
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
