import { describe, expect, test } from 'vitest';
import { createDeepLinkRouter, deepLinkInArgv, parseDeepLink } from './deep-link.main';

describe('chat:// links', () => {
  test('chat://conversation/ID names a conversation', () => {
    expect(parseDeepLink('chat://conversation/abc-123_X')).toEqual({
      link: { kind: 'conversation', conversationId: 'abc-123_X' },
    });
    expect(parseDeepLink('chat://conversation/abc/')).toEqual({
      link: { kind: 'conversation', conversationId: 'abc' },
    });
  });

  test('anything else is refused with a reason', () => {
    for (const raw of [
      'chat://conversation/',
      'chat://conversation/a/b',
      'chat://conversation/%E0%A4%A',
      'chat://conversation/has%20space',
      'chat://conversation/<script>',
      `chat://conversation/${'x'.repeat(129)}`,
      'chat://user/abc',
      'chat:',
      'https://conversation/abc',
      'javascript:alert(1)',
      'not a url',
      `chat://conversation/${'x'.repeat(3000)}`,
    ]) {
      expect(parseDeepLink(raw), raw).toHaveProperty('error');
    }
  });

  test('the link is found among other command-line arguments', () => {
    expect(deepLinkInArgv(['/opt/Chat/chat', '--no-sandbox', 'chat://conversation/c1'])).toBe(
      'chat://conversation/c1',
    );
    expect(deepLinkInArgv(['/opt/Chat/chat', '.'])).toBeNull();
  });

  test('the router holds the latest link until ready, then delivers at once; bad ones are logged', () => {
    const opened: string[] = [];
    const logs: string[] = [];
    const router = createDeepLinkRouter({
      openConversation: (id) => opened.push(id),
      log: (line) => logs.push(line),
    });
    router.handle('chat://conversation/first');
    router.handle('chat://conversation/second');
    router.handle('chat://evil/thing');
    expect(opened).toEqual([]);
    router.ready();
    expect(opened).toEqual(['second']);
    router.handle('chat://conversation/third');
    expect(opened).toEqual(['second', 'third']);
    expect(logs).toEqual(['ignored a chat: link (unknown kind "evil")']);
  });
});
