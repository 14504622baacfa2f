import { createECDH, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { LIMITS, UPLOAD_LIMITS } from '@chat/protocol';
import { checkTrustProxy } from './http/client-address';
import { API_ROOT } from './paths';
import { parseDatabaseUrl } from './store/index';
import type { S3Settings } from './uploads/s3-storage';

/** argon2id cost. The parameters are stored in every hash, so they may change over time. */
export interface Argon2Params {
  /** KiB */
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  host: string;
  /** Normalized: `sqlite:<absolute path>` or `sqlite::memory:`, or the MongoDB URL as given. */
  databaseUrl: string;
  databaseKind: 'sqlite' | 'mongodb';
  jwtSecret: string;
  /** Where the secret came from, so startup can say so (never the secret itself). */
  jwtSecretSource: 'env' | 'file' | 'generated-file' | 'generated-ephemeral';
  redisUrl: string | null;
  /** Prefix of every Redis key and channel, so deployments (and tests) can share one Redis. */
  redisPrefix: string;
  /**
   * How long an instance's presence heartbeat lives in Redis. A crashed instance's users
   * are announced offline within `crashOfflineBoundMs` of this (see scale/presence).
   */
  presenceHeartbeatTtlMs: number;
  rateLimits: boolean;
  /** Registrations allowed per client address per hour (Infinity: no limit). */
  registrationsPerAddressPerHour: number;
  /**
   * Proxies whose `X-Forwarded-For` is believed (addresses, CIDRs, or `loopback`,
   * `linklocal`, `uniquelocal`); empty: the peer address is the client's.
   */
  trustProxy: string[];
  logLevel: LogLevel;
  argon2: Argon2Params;
  /** At most one argon2 computation per slot runs at once; the rest wait in line. */
  passwordHashConcurrency: number;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** A session ends this long after sign-in however often it is refreshed. */
  sessionMaxAgeSeconds: number;
  /**
   * For this long after a refresh, presenting the refresh token it replaced is taken as
   * a retry of that refresh whose answer was lost (it gets the same new pair), not as
   * reuse; after it, reuse revokes the session.
   */
  refreshRetryGraceSeconds: number;
  /** Largest upload accepted, in bytes (`UPLOAD_MAX_BYTES`). */
  uploadMaxBytes: number;
  /**
   * Where the local file storage keeps uploaded bytes (`UPLOAD_DIR`): by default a folder
   * beside the SQLite file; null with MongoDB or an in-memory database unless set.
   */
  uploadDir: string | null;
  /** The S3-compatible bucket for uploads (`S3_BUCKET` and the other `S3_*`); wins over uploadDir. */
  s3: S3Settings | null;
  /**
   * What signs Web Push requests (RFC 8292): the subject, and the key pair when set by
   * variables; else the file beside the SQLite file that keeps it (read or created by
   * `vapidSettings` when the app is built, so loading the configuration writes nothing
   * more), or neither: a key pair for this process only.
   */
  vapid: { subject: string; keys: VapidKeys | null; keyFile: string | null };
  /**
   * `PUSH_ALLOW_PRIVATE_ENDPOINTS=true`: push endpoints may be http: and resolve to
   * loopback or private addresses (tests with a local push service only).
   */
  pushAllowPrivateEndpoints: boolean;
  /**
   * Prometheus metrics: `/metrics` on a port of its own (`METRICS_PORT`, on `METRICS_HOST`,
   * default HOST) and/or on the API's port behind `METRICS_TOKEN`. Both null: off.
   */
  metricsPort: number | null;
  metricsHost: string;
  metricsToken: string | null;
  production: boolean;
  /** Problems that did not stop the start but must be logged. */
  warnings: string[];
}

export interface VapidSettings {
  /** Uncompressed P-256 point, base64url (the browser's `applicationServerKey`). */
  publicKey: string;
  /** The 32-byte private scalar, base64url. */
  privateKey: string;
  /** `mailto:` or `https:` contact for push services (`VAPID_SUBJECT`). */
  subject: string;
}

/** Used outside production when VAPID_SUBJECT is not set. */
export const VAPID_SUBJECT_DEFAULT = 'mailto:push@example.invalid';

/** OWASP's minimum recommendation for argon2id (2024): m=19 MiB, t=2, p=1. */
export const ARGON2_MINIMUM: Readonly<Argon2Params> = {
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

export const JWT_SECRET_MIN_BYTES = 32;

/**
 * Presence heartbeat TTL bounds. A crash is noticed at most TTL + TTL/3 (the reap interval)
 * after it, then the 5 s offline grace runs: 18 s keeps that within the contract's 30 s.
 */
export const PRESENCE_HEARTBEAT_TTL_DEFAULT_MS = 15_000;
export const PRESENCE_HEARTBEAT_TTL_MAX_MS = 18_000;

/** A configuration value is wrong; the message is one line a person can act on. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_SQLITE_PATH = resolve(API_ROOT, 'data', 'chat.sqlite');

const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

type Env = Readonly<Record<string, string | undefined>>;

function nonEmpty(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function databaseOf(raw: string | undefined): { url: string; kind: 'sqlite' | 'mongodb' } {
  if (raw === undefined) return { url: `sqlite:${DEFAULT_SQLITE_PATH}`, kind: 'sqlite' };
  let target;
  try {
    target = parseDatabaseUrl(raw);
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
  // Normalized so the secret file and the store agree on one absolute path.
  return target.kind === 'sqlite'
    ? { url: `sqlite:${target.path}`, kind: 'sqlite' }
    : { url: target.url, kind: 'mongodb' };
}

function sqlitePathOf(url: string): string | null {
  if (!url.startsWith('sqlite:') || url === 'sqlite::memory:') return null;
  return url.slice('sqlite:'.length);
}

export function jwtSecretFileFor(sqlitePath: string): string {
  return `${sqlitePath}.jwt-secret`;
}

/** `S3_BUCKET` turns the S3 storage on; the other `S3_*` variables describe how to reach it. */
function s3Of(env: Env): S3Settings | null {
  const bucket = nonEmpty(env, 'S3_BUCKET');
  const others = ['S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_PREFIX'];
  if (bucket === undefined) {
    const stray = others.filter((name) => nonEmpty(env, name) !== undefined);
    if (stray.length > 0) throw new ConfigError(`${stray.join(', ')} set without S3_BUCKET`);
    return null;
  }
  const endpoint = nonEmpty(env, 'S3_ENDPOINT') ?? null;
  if (endpoint !== null && !/^https?:\/\/[^\s/]+/.test(endpoint)) {
    throw new ConfigError(`S3_ENDPOINT must be an http(s) URL, got "${endpoint}"`);
  }
  const accessKeyId = nonEmpty(env, 'S3_ACCESS_KEY_ID');
  const secretAccessKey = nonEmpty(env, 'S3_SECRET_ACCESS_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new ConfigError(
      'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are set together or not at all',
    );
  }
  const pathStyle = nonEmpty(env, 'S3_FORCE_PATH_STYLE')?.toLowerCase();
  if (pathStyle !== undefined && pathStyle !== 'true' && pathStyle !== 'false') {
    throw new ConfigError(`S3_FORCE_PATH_STYLE must be "true" or "false", got "${pathStyle}"`);
  }
  return {
    bucket,
    endpoint,
    region: nonEmpty(env, 'S3_REGION') ?? 'us-east-1',
    credentials:
      accessKeyId !== undefined && secretAccessKey !== undefined
        ? { accessKeyId, secretAccessKey }
        : null,
    // Self-hosted servers (MinIO) need path-style addressing; AWS prefers host names.
    forcePathStyle: pathStyle === undefined ? endpoint !== null : pathStyle === 'true',
    prefix: nonEmpty(env, 'S3_PREFIX') ?? '',
  };
}

export function vapidKeyFileFor(sqlitePath: string): string {
  return `${sqlitePath}.vapid-keys`;
}

export type VapidKeys = Pick<VapidSettings, 'publicKey' | 'privateKey'>;

function generateVapidKeys(): VapidKeys {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  // getPrivateKey drops leading zero bytes; push services expect the full 32.
  const scalar = ecdh.getPrivateKey().toString('hex').padStart(64, '0');
  return {
    publicKey: ecdh.getPublicKey().toString('base64url'),
    privateKey: Buffer.from(scalar, 'hex').toString('base64url'),
  };
}

/** Checks that the two keys are a P-256 pair in the encodings push services expect. */
function checkVapidKeys(keys: VapidKeys, origin: string): VapidKeys {
  try {
    const priv = Buffer.from(keys.privateKey, 'base64url');
    const pub = Buffer.from(keys.publicKey, 'base64url');
    if (priv.length !== 32 || pub.length !== 65 || pub[0] !== 4) throw new Error('size');
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(priv);
    if (!ecdh.getPublicKey().equals(pub)) throw new Error('not a pair');
  } catch {
    throw new ConfigError(
      `${origin} must be a P-256 key pair in base64url (a 65-byte public key and the 32-byte private key that belongs to it)`,
    );
  }
  return keys;
}

/** Reads the key pair kept beside the SQLite file, creating it on first start (like the JWT secret). */
function persistentVapidKeys(file: string): { keys: VapidKeys; created: boolean } {
  const read = (): VapidKeys => {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const { publicKey, privateKey } = (parsed ?? {}) as Record<string, unknown>;
    if (typeof publicKey !== 'string' || typeof privateKey !== 'string') {
      throw new ConfigError(`${file} must hold {"publicKey", "privateKey"}`);
    }
    return checkVapidKeys({ publicKey, privateKey }, `the keys in ${file}`);
  };
  try {
    return { keys: read(), created: false };
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(`cannot read ${file}: ${errorText(err)}`);
    }
  }
  const keys = generateVapidKeys();
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(keys)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
    return { keys, created: true };
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return { keys: read(), created: false };
    throw new ConfigError(`cannot create ${file}: ${errorText(err)}`);
  }
}

function vapidOf(
  env: Env,
  sqlitePath: string | null,
  production: boolean,
  warnings: string[],
): Config['vapid'] {
  const subjectRaw = nonEmpty(env, 'VAPID_SUBJECT');
  if (subjectRaw === undefined && production) {
    throw new ConfigError(
      'VAPID_SUBJECT (a mailto: or https: contact for push services) is required when NODE_ENV=production',
    );
  }
  const subject = subjectRaw ?? VAPID_SUBJECT_DEFAULT;
  if (!/^(mailto:[^\s@]+@[^\s@]+|https:\/\/[^\s/]+.*)$/.test(subject)) {
    throw new ConfigError(
      `VAPID_SUBJECT must be a mailto: address or an https: URL, got "${subject}"`,
    );
  }
  const publicKey = nonEmpty(env, 'VAPID_PUBLIC_KEY');
  const privateKey = nonEmpty(env, 'VAPID_PRIVATE_KEY');
  if ((publicKey === undefined) !== (privateKey === undefined)) {
    throw new ConfigError('VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are set together or not at all');
  }
  if (publicKey !== undefined && privateKey !== undefined) {
    const keys = checkVapidKeys(
      { publicKey, privateKey },
      'VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY',
    );
    return { subject, keys, keyFile: null };
  }
  if (sqlitePath !== null) return { subject, keys: null, keyFile: vapidKeyFileFor(sqlitePath) };
  if (production) {
    throw new ConfigError(
      'VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are required with MongoDB when NODE_ENV=production',
    );
  }
  warnings.push(
    'VAPID keys are not set: using a key pair for this process only; browsers subscribed to it stop receiving pushes when it stops',
  );
  return { subject, keys: null, keyFile: null };
}

/**
 * The VAPID key pair and subject: from the variables, else from the file beside the
 * SQLite file (created with a new pair on first start), else a pair for this process.
 * @throws ConfigError when the file cannot be read or written.
 */
export function vapidSettings(vapid: Config['vapid']): {
  settings: VapidSettings;
  source: 'env' | 'file' | 'generated-file' | 'generated-ephemeral';
} {
  if (vapid.keys !== null)
    return { settings: { ...vapid.keys, subject: vapid.subject }, source: 'env' };
  if (vapid.keyFile !== null) {
    const persisted = persistentVapidKeys(vapid.keyFile);
    return {
      settings: { ...persisted.keys, subject: vapid.subject },
      source: persisted.created ? 'generated-file' : 'file',
    };
  }
  return {
    settings: { ...generateVapidKeys(), subject: vapid.subject },
    source: 'generated-ephemeral',
  };
}

/** The default upload folder: beside the SQLite file, like its secret. */
export function uploadDirFor(sqlitePath: string): string {
  return `${sqlitePath}.uploads`;
}

function checkSecret(secret: string, origin: string): string {
  if (Buffer.byteLength(secret, 'utf8') < JWT_SECRET_MIN_BYTES) {
    throw new ConfigError(`${origin} must be at least ${JWT_SECRET_MIN_BYTES} bytes long`);
  }
  return secret;
}

/**
 * Reads the secret kept beside the SQLite file, creating it on first start. The file is
 * created with O_EXCL so two processes starting together cannot each write their own.
 */
function persistentSecret(sqlitePath: string): { secret: string; created: boolean } {
  const file = jwtSecretFileFor(sqlitePath);
  const read = (): string =>
    checkSecret(readFileSync(file, 'utf8').trim(), `the secret in ${file}`);
  try {
    return { secret: read(), created: false };
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(`cannot read ${file}: ${errorText(err)}`);
    }
  }
  const secret = randomBytes(48).toString('base64url');
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    // The umask may have widened the mode; the secret signs every session.
    chmodSync(file, 0o600);
    return { secret, created: true };
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return { secret: read(), created: false };
    throw new ConfigError(`cannot create ${file}: ${errorText(err)}`);
  }
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Builds the configuration from environment variables. Throws ConfigError (one line) on
 * any invalid value. With SQLite and no JWT_SECRET it creates the secret file beside the
 * database file, which is the only side effect.
 */
export function loadConfig(env: Env = process.env): Config {
  const warnings: string[] = [];
  const production = env.NODE_ENV === 'production';
  const testing = env.NODE_ENV === 'test';

  const port = integer(env, 'PORT', 4000, 0, 65_535);
  const host = nonEmpty(env, 'HOST') ?? '127.0.0.1';
  if (/\s/.test(host)) throw new ConfigError(`HOST must be an address or host name, got "${host}"`);

  const { url: databaseUrl, kind: databaseKind } = databaseOf(nonEmpty(env, 'DATABASE_URL'));

  const redisUrl = nonEmpty(env, 'REDIS_URL') ?? null;
  if (redisUrl !== null && !/^rediss?:\/\/.+/.test(redisUrl)) {
    throw new ConfigError('REDIS_URL must look like redis://host:6379 or rediss://host:6379');
  }

  const redisPrefix = env.REDIS_PREFIX ?? 'chat:';
  if (!/^[A-Za-z0-9_.:-]{0,64}$/.test(redisPrefix)) {
    throw new ConfigError(
      `REDIS_PREFIX must be up to 64 characters of A-Z a-z 0-9 _ . : -, got "${redisPrefix}"`,
    );
  }
  const presenceHeartbeatTtlMs = integer(
    env,
    'PRESENCE_HEARTBEAT_TTL_MS',
    PRESENCE_HEARTBEAT_TTL_DEFAULT_MS,
    1_000,
    PRESENCE_HEARTBEAT_TTL_MAX_MS,
  );

  const rateLimitsRaw = nonEmpty(env, 'CHAT_RATE_LIMITS')?.toLowerCase() ?? 'on';
  if (rateLimitsRaw !== 'on' && rateLimitsRaw !== 'off') {
    throw new ConfigError(`CHAT_RATE_LIMITS must be "on" or "off", got "${rateLimitsRaw}"`);
  }
  const rateLimits = rateLimitsRaw === 'on';
  if (!rateLimits) {
    const note = 'CHAT_RATE_LIMITS=off: every rate limit is disabled (benchmarks only)';
    if (production) throw new ConfigError(`${note}, refused with NODE_ENV=production`);
    warnings.push(note);
  }

  // The contract's 10 an hour; test suites register hundreds of users from one loopback
  // address, so under NODE_ENV=test it is off unless a test sets it.
  const registrationsPerAddressPerHour =
    rateLimits && !testing ? LIMITS.registrationsPerAddressPerHour : Number.POSITIVE_INFINITY;

  const trustProxy = (nonEmpty(env, 'TRUST_PROXY') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  try {
    checkTrustProxy(trustProxy);
  } catch {
    throw new ConfigError(
      `TRUST_PROXY must be addresses or CIDRs (or loopback, linklocal, uniquelocal) separated by commas, got "${env.TRUST_PROXY ?? ''}"`,
    );
  }

  const logLevelRaw = nonEmpty(env, 'LOG_LEVEL')?.toLowerCase() ?? 'info';
  if (!LOG_LEVELS.includes(logLevelRaw as LogLevel)) {
    throw new ConfigError(
      `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevelRaw}"`,
    );
  }
  const logLevel = logLevelRaw as LogLevel;

  const argon2: Argon2Params = {
    memoryCost: integer(env, 'ARGON2_MEMORY_KIB', ARGON2_MINIMUM.memoryCost, 8, 4_194_304),
    timeCost: integer(env, 'ARGON2_TIME_COST', ARGON2_MINIMUM.timeCost, 1, 100),
    parallelism: integer(env, 'ARGON2_PARALLELISM', ARGON2_MINIMUM.parallelism, 1, 16),
  };
  if (
    argon2.memoryCost < ARGON2_MINIMUM.memoryCost ||
    argon2.timeCost < ARGON2_MINIMUM.timeCost ||
    argon2.parallelism < ARGON2_MINIMUM.parallelism
  ) {
    // Weak hashing must never reach production through a stray variable.
    if (!testing) {
      throw new ConfigError(
        `argon2 parameters below the minimum (m=${ARGON2_MINIMUM.memoryCost}, t=${ARGON2_MINIMUM.timeCost}, p=${ARGON2_MINIMUM.parallelism}) are accepted only with NODE_ENV=test`,
      );
    }
    warnings.push('argon2 parameters below the recommended minimum (NODE_ENV=test)');
  }
  // Half the cores: a login burst then leaves the other half to the event loop, which
  // carries every socket (measured in docs/BENCHMARKS.md).
  const passwordHashConcurrency = integer(
    env,
    'PASSWORD_HASH_CONCURRENCY',
    defaultPasswordHashConcurrency(),
    1,
    64,
  );

  const uploadMaxBytes = integer(
    env,
    'UPLOAD_MAX_BYTES',
    UPLOAD_LIMITS.bytesMaxDefault,
    1,
    // Keeps the byte counts exact in a double and far below any disk's file size limit.
    2 ** 40,
  );

  let jwtSecret: string;
  let jwtSecretSource: Config['jwtSecretSource'];
  const envSecret = env.JWT_SECRET;
  const sqlitePath = sqlitePathOf(databaseUrl);
  if (envSecret !== undefined && envSecret !== '') {
    jwtSecret = checkSecret(envSecret, 'JWT_SECRET');
    jwtSecretSource = 'env';
  } else if (sqlitePath !== null) {
    const persisted = persistentSecret(sqlitePath);
    jwtSecret = persisted.secret;
    jwtSecretSource = persisted.created ? 'generated-file' : 'file';
  } else {
    if (databaseKind === 'mongodb' && production) {
      throw new ConfigError('JWT_SECRET is required with MongoDB when NODE_ENV=production');
    }
    jwtSecret = randomBytes(48).toString('base64url');
    jwtSecretSource = 'generated-ephemeral';
    warnings.push(
      'JWT_SECRET is not set: using a secret for this process only; sessions end when it stops and other instances cannot verify its tokens',
    );
  }

  const uploadDirRaw = nonEmpty(env, 'UPLOAD_DIR');
  const uploadDir =
    uploadDirRaw !== undefined
      ? resolve(uploadDirRaw)
      : sqlitePath !== null
        ? uploadDirFor(sqlitePath)
        : null;

  const s3 = s3Of(env);

  const vapid = vapidOf(env, sqlitePath, production, warnings);
  const allowPrivateRaw = nonEmpty(env, 'PUSH_ALLOW_PRIVATE_ENDPOINTS')?.toLowerCase() ?? 'false';
  if (allowPrivateRaw !== 'true' && allowPrivateRaw !== 'false') {
    throw new ConfigError(
      `PUSH_ALLOW_PRIVATE_ENDPOINTS must be "true" or "false", got "${allowPrivateRaw}"`,
    );
  }
  const pushAllowPrivateEndpoints = allowPrivateRaw === 'true';
  if (pushAllowPrivateEndpoints) {
    const note =
      'PUSH_ALLOW_PRIVATE_ENDPOINTS=true: push endpoints may point into this network (tests only)';
    if (production) throw new ConfigError(`${note}, refused with NODE_ENV=production`);
    warnings.push(note);
  }
  const metricsPort =
    nonEmpty(env, 'METRICS_PORT') === undefined ? null : integer(env, 'METRICS_PORT', 0, 1, 65_535);
  if (metricsPort !== null && metricsPort === port) {
    throw new ConfigError('METRICS_PORT must differ from PORT');
  }
  const metricsHost = nonEmpty(env, 'METRICS_HOST') ?? host;
  if (/\s/.test(metricsHost)) {
    throw new ConfigError(`METRICS_HOST must be an address or host name, got "${metricsHost}"`);
  }
  const metricsToken = nonEmpty(env, 'METRICS_TOKEN') ?? null;
  if (metricsToken !== null && !/^[\x21-\x7e]{16,256}$/.test(metricsToken)) {
    throw new ConfigError('METRICS_TOKEN must be 16 to 256 printable characters without spaces');
  }

  return {
    port,
    host,
    databaseUrl,
    databaseKind,
    jwtSecret,
    jwtSecretSource,
    redisUrl,
    redisPrefix,
    presenceHeartbeatTtlMs,
    rateLimits,
    registrationsPerAddressPerHour,
    trustProxy,
    logLevel,
    argon2,
    passwordHashConcurrency,
    accessTokenTtlSeconds: LIMITS.accessTokenMaxSeconds,
    refreshTokenTtlSeconds: 30 * 24 * 60 * 60,
    sessionMaxAgeSeconds: 90 * 24 * 60 * 60,
    refreshRetryGraceSeconds: 10,
    uploadMaxBytes,
    uploadDir,
    s3,
    vapid,
    pushAllowPrivateEndpoints,
    metricsPort,
    metricsHost,
    metricsToken,
    production,
    warnings,
  };
}

/** Half the cores this process may use, at least one. */
export function defaultPasswordHashConcurrency(): number {
  return Math.max(1, Math.floor(availableParallelism() / 2));
}
