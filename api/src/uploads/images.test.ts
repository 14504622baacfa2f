import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photoJpeg } from '../../test/images';
import { ImageProcessor } from './images';

describe('ImageProcessor', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chat-images-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('compresses off the event loop: timers keep firing while a large photo is encoded', async () => {
    const path = join(dir, 'large.jpg');
    await writeFile(path, await photoJpeg(4000, 3000));
    const images = new ImageProcessor();
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
  });
});
