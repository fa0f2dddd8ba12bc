// make web-bench: the page's budgets, measured side by side on this machine.
//   cold load → first results: a fresh browser context (empty cache) opens the page, a 10,000-row file is chosen
//     as soon as the file input exists, and the time from navigation start to the first row in the results table
//     is taken (a MutationObserver timestamps it); budget < 2 s on localhost
//   worker rows/s: the worker's own figure (rows over the run's time) on a 10k- and a 50k-row file (and the
//     10k-row file chosen 2 s after the page opened, once the worker has warmed its code), against
//     native `GOMAXPROCS=1 bin/ntc classify --workers 1` on the same files, whose wall time includes starting the
//     process and loading the models (so it is also given without them: the time of a 1-row file subtracted);
//     budget ≥ 0.4× native. These runs keep every file on the one worker (the page opened with ?workers=1).
//   the page on every core: the default page, once its helper workers are up, splits the 10k- and then the
//     50k-row file among them; the 50k-row run against one worker and native `ntc classify` on one core and
//     on every core (its default)
// Rounds alternate native and browser runs so both see the same machine load; the best round counts.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { launch, open, waitStatus, repeated, tmpDir, ensureNative, DATA, NTC } from './harness.mjs';

const ROUNDS = Number(process.env.ROUNDS || 3);
const tmp = tmpDir();
const src = join(DATA, 'att_unlabeled.csv');
const files = {
  one: join(tmp, '1.csv'),
  '10k': join(tmp, '10k.csv'),
  '50k': join(tmp, '50k.csv'),
};
repeated(src, files.one, { rows: 1 });
repeated(src, files['10k'], { rows: 10_000 });
repeated(src, files['50k'], { rows: 50_000 });
const rowsOf = { one: 1, '10k': 10_000, '50k': 50_000 };
ensureNative();

function nativeSeconds(file, { allCores = false } = {}) {
  const t = process.hrtime.bigint();
  const r = allCores
    ? spawnSync(NTC, ['classify', '--in', file, '--out', '/dev/null'])
    : spawnSync(NTC, ['classify', '--workers', '1', '--in', file, '--out', '/dev/null'], { env: { ...process.env, GOMAXPROCS: '1' } });
  if (r.status !== 0) throw new Error(`ntc classify: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const { browser, server } = await launch();
const res = { nat: { one: [], '10k': [], '50k': [] }, natAll50k: [], first: [], done10k: [], w10k: [], w50k: [], w10kIdle: [], split50k: [], helpers: 0 };
const single = server.url + '?workers=1';

for (let round = 0; round < ROUNDS; round++) {
  for (const k of ['one', '10k', '50k']) res.nat[k].push(nativeSeconds(files[k]));
  res.natAll50k.push(nativeSeconds(files['50k'], { allCores: true }));

  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  await context.addInitScript(() => {
    new MutationObserver((_, obs) => {
      if (document.querySelector('[data-testid=results] tbody tr')) {
        window.__firstRow = performance.now();
        obs.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  const page = await context.newPage();
  await page.goto(single);
  await page.waitForSelector('[data-testid=file-input]', { state: 'attached' });
  await page.setInputFiles('[data-testid=file-input]', files['10k']);
  await waitStatus(page, /^done/, 120_000);
  res.first.push(await page.evaluate(() => window.__firstRow));
  res.done10k.push(await page.evaluate(() => performance.now()));
  res.w10k.push(Number(await page.getAttribute('[data-testid=status]', 'data-rows-per-sec')));
  await page.setInputFiles('[data-testid=file-input]', files['50k']);
  await waitStatus(page, /^done/, 300_000);
  res.w50k.push(Number(await page.getAttribute('[data-testid=status]', 'data-rows-per-sec')));
  await context.close();

  // a user who takes a moment to pick the file: the worker has warmed its code by then (job.WarmUp)
  const idle = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const idlePage = await idle.newPage();
  await idlePage.goto(single);
  await waitStatus(idlePage, /^ready/, 60_000);
  await idlePage.waitForTimeout(2000);
  await idlePage.setInputFiles('[data-testid=file-input]', files['10k']);
  await waitStatus(idlePage, /^done/, 120_000);
  res.w10kIdle.push(Number(await idlePage.getAttribute('[data-testid=status]', 'data-rows-per-sec')));
  await idle.close();

  // the default page, its helpers up: the 50k-row file split among them
  const split = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const splitPage = await split.newPage();
  await splitPage.goto(server.url);
  await splitPage.waitForFunction(() => Number(document.querySelector('[data-testid=status]')?.dataset.helpers) > 0, null, { timeout: 60_000 });
  res.helpers = Number(await splitPage.getAttribute('[data-testid=status]', 'data-helpers'));
  await splitPage.setInputFiles('[data-testid=file-input]', files['10k']); // as for one worker: the 50k-row file runs second
  await waitStatus(splitPage, /^done/, 120_000);
  await splitPage.setInputFiles('[data-testid=file-input]', files['50k']);
  await waitStatus(splitPage, /^done/, 300_000);
  res.split50k.push(Number(await splitPage.getAttribute('[data-testid=status]', 'data-rows-per-sec')));
  await split.close();
  process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
}
await browser.close();
await server.close();
rmSync(tmp, { recursive: true, force: true });

const best = (xs, f = Math.min) => f(...xs);
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const startup = best(res.nat.one);
const natRate = (k, adj) => rowsOf[k] / (best(res.nat[k]) - (adj ? startup : 0));
const f0 = (x) => Math.round(x).toLocaleString('en-US');

console.log(`machine: ${(await import('node:os')).cpus().length} cores, load ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}; ${ROUNDS} rounds, best counts (median in brackets)`);
console.log(`cold load → first results (10k rows): ${f0(best(res.first))} ms [${f0(med(res.first))}]   budget < 2000 ms`);
console.log(`cold load → done (10k rows):          ${f0(best(res.done10k))} ms [${f0(med(res.done10k))}]`);
console.log(`native startup + model load (1 row):  ${f0(startup * 1000)} ms`);
{
  const w = best(res.w10kIdle, Math.max), n = natRate('10k', false), na = natRate('10k', true);
  console.log(`10k rows chosen 2 s after the page opened (warmed worker): worker ${f0(w)} rows/s [${f0(med(res.w10kIdle))}]` +
    ` → ratio ${(w / n).toFixed(2)}× (${(w / na).toFixed(2)}× without startup)`);
}
for (const k of ['10k', '50k']) {
  const w = best(res[`w${k}`], Math.max);
  const n = natRate(k, false), na = natRate(k, true);
  console.log(`${k} rows: worker ${f0(w)} rows/s [${f0(med(res[`w${k}`]))}] · native 1 core ${f0(n)} rows/s (${f0(na)} without startup)` +
    ` → ratio ${(w / n).toFixed(2)}× (${(w / na).toFixed(2)}× without startup)   budget ≥ 0.40×`);
}
{
  const w = best(res.split50k, Math.max), n = natRate('50k', false), all = rowsOf['50k'] / best(res.natAll50k);
  console.log(`50k rows split among ${res.helpers} helper workers (the page as shipped): ${f0(w)} rows/s [${f0(med(res.split50k))}] → ${(w / best(res.w50k, Math.max)).toFixed(2)}× one worker,` +
    ` ${(w / n).toFixed(2)}× native on 1 core (budget ≥ 0.40×), ${(w / all).toFixed(2)}× native on every core (${f0(all)} rows/s)`);
}
