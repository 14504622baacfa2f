/**
 * Mute and do-not-disturb as the renderer handles them. The shell owns the preferences
 * (Electron persists them, the tray can change do-not-disturb, the web bridge keeps them in
 * localStorage); the renderer shows what the bridge last said, flipping a switch at once
 * and putting it back if the bridge refuses.
 */
import type { ChatBridge } from '../../shared/bridge';
import type { ChatStore } from '../store/store';

// The one rule for changing them, shared with both shells.
export { isMuted, withDoNotDisturb, withMuted } from '../../shared/settings';

type PreferenceBridge = Pick<ChatBridge, 'setMuted' | 'setDoNotDisturb'>;

/**
 * Mutes or unmutes a conversation. Resolves with null, or with a message saying why it
 * could not be changed (the control is already back where it was).
 */
export async function changeMuted(
  store: ChatStore,
  bridge: PreferenceBridge,
  conversationId: string,
  muted: boolean,
): Promise<string | null> {
  store.dispatch({ type: 'set-muted', conversationId, muted });
  const result = await bridge.setMuted({ conversationId, muted });
  if (result.ok) return null;
  store.dispatch({ type: 'set-muted', conversationId, muted: !muted });
  return `Could not ${muted ? 'mute' : 'unmute'} the conversation: ${result.error.message}`;
}

/** Turns do-not-disturb on or off; resolves like `changeMuted`. */
export async function changeDoNotDisturb(
  store: ChatStore,
  bridge: PreferenceBridge,
  enabled: boolean,
): Promise<string | null> {
  store.dispatch({ type: 'set-do-not-disturb', enabled });
  const result = await bridge.setDoNotDisturb({ enabled });
  if (result.ok) return null;
  store.dispatch({ type: 'set-do-not-disturb', enabled: !enabled });
  return `Could not turn do not disturb ${enabled ? 'on' : 'off'}: ${result.error.message}`;
}
