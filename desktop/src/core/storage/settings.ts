/**
 * The settings port: mute and do-not-disturb, kept by the shell across launches (or page
 * loads). One schema, used by every adapter beside this file to read back what it stored;
 * a damaged value is recovered field by field, anything else reads as the defaults. The
 * rule for changing them is `shared/settings.ts`, shared with the renderer.
 *
 * Adapters: `settings.main.ts` (electron-store), `settings.web.ts` (`localStorage`).
 */
import { z } from 'zod';
import {
  defaultSettings,
  isMuted,
  withDoNotDisturb,
  withMuted,
  type ShellSettings,
} from '../../shared/settings';

export const StoredSettings = z.object({
  doNotDisturb: z.boolean().catch(false),
  mutedConversationIds: z.array(z.string().min(1).max(256)).max(10_000).catch([]),
});

/** Stored settings read back; the defaults when they do not read as settings at all. */
export function readStoredSettings(value: unknown): ShellSettings {
  const parsed = StoredSettings.safeParse(value);
  return parsed.success ? parsed.data : defaultSettings();
}

/** What is stored: the preferences, never the session persistence the shell adds. */
export function toStoredSettings({
  doNotDisturb,
  mutedConversationIds,
}: ShellSettings): z.infer<typeof StoredSettings> {
  return { doNotDisturb, mutedConversationIds };
}

/** Synchronous on purpose: both electron-store and `localStorage` are. */
export interface SettingsStorage {
  load(): ShellSettings;
  /** Throws when the write is refused (disk full, quota, storage disabled). */
  save(settings: ShellSettings): void;
}

/** Do-not-disturb and per-conversation mute, held in memory over a `SettingsStorage`. */
export interface SettingsStore {
  get(): ShellSettings;
  setDoNotDisturb(enabled: boolean): ShellSettings;
  setMuted(conversationId: string, muted: boolean): ShellSettings;
  isMuted(conversationId: string): boolean;
}

export function createSettingsStore(storage: SettingsStorage): SettingsStore {
  let settings = storage.load();

  /** Stores first, so nothing shows a preference the next launch would not have. */
  function commit(next: ShellSettings): ShellSettings {
    storage.save(next);
    settings = next;
    return get();
  }

  function get(): ShellSettings {
    return { ...settings, mutedConversationIds: [...settings.mutedConversationIds] };
  }

  return {
    get,
    setDoNotDisturb: (enabled) => commit(withDoNotDisturb(settings, enabled)),
    setMuted: (conversationId, muted) => commit(withMuted(settings, conversationId, muted)),
    isMuted: (conversationId) => isMuted(settings, conversationId),
  };
}
