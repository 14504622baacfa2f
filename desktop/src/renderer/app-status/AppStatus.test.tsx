import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { updateStatusText } from '../../shared/app-status';
import type { AppStatus, UpdateState } from '../../shared/bridge';
import { SETTINGS_SECTIONS, visibleSections } from '../settings/SettingsDialog';
import { AppSection, canCheckForUpdates } from './AppSettings';
import { UpdatePrompt } from './UpdatePrompt';
import { withUpdate } from './useAppStatus';

const status = (update: UpdateState, enabled = false, supported = true): AppStatus => ({
  version: '0.3.1',
  launchAtLogin: { supported, enabled },
  update,
});

const section = (value: AppStatus) =>
  renderToStaticMarkup(
    <AppSection
      status={value}
      launchError={null}
      updateError={null}
      onToggleLaunchAtLogin={() => undefined}
      onCheckForUpdates={() => undefined}
      onRestart={() => undefined}
    />,
  );

const prompt = (update: UpdateState | null, error: string | null = null) =>
  renderToStaticMarkup(
    <UpdatePrompt
      update={update}
      error={error}
      restarting={false}
      onRestart={() => undefined}
      onDismiss={() => undefined}
    />,
  );

describe('the update in words', () => {
  it('says each state in one sentence', () => {
    expect(updateStatusText({ status: 'not-configured', reason: 'no-feed' })).toBe(
      'Updates are not configured for this build.',
    );
    expect(updateStatusText({ status: 'not-configured', reason: 'development' })).toBe(
      'Updates are not checked in a development build.',
    );
    expect(updateStatusText({ status: 'idle', checkedAt: null })).toBe(
      'Chat has not checked for updates yet.',
    );
    expect(updateStatusText({ status: 'idle', checkedAt: '2026-12-06T12:00:00Z' })).toBe(
      'Chat is up to date.',
    );
    expect(updateStatusText({ status: 'checking' })).toBe('Checking for updates…');
    expect(updateStatusText({ status: 'available', version: '0.4.0' })).toBe(
      'Version 0.4.0 is available; downloading it…',
    );
    expect(updateStatusText({ status: 'downloading', version: '0.4.0', percent: 41.7 })).toBe(
      'Downloading version 0.4.0… 41%',
    );
    expect(updateStatusText({ status: 'downloaded', version: '0.4.0' })).toBe(
      'Version 0.4.0 is ready: restart Chat to install it.',
    );
    expect(updateStatusText({ status: 'error', message: 'the server is down.' })).toBe(
      'Could not update: the server is down.',
    );
  });

  it('follows update events into the status, and none where there is no app', () => {
    const before = status({ status: 'checking' });
    expect(withUpdate(before, { status: 'downloaded', version: '0.4.0' })).toEqual({
      ...before,
      update: { status: 'downloaded', version: '0.4.0' },
    });
    expect(withUpdate(null, { status: 'checking' })).toBeNull();
  });
});

describe('the App section of Settings', () => {
  it('is there in the desktop app only', () => {
    expect(visibleSections(true)).toEqual(SETTINGS_SECTIONS);
    expect(visibleSections(true)).toContain('app');
    expect(visibleSections(false)).not.toContain('app');
    expect(visibleSections(false)).toHaveLength(SETTINGS_SECTIONS.length - 1);
  });

  it('shows start at login as a switch, off by default', () => {
    const html = section(status({ status: 'idle', checkedAt: null }));
    expect(html).toContain('Open Chat when you log in');
    expect(html).toMatch(/role="switch" aria-checked="false"/);
    expect(section(status({ status: 'idle', checkedAt: null }, true))).toMatch(
      /role="switch" aria-checked="true"/,
    );
    const development = section(status({ status: 'idle', checkedAt: null }, false, false));
    expect(development).toContain('Available in the installed app only.');
    expect(development).toMatch(/role="switch" aria-checked="false"[^>]*disabled=""/);
  });

  it('shows the version and the update state, with Check for updates when a feed is configured', () => {
    const idle = section(status({ status: 'idle', checkedAt: '2026-12-06T12:00:00Z' }));
    expect(idle).toContain('Version 0.3.1');
    expect(idle).toContain('Chat is up to date.');
    expect(idle).toMatch(/<button type="button"[^>]*>Check for updates<\/button>/);
    expect(idle).not.toMatch(/<button[^>]*disabled=""[^>]*>Check for updates/);

    const none = section(status({ status: 'not-configured', reason: 'no-feed' }));
    expect(none).toContain('Updates are not configured for this build.');
    expect(none).not.toContain('Check for updates');

    const busy = status({ status: 'downloading', version: '0.4.0', percent: 50 });
    expect(canCheckForUpdates(busy)).toBe(false);
    expect(section(busy)).toMatch(/<button[^>]*disabled=""[^>]*>Check for updates/);
    expect(canCheckForUpdates(status({ status: 'error', message: 'x' }))).toBe(true);

    const ready = section(status({ status: 'downloaded', version: '0.4.0' }));
    expect(ready).toContain('>Restart to update</button>');
    expect(ready).not.toContain('Check for updates');
  });
});

describe('the Restart to update prompt', () => {
  it('appears only once an update is downloaded', () => {
    expect(prompt(null)).toBe('');
    for (const update of [
      { status: 'not-configured', reason: 'no-feed' },
      { status: 'checking' },
      { status: 'available', version: '0.4.0' },
      { status: 'downloading', version: '0.4.0', percent: 99 },
      { status: 'error', message: 'x' },
    ] satisfies UpdateState[]) {
      expect(prompt(update)).toBe('');
    }
    const html = prompt({ status: 'downloaded', version: '0.4.0' });
    expect(html).toContain('Version 0.4.0 of Chat is ready. Restart to install it.');
    expect(html).toContain('>Restart to update</button>');
    expect(html).toContain('aria-label="Dismiss the update prompt"');
    // Not a dialog: nothing takes the focus or blocks the conversation.
    expect(html).not.toContain('role="dialog"');
    expect(html).not.toContain('role="alert"');
  });

  it('shows why a restart was refused', () => {
    expect(
      prompt({ status: 'downloaded', version: '0.4.0' }, 'Could not restart: No update.'),
    ).toContain('role="alert"');
  });
});
