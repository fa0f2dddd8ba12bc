// Shared by the browser tests and the benchmark: Debian's chromium through playwright-core (never a downloaded
// browser), the static server, the native reference (bin/ntc), and test files made from the competition data.
import { createRequire } from 'node:module';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, openSync, writeSync, closeSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './server.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = join(ROOT, 'dist/web');
export const DATA = resolve(ROOT, process.env.NTC_DATA || '../shared/data/radcom');
export const NTC = join(ROOT, 'bin/ntc');
export const SHOTS = join(ROOT, 'dist/web-test');

const require = createRequire(join(ROOT, 'package.json'));
const { chromium } = require('playwright-core');

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

export async function launch() {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error(`${executablePath} is missing: apt-get install -y chromium`);
  if (!existsSync(join(DIST, 'index.html'))) throw new Error('dist/web is not built: make web');
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  const server = await serve(DIST);
  return { browser, server };
}

// serveNative starts `bin/ntc serve` on a free port with the built page (dist/web) and the HTTP API, and
// resolves to { url, close } once it answers GET /healthz; args are more flags (--max-body N).
export async function serveNative(args = []) {
  const proc = spawn(NTC, ['serve', '--addr', '127.0.0.1:0', '--static', DIST, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const url = await new Promise((ok, fail) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/serving on (http:\/\/[^/\s]+\/)/);
      if (m) ok(m[1]);
    });
    proc.once('exit', (code) => fail(new Error(`ntc serve exited ${code}: ${err}`)));
  });
  const r = await fetch(url + 'healthz');
  if (r.status !== 200) throw new Error(`ntc serve: /healthz answered ${r.status}`);
  return {
    url,
    close: () => new Promise((done) => {
      if (proc.exitCode !== null) return done();
      proc.once('exit', () => done());
      proc.kill('SIGINT');
    }),
  };
}

// open loads the page in a fresh context (no cache) and records every request its page and workers make.
// The page asks its origin for /healthz (is the HTTP API there?); on a static host that is a 404, which the
// browser logs as a console error: not a problem.
export async function open(browser, server, { width = 1440, height = 1000 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
  const requests = [];
  context.on('request', (r) => requests.push({ method: r.method(), url: r.url() }));
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /\/healthz$/.test(m.location()?.url || '') && /404/.test(m.text())) return;
    if (m.type() === 'error' || /panic|fatal/.test(m.text())) problems.push(`console ${m.type()}: ${m.text()}`);
  });
  await page.goto(server.url);
  await page.waitForSelector('[data-testid=file-input]', { state: 'attached', timeout: 30_000 });
  return { context, page, requests, problems };
}

// helpersFor is how many helper workers the page starts on this browser: one per CPU, at most four; none on
// one CPU.
export async function helpersFor(page) {
  const cpus = await page.evaluate(() => navigator.hardwareConcurrency);
  return cpus >= 2 ? Math.min(cpus, 4) : 0;
}

// helpersUp waits until the page's classifier has started its helper workers (one per CPU, at most four;
// none on one CPU), which it does a moment after loading, and returns how many there are. A file of 2 MiB or
// more chosen after that is split among them.
export async function helpersUp(page) {
  const helpers = await helpersFor(page);
  await page.waitForFunction((n) => document.querySelector('[data-testid=status]')?.dataset.helpers === String(n), helpers, { timeout: 30_000 });
  return helpers;
}

export const status = (page) => page.textContent('[data-testid=status]');

// waitStatus waits until the status line matches re and returns it.
export async function waitStatus(page, re, timeout = 60_000) {
  await page.waitForFunction((src) => new RegExp(src).test(document.querySelector('[data-testid=status]')?.textContent || ''),
    re.source, { timeout, polling: 50 });
  return status(page);
}

// download clicks the download control and returns the file's bytes.
export async function download(page) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download]')]);
  const path = await dl.path();
  return { name: dl.suggestedFilename(), bytes: readFileSync(path) };
}

// native runs `bin/ntc classify` on a file and returns its output (it exits 1 when rows were bad).
export function native(input, tasks = 'app,att') {
  const dir = mkdtempSync(join(tmpdir(), 'ntc-ref-'));
  const out = join(dir, 'out.csv');
  const r = spawnSync(NTC, ['classify', '--in', input, '--out', out, '--tasks', tasks], { encoding: 'utf8' });
  if (r.status !== 0 && !/bad/.test(r.stderr)) throw new Error(`ntc classify failed: ${r.stderr}`);
  return readFileSync(out);
}

// nativeExplain is `ntc explain --json` of one data row of input: the CLI's explanation, for comparison.
export function nativeExplain(input, row) {
  const r = spawnSync(NTC, ['explain', '--in', input, '--row', String(row), '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ntc explain failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export function tmpDir() { return mkdtempSync(join(tmpdir(), 'ntc-web-')); }

// repeated writes a CSV of the header of src and its rows repeated until it has rows rows or bytes bytes.
// att_unlabeled.csv has CRLF line ends and no final newline; rows are joined with its own line end.
export function repeated(src, out, { rows = Infinity, bytes = Infinity } = {}) {
  const text = readFileSync(src, 'latin1');
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(eol).filter((l) => l !== '');
  const head = lines[0], body = lines.slice(1);
  const fd = openSync(out, 'w');
  writeSync(fd, head + eol, null, 'latin1');
  let n = 0, size = head.length + eol.length;
  let buf = [];
  while (n < rows && size < bytes) {
    const l = body[n % body.length];
    buf.push(l);
    size += l.length + eol.length;
    n++;
    if (buf.length === 5000) { writeSync(fd, buf.join(eol) + eol, null, 'latin1'); buf = []; }
  }
  if (buf.length) writeSync(fd, buf.join(eol) + eol, null, 'latin1');
  closeSync(fd);
  return { rows: n, bytes: size };
}

// ensureNative builds bin/ntc from the working tree (quick when the Go build cache is warm), so the reference
// is always the code the page was built from.
export function ensureNative() {
  execFileSync(process.env.GO || 'go', ['build', '-o', NTC, './tools/ntc'], { cwd: ROOT, stdio: 'inherit' });
}
