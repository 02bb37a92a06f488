/* live.js: live camera mode: frames to /api/detect, boxes and running counts on the video */

import * as i18n from './i18n.js';
import * as api from './api.js';
import * as app from './app.js';
import * as samples from './samples.js';
import { h, clear } from './dom.js';
/*
 * One frame is in flight at a time and none waits: when an answer comes
 * back, the newest video frame is grabbed, so a slow server lowers the frame
 * rate, never adds a backlog.  The frame's long side follows the measured
 * server time (shrinks above the budget, grows back below it).  "Capture
 * field" sends a full-resolution still through /api/analyze, into the active
 * sample, like a chosen photo.  Nothing here is stored by the server.
 *
 * Two sources: this device's camera (getUserMedia), or, when the server says
 * a box camera runs (GET /api/health "camera") and bv-capture answers at
 * /camera/health, the USB microscope camera on the box: its MJPEG stream is
 * shown, and each frame sent is a fresh /camera/snapshot.jpg, as it came
 * from the camera unless it must shrink to the adapted size.  Frames go at
 * most every MIN_INTERVAL_MS, under the server's per-client rate, and a 429
 * waits the Retry-After it gives.
 */
var SIDE_MIN = 480, SIDE_MAX = 960, SIDE_START = 640;
var BUDGET_MS = 80;       /* server time per frame the size adapts to */
var WINDOW_MS = 3000;     /* fps and latency over the last few seconds */
var MIN_INTERVAL_MS = 40; /* at most 25 frames/s: under detect_max_fps (30) */

const t = i18n.t;
var $ = function (id) { return document.getElementById(id); };
var st = { stream: null, running: false, busy: false, side: SIDE_START, last: null, frame: null,
           done: [], fails: 0, timer: null, capturing: false, frames: 0,
           source: 'phone', camera: null, img: null, sentAt: 0, cam: { w: 0, h: 0 }, camFrame: null };

function show(el, on) { if (el) el.hidden = !on; }

function classColour(i) {
  var v = getComputedStyle(document.documentElement).getPropertyValue('--k' + (i % 6));
  return (v && v.trim()) || '#d55e00';
}

function setError(msg) {
  var box = $('live-error');
  box.textContent = msg || '';
  show(box, !!msg);
}

/* The boxes and the field outline over the video, in the sent frame's pixels. */
function drawOverlay(r, fw, fh) {
  var cv = $('live-overlay'), ctx = cv.getContext('2d');
  cv.width = fw;
  cv.height = fh;
  ctx.clearRect(0, 0, fw, fh);
  if (!r) return;
  var names = Object.keys(r.thresholds || r.counts || {});
  ctx.lineWidth = Math.max(1.5, fw / 320);
  (r.boxes || []).forEach(function (b) {
    ctx.strokeStyle = classColour(Math.max(0, names.indexOf(b['class'])));
    ctx.strokeRect(b.x, b.y, b.w, b.h);
  });
  var f = r.fov;
  if (f && (f.shape === 'circle' || f.w < fw - 1 || f.h < fh - 1)) {
    ctx.strokeStyle = '#ffbf47';
    ctx.setLineDash([8, 6]);
    ctx.beginPath();
    if (f.shape === 'circle') ctx.arc(f.cx, f.cy, f.r, 0, 2 * Math.PI);
    else ctx.rect(f.x, f.y, f.w, f.h);
    ctx.stroke();
    ctx.setLineDash([]);
  }
}

function median(a) {
  if (!a.length) return 0;
  var s = a.slice().sort(function (x, y) { return x - y; });
  return s[Math.floor(s.length / 2)];
}

function renderCounts() {
  var box = $('live-counts'), r = st.last;
  clear(box);
  if (!r) return;
  Object.keys(r.counts).forEach(function (k, i) {
    var iv = (r.count_intervals || {})[k];
    var item = h('span', { 'class': 'live-count', 'data-class': k }, [
      h('span', { 'class': 'swatch k' + (i % 6), 'aria-hidden': 'true' }),
      h('span', { text: (i18n.has('class.' + k) ? t('class.' + k) : k) + ': ' }),
      h('strong', { 'class': 'n', text: String(r.counts[k]) }),
      /* its 95 % interval (the server's count_intervals), when the model measured its error */
      iv && typeof iv.lo === 'number' ? h('span', { 'class': 'iv', text: ' (' + iv.lo + '–' + iv.hi + ')' }) : null
    ]);
    box.appendChild(item);
  });
}

function renderStats() {
  var now = performance.now();
  st.done = st.done.filter(function (d) { return now - d.at < WINDOW_MS; });
  var span = st.done.length > 1 ? (st.done[st.done.length - 1].at - st.done[0].at) / 1000 : 0;
  var fps = span > 0 ? (st.done.length - 1) / span : 0;
  var lat = median(st.done.map(function (d) { return d.ms; }));
  var el = $('live-stats');
  el.textContent = st.running ? t('live.stats', { fps: i18n.num(fps, 1), ms: Math.round(lat),
                                              side: st.frame ? Math.max(st.frame.w, st.frame.h) : st.side }) : '';
  el.setAttribute('data-fps', fps.toFixed(2));
  el.setAttribute('data-latency', String(Math.round(lat)));
}

function renderWarnings(list) {
  var ul = $('live-warnings');
  clear(ul);
  (list || []).forEach(function (w) {
    ul.appendChild(h('li', { 'data-warning': w, text: t('live.warn.' + w) }));
  });
}

function render() {
  renderCounts();
  renderStats();
  renderWarnings(st.warnings);
}

/* An image (ImageBitmap) drawn with its long side at most side px, as a JPEG blob. */
function encode(src, w, h, side, quality) {
  var s = side > 0 ? Math.min(1, side / Math.max(w, h)) : 1;
  var cv = document.createElement('canvas');
  cv.width = Math.max(1, Math.round(w * s));
  cv.height = Math.max(1, Math.round(h * s));
  cv.getContext('2d').drawImage(src, 0, 0, cv.width, cv.height);
  return new Promise(function (resolve) {
    cv.toBlob(function (b) { resolve({ blob: b, w: cv.width, h: cv.height }); }, 'image/jpeg', quality);
  });
}

/*
 * The box camera's newest frame: sent as the camera made it unless it must
 * shrink.  live: the same frame as the last one sent comes back as
 * { same: true } (X-Frame, the helper's frame number): nothing to detect.
 */
function grabBox(side, quality, live) {
  return fetch('/camera/snapshot.jpg', { cache: 'no-store' }).then(function (r) {
    if (!r.ok) {
      var e = new Error('camera HTTP ' + r.status);
      e.status = r.status;
      e.camera = true;
      throw e;
    }
    var n = r.headers.get('X-Frame');
    if (live && n && n === st.camFrame) return null;
    if (live) st.camFrame = n;
    return r.blob();
  }).then(function (blob) {
    if (!blob) return { same: true };
    return createImageBitmap(blob).then(function (bm) {
      var w = bm.width, h = bm.height;
      st.cam = { w: w, h: h };
      if (side <= 0 || Math.max(w, h) <= side) {
        bm.close();
        return { blob: blob, w: w, h: h };
      }
      return encode(bm, w, h, side, quality).then(function (f) { bm.close(); return f; });
    });
  });
}

/* The current video frame, long side at most side px (0: full size), as a JPEG blob. */
function grab(side, quality) {
  if (st.source === 'box') return grabBox(side, quality, side > 0);
  var v = $('live-video'), vw = v.videoWidth, vh = v.videoHeight;
  var s = side > 0 ? Math.min(1, side / Math.max(vw, vh)) : 1;
  var cv = document.createElement('canvas');
  cv.width = Math.max(1, Math.round(vw * s));
  cv.height = Math.max(1, Math.round(vh * s));
  cv.getContext('2d').drawImage(v, 0, 0, cv.width, cv.height);
  return new Promise(function (resolve) {
    cv.toBlob(function (b) { resolve({ blob: b, w: cv.width, h: cv.height }); }, 'image/jpeg', quality);
  });
}

function parse(resp) {
  return resp.text().then(function (text) {
    var j = null;
    try { j = JSON.parse(text); } catch (e) { j = null; }
    if (resp.ok && j) return j;
    var err = new Error((j && j.error && j.error.message) || 'HTTP ' + resp.status);
    err.code = (j && j.error && j.error.code) || 'http_' + resp.status;
    err.status = resp.status;
    err.retryAfter = parseInt(resp.headers.get('Retry-After') || '', 10) || 1;
    throw err;
  });
}

function schedule(ms) {
  clearTimeout(st.timer);
  if (st.running) st.timer = setTimeout(tick, ms || 0);
}

function adapt(serverMs) {
  if (serverMs > BUDGET_MS * 1.5 && st.side > SIDE_MIN) st.side = Math.max(SIDE_MIN, Math.round(st.side * 0.8));
  else if (serverMs < BUDGET_MS / 2 && st.side < SIDE_MAX) st.side = Math.min(SIDE_MAX, Math.round(st.side * 1.1));
  /* never past the camera's own size */
  var v = $('live-video');
  var full = st.source === 'box' ? Math.max(st.cam.w, st.cam.h) : Math.max(v.videoWidth, v.videoHeight);
  if (full > 0) st.side = Math.min(st.side, Math.max(SIDE_MIN, full));
}

function tick() {
  var v = $('live-video');
  if (!st.running || st.busy) return;
  if (st.source !== 'box' && (v.readyState < 2 || !v.videoWidth)) { schedule(100); return; }
  var since = performance.now() - st.sentAt;
  if (since < MIN_INTERVAL_MS) { schedule(MIN_INTERVAL_MS - since); return; }
  st.busy = true;
  var t0 = performance.now();
  st.sentAt = t0;
  grab(st.side, 0.85).then(function (f) {
    if (f.same) return 20;     /* the box camera has no newer frame yet */
    var form = new FormData();
    form.append('image', f.blob, 'frame.jpg');
    if (api.microscopeId()) form.append('microscope', api.microscopeId());
    return fetch('/api/detect', { method: 'POST', body: form, cache: 'no-store',
                                  headers: { 'Accept': 'application/json' } })
      .then(parse).then(function (r) {
        st.fails = 0;
        st.frames++;
        st.last = r;
        st.frame = f;
        st.warnings = r.warnings;
        st.done.push({ at: performance.now(), ms: performance.now() - t0 });
        drawOverlay(r, f.w, f.h);
        adapt(r.timings_ms ? r.timings_ms.total : 0);
        setError(null);
        render();
        return 0;
      }, function (err) {
        /* no smear in view is a state of the slide, not a failure */
        if (err.status === 422) {
          st.warnings = [err.code === 'cells_too_small' ? 'small' : 'nosmear'];
          st.last = null;
          drawOverlay(null, f.w, f.h);
          render();
          return 0;
        }
        /* over the per-client bound (another tab?): wait as told, not a failure */
        if (err.status === 429) return err.retryAfter * 1000;
        st.fails++;
        if (err.status === 503 || err.status === 502) return 500;
        if (st.fails >= 3) { setError(t('live.failed', { msg: err.message })); stop(); }
        return 1000;
      });
  }).catch(function (err) {
    st.fails++;
    /* the box camera went away: say so rather than retry for ever */
    if (err && err.camera && st.fails >= 3) { setError(t('live.cameragone')); stop(); }
    return 1000;
  }).then(function (wait) {
    st.busy = false;
    schedule(wait);
  });
}

/* The box camera: its MJPEG stream on the stage, frames from its snapshots. */
function startBox() {
  var v = $('live-video'), stage = $('live-stage');
  var img = h('img', { id: 'live-camera', 'class': 'live-camera', alt: '' });
  img.style.display = 'block';
  img.style.width = '100%';
  img.style.height = 'auto';
  img.src = '/camera/stream.mjpeg?t=' + Date.now();
  stage.insertBefore(img, $('live-overlay'));
  st.img = img;
  v.hidden = true;
  st.running = true;
  st.side = SIDE_START;
  st.done = [];
  st.fails = 0;
  st.camFrame = null;
  show(stage, true);
  show($('live-start'), false);
  show($('live-stop'), true);
  show($('live-source'), false);
  $('live-capture').disabled = false;
  schedule(0);
}

function start() {
  setError(null);
  if (st.source === 'box') { startBox(); return; }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    setError(t('live.insecure'));
    return;
  }
  navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { facingMode: { ideal: 'environment' }, width: { ideal: 1920 }, height: { ideal: 1080 } }
  }).then(function (stream) {
    var v = $('live-video');
    st.stream = stream;
    st.running = true;
    st.side = SIDE_START;
    st.done = [];
    v.srcObject = stream;
    var p = v.play();
    if (p && p.catch) p.catch(function () { /* autoplay: muted, so it plays */ });
    show($('live-stage'), true);
    show($('live-start'), false);
    show($('live-stop'), true);
    $('live-capture').disabled = false;
    schedule(0);
  }, function (err) {
    setError(t(err && err.name === 'NotAllowedError' ? 'live.denied' : 'live.nocamera'));
  });
}

function stop() {
  st.running = false;
  clearTimeout(st.timer);
  if (st.stream) st.stream.getTracks().forEach(function (tr) { tr.stop(); });
  st.stream = null;
  $('live-video').srcObject = null;
  $('live-video').hidden = false;
  /* out of the page: the stream's connection closes */
  if (st.img) { st.img.removeAttribute('src'); st.img.remove(); st.img = null; }
  show($('live-source'), !!st.camera);
  show($('live-stage'), false);
  show($('live-start'), true);
  show($('live-stop'), false);
  $('live-capture').disabled = true;
  renderStats();
}

function captureState(s, text) {
  var el = $('live-capture-state');
  el.setAttribute('data-state', s);
  el.textContent = text;
}

/* A full-resolution still through the normal analyze path (into the active sample). */
function capture() {
  if (!st.running || st.capturing) return;
  st.capturing = true;
  $('live-capture').disabled = true;
  captureState('busy', t('live.capturing'));
  grab(0, 0.92).then(function (f) {
    var file = new File([f.blob], 'live-' + new Date().toISOString().replace(/[:.]/g, '-') + '.jpg',
                        { type: 'image/jpeg' });
    var th = $('threshold-input'), um = $('um-per-px-input');
    return api.analyze(file, {
      threshold: th && th.value.trim() ? th.value.trim().replace(',', '.') : null,
      umPerPx: um && um.value.trim() ? um.value.trim() : null,
      sample: samples.activeId()
    }).promise;
  }).then(function (r) {
    /* a poor field goes into the sample, but out of its estimates: say so (docs/quality.md) */
    var q = r.quality, inSample = samples.activeId();
    captureState('done', t('live.captured') + (q && q.poor && inSample ? ' ' + t('quality.captureWarn', {
      flags: (q.flags || []).map(function (f) { return t('quality.short.' + f.flag); }).join(', ') }) : ''));
    $('live-capture-state').setAttribute('data-poor', q && q.poor ? 'true' : 'false');
    app.showResult(r);
    /* the active sample's banner counts this field too, as after an upload */
    samples.refreshActive();
  }, function (err) {
    captureState('error', '');
    setError(app.errorText(err));
  }).then(function () {
    st.capturing = false;
    $('live-capture').disabled = !st.running;
  });
}

/*
 * Offer the box camera beside this device's when the server says one runs
 * and bv-capture answers (never probed otherwise: no 404 on boxes without).
 */
function offerBox(info) {
  st.camera = info;
  var radio = function (value, key) {
    var input = h('input', { type: 'radio', name: 'live-source', value: value,
                                    checked: value === st.source ? 'checked' : null });
    input.addEventListener('change', function () { if (input.checked) st.source = value; });
    return h('label', { 'class': 'live-source-option' }, [
      input, ' ', h('span', { 'data-i18n': key, text: t(key) })
    ]);
  };
  var box = h('fieldset', { id: 'live-source', 'class': 'live-source' }, [
    h('legend', { 'data-i18n': 'live.source', text: t('live.source') }),
    radio('phone', 'live.source.phone'), ' ', radio('box', 'live.source.box'),
    h('span', { 'class': 'hint', id: 'live-source-info',
                       text: ' ' + info.width + '\u00d7' + info.height + ', ' + info.format })
  ]);
  var tools = document.querySelector('#live .live-tools');
  tools.parentNode.insertBefore(box, tools);
}

function probeBox() {
  fetch('/api/health', { cache: 'no-store', headers: { 'Accept': 'application/json' } })
    .then(function (r) { return r.json(); })
    .then(function (h) {
      if (!h || h.camera !== true) return null;
      return fetch('/camera/health', { cache: 'no-store' }).then(function (r) {
        return r.ok ? r.json() : null;
      });
    })
    .then(function (info) { if (info && info.frames > 0) offerBox(info); })
    .catch(function () { /* no box camera: this device's only */ });
}

function init() {
  if (!$('live')) return;
  probeBox();
  $('live-start').addEventListener('click', start);
  $('live-stop').addEventListener('click', stop);
  $('live-capture').addEventListener('click', capture);
  document.addEventListener('visibilitychange', function () { if (document.hidden && st.running) stop(); });
  /* re-word the running figures when the language changes */
  document.querySelectorAll('.lang button').forEach(function (b) { b.addEventListener('click', render); });
}

export { st as state, start, stop, capture, probeBox };

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();
