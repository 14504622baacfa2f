import { readStoredSettings, toStoredSettings, type SettingsStorage } from './settings';

export const SETTINGS_KEY = 'chat.settings.v1';

/**
 * Mute and do-not-disturb under one `localStorage` key, shared by the tabs of one browser
 * profile; an unreadable value reads as the defaults.
 */
export function browserSettingsStorage(store: Storage = window.localStorage): SettingsStorage {
  return {
    load() {
      const raw = store.getItem(SETTINGS_KEY);
      if (raw === null) return readStoredSettings(undefined);
      try {
        return readStoredSettings(JSON.parse(raw));
      } catch {
        // Not JSON: the defaults.
        return readStoredSettings(undefined);
      }
    },
    save(settings) {
      store.setItem(SETTINGS_KEY, JSON.stringify(toStoredSettings(settings)));
    },
  };
}
