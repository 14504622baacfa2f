/**
 * A real API for browser tests: the API's harness (loopback, port 0, a SQLite file in a
 * temp folder) serving the built web client at `/`. It can be stopped and started again
 * on the same port with the same file and signing secret, as a deployment restarts.
 */
import { inject } from 'vitest';
import { startTestApi, type TestApi, type TestApiOptions } from '@chat/api/testing';

export type ChatServerOptions = Pick<TestApiOptions, 'config' | 'timings'>;

export type ChatServer = TestApi;

export const ChatServer = {
  start(options: ChatServerOptions = {}): Promise<ChatServer> {
    return startTestApi({ ...options, webRoot: inject('webRoot') });
  },
};
