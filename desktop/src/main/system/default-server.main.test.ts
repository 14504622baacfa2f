import { describe, expect, test } from 'vitest';
import { defaultServerUrl, entryUrlWithServer } from './default-server.main';

describe('the default server of the desktop app', () => {
  test('follows PORT, as the API started by npm start does', () => {
    expect(defaultServerUrl({})).toBe('http://127.0.0.1:4000');
    expect(defaultServerUrl({ PORT: '4123' })).toBe('http://127.0.0.1:4123');
  });

  test('ignores a PORT that is not a port', () => {
    expect(defaultServerUrl({ PORT: 'abc' })).toBe('http://127.0.0.1:4000');
    expect(defaultServerUrl({ PORT: '70000' })).toBe('http://127.0.0.1:4000');
  });

  test('CHAT_SERVER_URL wins when it is an http(s) URL', () => {
    expect(defaultServerUrl({ CHAT_SERVER_URL: 'https://chat.example.com/x', PORT: '5' })).toBe(
      'https://chat.example.com',
    );
    expect(defaultServerUrl({ CHAT_SERVER_URL: 'javascript:alert(1)', PORT: '4001' })).toBe(
      'http://127.0.0.1:4001',
    );
  });

  test('travels to the renderer as a query parameter of its entry', () => {
    expect(entryUrlWithServer('app://chat/index.html', 'http://127.0.0.1:4123')).toBe(
      'app://chat/index.html?server=http%3A%2F%2F127.0.0.1%3A4123',
    );
  });
});
