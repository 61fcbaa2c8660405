// Writes .gz and .br siblings of the compressible files under a folder (for chatd's precompressed
// static serving). Skips files whose siblings are already newer; keeps a sibling only when it is
// smaller than the original. Usage: node tools/compress.mjs <dir>
import { readdirSync, readFileSync, statSync, writeFileSync, existsSync, unlinkSync } from 'node:fs';
import { join, extname } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: compress.mjs <dir>');
  process.exit(2);
}
const EXT = new Set(['.js', '.mjs', '.css', '.html', '.svg', '.json', '.webmanifest', '.txt', '.map', '.ico']);
let written = 0;
function walk(d) {
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p);
    else if (EXT.has(extname(name)) && st.size >= 256) compress(p, st);
  }
}
function compress(p, st) {
  const data = readFileSync(p);
  for (const [ext, fn] of [
    ['.gz', () => gzipSync(data, { level: 9 })],
    ['.br', () => brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } })],
  ]) {
    const out = p + ext;
    if (existsSync(out) && statSync(out).mtimeMs >= st.mtimeMs) continue;
    const z = fn();
    if (z.length < data.length) {
      writeFileSync(out, z);
      written++;
    } else if (existsSync(out)) unlinkSync(out);
  }
}
walk(dir);
console.log(`compress: ${written} file(s) written under ${dir}`);
