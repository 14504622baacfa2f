// @ts-check
/**
 * One image-compressing child process (started by images.ts). Plain JavaScript because a
 * child starts without the TypeScript loader the API runs under.
 *
 * Why a process and not the API's own libvips threads: libvips runs on libuv's shared
 * pool, whose threads cannot be given a lower priority without lowering file and DNS work
 * with them. Here the whole process runs at a lowered priority (on Linux started under
 * SCHED_IDLE by the parent, and at a nice value set here), so when the API's event loop
 * (which carries every socket) and an image both want a core, the event loop wins and the
 * image waits (docs/BENCHMARKS.md: message p99 during an upload burst).
 *
 * One job at a time: the parent's queue hands each child at most one image. The image
 * comes by path (the spooled upload, up to 25 MiB, never crosses the channel); the
 * compressed image and its thumbnail (a few hundred KiB) go back as bytes.
 */
import { readdirSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import process from 'node:process';

// The nice value the parent chose (10 above its own); unset: the parent's priority.
const niceness = process.env.CHAT_IMAGE_NICENESS;
if (niceness !== undefined) lowerPriority(Number(niceness));

// Loaded after the priority is lowered: threads started from here on (libuv's pool, and
// libvips' threads started from it) inherit the lowered priority on Linux.
const loading = import('sharp').then(({ default: sharp }) => {
  // Threads per image; the parent runs as many children as images at once.
  sharp.concurrency(1);
  return sharp;
});

/** Frames beyond this make an animation a 400: each frame is decoded and re-encoded. */
const FRAMES_MAX = 1000;

/**
 * @typedef {{ quality: number, thumbnailQuality: number, maxInputPixels: number, sideMax: number, thumbnailSideMax: number }} Settings
 * @typedef {{ id: number, path: string, settings: Settings }} Job
 * @typedef {{ data: Uint8Array, width: number, height: number, thumbnail: Uint8Array, animated: boolean }} Compressed
 * @typedef {{ id: number, ok: true, value: Compressed } | { id: number, ok: false, reason: 'unsupported' | 'invalid', message: string }} Reply
 */

class Refused extends Error {
  /**
   * @param {'unsupported' | 'invalid'} reason
   * @param {string} message
   */
  constructor(reason, message) {
    super(message);
    this.reason = reason;
  }
}

/**
 * @param {string} path
 * @param {Settings} settings
 * @returns {Promise<Compressed>}
 */
async function compress(path, settings) {
  const { maxInputPixels, quality, thumbnailQuality, sideMax, thumbnailSideMax } = settings;
  const sharp = await loading;
  /** @type {import('sharp').Metadata} */
  let meta;
  try {
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch {
    throw new Refused('unsupported', 'libvips cannot read this image');
  }
  const width = meta.width;
  const frameHeight = meta.pageHeight ?? meta.height;
  const frames = meta.pages ?? 1;
  if (!width || !frameHeight) throw damaged();
  if (width * frameHeight * frames > maxInputPixels || frames > FRAMES_MAX) {
    throw new Refused(
      'invalid',
      `The image is too large to process: at most ${maxInputPixels} pixels in all.`,
    );
  }
  const animated = frames > 1;
  try {
    // Metadata is dropped unless asked for; autoOrient applies EXIF orientation first.
    let image = sharp(path, { limitInputPixels: maxInputPixels, failOn: 'truncated', animated });
    if (!animated) image = image.autoOrient();
    const { data, info } = await image
      .resize({ width: sideMax, height: sideMax, fit: 'inside', withoutEnlargement: true })
      .webp({ quality, effort: 4 })
      .toBuffer({ resolveWithObject: true });
    const thumbnail = await sharp(data, { animated })
      .resize({
        width: thumbnailSideMax,
        height: thumbnailSideMax,
        fit: 'inside',
        withoutEnlargement: true,
      })
      .webp({ quality: thumbnailQuality, effort: 4 })
      .toBuffer();
    return {
      data,
      width: info.width,
      height: info.pageHeight ?? info.height,
      thumbnail,
      animated,
    };
  } catch {
    throw damaged();
  }
}

function damaged() {
  return new Refused('invalid', 'The image is damaged or incomplete.');
}

/** Every thread of this process (Linux), else the process, at `value`. */
function lowerPriority(/** @type {number} */ value) {
  const priority = process.platform === 'win32' ? constants.priority.PRIORITY_BELOW_NORMAL : value;
  try {
    if (process.platform === 'linux') {
      // A nice value belongs to a thread on Linux: the threads Node has started already
      // (V8's platform threads) are lowered one by one.
      for (const tid of readdirSync('/proc/self/task')) setPriority(Number(tid), priority);
    } else {
      setPriority(0, priority);
    }
  } catch {
    // Not allowed here: images are still compressed, at normal priority.
  }
}

/** @param {Reply} reply */
function send(reply) {
  process.send?.(reply);
}

process.on('message', (/** @type {Job} */ job) => {
  compress(job.path, job.settings).then(
    (value) => send({ id: job.id, ok: true, value }),
    (/** @type {unknown} */ error) =>
      send(
        error instanceof Refused
          ? { id: job.id, ok: false, reason: error.reason, message: error.message }
          : {
              id: job.id,
              ok: false,
              reason: 'invalid',
              message: 'The image is damaged or incomplete.',
            },
      ),
  );
});

// The API went away (closed, crashed or killed): nothing is left to compress for.
process.on('disconnect', () => process.exit(0));
if (!process.send) throw new Error('image-worker.mjs runs as a child process with a channel only');
