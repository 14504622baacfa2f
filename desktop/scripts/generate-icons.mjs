#!/usr/bin/env node
// Draws the app's icons (a speech bubble) and writes them as PNGs into desktop/build/.
// Plain Node only: shapes are tested per sub-pixel (4x4 supersampling for smooth edges)
// and encoded with a minimal PNG writer over zlib. Run it after changing a shape; the
// resulting files are committed, so builds do not depend on this script.
import { Buffer } from 'node:buffer';
import console from 'node:console';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

const OUT = path.resolve(import.meta.dirname, '..', 'build');
const SAMPLES = 4;

// ---- shapes in unit coordinates (0..1, y down) -----------------------------

const roundedRect = (x0, y0, x1, y1, r) => (x, y) => {
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return x >= x0 && x <= x1 && y >= y0 && y <= y1 && (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
const circle = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const triangle = (a, b, c) => (x, y) => {
  const side = (p, q) => (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]);
  const s1 = side(a, b);
  const s2 = side(b, c);
  const s3 = side(c, a);
  return (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0);
};
const union =
  (...shapes) =>
  (x, y) =>
    shapes.some((s) => s(x, y));

/** A speech bubble with a tail at the bottom left, fitted in the given box. */
function bubble(x0, y0, x1, y1) {
  const w = x1 - x0;
  const h = y1 - y0;
  const bodyBottom = y0 + h * 0.76;
  return union(
    roundedRect(x0, y0, x1, bodyBottom, Math.min(w, h) * 0.24),
    triangle(
      [x0 + w * 0.16, bodyBottom - h * 0.05],
      [x0 + w * 0.42, bodyBottom - h * 0.05],
      [x0 + w * 0.08, y1],
    ),
  );
}

function dots(x0, y0, x1, y1) {
  const w = x1 - x0;
  const h = y1 - y0;
  const cy = y0 + h * 0.38;
  const r = w * 0.075;
  return union(
    circle(x0 + w * 0.28, cy, r),
    circle(x0 + w * 0.5, cy, r),
    circle(x0 + w * 0.72, cy, r),
  );
}

// ---- rendering -----------------------------------------------------------

/**
 * layers: [{ shape, color: [r,g,b,a] | (x,y) => [r,g,b,a] }] painted in order; a layer
 * with `erase: true` clears what is under it (cut-outs).
 */
function render(size, layers) {
  const data = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let acc = [0, 0, 0, 0];
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = (px + (sx + 0.5) / SAMPLES) / size;
          const y = (py + (sy + 0.5) / SAMPLES) / size;
          let pixel = [0, 0, 0, 0];
          for (const layer of layers) {
            if (!layer.shape(x, y)) continue;
            if (layer.erase) {
              pixel = [0, 0, 0, 0];
              continue;
            }
            const c = typeof layer.color === 'function' ? layer.color(x, y) : layer.color;
            const a = c[3] / 255;
            pixel = [
              c[0] * a + pixel[0] * (1 - a),
              c[1] * a + pixel[1] * (1 - a),
              c[2] * a + pixel[2] * (1 - a),
              c[3] + pixel[3] * (1 - a),
            ];
          }
          // Accumulate premultiplied so edges blend without dark fringes.
          acc = [
            acc[0] + pixel[0] * (pixel[3] / 255),
            acc[1] + pixel[1] * (pixel[3] / 255),
            acc[2] + pixel[2] * (pixel[3] / 255),
            acc[3] + pixel[3],
          ];
        }
      }
      const n = SAMPLES * SAMPLES;
      const alpha = acc[3] / n;
      const i = (py * size + px) * 4;
      const un = alpha > 0 ? 255 / alpha / n : 0;
      data[i] = Math.round(Math.min(255, acc[0] * un));
      data[i + 1] = Math.round(Math.min(255, acc[1] * un));
      data[i + 2] = Math.round(Math.min(255, acc[2] * un));
      data[i + 3] = Math.round(alpha);
    }
  }
  return encodePng(size, size, data);
}

// ---- PNG -----------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, body) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([len, typed, crc]);
}

export function encodePng(width, height, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const rows = Buffer.alloc(height * (width * 4 + 1));
  for (let y = 0; y < height; y++) {
    rows[y * (width * 4 + 1)] = 0; // filter: none
    rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- the set -------------------------------------------------------------

const BLUE_TOP = [79, 140, 255];
const BLUE_BOTTOM = [37, 88, 214];
const BLUE = [47, 111, 235, 255];
const RED = [229, 72, 77, 255];
const WHITE = [255, 255, 255, 255];
const BLACK = [0, 0, 0, 255];
const gradient = (_x, y) =>
  BLUE_TOP.map((c, i) => Math.round(c + (BLUE_BOTTOM[i] - c) * y)).concat(255);

function appIcon(size) {
  return render(size, [
    { shape: roundedRect(0.08, 0.08, 0.92, 0.92, 0.2), color: gradient },
    { shape: bubble(0.22, 0.26, 0.78, 0.76), color: WHITE },
    { shape: dots(0.22, 0.26, 0.78, 0.76), color: [...BLUE_BOTTOM, 255] },
  ]);
}

function trayIcon(size, { color, unread }) {
  const layers = [
    { shape: bubble(0.04, 0.1, 0.96, 0.96), color },
    { shape: dots(0.04, 0.1, 0.96, 0.96), erase: true },
  ];
  if (unread) {
    layers.push({ shape: circle(0.8, 0.2, 0.27), erase: true });
    layers.push({ shape: circle(0.8, 0.2, 0.2), color: color === BLACK ? BLACK : RED });
  }
  return render(size, layers);
}

const files = {
  'icon.png': appIcon(1024),
  'icon-512.png': appIcon(512),
  'tray-16.png': trayIcon(16, { color: BLUE }),
  'tray-32.png': trayIcon(32, { color: BLUE }),
  'tray-unread-16.png': trayIcon(16, { color: BLUE, unread: true }),
  'tray-unread-32.png': trayIcon(32, { color: BLUE, unread: true }),
  // macOS menu bar: black + alpha only; the system tints them. @2x is picked up by name.
  'trayTemplate.png': trayIcon(16, { color: BLACK }),
  'trayTemplate@2x.png': trayIcon(32, { color: BLACK }),
  'trayUnreadTemplate.png': trayIcon(16, { color: BLACK, unread: true }),
  'trayUnreadTemplate@2x.png': trayIcon(32, { color: BLACK, unread: true }),
  // Windows taskbar overlay (there is no badge count there).
  'badge-overlay.png': render(32, [
    { shape: circle(0.5, 0.5, 0.48), color: WHITE },
    { shape: circle(0.5, 0.5, 0.38), color: RED },
  ]),
};

mkdirSync(OUT, { recursive: true });
for (const [name, png] of Object.entries(files)) {
  writeFileSync(path.join(OUT, name), png);
  console.log(`wrote build/${name} (${png.length} bytes)`);
}
