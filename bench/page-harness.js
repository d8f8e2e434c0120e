/* global window, performance, fetch, TextDecoder */
// Installed into every page the bench drives (kindlab, WeTTY, bare xterm.js) and
// bound to that page's xterm.js Terminal with `__bench.install(term)`. It
// times from the keydown event (capture phase, before xterm sees it) to the
// moment xterm has parsed the echoed character, and counts parsed characters
// between two markers for throughput. It is plain JS so it can be evaluated in
// any page without a bundler.
(() => {
  if (window.__bench) return;
  const B = {};
  window.__bench = B;
  let keyAt = 0;
  window.addEventListener('keydown', () => {
    keyAt = performance.now();
  }, true);
  // kindlab's bundle registers each Terminal here (xterm-probe.js); note when
  // the first one has parsed a prompt, in ms since navigation started.
  const terms = [];
  terms.push = function (t) {
    Array.prototype.push.call(this, t);
    t.onWriteParsed(() => {
      if (B.promptAt !== undefined) return;
      const b = t.buffer.active;
      const line = b.getLine(b.baseY + b.cursorY);
      if (line && /[#$]\s*$/.test(line.translateToString(true))) B.promptAt = performance.now();
    });
    return this.length;
  };
  window.__benchTerms = terms;
  let term = null;
  let waiter = null;
  let stream = null;

  B.install = (t) => {
    term = t;
    const write = t.write.bind(t);
    // Wrap this instance's write: the callback runs once xterm has parsed the data.
    t.write = (data, cb) => {
      write(data, () => {
        if (stream) stream.chunk(data);
        if (cb) cb();
      });
    };
    t.onWriteParsed(() => {
      if (waiter) waiter.check();
    });
    return { cols: t.cols, rows: t.rows, scrollback: t.options.scrollback };
  };

  B.size = () => ({ cols: term.cols, rows: term.rows, scrollback: term.options.scrollback, renderer: window.document.querySelector('.xterm canvas') ? 'canvas/webgl' : 'dom' });

  B.cursorLine = () => {
    const b = term.buffer.active;
    const line = b.getLine(b.baseY + b.cursorY);
    return line ? line.translateToString(true) : '';
  };

  B.text = () => {
    const b = term.buffer.active;
    const out = [];
    for (let i = 0; i < b.length; i++) out.push(b.getLine(i).translateToString(true));
    return out.join('\n');
  };

  // Arm before the key is pressed; B.echoDone resolves with ms, or -1 after 3 s.
  B.armEcho = (ch) => {
    const b = term.buffer.active;
    const x0 = b.cursorX;
    const y0 = b.baseY + b.cursorY;
    keyAt = 0;
    B.echoDone = new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiter = null;
        resolve(-1);
      }, 3000);
      waiter = {
        check: () => {
          if (!keyAt) return;
          const line = term.buffer.active.getLine(y0);
          const cell = line && line.getCell(x0);
          if (cell && cell.getChars() === ch) {
            const ms = performance.now() - keyAt;
            waiter = null;
            clearTimeout(timer);
            resolve(ms);
          }
        },
      };
    });
  };

  // Arm before Enter; B.streamDone resolves with the time from Enter's keydown
  // until `end` is parsed and the exact number of characters between the line
  // holding `begin` and the line holding `end`.
  B.armStream = (begin, end) => {
    keyAt = 0;
    let tail = '';
    let offset = 0;
    let beginAt = -1;
    const utf8 = new TextDecoder();
    B.streamDone = new Promise((resolve) => {
      stream = {
        // kindlab's page writes large frames as bytes (whole characters each), WeTTY's as text.
        chunk: (written) => {
          const data = typeof written === 'string' ? written : utf8.decode(written);
          const s = tail + data;
          const base = offset - tail.length;
          if (beginAt < 0) {
            const i = s.indexOf(begin);
            if (i >= 0) beginAt = base + i + begin.length + 2; // "\r\n"
          }
          if (beginAt >= 0) {
            const j = s.indexOf(end, Math.max(0, beginAt - base));
            if (j >= 0) {
              stream = null;
              resolve({ ms: performance.now() - keyAt, chars: base + j - 2 - beginAt });
              return;
            }
          }
          offset += data.length;
          tail = s.slice(-64);
        },
      };
    });
  };

  // The ceiling, in two steps so only the feeding is timed: fetch a payload
  // served beside the page (resolves with its length), then feed it to a reset
  // terminal in 64 KiB writes with at most 1 MiB queued. xterm.js parses
  // strings and UTF-8 bytes (Uint8Array); `form` says which it is given.
  let payload = '';
  B.load = (url, form = 'text') =>
    fetch(url)
      .then((r) => (form === 'bytes' ? r.arrayBuffer().then((b) => new Uint8Array(b)) : r.text()))
      .then((t) => {
        payload = t;
        return t.length;
      });
  B.feedLoaded = () => {
    term.reset();
    return B.feed(payload, 65536, 1048576);
  };

  // Feed `data` to this page's terminal directly, in chunks, with at most
  // `inFlight` characters queued (xterm discards beyond 50 MB).
  B.feed = (data, chunk, inFlight) =>
    new Promise((resolve) => {
      const t0 = performance.now();
      let next = 0;
      let queued = 0;
      let done = 0;
      const pump = () => {
        while (next < data.length && queued < inFlight) {
          const part = typeof data === 'string' ? data.slice(next, next + chunk) : data.subarray(next, next + chunk);
          next += part.length;
          queued += part.length;
          term.write(part, () => {
            queued -= part.length;
            done += part.length;
            if (done === data.length) resolve({ ms: performance.now() - t0, chars: done });
            else pump();
          });
        }
      };
      pump();
    });
})();
