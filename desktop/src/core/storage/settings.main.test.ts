import { describe, expect, it } from 'vitest';
import {
  createMemoryKeyValueStore,
  type KeyValueStore,
} from '../../main/storage/key-value-store.main';
import { createSettingsStore as createStore } from './settings';
import { electronSettingsStorage } from './settings.main';

const createSettingsStore = (store: KeyValueStore) => createStore(electronSettingsStorage(store));

describe('settings store over electron-store', () => {
  it('starts with notifications on and nothing muted', () => {
    expect(createSettingsStore(createMemoryKeyValueStore()).get()).toEqual({
      doNotDisturb: false,
      mutedConversationIds: [],
    });
  });

  it('keeps do-not-disturb and mutes across launches', () => {
    const store = createMemoryKeyValueStore();
    const settings = createSettingsStore(store);
    settings.setDoNotDisturb(true);
    settings.setMuted('c1', true);
    settings.setMuted('c2', true);
    settings.setMuted('c1', false);
    const next = createSettingsStore(store);
    expect(next.get()).toEqual({ doNotDisturb: true, mutedConversationIds: ['c2'] });
    expect(next.isMuted('c2')).toBe(true);
    expect(next.isMuted('c1')).toBe(false);
  });

  it('recovers from a damaged settings file field by field', () => {
    const store = createMemoryKeyValueStore();
    store.set('settings', { doNotDisturb: 'yes', mutedConversationIds: ['c9'] });
    expect(createSettingsStore(store).get()).toEqual({
      doNotDisturb: false,
      mutedConversationIds: ['c9'],
    });
    store.set('settings', 'nonsense');
    expect(createSettingsStore(store).get()).toEqual({
      doNotDisturb: false,
      mutedConversationIds: [],
    });
  });
});
