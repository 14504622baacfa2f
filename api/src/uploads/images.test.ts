import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/api-process';
import { photoJpeg } from '../../test/images';
import { ApiError } from '../http/errors';
import { DEFAULT_IMAGE_SETTINGS, ImageProcessor, imageProcessNiceness } from './images';

/** Images at nice 10 wait for spare CPU: a busy test machine makes these slow, not wrong. */
const SLOW_MS = 90_000;

/** Nice value of each thread of a process (Linux: field 19 of each task's stat). */
function threadNiceness(pid: number | 'self'): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[16]);
  });
}

/** Scheduling policy of each thread of a process (Linux: field 41 of each task's stat). */
function threadPolicies(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[38]);
  });
}

/** SCHED_OTHER and SCHED_IDLE, as sched.h numbers them. */
const SCHED_OTHER = 0;
const SCHED_IDLE = 5;

/** Whether a process exists and is not a zombie waiting to be reaped (Linux). */
function alive(pid: number): boolean {
  if (!existsSync(`/proc/${pid}/stat`)) return false;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(') ') + 2, stat.lastIndexOf(') ') + 3) !== 'Z';
}

describe('ImageProcessor', () => {
  let dir: string;
  let images: ImageProcessor | undefined;
  afterEach(async () => {
    await images?.close();
    images = undefined;
  });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chat-images-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'compresses off the event loop: timers keep firing while a large photo is encoded',
    async () => {
      const path = join(dir, 'large.jpg');
      await writeFile(path, await photoJpeg(4000, 3000));
      images = new ImageProcessor();
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const started = performance.now();
      const result = await images.process(path);
      const took = performance.now() - started;
      delay.disable();
      expect(result).toMatchObject({ width: 2048, height: 1536, contentType: 'image/webp' });
      // Work on the event loop would stall it for the whole encode; libvips' threads leave
      // it free apart from scheduling noise on a busy machine.
      const worstStallMs = delay.max / 1e6;
      expect(took).toBeGreaterThan(200);
      expect(worstStallMs).toBeLessThan(took / 2);
    },
    SLOW_MS,
  );

  it.runIf(process.platform === 'linux')(
    'compresses in a child process whose every thread runs 10 nicer than the API, the API keeping its own priority',
    async () => {
      const path = join(dir, 'nice.jpg');
      await writeFile(path, await photoJpeg(1200, 900));
      images = new ImageProcessor();
      await images.process(path);
      const [pid, ...others] = images.processIds;
      expect(others).toEqual([]);
      expect(pid).toBeDefined();
      expect(pid).not.toBe(process.pid);
      const niceness = threadNiceness(pid ?? 0);
      // libvips' and libuv's threads as well as the main thread.
      expect(niceness.length).toBeGreaterThan(3);
      const own = threadNiceness('self')[0] ?? 0;
      expect(imageProcessNiceness()).toBe(Math.min(19, own + 10));
      expect(new Set(niceness)).toEqual(new Set([imageProcessNiceness()]));
      // The process (its main thread) keeps its priority.
      expect(threadNiceness('self')[0]).toBe(own);
    },
    SLOW_MS,
  );

  it.runIf(process.platform === 'linux')(
    'compresses in a child process whose every thread runs under SCHED_IDLE, the API under the normal policy',
    async () => {
      const path = join(dir, 'idle.jpg');
      await writeFile(path, await photoJpeg(1200, 900));
      images = new ImageProcessor();
      await images.process(path);
      const [pid] = images.processIds;
      const policies = threadPolicies(pid ?? 0);
      // libvips' and libuv's threads as well as the main thread.
      expect(policies.length).toBeGreaterThan(3);
      expect(new Set(policies)).toEqual(new Set([SCHED_IDLE]));
      expect(new Set(threadPolicies(process.pid))).toEqual(new Set([SCHED_OTHER]));
    },
    SLOW_MS,
  );

  it.runIf(process.platform === 'linux')(
    "with niceness 0 the child keeps the API's priority and policy",
    async () => {
      const path = join(dir, 'not-lowered.jpg');
      await writeFile(path, await photoJpeg(640, 480));
      images = new ImageProcessor({ ...DEFAULT_IMAGE_SETTINGS, niceness: 0 });
      await images.process(path);
      const [pid] = images.processIds;
      expect(new Set(threadPolicies(pid ?? 0))).toEqual(new Set([SCHED_OTHER]));
      expect(new Set(threadNiceness(pid ?? 0))).toEqual(new Set([threadNiceness('self')[0]]));
    },
    SLOW_MS,
  );

  it.runIf(process.platform === 'linux')(
    'without chrt on PATH, images are still compressed, by a child at a nice value under the normal policy, and the log says so',
    async () => {
      const path = join(dir, 'no-chrt.jpg');
      await writeFile(path, await photoJpeg(800, 600));
      const script = [
        `import { readFileSync } from 'node:fs';`,
        `import { ImageProcessor } from ${JSON.stringify(new URL('./images.ts', import.meta.url).href)};`,
        `const logger = { info: (m) => console.log('info', m), warn: (m) => console.log('warn', m) };`,
        `const images = new ImageProcessor(undefined, logger);`,
        `const image = await images.process(${JSON.stringify(path)});`,
        'const stat = readFileSync(`/proc/${images.processIds[0]}/stat`, "utf8");',
        `const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');`,
        'console.log(`${image.width}x${image.height} nice ${fields[16]} policy ${fields[38]}`);',
      ].join('\n');
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '--eval', script],
        { encoding: 'utf8', timeout: SLOW_MS, env: { ...process.env, PATH: '' } },
      );
      expect(run.status, run.stderr).toBe(0);
      const lines = run.stdout.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^warn chrt \(util-linux\) is missing or refused/);
      expect(lines[1]).toBe(`800x600 nice ${imageProcessNiceness()} policy ${SCHED_OTHER}`);
    },
    SLOW_MS,
  );

  it(
    'a child killed mid-image fails that image with 503, and the next image gets a new child',
    async () => {
      const large = join(dir, 'killed.jpg');
      await writeFile(large, await photoJpeg(4000, 3000));
      const small = join(dir, 'after.jpg');
      await writeFile(small, await photoJpeg(640, 480));
      images = new ImageProcessor({ ...DEFAULT_IMAGE_SETTINGS, concurrency: 1 });
      const held = images.process(large);
      const outcome = held.then(
        () => null,
        (err: unknown) => err,
      );
      const pid = await waitFor(() => images?.processIds[0], {
        timeoutMs: 10_000,
        what: () => 'the image process to start',
      });
      expect(images.load.running).toBe(1);
      process.kill(pid, 'SIGKILL');
      const error = await outcome;
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status: 503, code: 'unavailable' });
      expect(images.load).toEqual({ running: 0, waiting: 0 });

      const next = await images.process(small);
      expect(next).toMatchObject({ width: 640, height: 480, contentType: 'image/webp' });
      expect(images.processIds).toHaveLength(1);
      expect(images.processIds[0]).not.toBe(pid);
    },
    SLOW_MS,
  );

  it.runIf(process.platform === 'linux')(
    'close ends the children and refuses the images they held and any after',
    async () => {
      const path = join(dir, 'closing.jpg');
      await writeFile(path, await photoJpeg(4000, 3000));
      images = new ImageProcessor({ ...DEFAULT_IMAGE_SETTINGS, concurrency: 1 });
      const settled = (image: Promise<unknown>) =>
        image.then(
          () => null,
          (err: unknown) => err,
        );
      const held = settled(images.process(path));
      const waiting = settled(images.process(path));
      const pid = await waitFor(() => images?.processIds[0], {
        timeoutMs: 10_000,
        what: () => 'the image process to start',
      });
      await images.close();
      expect(alive(pid)).toBe(false);
      expect(images.processIds).toEqual([]);
      expect(await held).toMatchObject({ status: 503, code: 'unavailable' });
      expect(await waiting).toMatchObject({ status: 503, code: 'unavailable' });
      // The one waiting in line started no new process.
      expect(images.processIds).toEqual([]);
      await expect(images.process(path)).rejects.toMatchObject({ status: 503 });
    },
    SLOW_MS,
  );

  it(
    'an image still being compressed after the time limit is refused with 400, and the next one is compressed',
    async () => {
      const large = join(dir, 'slow.jpg');
      await writeFile(large, await photoJpeg(4000, 3000));
      const small = join(dir, 'quick.jpg');
      await writeFile(small, await photoJpeg(320, 240));
      images = new ImageProcessor({ ...DEFAULT_IMAGE_SETTINGS, concurrency: 1, jobTimeoutMs: 50 });
      await expect(images.process(large)).rejects.toMatchObject({
        status: 400,
        message: 'The image took too long to process.',
      });
      images = new ImageProcessor({ ...DEFAULT_IMAGE_SETTINGS, concurrency: 1 });
      expect(await images.process(small)).toMatchObject({ width: 320, height: 240 });
    },
    SLOW_MS,
  );

  it(
    'an image in hand keeps a process with nothing else to do alive until it is answered',
    async () => {
      const path = join(dir, 'alone.jpg');
      await writeFile(path, await photoJpeg(800, 600));
      const script = [
        `import { ImageProcessor } from ${JSON.stringify(new URL('./images.ts', import.meta.url).href)};`,
        `const image = await new ImageProcessor().process(${JSON.stringify(path)});`,
        'console.log(`${image.width}x${image.height}`);',
      ].join('\n');
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '--eval', script],
        { encoding: 'utf8', timeout: SLOW_MS },
      );
      // Exit code 13 would be Node's "unsettled top-level await": the process left mid-image.
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout.trim()).toBe('800x600');
    },
    SLOW_MS,
  );
});
