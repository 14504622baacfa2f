/**
 * Mute and do-not-disturb: the shell-kept preferences and the one rule for changing and
 * reading them, shared by the Electron main process, the web bridge, both notifiers and
 * the renderer (which flips a switch at once, before the shell confirms).
 *
 * Environment-neutral and zod-free: no DOM, Node or Electron imports here.
 */

/** Shell-kept preferences (Electron persists them; the web bridge keeps them in localStorage). */
export interface ShellSettings {
  doNotDisturb: boolean;
  /**
   * Conversations this device muted before notification levels were kept on the server:
   * each is handed over once as the level `none` and then dropped (`mute-migration.ts`).
   * Nothing adds to it any more.
   */
  mutedConversationIds: string[];
  /**
   * Whether the session survives a restart. The Electron shell keeps the refresh token
   * only through the OS key store; without one (Linux without a keyring) it keeps the
   * session in memory and says why here, so the renderer can tell the user they will
   * sign in again next launch. Absent where it does not apply.
   */
  sessionPersistence?: SessionPersistence;
}

export type SessionPersistence =
  | { persistent: true }
  | {
      persistent: false;
      reason: 'encryption-unavailable' | 'no-keyring';
      /** One sentence for the user. */
      message: string;
    };

/** What a profile that never chose anything has. A fresh object each time. */
export function defaultSettings(): ShellSettings {
  return { doNotDisturb: false, mutedConversationIds: [] };
}

export function isMuted(settings: ShellSettings | null, conversationId: string): boolean {
  return settings?.mutedConversationIds.includes(conversationId) ?? false;
}

/** The settings with one conversation muted or unmuted (each id listed at most once). */
export function withMuted(
  settings: ShellSettings | null,
  conversationId: string,
  muted: boolean,
): ShellSettings {
  const base = settings ?? defaultSettings();
  const others = base.mutedConversationIds.filter((id) => id !== conversationId);
  return { ...base, mutedConversationIds: muted ? [...others, conversationId] : others };
}

export function withDoNotDisturb(settings: ShellSettings | null, enabled: boolean): ShellSettings {
  return { ...(settings ?? defaultSettings()), doNotDisturb: enabled };
}
