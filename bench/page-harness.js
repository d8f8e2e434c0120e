/* global window, performance, fetch */
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
  //
  // The search must cost the page next to nothing, as the ceiling's feed (which
  // only counts lengths) does: decoding each of kindlab's byte frames into a
  // string and searching all of it took ~3 % of its main thread. So a marker is
  // looked for only where its first '-' is (a native indexOf over bytes or
  // text), and only its few characters are read. Units are the characters of a
  // text frame and the bytes of a byte frame (kindlab sends large frames as
  // bytes, WeTTY text); the bench's payloads are ASCII, where the two agree,
  // and a run fails unless the count is exactly the file's size.
  B.armStream = (begin, end) => {
    keyAt = 0;
    const k = begin.indexOf('-');
    if (k < 0 || end.indexOf('-') !== k) throw new Error('both markers need their first "-" at the same place');
    const L = Math.max(begin.length, end.length);
    const DASH = 0x2d;
    const text = (d, from, to) => (typeof d === 'string' ? d.slice(from, to) : String.fromCharCode.apply(null, d.subarray(from, to)));
    const dash = (d, from) => (typeof d === 'string' ? d.indexOf('-', from) : d.indexOf(DASH, from));
    let offset = 0; // units before this chunk
    let carry = ''; // the last 64 units before this chunk (bytes as Latin-1: the markers are ASCII)
    let beginAt = -1;
    B.streamDone = new Promise((resolve) => {
      // A marker may start at unit `p`; `t` holds the units from there.
      const found = (p, t) => {
        if (beginAt < 0) {
          if (t.startsWith(begin)) beginAt = p + begin.length + 2; // "\r\n"
          return false;
        }
        if (p < beginAt || !t.startsWith(end)) return false;
        stream = null;
        resolve({ ms: performance.now() - keyAt, chars: p - 2 - beginAt });
        return true;
      };
      stream = {
        chunk: (d) => {
          const n = d.length;
          // Markers that start in the carried units and were not yet seen whole.
          const s = carry + text(d, 0, Math.min(n, L));
          const base = offset - carry.length;
          for (let i = s.indexOf('-', k); i >= 0; i = s.indexOf('-', i + 1)) {
            const p = base + i - k;
            if (p >= offset) break;
            if (p + L > offset && found(p, s.slice(p - base))) return;
          }
          // Markers that start in this chunk, seen whole; the rest are seen with the next one.
          for (let i = dash(d, k); i >= 0 && i - k + L <= n; i = dash(d, i + 1)) {
            if (found(offset + i - k, text(d, i - k, i - k + L))) return;
          }
          offset += n;
          carry = (carry + text(d, Math.max(0, n - 64), n)).slice(-64);
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
