import { availableParallelism } from 'node:os';
import sharp, { type Metadata } from 'sharp';
import { UPLOAD_LIMITS } from '@chat/protocol';
import { ApiError } from '../http/errors';
import { BoundedQueue } from './queue';

export interface ImageSettings {
  /** WebP quality of the stored image (1–100); see docs/uploads.md for the measurement. */
  quality: number;
  thumbnailQuality: number;
  /**
   * Decoded pixels an upload may have (all frames together). Larger is refused before
   * it is decoded: a few kilobytes can describe 50,000 × 50,000 pixels (a
   * decompression bomb, 2.5 gigapixels, 7.5 GB decoded).
   */
  maxInputPixels: number;
  /** Images compressed at once; each takes one libvips thread (see below). */
  concurrency: number;
  /** Images that may wait for a slot; one more is refused with 429. */
  waitingMax: number;
}

/**
 * 80: on the photos and screenshots measured in docs/uploads.md, smaller quality saved
 * little and showed artefacts on text; 90 cost about half again in size for no visible gain.
 */
export const DEFAULT_IMAGE_SETTINGS: ImageSettings = {
  quality: 80,
  thumbnailQuality: 70,
  // A 108-megapixel phone camera fits; 2.5 gigapixels does not.
  maxInputPixels: 120_000_000,
  concurrency: Math.max(1, Math.floor(availableParallelism() / 2)),
  waitingMax: 16,
};

/** Frames beyond this make an animation a 400: each frame is decoded and re-encoded. */
const FRAMES_MAX = 1000;

export interface ProcessedImage {
  data: Buffer;
  contentType: string;
  width: number;
  height: number;
  thumbnail: Buffer;
  thumbnailContentType: string;
  animated: boolean;
}

/** Why an image could not be compressed: refused outright, or a format this build lacks. */
export class UnsupportedImage extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnsupportedImage';
  }
}

/**
 * Compresses uploaded images off the event loop: libvips works on its own threads, the
 * queue bounds how many images run and wait, and each image gets one libvips thread so
 * a burst of uploads takes at most `concurrency` cores from the process (half of them by
 * default) and message delivery keeps the rest.
 */
export class ImageProcessor {
  private readonly queue: BoundedQueue;

  constructor(readonly settings: ImageSettings = DEFAULT_IMAGE_SETTINGS) {
    this.queue = new BoundedQueue(settings.concurrency, settings.waitingMax);
    // Global to sharp: threads per image, not the number of images (the queue's job).
    sharp.concurrency(1);
  }

  /** Throws the 429 an image would get now, so a busy server need not read the upload. */
  checkCapacity(): void {
    if (this.queue.full) throw this.queue.busy();
  }

  /** Images being compressed now, and waiting. */
  get load(): { running: number; waiting: number } {
    return { running: this.queue.running, waiting: this.queue.queued };
  }

  /**
   * Upright, without metadata (EXIF, GPS, XMP, ICC beyond sRGB), longest side at most
   * 2048 px, WebP; an animation stays animated. Throws a 400 ApiError for an image too
   * large to decode or damaged, UnsupportedImage for a format libvips cannot read here,
   * and a 429 when too many images are already in line.
   */
  process(path: string): Promise<ProcessedImage> {
    return this.queue.run(() => this.compress(path));
  }

  private async compress(path: string): Promise<ProcessedImage> {
    const { maxInputPixels, quality, thumbnailQuality } = this.settings;
    let meta: Metadata;
    try {
      meta = await sharp(path, { limitInputPixels: false }).metadata();
    } catch (err) {
      throw new UnsupportedImage('libvips cannot read this image', { cause: err });
    }
    const width = meta.width;
    const frameHeight = meta.pageHeight ?? meta.height;
    const frames = meta.pages ?? 1;
    if (!width || !frameHeight) throw damaged();
    if (width * frameHeight * frames > maxInputPixels || frames > FRAMES_MAX) {
      throw new ApiError(
        'invalid_request',
        `The image is too large to process: at most ${maxInputPixels} pixels in all.`,
      );
    }
    const animated = frames > 1;
    const side = UPLOAD_LIMITS.imageSideMax;
    const thumbSide = UPLOAD_LIMITS.thumbnailSideMax;
    try {
      // Metadata is dropped unless asked for; autoOrient applies EXIF orientation first.
      let image = sharp(path, {
        limitInputPixels: maxInputPixels,
        failOn: 'truncated',
        animated,
      });
      if (!animated) image = image.autoOrient();
      const { data, info } = await image
        .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
        .webp({ quality, effort: 4 })
        .toBuffer({ resolveWithObject: true });
      const thumbnail = await sharp(data, { animated })
        .resize({ width: thumbSide, height: thumbSide, fit: 'inside', withoutEnlargement: true })
        .webp({ quality: thumbnailQuality, effort: 4 })
        .toBuffer();
      return {
        data,
        contentType: 'image/webp',
        width: info.width,
        height: info.pageHeight ?? info.height,
        thumbnail,
        thumbnailContentType: 'image/webp',
        animated,
      };
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw damaged(err);
    }
  }
}

function damaged(cause?: unknown): ApiError {
  const error = new ApiError('invalid_request', 'The image is damaged or incomplete.');
  if (cause !== undefined) error.cause = cause;
  return error;
}
