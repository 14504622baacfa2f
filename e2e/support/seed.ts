/**
 * History written straight through the REST API, faster than any browser could type it,
 * so a test starts from a conversation that already holds hundreds of messages.
 */
import { postMessage, type RegisteredUser } from '@chat/api/testing';
import type { ChatServer } from './server';

export interface SeedOptions {
  /** Sends in flight at once; the server still numbers them 1, 2, 3… */
  concurrency?: number;
}

/**
 * Posts `count` messages, the nth (1…count, in the order they are sent) by the sender and
 * with the body `message(n)` says. Sends overlap, so n is not always the stored seq: the
 * result maps each seq the server gave to the body it stored.
 */
export async function seedMessages(
  server: ChatServer,
  conversationId: string,
  count: number,
  message: (n: number) => { sender: RegisteredUser; body: string },
  { concurrency = 8 }: SeedOptions = {},
): Promise<Map<number, string>> {
  const stored = new Map<number, string>();
  let next = 1;
  const sendSome = async (): Promise<void> => {
    while (next <= count) {
      const { sender, body } = message(next++);
      const sent = await postMessage(server, sender.accessToken, conversationId, body);
      stored.set(sent.seq, sent.body);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sendSome));
  return stored;
}
