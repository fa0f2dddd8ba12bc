// Browser tests of the page (make web-test): real files from the competition data through the page in Debian's
// chromium, the download compared byte for byte with `ntc classify`, the requests the page makes, row errors,
// header errors, the task toggles and Cancel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { launch, open, helpersFor, helpersUp, status, waitStatus, download, native, repeated, tmpDir, ensureNative, DATA, SHOTS } from './harness.mjs';

let browser, server;
const tmp = tmpDir();

before(async () => {
  ensureNative();
  ({ browser, server } = await launch());
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

// classify runs a file through a fresh page and returns the page, its download and the requests made.
async function classify(file, { tasks, shot } = {}) {
  const s = open(browser, server);
  const { context, page, requests, problems } = await s;
  const served = server.requests.length;
  if (tasks && !tasks.includes('att')) await page.click('[data-testid=task-att]');
  if (tasks && !tasks.includes('app')) await page.click('[data-testid=task-app]');
  await page.setInputFiles('[data-testid=file-input]', file);
  const line = await waitStatus(page, /^(done|failed|cancelled)/);
  assert.match(line, /^done: \d+ rows$/, `status: ${line}`);
  const dl = await download(page);
  if (shot) await page.screenshot({ path: join(SHOTS, shot), fullPage: true });
  return { context, page, requests, problems, served: server.requests.slice(served), line, dl };
}

// onlyOwnStatics checks every request the browser made (as the page saw them and as the server got them) was a
// GET for one of the page's own files, or the bodiless GET /healthz that asks whether the origin serves the
// HTTP API (this static server does not: 404); the download is a blob: URL of the same origin, which never
// leaves the browser.
function onlyOwnStatics({ requests, served }) {
  const origin = new URL(server.url).origin;
  assert.ok(requests.length > 0);
  for (const r of requests) {
    if (r.url.startsWith(`blob:${origin}/`)) continue;
    const u = new URL(r.url);
    assert.equal(u.origin, origin, `request to another origin: ${r.method} ${r.url}`);
    assert.equal(r.method, 'GET', `non-GET request: ${r.method} ${r.url}`);
    if (u.pathname === '/healthz') continue;
    const name = u.pathname === '/' ? 'index.html' : u.pathname.slice(1);
    assert.ok(server.files.has(name), `request for a file the site does not have: ${r.url}`);
  }
  for (const r of served) {
    assert.equal(r.method, 'GET', `server got ${r.method} ${r.url}`);
    if (r.url === '/healthz') continue;
    const name = r.url === '/' ? 'index.html' : r.url.slice(1);
    assert.ok(server.files.has(name), `server got a request for ${r.url}`);
  }
}

for (const name of ['att_train.csv', 'att_unlabeled.csv']) {
  test(`${name}: the download is byte-identical to ntc classify, and only the page's own files are fetched`, async () => {
    const file = join(DATA, name);
    const want = native(file);
    const run = await classify(file, { shot: name === 'att_unlabeled.csv' ? 'finished.png' : undefined });
    try {
      const rows = Number(run.line.match(/\d+/)[0]);
      const wantRows = want.toString('utf8').split('\n').length - 2; // header, final newline
      assert.equal(rows, wantRows);
      assert.equal(run.dl.name, name.replace(/\.csv$/, '.classified.csv'));
      assert.ok(run.dl.bytes.equals(want), `download (${run.dl.bytes.length} bytes) differs from ntc classify (${want.length} bytes)`);
      onlyOwnStatics(run);
      // the page shows what it computed: the table, both charts and the model card
      assert.ok(await run.page.locator('[data-testid=results] tbody tr').count() > 0);
      assert.equal(await run.page.locator('[data-testid=chart-app]').count(), 1);
      assert.equal(await run.page.locator('[data-testid=chart-att]').count(), 1);
      assert.match(await run.page.textContent('[data-testid=model-card]'), /Stratified CV[\s\S]*Grouped CV/);
      assert.match(await run.page.textContent('[data-testid=local-badge]'), /stays on this device/);
      // a static host has no API (GET /healthz is a 404): no option to send the file anywhere
      assert.equal(await run.page.locator('[data-testid=remote]').count(), 0);
      if (name === 'att_unlabeled.csv') {
        // unknown predictions render, greyed, and the filter finds every one of them
        const out = want.toString('utf8').split('\n').slice(1, -1).map((l) => l.split(',').slice(-6));
        const unknownApps = out.filter((f) => f[0] === 'unknown').length;
        assert.ok(unknownApps > 0);
        const shown = await run.page.locator('[data-testid=results] .label.unknown').allTextContents();
        assert.ok(shown.length > 0 && shown.every((t) => t === 'unknown'), `${shown.length} unknown labels on the first page`);
        await run.page.selectOption('[data-testid=filter]', 'app:unknown');
        assert.match(await run.page.textContent('.page-line'), new RegExp(`of ${unknownApps.toLocaleString('en-US')} ·`));
        const apps = await run.page.locator('[data-testid=results] tbody tr .label:not(.att)').allTextContents();
        assert.ok(apps.length > 0 && apps.every((t) => t === 'unknown'), apps.join());
      }
      assert.deepEqual(run.problems, []);
    } finally {
      await run.context.close();
    }
  });
}

test('malformed rows are listed with row, column and reason, and every other row is classified', async () => {
  const text = readFileSync(join(DATA, 'att_train.csv'), 'utf8');
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(eol);
  const head = lines[0].split(',');
  const col = head.indexOf('fwd_packets_amount');
  const r3 = lines[3].split(',');
  r3[col] = 'lots';
  lines[3] = r3.join(',');                                  // data row 3: text in a number column
  lines[6] = lines[6].split(',').slice(0, 40).join(',');     // data row 6: ragged
  const file = join(tmp, 'malformed.csv');
  writeFileSync(file, lines.join(eol));
  const want = native(file);
  const run = await classify(file, { shot: 'malformed.png' });
  try {
    assert.equal(run.line, 'done: 25 rows');
    assert.ok(run.dl.bytes.equals(want), 'download differs from ntc classify');
    const errs = (await run.page.locator('[data-testid=error-row]').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    assert.equal(errs.length, 2, errs.join('\n'));
    assert.match(errs[0], /^3 4 fwd_packets_amount not a number: "lots"$/);   // row, line, column, reason
    assert.match(errs[1], /^6 7 whole row has 40 fields, the header has \d+$/);
    assert.equal(await run.page.getAttribute('[data-testid=status]', 'data-bad'), '2');
    // the 23 good rows are classified: in the output their error column (the last) is empty
    const good = want.toString().split('\n').slice(1, -1).filter((l) => l.endsWith(','));
    assert.equal(good.length, 23);
    assert.match(await run.page.textContent('.tiles'), /Flows classified\s*23\s*of 25 rows/);
    onlyOwnStatics(run);
  } finally {
    await run.context.close();
  }
});

test('the task toggles: application only gives ntc classify --tasks app', async () => {
  const file = join(DATA, 'att_train.csv');
  const run = await classify(file, { tasks: ['app'] });
  try {
    assert.ok(run.dl.bytes.equals(native(file, 'app')), 'download differs from ntc classify --tasks app');
    assert.equal(await run.page.locator('[data-testid=chart-att]').count(), 0);
  } finally {
    await run.context.close();
  }
});

test('a header without the required columns fails, naming them, with nothing to download', async () => {
  const file = join(tmp, 'noheader.csv');
  writeFileSync(file, 'Source_IP,Destination_IP,Protocol\n1.2.3.4,5.6.7.8,tcp\n');
  const { context, page } = await open(browser, server);
  try {
    await page.setInputFiles('[data-testid=file-input]', file);
    const line = await waitStatus(page, /^(done|failed)/);
    assert.match(line, /^failed: header is missing \d+ required column/);
    assert.match(await page.textContent('.failure'), /fwd_packets_amount/);
    assert.equal(await page.locator('[data-testid=download]').count(), 0);
  } finally {
    await context.close();
  }
});

test('Cancel stops the worker part way through a 50 MB file, and the page can run again', async () => {
  const t0 = Date.now();
  const lap = (what) => process.env.NTC_VERBOSE && console.log(`cancel test: ${what} at ${Date.now() - t0} ms`);
  const big = join(tmp, 'big.csv');
  const { rows } = repeated(join(DATA, 'att_unlabeled.csv'), big, { bytes: 50e6 });
  lap('file written');
  const { context, page, problems } = await open(browser, server);
  lap('page open');
  try {
    await page.setInputFiles('[data-testid=file-input]', big);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=status]')?.dataset.rows) >= 500, null, { timeout: 60_000, polling: 50 });
    lap('500 rows');
    await page.click('[data-testid=cancel]');
    const line = await waitStatus(page, /^(cancelled|done|failed)/, 10_000);
    lap('cancelled');
    const m = line.match(/^cancelled after (\d+) rows$/);
    assert.ok(m, `status: ${line}`);
    const at = Number(m[1]);
    assert.ok(at >= 500 && at < rows, `cancelled after ${at} of ${rows} rows`);
    // the worker itself stopped (it was not terminated by the page's fallback) and nothing moves any more
    assert.equal(await page.evaluate(() => window.ntcPage.stats.workers), 1);
    await page.waitForTimeout(1000);
    assert.equal(await status(page), line);
    assert.equal(await page.locator('[data-testid=download]').count(), 0);
    // the same worker takes the next file
    const small = join(DATA, 'att_train.csv');
    await page.setInputFiles('[data-testid=file-input]', small);
    assert.equal(await waitStatus(page, /^(done|failed|cancelled)/), 'done: 25 rows');
    const dl = await download(page);
    assert.ok(dl.bytes.equals(native(small)), 'download after a cancel differs from ntc classify');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a big file is split among helper workers: byte-identical download, the same row errors, Cancel, and a file chosen mid-run', async () => {
  const base = readFileSync(join(DATA, 'att_unlabeled.csv'), 'utf8').replace(/\r?\n$/, '').split(/\r?\n/);
  const head = base[0].split(',');
  const col = head.indexOf('fwd_packets_amount');
  const lines = [base[0]];
  for (let i = 0; lines.length <= 12_000; i++) lines.push(base[1 + (i % (base.length - 1))]);
  for (const at of [5, 4_000, 9_999]) { const f = lines[at].split(','); f[col] = 'lots'; lines[at] = f.join(','); } // text in a number
  lines[7_000] = lines[7_000].split(',').slice(0, 40).join(',');                                                      // ragged
  lines[8_000] = '"10.0.0.1\nsecond line"' + lines[8_000].slice(lines[8_000].indexOf(','));                            // a quoted line break
  const file = join(tmp, 'split.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  const want = native(file);
  const { context, page, requests, problems } = await open(browser, server);
  const served = server.requests.length;
  try {
    const helpers = await helpersUp(page);
    await page.setInputFiles('[data-testid=file-input]', file);
    assert.equal(await waitStatus(page, /^(done|failed|cancelled)/), 'done: 12000 rows');
    assert.equal(await page.getAttribute('[data-testid=status]', 'data-workers'), String(Math.max(helpers, 1)));
    const dl = await download(page);
    assert.ok(dl.bytes.equals(want), `download (${dl.bytes.length} bytes) differs from ntc classify (${want.length} bytes)`);
    const errs = (await page.locator('[data-testid=error-row]').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    assert.deepEqual(errs.map((e) => e.split(' ').slice(0, 3).join(' ')),
      ['5 6 fwd_packets_amount', '4000 4001 fwd_packets_amount', '7000 7001 whole', '9999 10001 fwd_packets_amount']);
    assert.equal(await page.getAttribute('[data-testid=status]', 'data-bad'), '4');
    onlyOwnStatics({ requests, served: server.requests.slice(served) });
    // Cancel reaches the helpers' run too, and the page runs again
    const big = join(tmp, 'split-big.csv');
    repeated(join(DATA, 'att_unlabeled.csv'), big, { bytes: 30e6 });
    await page.setInputFiles('[data-testid=file-input]', big);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=status]')?.dataset.rows) >= 2000, null, { timeout: 60_000, polling: 50 });
    await page.click('[data-testid=cancel]');
    assert.match(await waitStatus(page, /^(cancelled|done|failed)/, 10_000), /^cancelled after \d+ rows$/);
    assert.equal(await page.evaluate(() => window.ntcPage.stats.workers), 1);
    await page.setInputFiles('[data-testid=file-input]', file);
    assert.equal(await waitStatus(page, /^(done|failed|cancelled)/), 'done: 12000 rows');
    assert.ok((await download(page)).bytes.equals(want), 'download after a cancel differs from ntc classify');
    // a file chosen during a run replaces it: the big run stops, and the download is the new file's alone
    await page.setInputFiles('[data-testid=file-input]', big);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=status]')?.dataset.rows) >= 2000, null, { timeout: 60_000, polling: 50 });
    await page.setInputFiles('[data-testid=file-input]', big); // chosen twice: the run is asked to stop once
    await page.setInputFiles('[data-testid=file-input]', file); // and the latest choice follows it
    assert.equal(await waitStatus(page, /^(done|failed)/, 60_000), 'done: 12000 rows');
    await page.waitForTimeout(3500); // past the glue's 3 s fallback for a worker that does not stop: nothing fires
    assert.equal(await status(page), 'done: 12000 rows');
    assert.equal(await page.evaluate(() => window.ntcPage.stats.workers), 1);
    const replaced = await download(page);
    assert.equal(replaced.name, 'split.classified.csv');
    assert.ok(replaced.bytes.equals(want), 'download of a file chosen during a run differs from ntc classify');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a file over 64 MiB chosen as the page opens waits for the helpers instead of running on one worker', async () => {
  const big = join(tmp, 'opening.csv');
  const { rows } = repeated(join(DATA, 'att_unlabeled.csv'), big, { bytes: 70e6 });
  const { context, page, problems } = await open(browser, server); // returns as soon as the file input exists
  try {
    await page.setInputFiles('[data-testid=file-input]', big);
    assert.equal(await waitStatus(page, /^(done|failed|cancelled)/, 120_000), `done: ${rows} rows`);
    assert.equal(await page.getAttribute('[data-testid=status]', 'data-workers'), String(Math.max(await helpersFor(page), 1)));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    rmSync(big, { force: true });
  }
});

test('the model card\'s list of classes opens, stays open while a run redraws the page, and closes', async () => {
  const file = join(tmp, 'classes.csv');
  repeated(join(DATA, 'att_unlabeled.csv'), file, { rows: 40_000 });
  const { context, page, problems } = await open(browser, server);
  const chips = () => page.locator('[data-testid=classes-app] .chip').count();
  const isOpen = () => page.evaluate(() => document.querySelector('[data-testid=classes-app]').open);
  try {
    await page.waitForSelector('[data-testid=classes-app]');
    assert.equal(await chips(), 0, 'a closed list is not drawn');
    await page.click('[data-testid=classes-app] summary');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=classes-app] .chip').length === 128);
    await page.setInputFiles('[data-testid=file-input]', file);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=status]')?.dataset.rows) >= 1000, null, { timeout: 60_000, polling: 50 });
    await page.waitForTimeout(1200); // two redraws at least
    assert.ok(await isOpen(), 'the list closed itself during the run');
    assert.equal(await chips(), 128);
    await waitStatus(page, /^done/);
    assert.ok(await isOpen());
    await page.click('[data-testid=classes-app] summary');
    await page.waitForFunction(() => !document.querySelector('[data-testid=classes-app]').open
      && document.querySelectorAll('[data-testid=classes-app] .chip').length === 0);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('on a phone-sized screen: a file dropped anywhere on the page runs, nothing scrolls sideways, and the keyboard opens and closes a row\'s explanation', async () => {
  const { context, page, problems } = await open(browser, server, { width: 375, height: 800 });
  try {
    const file = join(DATA, 'att_train.csv');
    await waitStatus(page, /^ready/);
    // dropped on the page's header, not on the drop zone: a drop outside a target would replace the page
    const dt = await page.evaluateHandle((text) => {
      const d = new DataTransfer();
      d.items.add(new File([text], 'Dropped.CSV', { type: 'text/csv' }));
      return d;
    }, readFileSync(file, 'utf8'));
    await page.dispatchEvent('header.top', 'dragover', { dataTransfer: dt });
    await page.dispatchEvent('header.top', 'drop', { dataTransfer: dt });
    assert.match(await waitStatus(page, /^(done|failed)/), /^done: 25 rows$/);
    const dl = await download(page);
    assert.equal(dl.name, 'Dropped.classified.csv');
    assert.ok(dl.bytes.equals(native(file)), 'the dropped file\'s download differs from ntc classify');

    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(sideways <= 0, `the page scrolls ${sideways} px sideways at 375 px`);
    await page.screenshot({ path: join(SHOTS, 'phone-375.png'), fullPage: true });

    await page.focus('tbody tr[tabindex]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=why]');
    await page.waitForFunction(() => document.activeElement?.dataset.testid === 'why-close', null, { timeout: 10_000 });
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=why]', { state: 'detached' });
    await page.waitForFunction(() => document.activeElement?.tagName === 'TR', null, { timeout: 10_000 });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
