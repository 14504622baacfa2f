import type { Config } from '../config';
import { s3BlobStorage } from './s3-storage';
import { localBlobStorage, type BlobStorage } from './storage';

export { respondDownload, respondUpload } from './handlers';
export { DEFAULT_IMAGE_SETTINGS, ImageProcessor, type ImageSettings } from './images';
export { toAttachment, UploadService, type Download, type Variant } from './service';
export type { BlobStorage } from './storage';

/**
 * The storage the configuration names: the S3 bucket when `S3_BUCKET` is set (what
 * several instances share), else the local folder (`UPLOAD_DIR`, by default beside the
 * SQLite file). MongoDB has no folder of its own, so it needs one of the two.
 */
export function openBlobStorage(
  config: Pick<Config, 's3' | 'uploadDir'>,
): BlobStorage & { close(): void } {
  if (config.s3) return s3BlobStorage(config.s3);
  if (config.uploadDir !== null) return { ...localBlobStorage(config.uploadDir), close() {} };
  throw new Error('uploads need S3_BUCKET (several instances) or UPLOAD_DIR (one instance)');
}
