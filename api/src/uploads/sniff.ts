import { open } from 'node:fs/promises';
import { fileTypeFromFile } from 'file-type';

/** How an upload is treated, decided from its bytes alone. */
export type Sniffed =
  /** Decoded, compressed and re-encoded (see images.ts). */
  | { kind: 'image'; contentType: string }
  /** Kept byte for byte and always sent as a download. */
  | { kind: 'file'; contentType: string };

/** Image formats the compressor decodes. HEIC is tried; the prebuilt libvips may lack it. */
export const IMAGE_TYPES: ReadonlySet<string> = new Set([
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/avif',
  'image/heic',
]);

const TEXT_PROBE_BYTES = 4096;

/**
 * The content type from the bytes (magic numbers, via file-type), never from the name or
 * the client's header. Text formats have no magic number: bytes that are valid UTF-8
 * without NULs become `text/plain` (so HTML and SVG are plain text, never markup), and
 * anything else unknown is `application/octet-stream`.
 */
export async function sniff(path: string): Promise<Sniffed> {
  const detected = await fileTypeFromFile(path);
  if (detected) {
    return IMAGE_TYPES.has(detected.mime)
      ? { kind: 'image', contentType: detected.mime }
      : { kind: 'file', contentType: detected.mime };
  }
  return { kind: 'file', contentType: (await looksLikeText(path)) ? TEXT : BINARY };
}

export const TEXT = 'text/plain; charset=utf-8';
export const BINARY = 'application/octet-stream';

async function looksLikeText(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await file.read({
      buffer: Buffer.alloc(TEXT_PROBE_BYTES),
      position: 0,
    });
    if (bytesRead === 0) return false;
    const head = buffer.subarray(0, bytesRead);
    if (head.includes(0)) return false;
    // The probe may end inside a multi-byte character: trim up to 3 trailing bytes.
    for (let cut = 0; cut <= 3 && cut < head.length; cut++) {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, head.length - cut));
        return true;
      } catch {
        // try a shorter prefix
      }
    }
    return false;
  } finally {
    await file.close();
  }
}
