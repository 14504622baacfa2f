import { z } from 'zod';
import type { ShellSettings } from '../shared/bridge';
import type { KeyValueStore } from './key-value-store.main';

const StoredSettings = z.object({
  doNotDisturb: z.boolean().catch(false),
  mutedConversationIds: z.array(z.string().min(1).max(256)).max(10_000).catch([]),
});

const KEY = 'settings';

/** Do-not-disturb and per-conversation mute, kept across launches. */
export interface SettingsStore {
  get(): ShellSettings;
  setDoNotDisturb(enabled: boolean): ShellSettings;
  setMuted(conversationId: string, muted: boolean): ShellSettings;
  isMuted(conversationId: string): boolean;
}

export function createSettingsStore(store: KeyValueStore): SettingsStore {
  const parsed = StoredSettings.safeParse(store.get(KEY));
  let settings: ShellSettings = parsed.success
    ? parsed.data
    : { doNotDisturb: false, mutedConversationIds: [] };
  let muted = new Set(settings.mutedConversationIds);

  function commit(next: ShellSettings): ShellSettings {
    settings = next;
    muted = new Set(next.mutedConversationIds);
    store.set(KEY, next);
    return get();
  }

  function get(): ShellSettings {
    return { doNotDisturb: settings.doNotDisturb, mutedConversationIds: [...muted] };
  }

  return {
    get,
    setDoNotDisturb: (enabled) => commit({ ...settings, doNotDisturb: enabled }),
    setMuted(conversationId, isMuted) {
      const next = new Set(muted);
      if (isMuted) next.add(conversationId);
      else next.delete(conversationId);
      return commit({ ...settings, mutedConversationIds: [...next] });
    },
    isMuted: (conversationId) => muted.has(conversationId),
  };
}
