// The page's glue: starts the Vugu UI (ui.wasm) and the classifier's Web Worker (worker.js + classifier.wasm),
// passes the worker's JSON messages to the UI, and keeps the classified CSV the worker posts in binary chunks
// as Blobs, so the download never has to fit in one string. It also hands a table row's line of that CSV to
// the worker when the UI asks why, checks whether the page's own origin serves the HTTP API (GET /healthz),
// and, only when the user turns that on, sends the file there (POST /v1/classify) and keeps the answer as the
// download. No flow is parsed or classified here.
'use strict';
(() => {
  // Vugu's renderer evals its helper script when it starts. That script ships as vugu-render.js instead (built
  // from the same source), because this page's CSP has no 'unsafe-eval'; the helper's first statement makes a
  // second evaluation a no-op, so the stand-in skips just that call. Anything else goes to the real eval, which
  // the CSP refuses.
  const realEval = window.eval;
  window.eval = function (src) {
    if (typeof window.vuguRender === 'function' && typeof src === 'string' && src.startsWith('(function(){if(window.vuguRender)return;')) return undefined;
    return realEval(src);
  };

  let worker = null;
  let chunks = [];   // Blobs of the output of the current run, in order
  let url = '';      // the object URL of the last finished output
  let uiQueue = [];  // messages that arrived before the UI listened
  let deliver = null; // the UI's message handler (web/ui/bridge.go)
  let cancelTimer = 0;
  let xhr = null;     // the upload to the server's API under way, if any
  let remoteRun = false; // the current (or last) run went to the server's API, not to the worker

  const toUI = (json) => {
    if (uiQueue) uiQueue.push(json); else deliver(json);
  };

  const stats = { workers: 0 }; // workers started: 1 unless a cancel had to terminate one

  // ?workers=N caps the workers a big file is split among (1: this worker alone, on one CPU).
  const maxWorkers = Number(new URLSearchParams(location.search).get('workers')) || 0;

  function spawn() {
    stats.workers++;
    worker = new Worker('worker.js');
    if (maxWorkers > 0) worker.postMessage({ type: 'workers', n: maxWorkers });
    worker.onmessage = (e) => {
      if (typeof e.data === 'string') {
        // a run's last message (done too: a cancel can cross a run that just finished) ends the wait for a cancel
        if (cancelTimer && /^\{"kind":"(cancelled|failed|done)"/.test(e.data)) {
          clearTimeout(cancelTimer);
          cancelTimer = 0;
        }
        toUI(e.data);
      } else {
        chunks.push(new Blob([e.data]));
      }
    };
    worker.onerror = (e) => {
      toUI(JSON.stringify({ kind: 'failed', failure: { error: 'the classifier stopped: ' + (e.message || 'unknown error') } }));
    };
  }

  window.ntcPage = {
    stats,
    start(file, app, att) {
      if (cancelTimer) return;
      chunks = [];
      remoteRun = false;
      worker.postMessage({ type: 'start', file, app, att });
    },
    // explain sends the worker the output's header line and one row's line, sliced from the chunks of the
    // current run (a row is in the table only once its chunk has been posted).
    explain(id, row, off, len, header, app, att) {
      const out = new Blob(chunks);
      Promise.all([out.slice(0, header).text(), out.slice(off, off + len).text()]).then(([head, line]) => {
        worker.postMessage({ type: 'explain', id, row, header: head, line, app, att });
      }).catch((err) => toUI(JSON.stringify({ kind: 'explained', explained: { id, row, error: 'reading the row: ' + err } })));
    },
    // upload sends the file itself (streamed from disk as the request body) to this origin's API.
    upload(file, app, att) {
      if (xhr) { const old = xhr; xhr = null; old.abort(); }
      chunks = [];
      remoteRun = true;
      const tasks = [app && 'app', att && 'att'].filter(Boolean).join(',');
      const req = new XMLHttpRequest();
      xhr = req;
      const total = file.size;
      let sent = 0, received = 0, last = 0;
      const report = (kind, force) => {
        const now = performance.now();
        if (!force && now - last < 100) return;
        last = now;
        toUI(JSON.stringify({ kind, remote: { sent, total, received, status: req.status, origin: location.origin } }));
      };
      // The API refuses a body over its limit; it says so before reading it, but a browser still sending a big
      // file may only see the connection close. So the limit (from /v1/model) is checked first.
      const go = () => {
        if (xhr !== req) return;
        req.open('POST', '/v1/classify?tasks=' + tasks);
        req.setRequestHeader('Content-Type', 'text/csv');
        req.responseType = 'blob';
        req.send(file);
      };
      fetch('/v1/model', { cache: 'no-store', credentials: 'omit' }).then((r) => (r.ok ? r.json() : {})).catch(() => ({})).then((card) => {
        const max = card.max_body_bytes;
        if (xhr === req && max > 0 && total > max) {
          xhr = null;
          toUI(JSON.stringify({ kind: 'failed', failure: { error: `the file is ${total} bytes; the server takes at most ${max} (body_too_large): split it, or classify it in this tab` } }));
          return;
        }
        go();
      });
      req.upload.onprogress = (e) => { sent = e.loaded; report('remote'); };
      req.upload.onload = () => { sent = total; report('remote', true); };
      req.onprogress = (e) => { received = e.loaded; report('remote'); };
      req.onload = async () => {
        if (xhr !== req) return;
        xhr = null;
        if (req.status === 200) {
          chunks = [req.response];
          sent = total;
          received = req.response.size;
          report('remote-done', true);
          return;
        }
        let error = `the server answered ${req.status} ${req.statusText}`;
        try {
          const body = JSON.parse(await req.response.text());
          if (body.detail) error = `${body.detail} (${body.error}, HTTP ${req.status})`;
        } catch { /* not the API's JSON */ }
        toUI(JSON.stringify({ kind: 'failed', failure: { error } }));
      };
      req.onerror = () => {
        if (xhr !== req) return;
        xhr = null;
        toUI(JSON.stringify({ kind: 'failed', failure: { error: 'could not reach the server (' + location.origin + ')' } }));
      };
      req.onabort = () => { // the user's Cancel; a replaced upload says nothing
        if (xhr !== req) return;
        xhr = null;
        toUI(JSON.stringify({ kind: 'cancelled', progress: null }));
      };
    },
    cancel() {
      if (remoteRun) {
        if (!xhr) return; // the upload has ended: its last message is on its way
        const req = xhr;
        if (req.readyState === XMLHttpRequest.UNSENT) { // still checking the limit
          xhr = null;
          toUI(JSON.stringify({ kind: 'cancelled', progress: null }));
        } else req.abort();
        return;
      }
      if (cancelTimer) return; // already asked
      worker.postMessage({ type: 'cancel' });
      // The worker stops at its next slice; if it does not answer, stop it for good and start a fresh one.
      cancelTimer = setTimeout(() => {
        cancelTimer = 0;
        worker.terminate();
        spawn();
        toUI(JSON.stringify({ kind: 'cancelled', progress: null }));
      }, 3000);
    },
    resultURL(name) {
      if (url) URL.revokeObjectURL(url);
      url = URL.createObjectURL(new Blob(chunks, { type: 'text/csv' }));
      return url;
    },
    uiReady(fn) {
      deliver = fn;
      const q = uiQueue;
      uiQueue = null;
      for (const m of q) deliver(m);
    },
  };

  async function instantiate(path, importObject) {
    const resp = fetch(path);
    try {
      return await WebAssembly.instantiateStreaming(resp, importObject);
    } catch (err) { // a host that does not send application/wasm
      const bytes = await (await fetch(path)).arrayBuffer();
      return WebAssembly.instantiate(bytes, importObject);
    }
  }

  spawn(); // the models load while the UI starts and the user picks a file
  // Served by `ntc serve`, the page's origin also answers the HTTP API; on a static host this is a 404 and the
  // option to send files there stays hidden. Nothing is sent: a GET with no body.
  if (location.protocol === 'http:' || location.protocol === 'https:') {
    fetch('/healthz', { cache: 'no-store', credentials: 'omit' })
      .then((r) => (r.ok ? r.json() : null))
      .then((b) => toUI(JSON.stringify({ kind: 'api', api: { available: !!b && b.status === 'ok', origin: location.origin } })))
      .catch(() => {});
  }
  // A file dropped anywhere on the page, not only on the drop zone (whose own handler takes it first), is
  // handed to the file input: a drop the page did not take would replace the page, and its results, with the
  // file. Only file drags are taken; the UI is not redrawn for each dragover.
  const dragsFiles = (e) => !!e.dataTransfer && Array.from(e.dataTransfer.types || []).includes('Files');
  document.addEventListener('dragover', (e) => { if (dragsFiles(e)) e.preventDefault(); });
  document.addEventListener('drop', (e) => {
    if (e.defaultPrevented || !dragsFiles(e)) return;
    e.preventDefault();
    const input = document.querySelector('[data-testid=file-input]');
    if (!input || e.dataTransfer.files.length === 0) return;
    input.files = e.dataTransfer.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  });
  // Escape closes the explanation drawer, wherever the focus is.
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') document.querySelector('[data-testid=why-close]')?.click();
  });

  // The explanation drawer (role=dialog) takes the keyboard focus when it opens, on its close button, and gives
  // it back to what had it (the table row) when it closes. The UI draws it; this only watches for it.
  let opener = null;
  new MutationObserver(() => {
    const close = document.querySelector('[data-testid=why-close]');
    if (close && !opener) {
      opener = document.activeElement || document.body;
      close.focus();
    } else if (!close && opener) {
      if (opener.isConnected && typeof opener.focus === 'function') opener.focus();
      opener = null;
    }
  }).observe(document.documentElement, { childList: true, subtree: true });

  const go = new Go();
  instantiate('ui.wasm', go.importObject).then((r) => go.run(r.instance)).catch((err) => {
    document.getElementById('vugu_mount_point').textContent = 'The page could not start: ' + err;
  });
})();
