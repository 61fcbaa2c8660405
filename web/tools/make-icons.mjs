// Writes the PWA icons into public/icons/: a hand-made SVG and PNG renderings of the same shape
// (rounded blue square, white speech bubble), rasterised here with 4x4 supersampling so no image
// tool is needed. Usage: node tools/make-icons.mjs  (idempotent; the outputs are committed).
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons');
mkdirSync(out, { recursive: true });

const BG = [0x1d, 0x5f, 0xbf];
const FG = [0xff, 0xff, 0xff];

// Geometry in a 0..1 square. `pad` shrinks the bubble for maskable icons (safe zone = 80%).
function shape(pad) {
  const s = (v) => pad + v * (1 - 2 * pad);
  return {
    bubble: { x0: s(0.2), y0: s(0.24), x1: s(0.8), y1: s(0.66), r: 0.09 * (1 - 2 * pad) },
    tail: [
      [s(0.3), s(0.64)],
      [s(0.3), s(0.8)],
      [s(0.48), s(0.64)],
    ],
  };
}

function inRoundRect(x, y, b) {
  if (x < b.x0 || x > b.x1 || y < b.y0 || y > b.y1) return false;
  const cx = Math.min(Math.max(x, b.x0 + b.r), b.x1 - b.r);
  const cy = Math.min(Math.max(y, b.y0 + b.r), b.y1 - b.r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= b.r ** 2;
}

function inTriangle(x, y, [a, b, c]) {
  const d = (p, q) => (x - q[0]) * (p[1] - q[1]) - (p[0] - q[0]) * (y - q[1]);
  const d1 = d(a, b), d2 = d(b, c), d3 = d(c, a);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
}

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

function png(size, maskable) {
  const { bubble, tail } = shape(maskable ? 0.1 : 0);
  const corner = maskable ? 0 : 0.22; // maskable icons fill the square; the OS applies the mask
  const bgBox = { x0: 0, y0: 0, x1: 1, y1: 1, r: corner };
  const raw = Buffer.alloc(size * (size * 4 + 1));
  const N = 4;
  for (let py = 0; py < size; py++) {
    raw[py * (size * 4 + 1)] = 0; // filter: none
    for (let px = 0; px < size; px++) {
      let bgCov = 0, fgCov = 0;
      for (let sy = 0; sy < N; sy++) {
        for (let sx = 0; sx < N; sx++) {
          const x = (px + (sx + 0.5) / N) / size, y = (py + (sy + 0.5) / N) / size;
          const inBg = corner === 0 || inRoundRect(x, y, bgBox);
          if (!inBg) continue;
          bgCov++;
          if (inRoundRect(x, y, bubble) || inTriangle(x, y, tail)) fgCov++;
        }
      }
      const a = bgCov / (N * N);
      const f = bgCov ? fgCov / bgCov : 0;
      const o = py * (size * 4 + 1) + 1 + px * 4;
      for (let i = 0; i < 3; i++) raw[o + i] = Math.round(BG[i] * (1 - f) + FG[i] * f);
      raw[o + 3] = Math.round(a * 255);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
  <rect width="100" height="100" rx="22" fill="#1d5fbf"/>
  <path fill="#fff" d="M29 24h42a9 9 0 0 1 9 9v24a9 9 0 0 1-9 9H48L30 80V66h-1a9 9 0 0 1-9-9V33a9 9 0 0 1 9-9z"/>
</svg>
`;
writeFileSync(join(out, 'icon.svg'), svg);
for (const size of [192, 512]) {
  writeFileSync(join(out, `icon-${size}.png`), png(size, false));
  writeFileSync(join(out, `maskable-${size}.png`), png(size, true));
}
// iOS home-screen icon: 180x180, full-bleed (iOS rounds the corners itself; transparent corners
// would show as black).
writeFileSync(join(out, 'apple-touch-icon.png'), png(180, true));
console.log(`icons written to ${out}`);
