/**
 * `npm run bench:search`: full-text search over a large SQLite store.
 *
 * Seeds a temporary file at schema version 6 (every step before search) with
 * BENCH_SEARCH_MESSAGES messages (1,000,000) in BENCH_SEARCH_CONVERSATIONS conversations
 * (10,000) by direct SQL in one transaction, then times what an upgrade costs (opening
 * the store runs migration 7, which indexes every existing message), then the latency of
 * `GET /api/search`'s work without HTTP (SearchService over the real store: terms, the
 * FTS5 query, snippets) for one user who is a member of 50 of the conversations.
 *
 * Bodies are 6-16 words drawn from a Zipf-distributed vocabulary of 20,000 made-up words,
 * so a few words are in most messages and most words are rare, as in real text.
 *
 *   npm run bench:search            (about 3 minutes on 2 cores)
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../api/src/store/sqlite';
import { searchFilePath } from '../api/src/store/sqlite/search-file';
import { SearchService } from '../api/src/search/service';
import { percentiles, round } from './lib/stats';
import { openSeedDatabase } from './lib/store';
import { progressLog, wholeNumberOption } from './lib/cli';

const MESSAGES = wholeNumberOption('BENCH_SEARCH_MESSAGES', 1_000_000);
const CONVERSATIONS = wholeNumberOption('BENCH_SEARCH_CONVERSATIONS', 10_000);
const MEMBER_OF = Math.min(CONVERSATIONS, wholeNumberOption('BENCH_SEARCH_MEMBER_OF', 50));
const QUERIES = wholeNumberOption('BENCH_SEARCH_QUERIES', 400);
const VOCABULARY = 20_000;
const USERS = 2_000;

/** A deterministic generator, so every run searches the same text. */
let state = 0x2545f491;
function random(): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 0x1_0000_0000;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ne',
  'ru',
  'sa',
  'te',
  'vo',
  'zi',
  'pa',
  'do',
  'ré',
  'fu',
  'gi',
  'ba',
  'ço',
];
const words = Array.from({ length: VOCABULARY }, (_, i) => {
  let word = '';
  let n = i + 7;
  do {
    word += SYLLABLES[n % SYLLABLES.length] ?? '';
    n = Math.floor(n / SYLLABLES.length);
  } while (n > 0);
  return word;
});
// Zipf (s = 1): the cumulative weights, searched by bisection.
const cumulative: number[] = [];
words.reduce((sum, _, i) => {
  const next = sum + 1 / (i + 1);
  cumulative.push(next);
  return next;
}, 0);
function zipfWord(): string {
  const target = random() * (cumulative.at(-1) ?? 1);
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] ?? 0) < target) lo = mid + 1;
    else hi = mid;
  }
  return words[lo] ?? 'x';
}
function body(): string {
  const length = 6 + Math.floor(random() * 11);
  return Array.from({ length }, zipfWord).join(' ');
}

const progress = progressLog('search');

const dir = mkdtempSync(join(tmpdir(), 'chat-bench-search-'));
const path = join(dir, 'bench.db');
try {
  // ---- seed a database from before search --------------------------------------
  // The release before search: every step before 7 (later ones build on its index).
  const db = openSeedDatabase(path, 6);
  const me = randomUUID();
  const users = Array.from({ length: USERS }, () => randomUUID());
  const conversations = Array.from({ length: CONVERSATIONS }, () => randomUUID());
  const seedAll = db.transaction(() => {
    const user = db.prepare(
      `INSERT INTO users (id, username, display_name, display_name_lower, password_hash, created_at)
       VALUES (?, ?, ?, ?, 'x', 0)`,
    );
    user.run(me, 'me', 'Me', 'me');
    users.forEach((id, i) => user.run(id, `user${i}`, `User ${i}`, `user ${i}`));
    const conversation = db.prepare(
      `INSERT INTO conversations (id, type, title, created_at, last_seq, last_activity_at, rev)
       VALUES (?, 'group', ?, 0, ?, 0, ?)`,
    );
    const member = db.prepare(
      'INSERT INTO conversation_members (conversation_id, user_id, position) VALUES (?, ?, ?)',
    );
    const perConversation = Math.ceil(MESSAGES / CONVERSATIONS);
    const members = new Map<string, string[]>();
    conversations.forEach((id, i) => {
      conversation.run(id, `Group ${i}`, perConversation, perConversation);
      const a = pick(users);
      let b = pick(users);
      while (b === a) b = pick(users);
      const list = i < MEMBER_OF ? [me, a, b] : [a, b];
      list.forEach((userId, position) => member.run(id, userId, position));
      members.set(id, list);
    });
    const message = db.prepare(
      `INSERT INTO messages (id, conversation_id, seq, sender_id, client_id, body, created_at, rev)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // Interleaved as real traffic is: message n goes to conversation n mod CONVERSATIONS.
    const seqs = new Map<string, number>();
    const start = Date.now() - MESSAGES * 1000;
    for (let n = 0; n < MESSAGES; n++) {
      const conversationId = conversations[n % CONVERSATIONS] ?? '';
      const seq = (seqs.get(conversationId) ?? 0) + 1;
      seqs.set(conversationId, seq);
      const sender = pick(members.get(conversationId) ?? [me]);
      message.run(
        randomUUID(),
        conversationId,
        seq,
        sender,
        `c${n}`,
        body(),
        start + n * 1000,
        seq,
      );
      if (n % 200_000 === 0 && n > 0) progress(`seeded ${n} messages`);
    }
  });
  seedAll();
  db.close();
  progress(`seeded ${MESSAGES} messages in ${CONVERSATIONS} conversations`);

  // ---- the upgrade: migration 7 indexes every message -------------------------
  const migrationStarted = process.hrtime.bigint();
  const store = openSqliteStore(path);
  const openSeconds = Number(process.hrtime.bigint() - migrationStarted) / 1e9;
  progress(`opening the store (migrations 7 to the latest) took ${openSeconds.toFixed(2)} s`);
  await store.searchIndexed;
  const migrationSeconds = Number(process.hrtime.bigint() - migrationStarted) / 1e9;
  progress(`the background pass indexed ${MESSAGES} messages in ${migrationSeconds.toFixed(1)} s`);

  // ---- search latency -------------------------------------------------------
  const search = new SearchService({
    messages: store.messages,
    membership: { requireMember: () => Promise.resolve([me]) },
  });
  const mix: { label: string; query: () => string }[] = [
    { label: 'a very common word', query: () => pick(words.slice(0, 10)) },
    { label: 'a mid-frequency word', query: () => pick(words.slice(100, 2_000)) },
    { label: 'a rare word', query: () => pick(words.slice(5_000)) },
    { label: 'a 3-letter prefix', query: () => pick(words.slice(0, 2_000)).slice(0, 3) },
    { label: 'two words', query: () => `${zipfWord()} ${zipfWord()}` },
  ];
  const mine = conversations.slice(0, MEMBER_OF);
  const all: number[] = [];
  const rows: string[] = [];
  // Warm the page cache as a running server would have it.
  for (let i = 0; i < 20; i++) await search.search(me, { q: pick(words), limit: 20 });
  for (const { label, query } of mix) {
    const samples: number[] = [];
    let hits = 0;
    for (let i = 0; i < QUERIES / mix.length; i++) {
      const inOne = i % 4 === 3;
      const t = process.hrtime.bigint();
      const page = await search.search(me, {
        q: query(),
        limit: 20,
        conversationId: inOne ? pick(mine) : undefined,
      });
      samples.push(Number(process.hrtime.bigint() - t) / 1e6);
      hits += page.results.length;
    }
    all.push(...samples);
    const p = percentiles(samples);
    rows.push(
      `| ${label} | ${round(p.p50, 2)} | ${round(p.p99, 2)} | ${round(p.max, 2)} | ${round(hits / samples.length, 1)} |`,
    );
  }
  const overall = percentiles(all);
  // The search's own plan, on a connection like its reader: the search file attached.
  const reader = new Database(path, { readonly: true });
  reader.prepare('ATTACH ? AS search').run(searchFilePath(path));
  const plan = reader
    .prepare(
      `EXPLAIN QUERY PLAN SELECT m.id FROM search.messages_fts f JOIN messages m ON m.key = f.rowid
       WHERE messages_fts MATCH ? AND m.kind = 'text' AND m.deleted_at IS NULL
         AND m.conversation_id IN (
           SELECT conversation_id FROM conversation_members WHERE user_id = ?)
       ORDER BY f.rowid DESC LIMIT 21`,
    )
    .all('body : ("ka"*)', me)
    .map((r) => (r as { detail: string }).detail);
  reader.close();
  await store.close();

  console.log(`
## Search (npm run bench:search)

${MESSAGES.toLocaleString('en')} messages in ${CONVERSATIONS.toLocaleString('en')} conversations; the user is in ${MEMBER_OF} of them (about ${Math.round((MESSAGES / CONVERSATIONS) * MEMBER_OF).toLocaleString('en')} messages). ${QUERIES} searches, limit 20, a quarter of them within one conversation.

- Start-up with migrations 7 to the latest on this database: **${openSeconds.toFixed(2)} s**; the background pass that indexes every existing message (the API serving meanwhile): **${migrationSeconds.toFixed(1)} s**
- All searches: p50 **${round(overall.p50, 2)} ms**, p99 **${round(overall.p99, 2)} ms** (max ${round(overall.max, 2)} ms)

| query | p50 ms | p99 ms | max ms | results per search |
|---|---|---|---|---|
${rows.join('\n')}

Plan: ${plan.join('; ')}
`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
