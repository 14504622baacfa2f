/**
 * The chat window reopens where the user left it: same size, same place, maximized or not.
 * Displays change between launches (a laptop leaves its dock, a monitor is unplugged), so
 * a saved position is only reused while the window would still be reachable on a display.
 */
import { z } from 'zod';
import type { KeyValueStore } from '../storage/key-value-store.main';
import type { WindowOptionsInput } from './window.main';

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The normal (un-maximized) bounds, so un-maximizing after a restore goes back there. */
export interface WindowState extends Rectangle {
  maximized: boolean;
}

/** The displays' work areas (screen minus taskbar, dock, menu bar), as `screen` reports them. */
export interface DisplayLayout {
  workAreas: readonly Rectangle[];
  /** Where the OS puts a window that has no position. */
  primaryWorkArea: Rectangle;
}

export interface RestoredWindow {
  bounds: NonNullable<WindowOptionsInput['bounds']>;
  maximized: boolean;
}

/** The window's `minWidth`/`minHeight` (window.main.ts). */
export const MIN_WINDOW_SIZE = { width: 480, height: 400 } as const;

// A title bar strip this tall, of which this much must lie on a display, is enough to
// grab the window and drag it back; less and the user cannot reach it.
const TITLE_BAR_HEIGHT = 32;
const MIN_VISIBLE_TITLE_BAR = { width: 100, height: 16 } as const;

const KEY = 'windowState';
const coordinate = z.number().int().min(-1_000_000).max(1_000_000);
const length = z.number().int().positive().max(1_000_000);
const StoredWindowState = z.object({
  x: coordinate,
  y: coordinate,
  width: length,
  height: length,
  maximized: z.boolean(),
});

/** The saved state, or null when there is none or it is damaged (then the defaults apply). */
export function loadWindowState(store: KeyValueStore): WindowState | null {
  const parsed = StoredWindowState.safeParse(store.get(KEY));
  return parsed.success ? parsed.data : null;
}

export function saveWindowState(store: KeyValueStore, state: WindowState): void {
  store.set(KEY, {
    x: Math.round(state.x),
    y: Math.round(state.y),
    width: Math.round(state.width),
    height: Math.round(state.height),
    maximized: state.maximized,
  });
}

function clampSize(
  size: { width: number; height: number },
  area: Rectangle,
): { width: number; height: number } {
  return {
    width: Math.max(MIN_WINDOW_SIZE.width, Math.min(size.width, area.width)),
    height: Math.max(MIN_WINDOW_SIZE.height, Math.min(size.height, area.height)),
  };
}

function overlap(start: number, length: number, areaStart: number, areaLength: number): number {
  return Math.min(start + length, areaStart + areaLength) - Math.max(start, areaStart);
}

function titleBarReachable(window: Rectangle, area: Rectangle): boolean {
  return (
    overlap(window.x, window.width, area.x, area.width) >= MIN_VISIBLE_TITLE_BAR.width &&
    overlap(window.y, TITLE_BAR_HEIGHT, area.y, area.height) >= MIN_VISIBLE_TITLE_BAR.height
  );
}

/**
 * What to open the window with, given the saved state and today's displays. The size is
 * kept, within the minimum and the display it lands on; the position only if the title
 * bar is still reachable on some display, else it is dropped and the OS centres the window.
 */
export function restoreWindowState(
  saved: WindowState | null,
  displays: DisplayLayout,
): RestoredWindow | null {
  if (saved === null) return null;
  for (const area of displays.workAreas) {
    // Sized for this display first: shrinking a wide window can move its title bar off it.
    const size = clampSize(saved, area);
    if (titleBarReachable({ x: saved.x, y: saved.y, ...size }, area)) {
      return { bounds: { x: saved.x, y: saved.y, ...size }, maximized: saved.maximized };
    }
  }
  return { bounds: clampSize(saved, displays.primaryWorkArea), maximized: saved.maximized };
}

export type WindowStateEvent = 'resize' | 'move' | 'maximize' | 'unmaximize' | 'close';

/** The slice of BrowserWindow the tracker needs. */
export interface TrackedWindow {
  on(event: WindowStateEvent, listener: () => void): unknown;
  getNormalBounds(): Rectangle;
  isMaximized(): boolean;
}

/**
 * Saves the window's state as the user changes it. Dragging or resizing fires dozens of
 * events a second, each of which would rewrite the settings file, so saves wait until the
 * window has been still for `debounceMs`; closing saves at once (the app may be quitting).
 */
export function trackWindowState(
  window: TrackedWindow,
  store: KeyValueStore,
  debounceMs = 500,
): void {
  let pending: ReturnType<typeof setTimeout> | null = null;

  const save = (): void => {
    if (pending !== null) clearTimeout(pending);
    pending = null;
    saveWindowState(store, { ...window.getNormalBounds(), maximized: window.isMaximized() });
  };
  const saveSoon = (): void => {
    if (pending !== null) clearTimeout(pending);
    pending = setTimeout(save, debounceMs);
  };

  for (const event of ['resize', 'move', 'maximize', 'unmaximize'] as const) {
    window.on(event, saveSoon);
  }
  window.on('close', save);
}
