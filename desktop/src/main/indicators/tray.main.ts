import type { MenuItemConstructorOptions } from 'electron';
import { formatUnread } from './unread.main';

export interface TrayState {
  unread: number;
  doNotDisturb: boolean;
  signedIn: boolean;
}

export interface TrayActions {
  open(): void;
  setDoNotDisturb(enabled: boolean): void;
  signOut(): void;
  quit(): void;
}

export const TRAY_MENU_IDS = ['open', 'dnd', 'sign-out', 'quit'] as const;

export function trayMenuTemplate(
  state: TrayState,
  actions: TrayActions,
): MenuItemConstructorOptions[] {
  return [
    {
      id: 'open',
      label: state.unread > 0 ? `Open Chat (${formatUnread(state.unread)} unread)` : 'Open Chat',
      click: () => actions.open(),
    },
    { type: 'separator' },
    {
      id: 'dnd',
      label: 'Do not disturb',
      type: 'checkbox',
      checked: state.doNotDisturb,
      // The new value is the opposite of what the menu was built with; the tray is
      // rebuilt from the settings afterwards, so the checkmark follows the real state.
      click: () => actions.setDoNotDisturb(!state.doNotDisturb),
    },
    { id: 'sign-out', label: 'Sign out', enabled: state.signedIn, click: () => actions.signOut() },
    { type: 'separator' },
    { id: 'quit', label: 'Quit Chat', click: () => actions.quit() },
  ];
}

export function trayTooltip(state: TrayState): string {
  const parts = ['Chat'];
  if (state.unread > 0) parts.push(`${formatUnread(state.unread)} unread`);
  if (state.doNotDisturb) parts.push('do not disturb');
  return parts.join(' — ');
}

/**
 * Icon file (in the build resources folder) for the tray. macOS uses template images that
 * the menu bar tints for light/dark; elsewhere a coloured icon with a dot when unread.
 */
export function trayIconFile(platform: NodeJS.Platform, unread: number): string {
  if (platform === 'darwin') return unread > 0 ? 'trayUnreadTemplate.png' : 'trayTemplate.png';
  const size = platform === 'win32' ? 16 : 32;
  return unread > 0 ? `tray-unread-${size}.png` : `tray-${size}.png`;
}

/** The parts of Electron's `Tray` the controller drives. */
export interface TrayLike {
  setContextMenu(menu: unknown): void;
  setToolTip(toolTip: string): void;
  setImage(image: string): void;
  setTitle?(title: string): void;
  on(event: 'click', listener: () => void): unknown;
}

export interface TrayControllerDeps {
  tray: TrayLike;
  platform: NodeJS.Platform;
  /** `Menu.buildFromTemplate`. */
  buildMenu(template: MenuItemConstructorOptions[]): unknown;
  iconPath(file: string): string;
  actions: TrayActions;
}

export function createTrayController(deps: TrayControllerDeps): { update(state: TrayState): void } {
  const { tray, platform } = deps;
  // Windows and Linux users expect a click on the tray icon to bring the window back.
  if (platform !== 'darwin') tray.on('click', () => deps.actions.open());
  let lastIcon = '';
  return {
    update(state) {
      tray.setContextMenu(deps.buildMenu(trayMenuTemplate(state, deps.actions)));
      tray.setToolTip(trayTooltip(state));
      const icon = trayIconFile(platform, state.unread);
      if (icon !== lastIcon) {
        tray.setImage(deps.iconPath(icon));
        lastIcon = icon;
      }
      // macOS shows the count as text beside the menu-bar icon.
      if (platform === 'darwin') tray.setTitle?.(formatUnread(state.unread));
    },
  };
}
