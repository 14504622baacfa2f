import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  ARGON2_MINIMUM,
  ConfigError,
  DEFAULT_SQLITE_PATH,
  jwtSecretFileFor,
  loadConfig,
  vapidKeyFileFor,
  vapidSettings,
} from './config';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chat-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const SECRET = 's'.repeat(32);
const sqlite = () => `sqlite:${join(dir, 'chat.sqlite')}`;

describe('loadConfig', () => {
  test('defaults: port 4000 on loopback, SQLite in the API data folder, limits on, OWASP argon2', () => {
    const config = loadConfig({ JWT_SECRET: SECRET });
    expect(config).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      databaseUrl: `sqlite:${DEFAULT_SQLITE_PATH}`,
      databaseKind: 'sqlite',
      redisUrl: null,
      rateLimits: true,
      trustProxy: [],
      logLevel: 'info',
      argon2: ARGON2_MINIMUM,
      accessTokenTtlSeconds: 900,
    });
    // Half the cores, so a login burst leaves the rest to the event loop.
    expect(config.passwordHashConcurrency).toBe(
      Math.max(1, Math.floor(availableParallelism() / 2)),
    );
    expect(DEFAULT_SQLITE_PATH).toMatch(/api[\\/]data[\\/]chat\.sqlite$/);
  });

  test('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'mongodb://db.example:27017/chat',
      JWT_SECRET: SECRET,
      REDIS_URL: 'redis://cache:6379',
      CHAT_RATE_LIMITS: 'off',
      LOG_LEVEL: 'warn',
      ARGON2_MEMORY_KIB: '65536',
      ARGON2_TIME_COST: '3',
      ARGON2_PARALLELISM: '2',
      TRUST_PROXY: 'loopback, 10.0.0.0/8',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'mongodb://db.example:27017/chat',
      databaseKind: 'mongodb',
      jwtSecret: SECRET,
      jwtSecretSource: 'env',
      redisUrl: 'redis://cache:6379',
      rateLimits: false,
      trustProxy: ['loopback', '10.0.0.0/8'],
      logLevel: 'warn',
      argon2: { memoryCost: 65536, timeCost: 3, parallelism: 2 },
    });
    expect(config.warnings.join('\n')).toContain('CHAT_RATE_LIMITS=off');
  });

  test('normalizes sqlite paths to absolute ones', () => {
    expect(
      loadConfig({ DATABASE_URL: 'sqlite:///tmp/x/chat.sqlite', JWT_SECRET: SECRET }).databaseUrl,
    ).toBe('sqlite:/tmp/x/chat.sqlite');
    expect(
      loadConfig({ DATABASE_URL: 'sqlite:rel/chat.sqlite', JWT_SECRET: SECRET }).databaseUrl,
    ).toBe(`sqlite:${join(process.cwd(), 'rel/chat.sqlite')}`);
  });

  test.each([
    ['PORT', { PORT: 'eighty' }, /PORT/],
    ['PORT out of range', { PORT: '70000' }, /PORT/],
    ['negative PORT', { PORT: '-1' }, /PORT/],
    ['DATABASE_URL scheme', { DATABASE_URL: 'postgres://x/y' }, /DATABASE_URL/],
    ['empty sqlite path', { DATABASE_URL: 'sqlite:' }, /DATABASE_URL/],
    ['mongodb without host', { DATABASE_URL: 'mongodb://' }, /DATABASE_URL/],
    ['short JWT_SECRET', { JWT_SECRET: 'short' }, /JWT_SECRET.*32 bytes/],
    ['REDIS_URL', { REDIS_URL: 'localhost:6379' }, /REDIS_URL/],
    ['CHAT_RATE_LIMITS', { CHAT_RATE_LIMITS: 'maybe' }, /CHAT_RATE_LIMITS/],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    ['TRUST_PROXY', { TRUST_PROXY: 'everyone' }, /TRUST_PROXY/],
    ['weak argon2 outside tests', { ARGON2_MEMORY_KIB: '1024' }, /argon2/],
    ['argon2 garbage', { ARGON2_TIME_COST: 'x' }, /ARGON2_TIME_COST/],
    [
      'rate limits off in production',
      { CHAT_RATE_LIMITS: 'off', NODE_ENV: 'production' },
      /CHAT_RATE_LIMITS/,
    ],
    [
      'MongoDB without JWT_SECRET in production',
      { DATABASE_URL: 'mongodb://db:27017/chat', JWT_SECRET: '', NODE_ENV: 'production' },
      /JWT_SECRET is required/,
    ],
    [
      'production without VAPID_SUBJECT',
      { NODE_ENV: 'production' },
      /VAPID_SUBJECT .* is required/,
    ],
    ['VAPID_SUBJECT that is no contact', { VAPID_SUBJECT: 'me' }, /VAPID_SUBJECT must be/],
    ['one VAPID key alone', { VAPID_PUBLIC_KEY: 'abc' }, /set together/],
    [
      'VAPID keys that are no pair',
      { VAPID_PUBLIC_KEY: 'B'.repeat(87), VAPID_PRIVATE_KEY: 'A'.repeat(43) },
      /P-256 key pair/,
    ],
    [
      'MongoDB without VAPID keys in production',
      {
        DATABASE_URL: 'mongodb://db:27017/chat',
        NODE_ENV: 'production',
        VAPID_SUBJECT: 'mailto:ops@example.com',
      },
      /VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are required/,
    ],
    [
      'private push endpoints in production',
      {
        NODE_ENV: 'production',
        VAPID_SUBJECT: 'mailto:ops@example.com',
        PUSH_ALLOW_PRIVATE_ENDPOINTS: 'true',
      },
      /PUSH_ALLOW_PRIVATE_ENDPOINTS/,
    ],
  ])('refuses a bad %s with one clear line', (_name, env, message) => {
    const base = { JWT_SECRET: SECRET, DATABASE_URL: sqlite() };
    let error: unknown;
    try {
      loadConfig({ ...base, ...env });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  test('weak argon2 parameters are accepted with NODE_ENV=test, with a warning', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      JWT_SECRET: SECRET,
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_TIME_COST: '1',
    });
    expect(config.argon2).toEqual({ memoryCost: 1024, timeCost: 1, parallelism: 1 });
    expect(config.warnings.join('\n')).toMatch(/argon2/);
  });
});

describe('JWT secret', () => {
  test('with SQLite and no JWT_SECRET: generated once, kept beside the file with mode 0600', () => {
    const first = loadConfig({ DATABASE_URL: sqlite() });
    expect(first.jwtSecretSource).toBe('generated-file');
    expect(Buffer.byteLength(first.jwtSecret)).toBeGreaterThanOrEqual(32);
    const file = jwtSecretFileFor(join(dir, 'chat.sqlite'));
    expect(readFileSync(file, 'utf8').trim()).toBe(first.jwtSecret);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = loadConfig({ DATABASE_URL: sqlite() });
    expect(second.jwtSecretSource).toBe('file');
    expect(second.jwtSecret).toBe(first.jwtSecret);

    // Another database gets its own secret.
    const other = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'other', 'db.sqlite')}` });
    expect(other.jwtSecret).not.toBe(first.jwtSecret);
  });

  test('JWT_SECRET wins over the file and writes nothing', () => {
    const config = loadConfig({ DATABASE_URL: sqlite(), JWT_SECRET: SECRET });
    expect(config.jwtSecret).toBe(SECRET);
    expect(() => statSync(jwtSecretFileFor(join(dir, 'chat.sqlite')))).toThrow();
  });

  test('a too-short secret in the file is refused, not silently replaced', () => {
    writeFileSync(jwtSecretFileFor(join(dir, 'chat.sqlite')), 'tiny\n');
    expect(() => loadConfig({ DATABASE_URL: sqlite() })).toThrow(/at least 32 bytes/);
  });

  test('with MongoDB outside production: a per-process secret and a warning', () => {
    const a = loadConfig({ DATABASE_URL: 'mongodb://db:27017/chat' });
    const b = loadConfig({ DATABASE_URL: 'mongodb://db:27017/chat' });
    expect(a.jwtSecretSource).toBe('generated-ephemeral');
    expect(a.jwtSecret).not.toBe(b.jwtSecret);
    expect(a.warnings.join('\n')).toMatch(/JWT_SECRET/);
  });
});

describe('VAPID keys (Web Push)', () => {
  test('with SQLite: generated when the app is built, kept beside the file with mode 0600', () => {
    const config = loadConfig({ DATABASE_URL: sqlite(), JWT_SECRET: SECRET });
    const file = vapidKeyFileFor(join(dir, 'chat.sqlite'));
    // Loading the configuration alone writes nothing.
    expect(() => statSync(file)).toThrow();
    const first = vapidSettings(config.vapid);
    expect(first.source).toBe('generated-file');
    expect(Buffer.from(first.settings.publicKey, 'base64url')).toHaveLength(65);
    expect(Buffer.from(first.settings.privateKey, 'base64url')).toHaveLength(32);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = vapidSettings(config.vapid);
    expect(second.source).toBe('file');
    expect(second.settings).toEqual(first.settings);
    expect(first.settings.subject).toMatch(/^mailto:/);
  });

  test('the variables win over the file and are checked as a pair', () => {
    const generated = vapidSettings(
      loadConfig({ DATABASE_URL: sqlite(), JWT_SECRET: SECRET }).vapid,
    ).settings;
    const config = loadConfig({
      DATABASE_URL: `sqlite:${join(dir, 'other.sqlite')}`,
      JWT_SECRET: SECRET,
      VAPID_PUBLIC_KEY: generated.publicKey,
      VAPID_PRIVATE_KEY: generated.privateKey,
      VAPID_SUBJECT: 'https://chat.example.com/contact',
    });
    const settings = vapidSettings(config.vapid);
    expect(settings.source).toBe('env');
    expect(settings.settings).toEqual({
      ...generated,
      subject: 'https://chat.example.com/contact',
    });
    expect(() => statSync(vapidKeyFileFor(join(dir, 'other.sqlite')))).toThrow();
  });

  test('a damaged key file is refused, not silently replaced', () => {
    writeFileSync(vapidKeyFileFor(join(dir, 'chat.sqlite')), '{"publicKey":"x","privateKey":"y"}');
    const config = loadConfig({ DATABASE_URL: sqlite(), JWT_SECRET: SECRET });
    expect(() => vapidSettings(config.vapid)).toThrow(ConfigError);
  });
});

describe('uploads', () => {
  test('25 MiB and a folder beside the SQLite file by default', () => {
    const config = loadConfig({ JWT_SECRET: SECRET, DATABASE_URL: sqlite() });
    expect(config.uploadMaxBytes).toBe(25 * 1024 * 1024);
    expect(config.uploadDir).toBe(`${join(dir, 'chat.sqlite')}.uploads`);
  });

  test('UPLOAD_MAX_BYTES and UPLOAD_DIR are read; MongoDB has no default folder', () => {
    const config = loadConfig({
      JWT_SECRET: SECRET,
      DATABASE_URL: 'mongodb://db:27017/chat',
      UPLOAD_MAX_BYTES: '1048576',
    });
    expect(config).toMatchObject({ uploadMaxBytes: 1_048_576, uploadDir: null });
    const withDir = loadConfig({ JWT_SECRET: SECRET, DATABASE_URL: sqlite(), UPLOAD_DIR: 'files' });
    expect(withDir.uploadDir).toBe(join(process.cwd(), 'files'));
  });

  test.each(['0', '-5', 'lots', '1.5'])(
    'refuses UPLOAD_MAX_BYTES=%s with one clear line',
    (raw) => {
      expect(() =>
        loadConfig({ JWT_SECRET: SECRET, DATABASE_URL: sqlite(), UPLOAD_MAX_BYTES: raw }),
      ).toThrow(/UPLOAD_MAX_BYTES must be a whole number/);
    },
  );
});

describe('S3 storage for uploads', () => {
  test('off without S3_BUCKET', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, DATABASE_URL: sqlite() }).s3).toBeNull();
  });

  test('reads S3_* with path-style addressing for a self-hosted endpoint', () => {
    const config = loadConfig({
      JWT_SECRET: SECRET,
      DATABASE_URL: sqlite(),
      S3_BUCKET: 'chat-uploads',
      S3_ENDPOINT: 'http://minio:9000',
      S3_ACCESS_KEY_ID: 'minio',
      S3_SECRET_ACCESS_KEY: 'minio-secret',
      S3_PREFIX: 'prod/',
    });
    expect(config.s3).toEqual({
      bucket: 'chat-uploads',
      endpoint: 'http://minio:9000',
      region: 'us-east-1',
      credentials: { accessKeyId: 'minio', secretAccessKey: 'minio-secret' },
      forcePathStyle: true,
      prefix: 'prod/',
    });
    const aws = loadConfig({ JWT_SECRET: SECRET, S3_BUCKET: 'b', S3_REGION: 'eu-west-1' });
    expect(aws.s3).toMatchObject({ endpoint: null, credentials: null, forcePathStyle: false });
  });

  test.each([
    [{ S3_ENDPOINT: 'http://minio:9000' }, /without S3_BUCKET/],
    [{ S3_BUCKET: 'b', S3_ENDPOINT: 'minio:9000' }, /S3_ENDPOINT must be an http/],
    [{ S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'k' }, /set together/],
    [{ S3_BUCKET: 'b', S3_FORCE_PATH_STYLE: 'yes' }, /S3_FORCE_PATH_STYLE/],
  ])('refuses %j with one clear line', (env, message) => {
    expect(() => loadConfig({ JWT_SECRET: SECRET, DATABASE_URL: sqlite(), ...env })).toThrow(
      message,
    );
  });
});
