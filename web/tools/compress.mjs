// Precompresses the static site and reports its transfer size.
//
//   node web/tools/compress.mjs dist/web          writes X.gz (gzip -9) and X.br (brotli q11) beside every file
//   node web/tools/compress.mjs --size dist/web   prints raw, gzip and brotli bytes per file and in total, and
//                                                 fails when the compressed page is over the 4 MiB budget
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const BUDGET = 4 * 1024 * 1024;
const args = process.argv.slice(2);
const sizeOnly = args[0] === '--size';
const dir = sizeOnly ? args[1] : args[0];
if (!dir) {
  console.error('usage: compress.mjs [--size] DIR');
  process.exit(2);
}

// The page's files: everything but the compressed copies and host configuration.
const files = readdirSync(dir)
  .filter((f) => !f.endsWith('.gz') && !f.endsWith('.br') && !f.startsWith('_') && statSync(join(dir, f)).isFile())
  .sort();

const gz = (b) => gzipSync(b, { level: 9 });
const br = (b) => brotliCompressSync(b, {
  params: {
    [constants.BROTLI_PARAM_QUALITY]: 11,
    [constants.BROTLI_PARAM_LGWIN]: 24,
    [constants.BROTLI_PARAM_SIZE_HINT]: b.length,
  },
});

if (!sizeOnly) {
  for (const f of files) {
    const b = readFileSync(join(dir, f));
    writeFileSync(join(dir, f + '.gz'), gz(b));
    writeFileSync(join(dir, f + '.br'), br(b));
  }
  process.exit(0);
}

const size = (p) => { try { return statSync(p).size; } catch { return NaN; } };
const mib = (n) => (n / 1024 / 1024).toFixed(2) + ' MiB';
let raw = 0, tgz = 0, tbr = 0;
const rows = [];
for (const f of files) {
  const p = join(dir, f);
  const r = size(p), g = size(p + '.gz'), b = size(p + '.br');
  if (Number.isNaN(g) || Number.isNaN(b)) {
    console.error(`size: ${p} has no .gz/.br copy; run make web`);
    process.exit(1);
  }
  raw += r; tgz += g; tbr += b;
  rows.push([f, r, g, b]);
}
const pad = (s, n) => String(s).padStart(n);
console.log(`${'file'.padEnd(22)}${pad('raw', 12)}${pad('gzip', 12)}${pad('brotli', 12)}`);
for (const [f, r, g, b] of rows) console.log(`${f.padEnd(22)}${pad(r, 12)}${pad(g, 12)}${pad(b, 12)}`);
console.log(`${'total'.padEnd(22)}${pad(raw, 12)}${pad(tgz, 12)}${pad(tbr, 12)}`);
console.log(`page transfer size: ${mib(tbr)} with brotli, ${mib(tgz)} with gzip (${mib(raw)} uncompressed); budget ${mib(BUDGET)}`);
if (tgz > BUDGET) {
  console.error(`size: over budget: ${mib(tgz)} gzip-compressed > ${mib(BUDGET)}`);
  process.exit(1);
}
