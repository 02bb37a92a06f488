/*
 * app.js: the page's entry module: views and routing, the language switch, and start-up (every
 * control wired to its module).  The page is native ES modules, no global object:
 *   i18n.js (catalogues htdocs/i18n/<lang>.json, numbers)  api.js  dom.js  login.js
 *   common.js (state, helpers, the counting rule)  result.js (the result view)  viewer.js
 *   review.js (corrections)  gallery.js  upload.js  history.js  attach.js (add to a sample)
 *   samples.js + samplebase/sampleform/sampleview/sampleregister.js  report.js  trust.js
 *   chart.js  live.js (camera mode, its own entry in index.html)
 *
 * Everything shown about a result is derived from its JSON alone: the slider and class toggles
 * re-filter `detections` locally, so no request is made while exploring a result.  A result is
 * first shown counted at its saved per-class `thresholds`; once moved, the slider applies one
 * threshold to every class until "Use saved thresholds" goes back.  The result's scale (how the
 * server sized the cells) and field of view are listed in the details, the field outlined on
 * the image, and an unsure scale is said in words next to it.
 */
import * as i18n from './i18n.js';
import * as api from './api.js';
import * as report from './report.js';
import * as samples from './samples.js';
import { Viewer } from './viewer.js';
import { state, $, viewer, setViewer, show, errorText, showError, classesOf, download, savedThresholds, activeThresholds, countAt, countsCsv } from './common.js';
import { baseImage, useSaved, showResult, noteBase, render, exportShown, boxInfo } from './result.js';
import { setupMicShare } from './micshare.js';
import { draftChanges, dirty, micAction, cells, tally, remember, choose, deleteSelected, undo, onTap, setAdding, setEditing, renderReview } from './review.js';
import { GALLERY_STEP, gallery, renderGallery, galleryTab, saveReview } from './gallery.js';
import { addFiles, cancelAll, setBusy, renderQueue, setupDrop } from './upload.js';
import { loadHistory, searchErrorText, searchHistory, clearSearch, historyPage, renderHistory } from './history.js';
import { closeAttach, openAttach, updateSelection, historyCsv } from './attach.js';

const t = i18n.t;

/* ---------- views and routing ---------- */

function route() {
  var hash = location.hash || '#/analyze';
  var m = hash.match(/^#\/result\/([A-Za-z0-9_-]+)$/);
  var ms = hash.match(/^#\/samples\/([A-Za-z0-9_-]+)$/);
  var view = m ? 'analyze' : ms ? 'samples' : hash.replace(/^#\//, '');
  if (['analyze', 'history', 'samples'].indexOf(view) < 0) view = 'analyze';
  state.view = view;
  ['analyze', 'history', 'samples'].forEach(function (v) { show($('view-' + v), v === view); });
  document.querySelectorAll('.tabs a').forEach(function (a) {
    if (a.getAttribute('data-view') === view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  report.view(view);
  if (m && (!state.result || state.result.id !== m[1])) openResult(m[1]);
  if (view === 'history') loadHistory();
  if (view === 'samples') samples.show($('samples-root'), ms ? ms[1] : null);
}

function openResult(id) {
  $('result-empty').textContent = t('result.loading');
  show($('result-empty'), true);
  api.result(id).then(function (r) {
    showResult(r);
  }, function (err) {
    $('result-empty').textContent = t('result.empty');
    showError($('upload-error'), err.status === 404 ? api.ApiError('not_found', 404) : err);
  });
}

/* ---------- language ---------- */

function setLanguage(l, remember) {
  i18n.set(l, remember);
  i18n.apply();
  document.querySelectorAll('.lang button').forEach(function (b) {
    b.setAttribute('aria-pressed', b.getAttribute('data-lang') === i18n.lang ? 'true' : 'false');
  });
  if (state.result) { render(); noteBase(baseImage(state.result), state.result); }
  else $('result-empty').textContent = t('result.empty');
  renderQueue();
  closeAttach();
  searchErrorText();
  if (state.history.length || state.view === 'history') renderHistory();
  updateSelection();
  ['upload-error', 'history-error', 'review-error'].forEach(function (id) {
    var box = $(id);
    if (!box.hidden && box.lastError) showError(box, box.lastError);
  });
  samples.relabel();
}

/* ---------- start ---------- */

/*
 * Read this page's own Content-Security-Policy so that a local preview (blob: URL, box-free)
 * is used only where img-src allows it; otherwise the browser would log a violation.
 */
function probeCsp() {
  fetch(location.pathname, { method: 'HEAD', cache: 'no-store' }).then(function (res) {
    var csp = res.headers.get('Content-Security-Policy');
    if (!csp) { state.blobImages = true; return; }
    var dirs = {};
    csp.split(';').forEach(function (d) {
      var parts = d.trim().split(/\s+/);
      if (parts[0]) dirs[parts[0].toLowerCase()] = parts.slice(1);
    });
    var img = dirs['img-src'] || dirs['default-src'];
    state.blobImages = !img || img.indexOf('blob:') >= 0;
  }, function () { state.blobImages = false; });
}

function setupUpload() {
  $('file-input').addEventListener('change', function (ev) { addFiles(ev.target.files); ev.target.value = ''; });
  $('camera-input').addEventListener('change', function (ev) { addFiles(ev.target.files); ev.target.value = ''; });
  $('cancel-btn').addEventListener('click', cancelAll);
  $('um-per-px-input').addEventListener('input', function (ev) { ev.target.removeAttribute('aria-invalid'); });
  setupDrop();
}

/* The result view's slider, zoom, downloads and print. */
function setupResult() {
  $('conf-slider').addEventListener('input', function (ev) {
    state.override = Number(ev.target.value);
    render();
  });
  $('slider-reset').addEventListener('click', function () {
    useSaved();
    render();
    $('conf-slider').focus();
  });
  $('zoom-in').addEventListener('click', function () { viewer.zoomCentre(1.5); });
  $('zoom-out').addEventListener('click', function () { viewer.zoomCentre(1 / 1.5); });
  $('zoom-reset').addEventListener('click', function () { viewer.reset(); });

  $('dl-csv').addEventListener('click', function () {
    var r = state.result;
    if (r) download('bloodview-' + r.id + '.csv', countsCsv([{ result: r, counts: tally(r, cells(r, activeThresholds(r))),
      thresholds: activeThresholds(r), review: dirty() ? null : r.review }]));
  });
  $('print-btn').addEventListener('click', function () { window.print(); });
  $('dl-shown').addEventListener('click', exportShown);
  window.addEventListener('beforeprint', function () {
    $('printed-at').textContent = i18n.date(new Date().toISOString());
    viewer.reset();
  });
}

/* Correcting boxes and types, and the microscope's adapt / roll back. */
function setupReview() {
  viewer.onTap = onTap;
  $('review-toggle').addEventListener('click', function () { setEditing(!state.edit.on); });
  $('review-delete').addEventListener('click', deleteSelected);
  $('review-add').addEventListener('click', function () { setAdding(!state.edit.adding); });
  $('review-undo').addEventListener('click', undo);
  $('review-save').addEventListener('click', saveReview);
  $('review-checked').addEventListener('change', renderReview);
  $('mic-adapt').addEventListener('click', function () {
    micAction(api.microscopeAdapt, function (m) {
      return t(m.tried.adopted ? 'mic.adopted' : 'mic.refused', { v: m.tried.version });
    });
  });
  $('mic-rollback').addEventListener('click', function () {
    micAction(api.microscopeRollback, function (m) { return t('mic.rolledBack', { v: m.adaptation }); });
  });
  try { $('review-by').value = window.localStorage.getItem('bloodview.reviewer') || ''; } catch (e) { /* storage off */ }
}

/* Desktop keys while correcting: 1/2/3 a type, Delete the selected box, Z undo. */
function setupReviewKeys() {
  document.addEventListener('keydown', function (ev) {
    if (!state.edit.on || !state.result || state.view !== 'analyze' || ev.altKey || ev.metaKey) return;
    var tag = ev.target && ev.target.tagName;
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return;
    var cls = classesOf(state.result), n = Number(ev.key);
    if (!ev.ctrlKey && n >= 1 && n <= cls.length) choose(cls[n - 1]);
    else if (!ev.ctrlKey && (ev.key === 'Delete' || ev.key === 'Backspace')) deleteSelected();
    else if (ev.key === 'z' || ev.key === 'Z') undo();
    else if (!ev.ctrlKey && (ev.key === 'a' || ev.key === 'A')) setAdding(!state.edit.adding);
    else if (ev.key === 'Escape' && state.edit.adding) setAdding(false);
    else return;
    ev.preventDefault();
  });
}

function setupHistory() {
  $('history-refresh').addEventListener('click', loadHistory);
  $('history-search').addEventListener('submit', searchHistory);
  $('hs-clear').addEventListener('click', clearSearch);
  $('history-prev').addEventListener('click', function () { historyPage(-1); });
  $('history-next').addEventListener('click', function () { historyPage(1); });
  ['hs-code', 'hs-from', 'hs-to'].forEach(function (id) {
    $(id).addEventListener('input', function () { $(id).removeAttribute('aria-invalid'); });
  });
  $('attach-btn').addEventListener('click', function (ev) {
    if (state.result) openAttach(state.result.id, $('attach-slot'), ev.currentTarget);
  });
  $('history-csv').addEventListener('click', historyCsv);
  $('select-all').addEventListener('change', function (ev) {
    state.selected = new Set(ev.target.checked ? state.history.map(function (r) { return r.id; }) : []);
    renderHistory();
  });
}

function setupGallery() {
  $('gallery-more').addEventListener('click', function () {
    gallery.limit += GALLERY_STEP;
    if (state.result) renderGallery(state.result, gallery.all);
  });
  /* Arrow keys move between the gallery's tabs (WAI-ARIA tabs pattern). */
  $('gallery-tabs').addEventListener('keydown', function (ev) {
    if (!state.result || (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight')) return;
    var cls = classesOf(state.result), k = cls.indexOf(gallery.cls);
    galleryTab(cls[(k + (ev.key === 'ArrowRight' ? 1 : cls.length - 1)) % cls.length]);
    ev.preventDefault();
  });
  /* Crops are cut from the image shown: draw them once it has loaded. */
  $('base-img').addEventListener('load', function () {
    if (state.result) renderGallery(state.result, gallery.all);
  });
}

/* What the server offers: the model's figures, and the Samples view once /api/samples exists. */
function askServer() {
  probeCsp();
  api.model().then(function (m) { state.model = m; render(); }, function () { state.model = null; });
  /* The samples view appears once the backend's /api/samples exists. */
  api.samples().then(function () {
    show($('nav-samples'), true);
    state.samplesOn = true;
    show($('attach-btn'), !!state.result);
    if (state.view === 'history' && state.history.length) renderHistory();
  }, function () { /* off */ });
}

function init() {
  setViewer(new Viewer($('viewer'), boxInfo));

  document.querySelectorAll('.lang button').forEach(function (b) {
    b.addEventListener('click', function () { setLanguage(b.getAttribute('data-lang'), true); });
  });
  setupUpload();
  setupResult();
  setupReview();
  setupMicShare();
  setupReviewKeys();
  setupHistory();
  setupGallery();
  askServer();

  window.addEventListener('hashchange', route);
  setLanguage(i18n.lang, false);
  setBusy(false);
  route();
  document.documentElement.classList.add('ready');
}

/* Exposed for the samples module and for tests. */
export { state, countAt, countsCsv, showResult, draftChanges, savedThresholds, activeThresholds, openResult, errorText };

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();
