import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { clockTime } from '../ui/time';
import { jumpBarText, UnreadJumpBar, type JumpStep, type UnreadSummary } from './UnreadJumpBar';

const now = new Date(2026, 10, 26, 15, 0);
const oldestLoadedAt = new Date(2026, 10, 26, 14, 2).toISOString();
const yesterday = new Date(2026, 10, 25, 9, 30).toISOString();
const summary: UnreadSummary = {
  unreadCount: 260,
  loaded: 200,
  oldestLoadedAt,
  firstUnreadAt: null,
};

const render = (jump: JumpStep) =>
  renderToStaticMarkup(
    <UnreadJumpBar
      jump={jump}
      now={now}
      onJump={() => undefined}
      onDismiss={() => undefined}
      {...summary}
    />,
  );

describe('the jump-to-first-unread bar', () => {
  it('says how much is unread and that it starts before everything shown', () => {
    expect(jumpBarText({ step: 'offer' }, summary, now)).toBe(
      `260 new messages, the first before ${clockTime(oldestLoadedAt)}`,
    );
  });

  it('gives the exact time once the first unread message is held', () => {
    expect(jumpBarText({ step: 'offer' }, { ...summary, firstUnreadAt: yesterday }, now)).toBe(
      `260 new messages since Yesterday, ${clockTime(yesterday)}`,
    );
    expect(jumpBarText({ step: 'offer' }, { ...summary, unreadCount: 1 }, now)).toMatch(
      /^1 new message,/,
    );
  });

  it('shows progress while loading, and the error when a page failed', () => {
    expect(jumpBarText({ step: 'loading' }, summary, now)).toBe(
      'Loading older messages… 200 of 260 new messages',
    );
    expect(jumpBarText({ step: 'failed', error: 'The server answered 500.' }, summary, now)).toBe(
      'Could not load older messages: The server answered 500.',
    );
    expect(jumpBarText({ step: 'page-limit' }, { ...summary, loaded: 2200 }, now)).toBe(
      '260 of 260 new messages loaded; the first is further back',
    );
  });

  it('offers Jump and Dismiss as buttons, and Try again after a failure', () => {
    const offer = render({ step: 'offer' });
    expect(offer).toContain('aria-label="Jump to the first unread message"');
    expect(offer).toContain('aria-label="Dismiss the new messages bar"');
    expect(offer).not.toContain('Try again');

    const loading = render({ step: 'loading' });
    expect(loading).toMatch(/<button type="button" disabled="" aria-label="Jump/);

    const failed = render({ step: 'failed', error: 'boom' });
    expect(failed).toContain(
      '<button type="button" aria-label="Try again to jump to the first unread message"',
    );
    expect(failed).toContain('aria-label="Dismiss the new messages bar"');
  });

  it('is gone once closed', () => {
    expect(render({ step: 'closed' })).toBe('');
  });
});
