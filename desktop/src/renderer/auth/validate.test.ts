import { describe, expect, it } from 'vitest';
import { describeAuthError, validateAuthForm, type AuthForm } from './validate';

const form = (extra: Partial<AuthForm> = {}): AuthForm => ({
  serverUrl: 'http://127.0.0.1:4000',
  username: 'alice',
  password: 'correct horse',
  displayName: '',
  ...extra,
});

describe('validateAuthForm', () => {
  it('accepts a valid registration, upper-case usernames included (the server lower-cases)', () => {
    expect(validateAuthForm('register', form({ username: 'Alice.B-2' }))).toEqual({});
  });

  it('refuses usernames outside the charset or length before submitting', () => {
    expect(validateAuthForm('register', form({ username: 'al' })).username).toMatch(/3–32/);
    expect(validateAuthForm('register', form({ username: 'a'.repeat(33) })).username).toMatch(
      /3–32/,
    );
    expect(validateAuthForm('register', form({ username: 'alice smith' })).username).toMatch(/a–z/);
    expect(validateAuthForm('register', form({ username: 'ålice' })).username).toMatch(/a–z/);
  });

  it('refuses short and long passwords when registering', () => {
    expect(validateAuthForm('register', form({ password: '1234567' })).password).toMatch(
      /at least 8/,
    );
    expect(validateAuthForm('register', form({ password: 'x'.repeat(129) })).password).toMatch(
      /at most 128/,
    );
  });

  it('does not apply registration rules to sign-in beyond "something entered"', () => {
    expect(validateAuthForm('sign-in', form({ username: 'al', password: 'short' }))).toEqual({});
    expect(validateAuthForm('sign-in', form({ password: '' })).password).toBeDefined();
  });

  it('wants an http(s) server address', () => {
    expect(
      validateAuthForm('sign-in', form({ serverUrl: 'javascript:alert(1)' })).serverUrl,
    ).toBeDefined();
    expect(
      validateAuthForm('sign-in', form({ serverUrl: 'chat.example.com' })).serverUrl,
    ).toBeDefined();
    expect(validateAuthForm('sign-in', form({ serverUrl: 'https://chat.example.com' }))).toEqual(
      {},
    );
  });
});

describe('describeAuthError', () => {
  const url = 'http://127.0.0.1:4000';

  it('says wrong credentials without telling which part was wrong', () => {
    expect(describeAuthError('sign-in', { code: 'unauthorized', message: 'x' }, url).message).toBe(
      'Wrong username or password.',
    );
  });

  it('points at the username when it is taken', () => {
    const failure = describeAuthError('register', { code: 'conflict', message: 'x' }, url);
    expect(failure.fields.username).toMatch(/taken/);
  });

  it('shows the wait when throttled', () => {
    const failure = describeAuthError(
      'sign-in',
      { code: 'rate_limited', message: 'x', retryAfterSeconds: 600 },
      url,
    );
    expect(failure.message).toBe('Too many attempts. Try again in 10 minutes.');
    expect(failure.retryAfterSeconds).toBe(600);
  });

  it('names the server that cannot be reached', () => {
    expect(describeAuthError('sign-in', { code: 'network', message: 'x' }, url).message).toContain(
      url,
    );
  });

  it('does not ask to check an address the person never chose (the web client)', () => {
    const { message } = describeAuthError(
      'sign-in',
      { code: 'network', message: 'x' },
      'https://chat.example.com',
      false,
    );
    expect(message).toBe('Can’t reach the server. Check your connection, then try again.');
  });

  it('puts the server’s field errors next to the fields', () => {
    const failure = describeAuthError(
      'register',
      {
        code: 'invalid_request',
        message: 'Invalid request.',
        details: [{ path: 'password', message: 'too short' }],
      },
      url,
    );
    expect(failure.fields.password).toBe('too short');
  });
});
