import { execFile, fork, spawn, type ChildProcess, type ForkOptions } from 'node:child_process';
import { availableParallelism, constants, getPriority, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
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
  /** Images compressed at once; each in a child process of its own, on one libvips thread. */
  concurrency: number;
  /** Images that may wait for a slot; one more is refused with 429. */
  waitingMax: number;
  /**
   * How much nicer than the API the child processes run; 10 unless given (0: the API's
   * own priority, and its scheduling policy rather than SCHED_IDLE).
   */
  niceness?: number;
  /**
   * An image still being compressed after this long is refused (400); 120 s unless given.
   * Wall-clock time: generous, as at nice 10 on a busy host an image waits for spare CPU.
   */
  jobTimeoutMs?: number;
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
 * How much nicer than the API the image processes run (Linux and macOS; below normal
 * priority on Windows). Relative, so an API that is itself started niced (or, in the
 * bench, raised) keeps the same distance to its images.
 */
export const IMAGE_PROCESS_NICENESS = 10;

/** The nice value of processes `niceness` below this one's, as the OS allows (at most 19). */
export function imageProcessNiceness(niceness = IMAGE_PROCESS_NICENESS): number {
  let own = 0;
  try {
    own = getPriority();
  } catch {
    // Unknown here: counted from normal priority.
  }
  return Math.min(19, own + niceness);
}

const DEFAULT_JOB_TIMEOUT_MS = 120_000;

const WORKER = fileURLToPath(new URL('./image-worker.mjs', import.meta.url));

/**
 * Whether image processes can start under Linux's SCHED_IDLE policy, through util-linux's
 * `chrt --idle 0` (looked up on PATH once per API process, by running it once). A nice
 * value only lowers a thread's weight: a woken event loop can still wait a few
 * milliseconds behind libvips for its core. A SCHED_IDLE thread is preempted by any normal
 * thread that wakes, so the event loop never waits behind an image (docs/BENCHMARKS.md:
 * message p99 during an upload burst). Started through chrt, every thread of the child
 * (libuv's and libvips' included) has the policy from birth.
 */
let idleScheduling: Promise<boolean> | undefined;
function canScheduleIdle(): Promise<boolean> {
  idleScheduling ??=
    process.platform === 'linux'
      ? new Promise((resolve) => {
          // Missing (ENOENT) or refused (a sandbox without sched_setscheduler): an error.
          execFile('chrt', ['--idle', '0', process.execPath, '--version'], (error) =>
            resolve(error === null),
          );
        })
      : Promise.resolve(false);
  return idleScheduling;
}

/** What image-worker.mjs is sent, and answers. */
interface Job {
  id: number;
  path: string;
  settings: {
    quality: number;
    thumbnailQuality: number;
    maxInputPixels: number;
    sideMax: number;
    thumbnailSideMax: number;
  };
}
type Reply =
  | {
      id: number;
      ok: true;
      value: {
        data: Uint8Array;
        width: number;
        height: number;
        thumbnail: Uint8Array;
        animated: boolean;
      };
    }
  | { id: number; ok: false; reason: 'unsupported' | 'invalid'; message: string };

interface Child {
  process: ChildProcess;
  job: {
    id: number;
    resolve: (image: ProcessedImage) => void;
    reject: (error: Error) => void;
  } | null;
  /** Why the process was ended on purpose, when it was (the job's answer). */
  ended: ApiError | null;
}

/**
 * Compresses uploaded images in child processes (image-worker.mjs) at a lowered priority
 * (SCHED_IDLE where chrt can give it, and a nice value): libvips is a core's worth of work
 * for a second or more per photo, and at normal priority on a small machine it takes that
 * core from the event loop that carries every socket. The queue bounds how many images
 * run (one per child, `concurrency` children at most, each with one libvips thread) and
 * wait (429 beyond). A child that dies fails only the image it held (503), and the next
 * image starts a new one.
 */
export class ImageProcessor {
  private readonly queue: BoundedQueue;
  private readonly children: Child[] = [];
  private nextId = 0;
  private closed = false;
  /** How children start, decided (and logged) with the first. */
  private scheduling: Promise<boolean> | undefined;

  constructor(
    readonly settings: ImageSettings = DEFAULT_IMAGE_SETTINGS,
    private readonly logger?: Pick<Logger, 'info' | 'warn'>,
  ) {
    this.queue = new BoundedQueue(settings.concurrency, settings.waitingMax);
  }

  /** Throws the 429 an image would get now, so a busy server need not read the upload. */
  checkCapacity(): void {
    if (this.queue.full) throw this.queue.busy();
  }

  /** Images being compressed now, and waiting. */
  get load(): { running: number; waiting: number } {
    return { running: this.queue.running, waiting: this.queue.queued };
  }

  /** Process ids of the children alive now (started with the first image). */
  get processIds(): number[] {
    return this.children.flatMap((child) =>
      child.process.pid === undefined ? [] : [child.process.pid],
    );
  }

  /**
   * Upright, without metadata (EXIF, GPS, XMP, ICC beyond sRGB), longest side at most
   * 2048 px, WebP; an animation stays animated. Throws a 400 ApiError for an image too
   * large to decode, damaged or too slow to compress, UnsupportedImage for a format
   * libvips cannot read here, a 429 when too many images are already in line, and a 503
   * when the child compressing it died.
   */
  process(path: string): Promise<ProcessedImage> {
    if (this.closed) return Promise.reject(stopped());
    return this.queue.run(() => this.compress(path));
  }

  /** Ends the children; images being compressed or waiting are refused with 503. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.children.map(async (child) => {
        child.ended ??= stopped();
        const exited = new Promise<void>((resolve) => {
          if (child.process.exitCode !== null || child.process.signalCode !== null) resolve();
          else child.process.once('exit', () => resolve());
        });
        child.process.kill('SIGKILL');
        await exited;
      }),
    );
  }

  private async compress(path: string): Promise<ProcessedImage> {
    const lowered = (this.settings.niceness ?? IMAGE_PROCESS_NICENESS) > 0;
    const idle = lowered && (await this.idleScheduling());
    // Waited in line while the API was closing: no new child for it.
    if (this.closed) throw stopped();
    // The queue runs at most `concurrency` jobs, and each child holds one: one is free.
    const child = this.children.find((c) => c.job === null) ?? this.spawn(idle);
    const { quality, thumbnailQuality, maxInputPixels } = this.settings;
    const timeoutMs = this.settings.jobTimeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
    const job: Job = {
      id: this.nextId++,
      path,
      settings: {
        quality,
        thumbnailQuality,
        maxInputPixels,
        sideMax: UPLOAD_LIMITS.imageSideMax,
        thumbnailSideMax: UPLOAD_LIMITS.thumbnailSideMax,
      },
    };
    return new Promise<ProcessedImage>((resolve, reject) => {
      // A decoder stuck on a crafted file must not hold a slot for ever.
      const timer = setTimeout(() => {
        child.ended = new ApiError('invalid_request', 'The image took too long to process.');
        child.process.kill('SIGKILL');
      }, timeoutMs);
      timer.unref();
      const settle =
        <T>(done: (value: T) => void) =>
        (value: T) => {
          clearTimeout(timer);
          child.job = null;
          child.process.channel?.unref();
          done(value);
        };
      // An image in hand keeps the API process alive until it is answered; an idle child
      // does not.
      child.process.channel?.ref();
      child.job = { id: job.id, resolve: settle(resolve), reject: settle(reject) };
      child.process.send(job, (error) => {
        if (error) child.process.kill('SIGKILL');
      });
    });
  }

  /** Whether children start under SCHED_IDLE; the answer is logged with the first child. */
  private idleScheduling(): Promise<boolean> {
    this.scheduling ??= canScheduleIdle().then((idle) => {
      if (idle) this.logger?.info('image processes run under SCHED_IDLE (chrt --idle) and nice');
      else if (process.platform === 'linux')
        this.logger?.warn(
          'chrt (util-linux) is missing or refused: image processes run at a nice value only, and can delay messages during an upload burst',
        );
      return idle;
    });
    return this.scheduling;
  }

  private spawn(idle: boolean): Child {
    const relative = this.settings.niceness ?? IMAGE_PROCESS_NICENESS;
    const niceness = relative > 0 ? imageProcessNiceness(relative) : null;
    const { CHAT_IMAGE_NICENESS: _inherited, ...env } = process.env;
    const options: ForkOptions = {
      env: niceness === null ? env : { ...env, CHAT_IMAGE_NICENESS: String(niceness) },
      // Buffers cross as bytes, not as JSON arrays of numbers.
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    };
    // Plain JavaScript: none of the parent's flags (loaders, an inspector port, a profiler)
    // apply to it. chrt execs node in its own place, so the channel (an inherited fd
    // named in the environment) reaches the worker as with fork.
    const started = idle
      ? spawn('chrt', ['--idle', '0', process.execPath, WORKER], options)
      : fork(WORKER, [], { ...options, execArgv: [] });
    const child: Child = { process: started, job: null, ended: null };
    const { pid } = child.process;
    if (pid !== undefined && niceness !== null) {
      try {
        // The child lowers its own threads on Linux; this covers the process elsewhere
        // (and its main thread here) from the start. Set under SCHED_IDLE too, where it
        // does not count: it is all there is without chrt, and outside Linux.
        setPriority(
          pid,
          process.platform === 'win32' ? constants.priority.PRIORITY_BELOW_NORMAL : niceness,
        );
      } catch {
        // Not allowed here (or already gone): it compresses at normal priority.
      }
    }
    // Idle children never keep the API process alive; the channel closing ends them.
    child.process.unref();
    child.process.channel?.unref();
    child.process.on('message', (reply: Reply) => {
      const job = child.job;
      if (job?.id !== reply.id) return;
      if (reply.ok) {
        const { data, thumbnail, width, height, animated } = reply.value;
        job.resolve({
          data: asBuffer(data),
          contentType: 'image/webp',
          width,
          height,
          thumbnail: asBuffer(thumbnail),
          thumbnailContentType: 'image/webp',
          animated,
        });
      } else if (reply.reason === 'unsupported') {
        job.reject(new UnsupportedImage(reply.message));
      } else {
        job.reject(new ApiError('invalid_request', reply.message));
      }
    });
    // 'error' is a failed spawn or a failed kill; 'exit' follows a spawned process's end.
    child.process.on('error', () => this.forget(child));
    child.process.on('exit', () => this.forget(child));
    this.children.push(child);
    return child;
  }

  /** A child that ended: its image (if any) fails, and the next image starts a new child. */
  private forget(child: Child): void {
    const index = this.children.indexOf(child);
    if (index >= 0) this.children.splice(index, 1);
    child.job?.reject(child.ended ?? crashed());
    child.job = null;
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function crashed(): ApiError {
  return new ApiError(
    'unavailable',
    'The image could not be compressed right now. Try again shortly.',
    undefined,
    2,
  );
}

function stopped(): ApiError {
  return new ApiError('unavailable', 'The server is stopping. Try again shortly.', undefined, 2);
}
