// Browser tests of awkward inputs (issue 5), made in a temp dir from the real header and rows of
// att_train.csv: a UTF-8 BOM with CRLF line ends and quoted fields with commas, quotes and line breaks in an
// extra column classify and download byte-identical to `ntc classify`; an empty file, binary junk and a gzip
// file fail with a clear header message and nothing to download; a header with no rows is done with 0 rows.
// (A header missing columns is in page.test.mjs.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launch, open, waitStatus, download, native, tmpDir, ensureNative, DATA } from './harness.mjs';

let browser, server;
const tmp = tmpDir();
const text = readFileSync(join(DATA, 'att_train.csv'), 'utf8');
const lines = text.split(/\r?\n/).filter((l) => l !== '');
const [head, ...rows] = lines;

before(async () => {
  ensureNative();
  ({ browser, server } = await launch());
});

after(async () => {
  await browser?.close();
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

function file(name, body) {
  const p = join(tmp, name);
  writeFileSync(p, body);
  return p;
}

// run puts a file through a fresh page and returns the final status line, the download (if any) and the
// page's problems; it checks the page still answers afterwards.
async function run(path) {
  const { context, page, problems } = await open(browser, server);
  try {
    await page.setInputFiles('[data-testid=file-input]', path);
    const line = await waitStatus(page, /^(done|failed|cancelled)/);
    const hasDownload = await page.locator('[data-testid=download]').count() > 0;
    const dl = hasDownload ? await download(page) : null;
    // no crash: the UI still renders and takes the next file
    await page.setInputFiles('[data-testid=file-input]', join(DATA, 'att_train.csv'));
    assert.equal(await waitStatus(page, /^(done|failed|cancelled)/), 'done: 25 rows');
    return { line, dl, problems };
  } finally {
    await context.close();
  }
}

test('a UTF-8 BOM and CRLF line ends: classified, download byte-identical to ntc classify', async () => {
  const p = file('bom-crlf.csv', '\ufeff' + lines.join('\r\n') + '\r\n');
  const r = await run(p);
  assert.equal(r.line, 'done: 25 rows');
  assert.ok(r.dl.bytes.equals(native(p)), 'download differs from ntc classify');
  assert.deepEqual(r.problems, []);
});

test('quoted fields with commas, quotes and line breaks in an extra column: download byte-identical', async () => {
  const notes = ['"a, b"', '"said ""hi"", then left"', '"two\nlines"', '"crlf\r\ninside, too"', 'plain', '""'];
  const body = [head + ',note', ...rows.map((l, i) => l + ',' + notes[i % notes.length])].join('\n') + '\n';
  const p = file('quoted.csv', body);
  const r = await run(p);
  assert.equal(r.line, 'done: 25 rows');
  assert.ok(r.dl.bytes.equals(native(p)), 'download differs from ntc classify');
  assert.deepEqual(r.problems, []);
});

test('an empty file fails with a clear message and nothing to download', async () => {
  const r = await run(file('empty.csv', ''));
  assert.match(r.line, /^failed: .*the file is empty$/);
  assert.equal(r.dl, null);
  assert.deepEqual(r.problems, []);
});

test('a header with no rows is done with 0 rows; the download is ntc classify\'s header', async () => {
  const p = file('header-only.csv', head + '\n');
  const r = await run(p);
  assert.equal(r.line, 'done: 0 rows');
  assert.ok(r.dl.bytes.equals(native(p)), 'download differs from ntc classify');
  assert.deepEqual(r.problems, []);
});

test('binary junk and a gzip file given as CSV fail with a header error that says what they are', async () => {
  let x = 12345;
  const junk = Buffer.alloc(64 << 10, 0).map(() => { x = (x * 1103515245 + 12345) >>> 0; return (x >>> 16) & 0xff; });
  junk[100] = 0; // a NUL byte early on, as binary files have
  for (const [name, body, want] of [
    ['junk.csv', junk, /^failed: bad header: the input is not (CSV|UTF-8) text: .*binary data/],
    ['flows.csv', gzipSync(Buffer.from(text)), /^failed: bad header: the input is not CSV text: it looks like gzip-compressed data/],
  ]) {
    const r = await run(file(name, body));
    assert.match(r.line, want, name);
    assert.equal(r.dl, null, name);
    assert.deepEqual(r.problems, [], name);
  }
});
