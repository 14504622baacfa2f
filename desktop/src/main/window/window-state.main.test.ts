import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryKeyValueStore } from '../storage/key-value-store.main';
import {
  loadWindowState,
  restoreWindowState,
  trackWindowState,
  type DisplayLayout,
  type Rectangle,
  type TrackedWindow,
} from './window-state.main';

/** A BrowserWindow as the tracker sees it: events, normal bounds, maximized or not. */
class FakeWindow extends EventEmitter implements TrackedWindow {
  normalBounds: Rectangle = { x: 100, y: 80, width: 1100, height: 720 };
  maximized = false;

  getNormalBounds(): Rectangle {
    return { ...this.normalBounds };
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  moveTo(x: number, y: number): void {
    this.normalBounds = { ...this.normalBounds, x, y };
    this.emit('move');
  }
  resizeTo(width: number, height: number): void {
    this.normalBounds = { ...this.normalBounds, width, height };
    this.emit('resize');
  }
  maximize(): void {
    // The normal bounds stay what they were: that is where un-maximizing returns.
    this.maximized = true;
    this.emit('resize');
    this.emit('maximize');
  }
}

// A laptop (1440×900, menu bar) with a 1920×1080 monitor to its right (taskbar at the bottom).
const laptop: Rectangle = { x: 0, y: 25, width: 1440, height: 875 };
const monitor: Rectangle = { x: 1440, y: 0, width: 1920, height: 1040 };
const docked: DisplayLayout = { workAreas: [laptop, monitor], primaryWorkArea: laptop };
const undocked: DisplayLayout = { workAreas: [laptop], primaryWorkArea: laptop };

function setUp() {
  const store = createMemoryKeyValueStore();
  const set = vi.spyOn(store, 'set');
  const window = new FakeWindow();
  trackWindowState(window, store);
  return { store, set, window };
}

describe('window state', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('saves once the user has stopped moving and resizing the window', () => {
    const { store, set, window } = setUp();
    window.moveTo(150, 90);
    vi.advanceTimersByTime(200);
    window.moveTo(200, 100);
    vi.advanceTimersByTime(200);
    window.resizeTo(900, 650);
    vi.advanceTimersByTime(499);
    expect(set).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(set).toHaveBeenCalledOnce();
    expect(loadWindowState(store)).toEqual({
      x: 200,
      y: 100,
      width: 900,
      height: 650,
      maximized: false,
    });
  });

  it('saves at once when the window closes, and not again afterwards', () => {
    const { store, set, window } = setUp();
    window.moveTo(300, 200);
    window.emit('close');
    expect(set).toHaveBeenCalledOnce();
    expect(loadWindowState(store)).toMatchObject({ x: 300, y: 200 });
    vi.advanceTimersByTime(10_000);
    expect(set).toHaveBeenCalledOnce();
  });

  it('reopens with the saved size and position', () => {
    const { store, window } = setUp();
    window.moveTo(1600, 120);
    window.resizeTo(1000, 700);
    window.emit('close');
    expect(restoreWindowState(loadWindowState(store), docked)).toEqual({
      bounds: { x: 1600, y: 120, width: 1000, height: 700 },
      maximized: false,
    });
  });

  it('reopens maximized, over the bounds it had before it was maximized', () => {
    const { store, window } = setUp();
    window.moveTo(200, 100);
    window.maximize();
    vi.advanceTimersByTime(500);
    expect(restoreWindowState(loadWindowState(store), docked)).toEqual({
      bounds: { x: 200, y: 100, width: 1100, height: 720 },
      maximized: true,
    });
    window.maximized = false;
    window.emit('unmaximize');
    vi.advanceTimersByTime(500);
    expect(loadWindowState(store)?.maximized).toBe(false);
  });

  it('lets the OS place a window whose monitor is gone, keeping its size', () => {
    const { store, window } = setUp();
    window.moveTo(2000, 300);
    window.resizeTo(1000, 700);
    window.emit('close');
    const saved = loadWindowState(store);
    expect(restoreWindowState(saved, docked)?.bounds).toEqual({
      x: 2000,
      y: 300,
      width: 1000,
      height: 700,
    });
    expect(restoreWindowState(saved, undocked)).toEqual({
      bounds: { width: 1000, height: 700 },
      maximized: false,
    });
  });

  it('keeps a position only while enough of the title bar is on a display to grab it', () => {
    const at = (x: number, y: number) =>
      restoreWindowState({ x, y, width: 800, height: 600, maximized: false }, undocked)?.bounds;
    // Mostly off the left edge, 150 px of title bar still showing: kept.
    expect(at(-650, 300)).toEqual({ x: -650, y: 300, width: 800, height: 600 });
    // 40 px showing: dropped.
    expect(at(-760, 300)).toEqual({ width: 800, height: 600 });
    // Below the bottom of the work area: dropped.
    expect(at(100, 890)).toEqual({ width: 800, height: 600 });
    // Title bar hidden above the top of the work area (behind the menu bar): dropped.
    expect(at(100, -20)).toEqual({ width: 800, height: 600 });
  });

  it('fits an oversized window to its display and grows a tiny one to the minimum', () => {
    const restore = (width: number, height: number, x = 0, y = 25) =>
      restoreWindowState({ x, y, width, height, maximized: false }, undocked)?.bounds;
    expect(restore(3000, 2000)).toEqual({ x: 0, y: 25, width: 1440, height: 875 });
    expect(restore(200, 100)).toEqual({ x: 0, y: 25, width: 480, height: 400 });
    // Narrowed to the display, the title bar of a window that hung far off the left edge
    // would end at x=40: not reachable, so the position goes too.
    expect(restore(3000, 700, -1400)).toEqual({ width: 1440, height: 700 });
    // With no position kept, the size fits the display the OS will put it on.
    expect(
      restoreWindowState({ x: 5000, y: 0, width: 1900, height: 1000, maximized: true }, undocked),
    ).toEqual({ bounds: { width: 1440, height: 875 }, maximized: true });
  });

  it('ignores saved state that is missing or damaged', () => {
    const store = createMemoryKeyValueStore();
    expect(loadWindowState(store)).toBeNull();
    expect(restoreWindowState(loadWindowState(store), docked)).toBeNull();
    const valid = { x: 10, y: 40, width: 900, height: 600, maximized: false };
    for (const damaged of [
      'nonsense',
      null,
      [],
      { ...valid, x: '10' },
      { ...valid, width: -900 },
      { ...valid, height: 0 },
      { ...valid, y: 40.5 },
      { ...valid, maximized: 'yes' },
      { x: 10, y: 40, width: 900, height: 600 },
      { ...valid, x: Number.MAX_SAFE_INTEGER },
    ]) {
      store.set('windowState', damaged);
      expect(loadWindowState(store), JSON.stringify(damaged)).toBeNull();
    }
    store.set('windowState', valid);
    expect(loadWindowState(store)).toEqual(valid);
  });
});
