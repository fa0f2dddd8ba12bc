// Browser tests of the page as `ntc serve` serves it (the page and the HTTP API on one origin):
//   - send to the server's API: the option shows only there (page.test.mjs checks it is hidden on a static
//     host), is off by default — the file is classified in the tab and nothing is POSTed — and when on, the
//     file is POSTed to /v1/classify, the badge says so, and the download is byte-identical to ntc classify;
//     the API's errors are shown
//   - why: clicking a table row explains it in the classifier's worker (no request), with feature names the
//     model has (/v1/model), and base + contributions = vote share; an unknown row explains its most
//     probable class
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { launch, open, helpersUp, serveNative, waitStatus, download, native, nativeExplain, tmpDir, ensureNative, DATA, SHOTS } from './harness.mjs';

let browser, statics, server;
const tmp = tmpDir();

before(async () => {
  ensureNative();
  ({ browser, server: statics } = await launch());
  await statics.close(); // these tests use ntc serve instead
  server = await serveNative();
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const posts = (requests) => requests.filter((r) => r.method !== 'GET');

test('send to the server\'s API: off by default (nothing POSTed); on, the download is ntc classify\'s', async () => {
  const { context, page, requests, problems } = await open(browser, server);
  try {
    const remote = page.locator('[data-testid=remote]');
    await remote.waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await remote.isChecked(), false);
    assert.match(await page.textContent('[data-testid=remote-note]'), /leaves this device/);
    assert.match(await page.textContent('[data-testid=local-badge]'), /stays on this device/);

    // off: classified in the tab
    const train = join(DATA, 'att_train.csv');
    await page.setInputFiles('[data-testid=file-input]', train);
    assert.equal(await waitStatus(page, /^(done|failed|cancelled)/), 'done: 25 rows');
    assert.ok((await download(page)).bytes.equals(native(train)), 'download differs from ntc classify');
    assert.deepEqual(posts(requests), [], 'a request other than GET with the option off');

    // on: the badge says the file goes to the server, and it does
    await remote.check();
    assert.match(await page.textContent('[data-testid=local-badge]'), /Your file is sent to the server\. It is uploaded to http:\/\/127\.0\.0\.1:\d+/);
    const file = join(DATA, 'att_unlabeled.csv');
    await page.setInputFiles('[data-testid=file-input]', file);
    const line = await waitStatus(page, /^(done|failed|cancelled)/);
    assert.match(line, /^done on the server: 3\.\d MB of predictions$/);
    assert.match(await page.textContent('[data-testid=progress]'), /^sent 2\.9 MB of 2\.9 MB · received 3\.\d MB of predictions$/);
    const dl = await download(page);
    assert.equal(dl.name, 'att_unlabeled.classified.csv');
    assert.ok(dl.bytes.equals(native(file)), `download (${dl.bytes.length} bytes) differs from ntc classify`);
    assert.equal(await page.locator('[data-testid=remote-result]').count(), 1);
    await page.screenshot({ path: join(SHOTS, 'remote.png'), fullPage: true });
    let sent = posts(requests);
    assert.equal(sent.length, 1, JSON.stringify(sent));
    assert.equal(new URL(sent[0].url).pathname + new URL(sent[0].url).search, '/v1/classify?tasks=app,att');

    // the task toggles reach the API
    await page.click('[data-testid=task-att]');
    await page.click('text=Run again');
    assert.match(await waitStatus(page, /^(done|failed|cancelled)/), /^done on the server/);
    assert.ok((await download(page)).bytes.equals(native(file, 'app')), 'download differs from ntc classify --tasks app');
    sent = posts(requests);
    assert.equal(new URL(sent.at(-1).url).search, '?tasks=app');
    await page.click('[data-testid=task-att]');

    // the API's error, shown
    const bad = join(tmp, 'noheader.csv');
    writeFileSync(bad, 'Source_IP,Destination_IP,Protocol\n1.2.3.4,5.6.7.8,tcp\n');
    await page.setInputFiles('[data-testid=file-input]', bad);
    assert.match(await waitStatus(page, /^(done|failed|cancelled)/), /^failed: header is missing \d+ required column\(s\): .*fwd_packets_amount.* \(missing_columns, HTTP 400\)$/);
    assert.equal(await page.locator('[data-testid=download]').count(), 0);

    // off again: the badge is back, and the next file stays here
    await remote.uncheck();
    assert.match(await page.textContent('[data-testid=local-badge]'), /stays on this device/);
    const before = posts(requests).length;
    await page.setInputFiles('[data-testid=file-input]', train);
    assert.equal(await waitStatus(page, /^(done|failed|cancelled)/), 'done: 25 rows');
    assert.equal(posts(requests).length, before);
    // the browser logs the API's 400 for the bad file; nothing else went wrong
    assert.deepEqual(problems, ['console error: Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  } finally {
    await context.close();
  }
});

test('send to the server\'s API: a file over the server\'s body limit is refused before it is sent', async () => {
  const small = await serveNative(['--max-body', '10000']);
  const { context, page, requests, problems } = await open(browser, small);
  try {
    await page.locator('[data-testid=remote]').check({ timeout: 10_000 });
    await page.setInputFiles('[data-testid=file-input]', join(DATA, 'att_train.csv'));
    assert.equal(await waitStatus(page, /^(done|failed|cancelled)/),
      'failed: the file is 16609 bytes; the server takes at most 10000 (body_too_large): split it, or classify it in this tab');
    assert.deepEqual(posts(requests), []);
    assert.equal(await page.locator('[data-testid=download]').count(), 0);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await small.close();
  }
});

// whyOf reads the drawer's explanation of one task.
async function whyOf(page, task) {
  const sec = page.locator(`[data-testid=why-${task}]`);
  await sec.waitFor({ timeout: 10_000 });
  const num = async (a) => Number(await sec.getAttribute(`data-${a}`));
  return {
    label: (await sec.locator('[data-testid=why-label]').textContent()).trim(),
    score: await num('score'),
    base: await num('base'),
    rest: await num('rest'),
    features: (await sec.locator('[data-testid=why-row] .why-feat').allTextContents()).map((s) => s.trim()),
    contributions: (await sec.locator('[data-testid=why-row]').evaluateAll((rows) => rows.map((r) => Number(r.dataset.contribution)))),
    shown: { score: await sec.locator('[data-testid=why-score]').textContent(), base: await sec.locator('[data-testid=why-base]').textContent() },
    unknownNote: await sec.locator('.why-unknown').count(),
    tokens: (await sec.locator('[data-testid=why-token]').allTextContents()).map((s) => s.replace(/\s+/g, ' ').trim()),
  };
}

test('why: a clicked row is explained in the worker, with the model\'s features; base + contributions = score', async () => {
  const card = await (await fetch(server.url + 'v1/model')).json();
  const names = new Set(card.feature_names);
  assert.ok(names.size > 50);
  const { context, page, requests, problems } = await open(browser, server);
  try {
    // once the helpers are up (their loading is not the explaining's), att_unlabeled.csv (3 MB) is split among
    // them: its rows' places in the download come from the merged answers
    const helpers = await helpersUp(page);
    for (const [name, rowNo] of [['att_train.csv', 3], ['att_unlabeled.csv', 5]]) {
      await page.setInputFiles('[data-testid=file-input]', join(DATA, name));
      await waitStatus(page, /^done: \d+ rows$/);
      assert.equal(await page.getAttribute('[data-testid=status]', 'data-workers'), String(name === 'att_unlabeled.csv' ? Math.max(helpers, 1) : 1));
      const before = requests.length;
      const tr = page.locator('[data-testid=results] tbody tr').nth(rowNo - 1);
      const tableApp = (await tr.locator('.label').first().textContent()).trim();
      const tableAtt = (await tr.locator('.label.att').textContent()).trim();
      await tr.click();
      assert.match(await page.textContent('[data-testid=why] h2'), new RegExp(`^Why row ${rowNo}\\?$`));
      for (const [task, label] of [['app', tableApp], ['att', tableAtt]]) {
        const w = await whyOf(page, task);
        assert.equal(w.label, label, `${name} row ${rowNo} ${task}: drawer says ${w.label}, table ${label}`);
        // a forest row meets dozens of features; a boosted row may meet a single one, when its class's trees
        // all split on it (the attribution boosting's VOD trees split on min_fwd_inter_arrival_time)
        assert.ok(w.features.length >= (task === 'app' ? 5 : 1) && w.features.length <= 10, `${w.features.length} features`);
        for (const f of w.features) assert.ok(names.has(f), `${f} is not a feature of the model`);
        assert.equal(w.contributions.length, w.features.length);
        const sum = w.base + w.contributions.reduce((a, b) => a + b, 0) + w.rest;
        assert.ok(Math.abs(sum - w.score) < 1e-9, `${task}: base ${w.base} + contributions ${sum - w.base} ≠ score ${w.score}`);
        if (task === 'app') {
          assert.ok(w.score > 0 && w.score <= 1 && w.base > 0 && w.base < 1, 'the app forest scores a vote share');
        } else { // the attribution model is boosted: a raw score before softmax, of any sign
          assert.ok(Number.isFinite(w.score) && Number.isFinite(w.base));
          assert.match(await page.textContent('[data-testid=why-att]'), /base \S+ \+ contributions = raw score/);
          // averaged with a forest: its vote share, base + contributions, as `ntc explain` gives it
          const forest = page.locator('[data-testid=why-att] [data-testid=why-forest]');
          const fnum = async (a) => Number(await forest.getAttribute(`data-${a}`));
          const fc = await forest.locator('[data-testid=why-forest-row]').evaluateAll((rows) => rows.map((r) => Number(r.dataset.contribution)));
          const fsum = (await fnum('base')) + fc.reduce((a, b) => a + b, 0) + (await fnum('rest'));
          assert.ok(fc.length >= 3 && Math.abs(fsum - (await fnum('score'))) < 1e-9, `forest: base + ${fc.length} contributions ≠ its vote share`);
          const cliForest = nativeExplain(join(DATA, name), rowNo).explain.attribution.forest;
          assert.ok(Math.abs(cliForest.score - (await fnum('score'))) < 1e-12, 'the forest\'s vote share differs from ntc explain\'s');
          assert.equal(await forest.locator('[data-testid=why-forest-score]').textContent(), cliForest.score.toFixed(3));
        }
        assert.equal(w.shown.score, w.score.toFixed(3));
        assert.equal(w.shown.base, w.base.toFixed(3));
        assert.equal(w.unknownNote, label === 'unknown' ? 1 : 0);
        if (name === 'att_unlabeled.csv' && task === 'app') assert.equal(label, 'unknown', 'row 5 of att_unlabeled.csv is an unknown app');
        // the exact sizes the app's token table matched, as `ntc explain` lists them (none for attribution)
        const cli = nativeExplain(join(DATA, name), rowNo).explain[task === 'app' ? 'app' : 'attribution'];
        const want = (cli.tokens || []).slice(0, 10).map((t) => `${t.token} +${t.contribution.toFixed(3)}`);
        assert.deepEqual(w.tokens, want, `${name} row ${rowNo} ${task}: the drawer's matched sizes`);
        if (task === 'app') assert.ok(want.length > 0, `${name} row ${rowNo}: no exact size matched, the test shows nothing`);
      }
      if (name === 'att_train.csv') await page.screenshot({ path: join(SHOTS, 'why.png') });
      else await page.screenshot({ path: join(SHOTS, 'why-unknown.png') });
      assert.deepEqual(requests.slice(before), [], 'explaining made a request');
      await page.click('[data-testid=why-close]');
      assert.equal(await page.locator('[data-testid=why]').count(), 0);
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
