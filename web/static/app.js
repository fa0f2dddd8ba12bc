// The page's glue: starts the Vugu UI (ui.wasm) and the classifier's Web Worker (worker.js + classifier.wasm),
// passes the worker's JSON messages to the UI, and keeps the classified CSV the worker posts in binary chunks
// as Blobs, so the download never has to fit in one string. No flow is parsed or classified here.
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

  const toUI = (json) => {
    if (uiQueue) uiQueue.push(json); else deliver(json);
  };

  const stats = { workers: 0 }; // workers started: 1 unless a cancel had to terminate one

  function spawn() {
    stats.workers++;
    worker = new Worker('worker.js');
    worker.onmessage = (e) => {
      if (typeof e.data === 'string') {
        if (cancelTimer && (e.data.startsWith('{"kind":"cancelled"') || e.data.startsWith('{"kind":"failed"'))) {
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
      worker.postMessage({ type: 'start', file, app, att });
    },
    cancel() {
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
  const go = new Go();
  instantiate('ui.wasm', go.importObject).then((r) => go.run(r.instance)).catch((err) => {
    document.getElementById('vugu_mount_point').textContent = 'The page could not start: ' + err;
  });
})();
