/**
 * `node --import tsx bench/image-quality.ts`: what the upload compressor's quality setting
 * buys. Each sample image (generated, so the run needs no files) is resized as uploads are
 * (longest side 2048) and encoded as WebP and as JPEG (mozjpeg) at several qualities;
 * for each: bytes, encode time, and PSNR against the resized image before encoding.
 * The choice and the numbers are written down in docs/uploads.md.
 */
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { photoJpeg, screenshotPng } from '../api/test/images';

sharp.concurrency(1);

interface Sample {
  name: string;
  bytes: Buffer;
}

async function resizedRaw(input: Buffer) {
  const { data, info } = await sharp(input)
    .resize({ width: 2048, height: 2048, fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function psnr(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    sum += d * d;
  }
  const mse = sum / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

async function main(): Promise<void> {
  const samples: Sample[] = [
    { name: 'photo 4000×3000 JPEG q92', bytes: await photoJpeg(4000, 3000) },
    { name: 'photo 1600×1200 JPEG q92', bytes: await photoJpeg(1600, 1200) },
    { name: 'screenshot 2560×1440 PNG', bytes: await screenshotPng(2560, 1440) },
  ];
  const settings = [
    ...[60, 70, 75, 80, 85, 90].map((q) => ({ format: 'webp' as const, q })),
    ...[75, 80, 85, 90].map((q) => ({ format: 'jpeg' as const, q })),
  ];
  console.log('| sample | input KiB | format | quality | output KiB | PSNR dB | encode ms |');
  console.log('|---|---:|---|---:|---:|---:|---:|');
  for (const sample of samples) {
    const reference = await resizedRaw(sample.bytes);
    const base = sharp(reference.data, {
      raw: { width: reference.width, height: reference.height, channels: 3 },
    });
    for (const { format, q } of settings) {
      const started = performance.now();
      const encoded =
        format === 'webp'
          ? await base.clone().webp({ quality: q, effort: 4 }).toBuffer()
          : await base.clone().jpeg({ quality: q, mozjpeg: true }).toBuffer();
      const ms = performance.now() - started;
      const decoded = await sharp(encoded).removeAlpha().raw().toBuffer();
      console.log(
        `| ${sample.name} | ${(sample.bytes.length / 1024).toFixed(0)} | ${format} | ${q} | ${(encoded.length / 1024).toFixed(0)} | ${psnr(reference.data, decoded).toFixed(1)} | ${ms.toFixed(0)} |`,
      );
    }
  }
}

await main();
