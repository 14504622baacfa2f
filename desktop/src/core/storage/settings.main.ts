import type { KeyValueStore } from '../../main/storage/key-value-store.main';
import { readStoredSettings, toStoredSettings, type SettingsStorage } from './settings';

const KEY = 'settings';

/** Mute and do-not-disturb in electron-store's file, beside the window state and outbox. */
export function electronSettingsStorage(store: KeyValueStore): SettingsStorage {
  return {
    load: () => readStoredSettings(store.get(KEY)),
    save: (settings) => store.set(KEY, toStoredSettings(settings)),
  };
}
