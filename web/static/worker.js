// The classifier's Web Worker: runs classifier.wasm (wasm/worker, the ntc Go core) and relays messages. The
// Go program puts start(), cancel() and explain() on self.ntc and posts through ntcPost (JSON) and ntcPostChunk (output
// bytes, transferred, not copied). The same script runs the helpers that worker starts for a big file (nested
// workers named ntc-helper): they get chunk requests (bytes) and answer through ntcPostChunk.
'use strict';
importScripts('wasm_exec.js');

const pending = [];
self.ntcPost = (json) => {
  self.postMessage(json);
  if (pending.length && self.ntc) setTimeout(drain, 0);
};
self.ntcPostChunk = (u8) => self.postMessage(u8, [u8.buffer]);

function dispatch(m) {
  if (m.type === 'start') self.ntc.start(m.file, !!m.app, !!m.att);
  else if (m.type === 'cancel') self.ntc.cancel();
  else if (m.type === 'explain') self.ntc.explain(m.id, m.row, m.header, m.line, !!m.app, !!m.att);
  else if (m.type === 'chunk') self.ntc.chunk(m.data);
  else if (m.type === 'workers') self.ntc.workers(m.n);
}
function drain() {
  while (pending.length) dispatch(pending.shift());
}
self.onmessage = (e) => {
  if (self.ntc) dispatch(e.data); else pending.push(e.data);
};

(async () => {
  const go = new Go();
  let inst;
  try {
    inst = await WebAssembly.instantiateStreaming(fetch('classifier.wasm'), go.importObject);
  } catch (err) { // a host that does not send application/wasm
    const bytes = await (await fetch('classifier.wasm')).arrayBuffer();
    inst = await WebAssembly.instantiate(bytes, go.importObject);
  }
  await go.run(inst.instance);
  // the Go program never returns on its own: it ended (a panic, or out of memory) and answers nothing more
  self.postMessage(JSON.stringify({ kind: 'failed', failure: { error: 'the classifier stopped (see the console)' } }));
})().catch((err) => self.postMessage(JSON.stringify({ kind: 'failed', failure: { error: 'could not start the classifier: ' + err } })));
