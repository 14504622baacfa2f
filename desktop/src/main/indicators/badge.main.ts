import { formatUnread } from './unread.main';

export interface BadgeTargets {
  platform: NodeJS.Platform;
  /** `app.setBadgeCount` (macOS dock, Linux Unity launchers). */
  setBadgeCount(count: number): unknown;
  /** `BrowserWindow.setOverlayIcon` on the taskbar (Windows has no badge count). */
  setOverlayIcon?(iconPath: string | null, description: string): void;
  overlayIconPath: string;
}

export function applyBadge(targets: BadgeTargets, unread: number): void {
  if (targets.platform === 'win32') {
    targets.setOverlayIcon?.(
      unread > 0 ? targets.overlayIconPath : null,
      unread > 0 ? `${formatUnread(unread)} unread messages` : '',
    );
    return;
  }
  targets.setBadgeCount(Math.max(0, unread));
}
