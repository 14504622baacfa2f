/** Client-side helpers for the scale-out tests: people with sockets, and what they received. */
import type { Conversation, Message, ServerToClientEvents } from '@chat/protocol';
import {
  connectSocket,
  registerUser,
  sleep,
  type ChatClientSocket,
  type RegisteredUser,
  type RestClient,
} from './helpers';

type Payload<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];

/** Every `event` a socket receives from now on. */
export function record<E extends keyof ServerToClientEvents>(
  socket: ChatClientSocket,
  event: E,
): Payload<E>[] {
  const seen: Payload<E>[] = [];
  socket.on(event, ((payload: Payload<E>) => seen.push(payload)) as never);
  return seen;
}

/** Resolves with the first entry matching; rejects after `timeoutMs`. */
export async function arrives<T>(
  seen: readonly T[],
  match: (entry: T) => boolean,
  timeoutMs = 5_000,
  what = 'event',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = seen.find(match);
    if (found !== undefined) return found;
    if (Date.now() > deadline) {
      throw new Error(`no matching ${what} within ${timeoutMs} ms; got ${JSON.stringify(seen)}`);
    }
    await sleep(20);
  }
}

export async function person(api: { http: RestClient }): Promise<RegisteredUser> {
  return registerUser(api);
}

export function connect(api: { url: string }, token: string): Promise<ChatClientSocket> {
  return connectSocket(api.url, token);
}

export async function createConversation(
  api: { http: RestClient },
  token: string,
  body: { type: 'direct'; userId: string } | { type: 'group'; title: string; memberIds: string[] },
): Promise<Conversation> {
  const response = await api.http.post<Conversation>('/api/conversations', { token, body });
  if (response.status !== 201 && response.status !== 200) {
    throw new Error(`conversation: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

/** Every message of a conversation, through the public catch-up path (`?after=`). */
export async function history(
  api: { http: RestClient },
  token: string,
  conversationId: string,
  after = 0,
): Promise<Message[]> {
  const all: Message[] = [];
  let cursor = after;
  for (;;) {
    const response = await api.http.get<{ messages: Message[] }>(
      `/api/conversations/${conversationId}/messages`,
      { token, query: { after: cursor, limit: 200 } },
    );
    if (response.status !== 200) throw new Error(`history: ${response.status}`);
    all.push(...response.body.messages);
    const last = response.body.messages.at(-1);
    if (!last || response.body.messages.length < 200) return all;
    cursor = last.seq;
  }
}
