import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { checkKey, type BlobStorage } from './storage';

export interface S3Settings {
  bucket: string;
  /** An S3-compatible server (MinIO, …); unset for AWS itself. */
  endpoint: string | null;
  region: string;
  /** Unset: the SDK's default chain (environment, instance role, …). */
  credentials: { accessKeyId: string; secretAccessKey: string } | null;
  /** `bucket/key` paths instead of `bucket.host` names; what most self-hosted servers need. */
  forcePathStyle: boolean;
  /** Put before every key, so one bucket can hold several deployments. */
  prefix: string;
}

export interface S3BlobStorage extends BlobStorage {
  /** Ends the client's connections. */
  close(): void;
}

/**
 * The bytes in an S3-compatible bucket: what several API instances share (the local
 * folder is one machine's). Objects are private: they are only ever read through the
 * API, which checks who may see them.
 */
export function s3BlobStorage(settings: S3Settings): S3BlobStorage {
  const client = new S3Client({
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    ...(settings.endpoint === null ? {} : { endpoint: settings.endpoint }),
    ...(settings.credentials === null ? {} : { credentials: settings.credentials }),
    // Checksums only where the API demands them: several S3-compatible servers refuse
    // the SDK's newer default trailing checksums on streamed bodies.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = settings.bucket;
  const keyOf = (key: string) => `${settings.prefix}${checkKey(key)}`;

  return {
    async put(key, bytes, contentType) {
      await client.send(
        new PutObjectCommand({
          Bucket,
          Key: keyOf(key),
          Body: Buffer.isBuffer(bytes) ? bytes : bytes.stream,
          ContentLength: Buffer.isBuffer(bytes) ? bytes.length : bytes.size,
          ContentType: contentType,
        }),
      );
    },
    async get(key, range) {
      try {
        const result = await client.send(
          new GetObjectCommand({
            Bucket,
            Key: keyOf(key),
            ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
          }),
        );
        if (!(result.Body instanceof Readable)) {
          throw new Error('the S3 client returned no Node.js stream');
        }
        return result.Body;
      } catch (err) {
        if (err instanceof NoSuchKey) return null;
        if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404) return null;
        throw err;
      }
    },
    async delete(key) {
      // S3 answers 204 for a key that is not there, so a repeated delete is fine.
      await client.send(new DeleteObjectCommand({ Bucket, Key: keyOf(key) }));
    },
    close() {
      client.destroy();
    },
  };
}
