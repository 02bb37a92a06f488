/* upload.js: the upload queue: files dropped or chosen, sent one at a time to /api/analyze */
import * as i18n from './i18n.js';
import * as api from './api.js';
import * as samples from './samples.js';
import { h, clear } from './dom.js';
import { state, $, show, showError, notice, pct, scaleUnsure } from './common.js';
import { showResult, revealResult } from './result.js';

const t = i18n.t;

/* ---------- uploads ---------- */

/*
 * The optional micrometres per pixel, typed with a decimal comma or point (a text field: a
 * number field in a Spanish Chromium turns "10,2" into something else): {value: "0.1" or
 * null} or {error: true}.
 */
export function umPerPxValue() {
  var v = $('um-per-px-input').value.trim().replace(',', '.');
  if (v === '') return { value: null };
  if (!/^(\d+\.?\d*|\.\d+)$/.test(v) || !(Number(v) > 0)) return { error: true };
  return { value: v };
}

export function addFiles(list) {
  var files = Array.prototype.slice.call(list || []);
  if (!files.length) return;
  var um = umPerPxValue(), umInput = $('um-per-px-input');
  if (um.error) {
    umInput.setAttribute('aria-invalid', 'true');
    document.querySelector('.advanced').open = true;
    showError($('upload-error'), api.ApiError('bad_um_per_px', 0));
    umInput.focus();
    return;
  }
  umInput.removeAttribute('aria-invalid');
  showError($('upload-error'), null);
  files.forEach(function (f) { state.queue.push({ file: f, status: 'waiting', pct: 0, umPerPx: um.value }); });
  renderQueue();
  pump();
}

export function thresholdValue() {
  var v = $('threshold-input').value.trim().replace(',', '.');
  return v === '' ? null : v;
}

export function pump() {
  if (state.running) return;
  var item = state.queue.filter(function (q) { return q.status === 'waiting'; })[0];
  setBusy(!!item);
  if (!item) return;
  state.running = item;
  item.status = 'uploading';
  item.pct = 0;
  renderQueue();
  var job = api.analyze(item.file, {
    threshold: thresholdValue(),
    umPerPx: item.umPerPx,
    sample: samples.activeId(),
    onProgress: function (f) { item.pct = Math.round(f * 100); renderQueue(); },
    onUploaded: function () { item.status = 'analysing'; renderQueue(); }
  });
  item.abort = job.abort;
  job.promise.then(function (r) {
    item.status = 'done';
    item.result = r;
    try { state.localImages.set(r.id, URL.createObjectURL(item.file)); } catch (e) { /* no preview */ }
    showResult(r);
    revealResult();
    samples.refreshActive();
  }, function (err) {
    if (err.code === 'busy' && (item.retries || 0) < 3 && item.status !== 'cancelled') {
      item.retries = (item.retries || 0) + 1;
      item.status = 'retrying';
      item.wait = 2 * item.retries;
      item.timer = setTimeout(function () { if (item.status === 'retrying') { item.status = 'waiting'; pump(); } },
                              item.wait * 1000);
    } else if (err.code === 'aborted') {
      item.status = 'cancelled';
    } else {
      item.status = 'error';
      item.error = err;
      showError($('upload-error'), err);
    }
  }).then(function () {
    item.abort = null;
    state.running = null;
    renderQueue();
    pump();
  });
}

export function cancelAll() {
  state.queue.forEach(function (q) {
    if (q.status === 'waiting' || q.status === 'retrying') { q.status = 'cancelled'; clearTimeout(q.timer); }
  });
  if (state.running && state.running.abort) state.running.abort();
  renderQueue();
  setBusy(false);
  notice(t('err.aborted'));
}

export function setBusy(on) {
  var card = document.querySelector('.upload-card');
  card.setAttribute('aria-busy', on ? 'true' : 'false');
  card.classList.toggle('busy', on);
  $('cancel-btn').disabled = !on;
}

export function renderQueue() {
  var list = $('queue-list');
  clear(list);
  state.queue.forEach(function (q) {
    var label, prog = null;
    switch (q.status) {
      case 'waiting': label = t('queue.waiting'); break;
      case 'uploading':
        label = t('queue.uploading', { pct: q.pct });
        prog = h('progress', { max: '100', value: String(q.pct), 'aria-label': label });
        break;
      case 'analysing':
        label = t('queue.analysing');
        prog = h('progress', { 'aria-label': label });   /* no value: indeterminate */
        break;
      case 'retrying': label = t('queue.retrying', { s: q.wait }); break;
      case 'done':
        var n = 0, c = q.result.counts || {};
        Object.keys(c).forEach(function (k) { n += c[k]; });
        label = t(scaleUnsure(q.result) ? 'queue.doneUnsure' : 'queue.done', { n: n });
        break;
      case 'cancelled': label = t('queue.cancelled'); break;
      /* the reason is said once, in the alert under the queue, not again on its row */
      default: label = t('queue.failed', { code: (q.error && q.error.code) || 'unknown' });
    }
    list.appendChild(h('li', { 'class': 'q-' + q.status, 'data-status': q.status }, [
      h('span', { 'class': 'q-name', text: q.file.name || 'image' }),
      h('span', { 'class': 'q-state', text: label }),
      prog,
      q.status === 'done' ? h('a', { 'class': 'button small', href: '#/result/' + q.result.id,
        text: t('queue.open'), onclick: function (ev) { ev.preventDefault(); showResult(q.result); } }) : null
    ]));
  });
  show($('queue'), state.queue.length > 0);
}

export function setupDrop() {
  var overlay = $('drop-overlay'), depth = 0;
  function hasFiles(ev) {
    return ev.dataTransfer && Array.prototype.indexOf.call(ev.dataTransfer.types || [], 'Files') >= 0;
  }
  document.addEventListener('dragenter', function (ev) {
    if (!hasFiles(ev)) return;
    depth++; show(overlay, true); ev.preventDefault();
  });
  document.addEventListener('dragleave', function () {
    depth = Math.max(0, depth - 1); if (!depth) show(overlay, false);
  });
  document.addEventListener('dragover', function (ev) { if (hasFiles(ev)) ev.preventDefault(); });
  document.addEventListener('drop', function (ev) {
    depth = 0; show(overlay, false);
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    if (state.view !== 'analyze') location.hash = '#/analyze';
    addFiles(ev.dataTransfer.files);
  });
}
