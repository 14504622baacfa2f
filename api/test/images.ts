import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** Images made on the spot for upload tests and the compression measurement. */

/** A photo-like JPEG: gradients and noise, so it compresses like a camera picture. */
export async function photoJpeg(width: number, height: number, quality = 92): Promise<Buffer> {
  const channels = 3;
  const raw = Buffer.alloc(width * height * channels);
  let seed = 42;
  const noise = () => {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    return (seed >> 16) % 24;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      raw[o] = Math.round((255 * x) / width) ^ (noise() & 0x0f);
      raw[o + 1] = Math.round((255 * y) / height) + noise();
      raw[o + 2] = Math.round(128 + 100 * Math.sin((x + y) / 40)) - noise();
    }
  }
  return sharp(raw, { raw: { width, height, channels } }).jpeg({ quality }).toBuffer();
}

/** A JPEG stored sideways (EXIF orientation 6) with EXIF text and GPS position. */
export async function sidewaysJpegWithGps(width: number, height: number): Promise<Buffer> {
  return sharp(await photoJpeg(width, height))
    .withMetadata({ orientation: 6 })
    .withExif({
      IFD0: { Copyright: 'Secret Photographer' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' },
    })
    .jpeg()
    .toBuffer();
}

/** A screenshot-like PNG: flat colours and sharp-edged text-like bars. */
export async function screenshotPng(width: number, height: number): Promise<Buffer> {
  const bars = Array.from({ length: Math.floor(height / 24) }, (_, i) => ({
    input: {
      create: {
        width: Math.max(8, Math.floor(width * (0.3 + ((i * 37) % 60) / 100))),
        height: 10,
        channels: 3 as const,
        background: i % 5 === 0 ? '#1a73e8' : '#202124',
      },
    },
    top: i * 24 + 7,
    left: 16,
  }));
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite(bars)
    .png()
    .toBuffer();
}

/** An animated GIF of `frames` frames, each a different colour. */
export async function animatedGif(width: number, height: number, frames: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * frames * 4);
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < width * height; i++) {
      const o = (f * width * height + i) * 4;
      raw[o + (f % 3)] = 255;
      raw[o + 3] = 255;
    }
  }
  return sharp(raw, { raw: { width, height: height * frames, channels: 4, pageHeight: height } })
    .gif({ delay: Array.from({ length: frames }, () => 100), loop: 0 })
    .toBuffer();
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A real decompression bomb: a valid 1-bit PNG of `side` × `side` black pixels. At
 * 50,000 it is a few hundred kilobytes that decode to 2.5 gigapixels.
 */
export function pngBomb(side = 50_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const rowBytes = 1 + Math.ceil(side / 8); // filter byte + packed pixels
  // All-zero rows: deflate turns the whole image into long runs.
  const idat = deflateSync(Buffer.alloc(rowBytes * side), { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
