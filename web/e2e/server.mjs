// A static file server for the built page (dist/web), for the browser tests and the benchmark: the MIME types a
// host must send (application/wasm for streaming compilation), the precompressed .br/.gz copies when the
// browser accepts them, the CSP from dist/web/_headers as a header (it then covers the Web Worker too), and a
// log of every request it gets.
//
//   node web/e2e/server.mjs [DIR] [PORT]      serves DIR (dist/web) on http://127.0.0.1:PORT/ (8080)
import { createServer } from 'node:http';
import { readFileSync, statSync, readdirSync } from 'node:fs';
import { join, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
};

// headersFor reads the "/*" block of a _headers file.
function headersFor(dir) {
  const out = {};
  let text;
  try { text = readFileSync(join(dir, '_headers'), 'utf8'); } catch { return out; }
  let inBlock = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    if (!/^\s/.test(line)) { inBlock = line.trim() === '/*'; continue; }
    if (inBlock) {
      const i = line.indexOf(':');
      out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
  }
  return out;
}

// serve starts a server on 127.0.0.1 (port 0: any free one) and resolves to { url, requests, files, close }.
export function serve(dir, port = 0) {
  dir = resolve(dir);
  const extra = headersFor(dir);
  const requests = []; // { method, url, encoding }
  const files = new Set(readdirSync(dir).filter((f) => !f.endsWith('.gz') && !f.endsWith('.br') && !f.startsWith('_')));
  const server = createServer((req, res) => {
    const rec = { method: req.method, url: req.url };
    requests.push(rec);
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const name = path === '/' ? 'index.html' : path.slice(1);
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !files.has(name)) {
      res.writeHead(req.method === 'GET' || req.method === 'HEAD' ? 404 : 405, { 'Content-Type': 'text/plain', ...extra });
      res.end('not found\n');
      return;
    }
    const accept = String(req.headers['accept-encoding'] || '');
    let file = join(dir, name);
    const headers = { 'Content-Type': TYPES[extname(name)] || 'application/octet-stream', 'Cache-Control': 'no-cache', Vary: 'Accept-Encoding', ...extra };
    for (const [enc, ext] of [['br', '.br'], ['gzip', '.gz']]) {
      if (new RegExp(`\\b${enc}\\b`).test(accept)) {
        try { statSync(file + ext); file += ext; headers['Content-Encoding'] = enc; rec.encoding = enc; break; } catch { /* no copy */ }
      }
    }
    const body = readFileSync(file);
    headers['Content-Length'] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const { port: p } = server.address();
      ok({ url: `http://127.0.0.1:${p}/`, requests, files, close: () => new Promise((done) => { server.closeAllConnections(); server.close(done); }) });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] || 'dist/web';
  const s = await serve(dir, Number(process.argv[3] || 8080));
  console.log(`serving ${dir} on ${s.url}`);
}
