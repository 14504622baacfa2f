import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { MIGRATIONS, migrate } from '../../api/src/store/sqlite/migrations';

/** The database the bench's API runs on, and how to remove what the bench wrote there. */
export type BenchDatabase =
  | { kind: 'sqlite' | 'mongodb'; url: string; drop(): Promise<void> }
  | { kind: 'skip'; reason: string };

/**
 * SQLite (a file in the run's temporary folder, removed with it) unless
 * `BENCH_STORE=mongodb`: then a database of its own, `chat_bench_<random>`, on the server
 * at `BENCH_MONGODB_URL` (or `MONGODB_URL`), dropped at the end. The URL's own database,
 * if it names one, is never touched.
 */
export function benchDatabase(env: NodeJS.ProcessEnv, sqlitePath: string): BenchDatabase {
  const store = env.BENCH_STORE ?? 'sqlite';
  if (store === 'sqlite') {
    return { kind: 'sqlite', url: `sqlite:${sqlitePath}`, drop: () => Promise.resolve() };
  }
  if (store !== 'mongodb') throw new Error('BENCH_STORE must be sqlite or mongodb');
  const given = env.BENCH_MONGODB_URL ?? env.MONGODB_URL ?? '';
  if (given === '') {
    return {
      kind: 'skip',
      reason:
        'skipped: BENCH_STORE=mongodb needs BENCH_MONGODB_URL (or MONGODB_URL), e.g. mongodb://127.0.0.1:27017; nothing measured or written',
    };
  }
  const url = withDatabase(given, `chat_bench_${randomBytes(6).toString('hex')}`);
  return {
    kind: 'mongodb',
    url,
    drop: async () => {
      const { default: mongoose } = await import('mongoose');
      const connection = await mongoose.createConnection(url).asPromise();
      try {
        await connection.dropDatabase();
      } finally {
        await connection.close();
      }
    },
  };
}

/** The same server and options, another database name. */
function withDatabase(url: string, name: string): string {
  const [beforeQuery = '', query] = url.split('?');
  const scheme = /^mongodb(\+srv)?:\/\//.exec(beforeQuery)?.[0];
  if (!scheme) throw new Error('BENCH_MONGODB_URL must be a mongodb:// or mongodb+srv:// URL');
  const hosts = beforeQuery.slice(scheme.length).split('/')[0] ?? '';
  return `${scheme}${hosts}/${name}${query === undefined ? '' : `?${query}`}`;
}

/**
 * A throwaway SQLite file to seed fast, at the schema of the migrations up to `version`
 * (an older release, for the upgrade and search benches): no fsync per commit, and the
 * indexes' random inserts (UUID keys) kept in memory.
 */
export function openSeedDatabase(path: string, version: number): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -400000');
  migrate(
    db,
    MIGRATIONS.filter((m) => m.version <= version),
  );
  return db;
}
