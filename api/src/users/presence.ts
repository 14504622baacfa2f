/**
 * Whether a user has a connected socket right now, on any instance. The users service
 * reads it to fill `person.online`; the real implementation lives with the socket layer.
 */
export interface PresenceReader {
  isOnline(userId: string): boolean;
}
