import { describe, expect, it } from 'vitest';
import type { ShellSettings } from '../../shared/settings';
import { createSettingsStore, type SettingsStorage } from './settings';

function memory(initial: ShellSettings = { doNotDisturb: false, mutedConversationIds: [] }) {
  let stored = initial;
  let refuse = false;
  const storage: SettingsStorage = {
    load: () => stored,
    save: (settings) => {
      if (refuse) throw new Error('quota');
      stored = settings;
    },
  };
  return {
    storage,
    stored: () => stored,
    refuseWrites: () => {
      refuse = true;
    },
  };
}

describe('settings store', () => {
  it('lists a muted conversation once, however often it is muted', () => {
    const backing = memory();
    const settings = createSettingsStore(backing.storage);
    settings.setMuted('c1', true);
    settings.setMuted('c1', true);
    expect(backing.stored().mutedConversationIds).toEqual(['c1']);
    expect(settings.isMuted('c1')).toBe(true);
  });

  it('keeps the preference it had when the write is refused', () => {
    const backing = memory();
    const settings = createSettingsStore(backing.storage);
    backing.refuseWrites();
    expect(() => settings.setDoNotDisturb(true)).toThrow('quota');
    expect(settings.get().doNotDisturb).toBe(false);
  });
});
