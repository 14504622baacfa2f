/**
 * CPU per message of the API's send path in-process, store included: the real app on a
 * SQLite file (`synchronous=FULL`), `MessagesService.send` for `conversations` direct
 * conversations with one message each in flight (100 pairs, as `npm run bench` drives),
 * so each round is one group commit. No sockets: what it leaves out (Socket.IO decoding,
 * validation, the ack) is the same for any change behind the service. The first rounds
 * are a warm-up, past the 10,000 message ids the service remembers. Figures are the
 * process's CPU time per send, which the host's load moves far less than wall time.
 *
 *   node --import tsx bench/message-send.ts [rounds per figure=100] [figures=3] [conversations=100]
 */
import { openDirect, registerUser, startTestApi } from '@chat/api/testing';

const rounds = Number(process.argv[2] ?? 100);
const figures = Number(process.argv[3] ?? 3);
const conversationCount = Number(process.argv[4] ?? 100);
if (![rounds, figures, conversationCount].every((n) => Number.isInteger(n) && n >= 1)) {
  throw new Error('usage: message-send.ts [rounds >= 1] [figures >= 1] [conversations >= 1]');
}
const WARMUP_MESSAGES = 15_000;

const api = await startTestApi({ config: { rateLimits: false } });
try {
  const pairs: { senderId: string; conversationId: string }[] = [];
  for (let i = 0; i < conversationCount; i++) {
    const [sender, receiver] = [await registerUser(api), await registerUser(api)];
    const direct = await openDirect(api, sender.accessToken, receiver.user.id);
    pairs.push({ senderId: sender.user.id, conversationId: direct.id });
  }
  const messages = api.app.services.messages;
  let sent = 0;
  const sendRounds = async (count: number) => {
    for (let i = 0; i < count; i++) {
      await Promise.all(
        pairs.map(({ senderId, conversationId }) =>
          messages.send(senderId, conversationId, {
            clientId: `bench-${sent++}`,
            body: 'hello there, how are you?',
          }),
        ),
      );
    }
  };
  await sendRounds(Math.ceil(WARMUP_MESSAGES / conversationCount));
  const perSend: string[] = [];
  for (let f = 0; f < figures; f++) {
    const before = process.cpuUsage();
    await sendRounds(rounds);
    const used = process.cpuUsage(before);
    perSend.push(((used.user + used.system) / (rounds * conversationCount)).toFixed(1));
  }
  console.log(`CPU per send (µs): ${perSend.join(' ')}`);
} finally {
  await api.close();
}
