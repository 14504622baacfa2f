import { createECDH } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../config';

/**
 * The compose files, read as Docker Compose reads them: YAML with merge keys, then
 * `${VAR:-default}` / `${VAR:?error}` filled from the environment given (`$$` is a `$`).
 */
const ROOT = join(import.meta.dirname, '..', '..', '..');

interface Service {
  image?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  entrypoint?: string[];
  healthcheck?: { test: string[] };
  ports?: string[];
}

function compose(file: string, env: Record<string, string>): Record<string, Service> {
  const text = readFileSync(join(ROOT, file), 'utf8').replace(
    /\$\{(\w+)(?::([-?])([^}]*))?\}|\$\$/g,
    (whole, name: string | undefined, kind: string | undefined, rest: string | undefined) => {
      if (whole === '$$') return '$$';
      const value = name === undefined ? undefined : env[name];
      if (value !== undefined && value !== '') return value;
      if (kind === '-') return rest ?? '';
      throw new Error(`${file}: ${name ?? whole} is required (${rest ?? ''})`);
    },
  );
  const doc = parse(text, { merge: true }) as { services: Record<string, Service> };
  return doc.services;
}

/** What an operator must set (the files refuse to start without): see README. */
const vapid = createECDH('prime256v1');
vapid.generateKeys();
const ENV = {
  JWT_SECRET: 'x'.repeat(48),
  VAPID_SUBJECT: 'mailto:ops@example.com',
  VAPID_PUBLIC_KEY: vapid.getPublicKey().toString('base64url'),
  VAPID_PRIVATE_KEY: vapid.getPrivateKey().toString('base64url'),
};

const cases = [
  { file: 'docker-compose.yml', apis: ['api'] },
  { file: 'docker-compose.scale.yml', apis: ['api-1', 'api-2'] },
];

describe.each(cases)('$file: uploads in MinIO', ({ file, apis }) => {
  const services = compose(file, ENV);

  test('runs MinIO with a health check, and a one-off job that creates the bucket', () => {
    const minio = services.minio;
    expect(minio?.image).toMatch(/^minio\/minio/);
    expect(minio?.healthcheck?.test.join(' ')).toContain('ready');
    const init = services['minio-init'];
    expect(init?.image).toMatch(/^minio\/mc/);
    expect(init?.depends_on?.minio?.condition).toBe('service_healthy');
    expect(init?.entrypoint?.join(' ')).toContain('mc mb --ignore-existing local/chat-uploads');
  });

  test.each(apis)('%s keeps its uploads in that bucket, once it exists', (name) => {
    const api = services[name];
    expect(api?.depends_on?.['minio-init']?.condition).toBe('service_completed_successfully');
    const config = loadConfig({ ...api?.environment, NODE_ENV: 'production' });
    expect(config.s3).toEqual({
      bucket: 'chat-uploads',
      endpoint: 'http://minio:9000',
      region: 'us-east-1',
      credentials: { accessKeyId: 'chat-minio', secretAccessKey: 'chat-minio-secret' },
      forcePathStyle: true,
      prefix: '',
    });
    // The API signs in with MinIO's own root credentials.
    expect(services.minio?.environment).toMatchObject({
      MINIO_ROOT_USER: config.s3?.credentials?.accessKeyId,
      MINIO_ROOT_PASSWORD: config.s3?.credentials?.secretAccessKey,
    });
  });

  test('credentials given in the environment reach MinIO and the API alike', () => {
    const custom = compose(file, {
      ...ENV,
      S3_ACCESS_KEY_ID: 'someone',
      S3_SECRET_ACCESS_KEY: 'a-long-secret',
    });
    expect(custom.minio?.environment?.MINIO_ROOT_USER).toBe('someone');
    for (const name of apis) {
      expect(loadConfig({ ...custom[name]?.environment }).s3?.credentials).toEqual({
        accessKeyId: 'someone',
        secretAccessKey: 'a-long-secret',
      });
    }
  });
});
