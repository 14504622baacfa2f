/**
 * A second API process in miniature, for the multi-process test in sqlite.test.ts: opens
 * the shared file, waits for the parent's go, appends in concurrent rounds and reports
 * the seqs it was given.
 *
 * argv: databasePath conversationId senderId rounds perRound
 */
import { openSqliteStore } from './index';

const [databasePath, conversationId, senderId, rounds, perRound] = process.argv.slice(2);
if (!databasePath || !conversationId || !senderId || !rounds || !perRound || !process.send) {
  throw new Error(
    'usage: append-worker.fixture.ts PATH CONVERSATION SENDER ROUNDS PER_ROUND (forked)',
  );
}
const send = process.send.bind(process);
const store = openSqliteStore(databasePath);

process.once('message', () => {
  void (async () => {
    const seqs: number[] = [];
    for (let round = 0; round < Number(rounds); round++) {
      const results = await Promise.all(
        Array.from({ length: Number(perRound) }, (_, i) =>
          store.messages.append({
            conversationId,
            senderId,
            clientId: `${senderId}-${round}-${i}`,
            body: `round ${round} message ${i}`,
          }),
        ),
      );
      seqs.push(...results.map((r) => r.message.seq));
    }
    await store.close();
    send({ seqs }, () => process.disconnect());
  })();
});
send('ready');
