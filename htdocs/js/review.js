/* review.js: correcting a result's boxes and white-cell types, saved as a review (PUT /api/results/{id}/review, docs/api.md) */
import * as i18n from './i18n.js';
import * as api from './api.js';
import { h, clear } from './dom.js';
import { state, $, viewer, show, showError, notice, pct, isNum, classesOf, classLabel, classAbbr, passes } from './common.js';
import { render } from './result.js';
import { markGallery } from './gallery.js';

const t = i18n.t;

/* ---------- review: correct the boxes (PUT /api/results/{id}/review, docs/api.md) ---------- */

/*
 * The draft is the whole list of changes against the detector's output, as the server keeps
 * it: touched[i] = {op: 'delete' | 'reclassify', class} by detection index, adds [{class, box}].
 * A detection nobody touched is counted by the threshold in force (saved or slider); a
 * reclassified or added cell is a person's call and always counts, a deleted one never does.
 */
export function draftFrom(r) {
  var d = { touched: {}, adds: [], rbc: {} };
  ((r && r.review && r.review.changes) || []).forEach(function (c) {
    var wt = typeof c.wbc_type === 'string' ? c.wbc_type : undefined;
    if (c.op === 'add') d.adds.push(typed({ 'class': c['class'], box: c.box }, wt));
    else if (c.op === 'delete') d.touched[c.detection] = { op: c.op, 'class': c['class'] };
    else if (c.op === 'reclassify') d.touched[c.detection] = typed({ op: c.op, 'class': c['class'] }, wt);
    else if (c.op === 'rbc_class') d.rbc[c.detection] = c.rbc_class;	/* a red cell's shape (morphreview.js) */
  });
  return d;
}

export function draftChanges(d) {
  var out = [];
  Object.keys(d.touched).map(Number).sort(function (a, b) { return a - b; }).forEach(function (i) {
    var c = d.touched[i];
    out.push(c.op === 'delete' ? { op: 'delete', detection: i }
      : typed({ op: 'reclassify', detection: i, 'class': c['class'] }, c.wbc_type));
  });
  d.adds.forEach(function (a) { out.push(typed({ op: 'add', 'class': a['class'], box: a.box }, a.wbc_type)); });
  Object.keys(d.rbc || {}).map(Number).sort(function (a, b) { return a - b; }).forEach(function (i) {
    out.push({ op: 'rbc_class', detection: i, rbc_class: d.rbc[i] });
  });
  return out;
}

/* change with its white-cell type wt, kept only on a WBC (the server refuses it elsewhere). */
export function typed(change, wt) {
  if (wt && change['class'] === 'WBC') change.wbc_type = wt;
  return change;
}

/* The classifier's type of det (result.json), whatever a review says. */
export function classifierType(det) {
  if (det.detector_wbc_type) return det.detector_wbc_type;
  return det.wbc_type && det.wbc_type.by !== 'review' ? det.wbc_type : undefined;
}

/* The type a cell shows: the person's in the draft, else the classifier's while it is still its WBC. */
export function shownType(det, c) {
  if (c && c.wbc_type) return { 'class': c.wbc_type, by: 'review' };
  if (c && c['class'] !== det['class']) return undefined;
  return classifierType(det);
}

export function reviewed(r) { return !!(r && r.review && typeof r.review === 'object'); }

/* Whether the draft differs from the saved review (or from no review). */
export function dirty() {
  return !!state.result && (JSON.stringify(draftChanges(state.draft)) !== JSON.stringify(draftChanges(draftFrom(state.result))) ||
    $('review-checked').checked !== checkedOf(state.result));
}

/* "Every cell checked": the saved review says the field is complete (docs/microscope.md). */
export function checkedOf(r) { return !!(r && r.review && r.review.checked); }

/* Fetch the result's microscope (GET /api/microscopes/NAME) once per result shown. */
export function renderMicroscope(r) {
  state.mic = null;
  if (!r.microscope) return;
  api.microscope(r.microscope).then(function (m) {
    if (!state.result || state.result.id !== r.id) return;
    state.mic = m;
    render();
  }, function () { /* no figures: say nothing rather than guess */ });
}

/* What this result was counted with: its microscope's fine-tuned detector or thresholds (r.adaptation). */
function ranText(r) {
  var a = r && r.adaptation;
  if (!a || !(a.version > 0)) return '';
  return t(a.kind === 'model' ? 'mic.ranModel' : 'mic.ranThr', { v: a.version });
}

/* Adapt (enough checked fields) and roll back (an adaptation in use): docs/microscope.md. */
export function renderMicActions() {
  var m = state.mic, can = !!(m && m.fields >= m.adapt_min_fields), on = !!(m && m.adaptation > 0);
  var cur = on && m.versions && m.versions[m.adaptation - 1], ran = ranText(state.result);
  show($('mic-actions'), can || on || !!ran);
  show($('mic-adapt'), can);
  show($('mic-rollback'), on);
  var now = !on ? '' : cur && cur.kind === 'model' ? t('mic.usingModel', { v: m.adaptation }) :
    t('mic.using', { v: m.adaptation, list: Object.keys(m.thresholds).map(function (c) {
      return classAbbr(c) + ' ' + i18n.num(m.thresholds[c], 2);
    }).join(', ') });
  $('mic-status').textContent = [ran, now].filter(Boolean).join(' ');
}

export function micAction(call, done) {
  var r = state.result;
  if (!r || !r.microscope) return;
  showError($('mic-fail'), null);
  call(r.microscope).then(function (m) {
    if (!state.result || state.result.id !== r.id) return;
    state.mic = m;
    render();
    notice(done(m));
  }, function (err) { showError($('mic-fail'), err); });
}

/* "On this microscope: RBC −3 % ± 4 %, 24 checked fields." in this language, or null. */
export function micText() {
  var m = state.mic;
  if (!m || !m.fields) return null;
  var list = Object.keys(m.error || {}).map(function (c) {
    var e = m.error[c];
    return classAbbr(c) + ' ' + (e.bias > 0 ? '+' : e.bias < 0 ? '−' : '') + pct(Math.abs(e.bias), 0) + ' %' +
      (e.sd !== null ? ' ± ' + pct(e.sd, 0) + ' %' : '');
  }).join(', ');
  return t('mic.error', { list: list, n: m.fields }) +
    (m.fields < m.min_fields ? ' ' + t('mic.few', { min: m.min_fields }) : '');
}

/* [{i, det}]: the cells counted now (the boxes drawn, before class toggles). */
export function cells(r, th) {
  var d = state.draft, out = [];
  (r.detections || []).forEach(function (det, i) {
    var c = d.touched[i];
    if (c && c.op === 'delete') return;
    if (c) out.push({ i: i, det: Object.assign({}, det, { 'class': c['class'], reviewed: true, wbc_type: shownType(det, c) }) });
    else if (passes(det, th)) out.push({ i: i, det: det.wbc_type && det.wbc_type.by ? Object.assign({}, det, { wbc_type: shownType(det) }) : det });
  });
  d.adds.forEach(function (a, k) {
    out.push({ i: 'a' + k, det: { 'class': a['class'], confidence: null, box: a.box, added: true, reviewed: true,
      wbc_type: a.wbc_type && a['class'] === 'WBC' ? { 'class': a.wbc_type, by: 'review' } : undefined } });
  });
  return out;
}

export function tally(r, list) {
  var counts = {};
  classesOf(r).forEach(function (c) { counts[c] = 0; });
  list.forEach(function (x) { counts[x.det['class']] = (counts[x.det['class']] || 0) + 1; });
  return counts;
}

export function changeSummary(changes) {
  var n = { reclassify: 0, 'delete': 0, add: 0 };
  changes.forEach(function (c) { n[c.op] = (n[c.op] || 0) + 1; });
  return t('review.summary', { r: n.reclassify, d: n['delete'], a: n.add }) +
    (n.rbc_class ? ' ' + t('review.summaryShapes', { n: n.rbc_class }) : '');
}

export function reviewText(r) {
  if (!reviewed(r)) return t('review.none');
  return t('review.saved', { by: r.review.by || '?', date: i18n.date(r.review.at), v: r.review.version }) + ' ' +
    changeSummary(r.review.changes || []);
}

export function inField(fov, x, y) {
  if (!fov || typeof fov !== 'object') return true;
  if (fov.shape === 'circle') return (x - fov.cx) * (x - fov.cx) + (y - fov.cy) * (y - fov.cy) <= fov.r * fov.r;
  if (fov.shape === 'rect') return x >= (fov.x || 0) && x <= (fov.x || 0) + fov.w && y >= (fov.y || 0) && y <= (fov.y || 0) + fov.h;
  return true;
}

/* A new cell's size: the median box of its class in this result, else of any class. */
export function cellSize(r, cls) {
  function median(list) { list.sort(function (a, b) { return a - b; }); return list[Math.floor(list.length / 2)]; }
  var dets = (r.detections || []).filter(function (d) { return d['class'] === cls; });
  if (!dets.length) dets = r.detections || [];
  if (dets.length) return { w: median(dets.map(function (d) { return d.box.w; })), h: median(dets.map(function (d) { return d.box.h; })) };
  var s = r.scale && isNum(r.scale.rbc_px) ? r.scale.rbc_px : Math.max(8, (r.image ? r.image.width : 640) / 12);
  return { w: s, h: s };
}

export function pickClass(r) {
  var cls = classesOf(r);
  if (cls.indexOf(state.edit.pick) < 0) state.edit.pick = cls[0] || null;
  return state.edit.pick;
}

export function remember() {
  state.edit.undo.push(JSON.parse(JSON.stringify(state.draft)));
  if (state.edit.undo.length > 200) state.edit.undo.shift();
}

export function selectedKey() { return viewer.selected; }

/* Choose the class for new cells; with a box selected, make it that class. */
export function choose(c) {
  var k = selectedKey();
  state.edit.pick = c;
  if (k !== -1 && k !== null && k !== undefined) {
    remember();
    var was = typeof k === 'number' ? state.draft.touched[k] : state.draft.adds[Number(String(k).slice(1))];
    var wt = was && c === 'WBC' ? was.wbc_type : undefined;
    if (typeof k === 'number') state.draft.touched[k] = typed({ op: 'reclassify', 'class': c }, wt);
    else if (was) { was['class'] = c; if (!wt) delete was.wbc_type; }
  }
  render();
  if (k !== -1) viewer.select(k);
}

/* The class of the selected box as the draft has it, or null. */
export function selectedClass() {
  var k = selectedKey(), r = state.result;
  if (k === -1 || k === null || k === undefined || !r) return null;
  if (typeof k !== 'number') { var a = state.draft.adds[Number(String(k).slice(1))]; return a ? a['class'] : null; }
  var c = state.draft.touched[k];
  if (c) return c.op === 'delete' ? null : c['class'];
  return r.detections && r.detections[k] ? r.detections[k]['class'] : null;
}

/* The person's type of the selected box in the draft, or undefined. */
export function selectedType() {
  var k = selectedKey();
  if (k === -1 || k === null || k === undefined) return undefined;
  var c = typeof k === 'number' ? state.draft.touched[k] : state.draft.adds[Number(String(k).slice(1))];
  return c ? c.wbc_type : undefined;
}

/* Give the selected white cell type wt: a reclassify WBC -> WBC when it was the detector's. */
export function chooseType(wt) {
  var k = selectedKey();
  if (selectedClass() !== 'WBC') return;
  remember();
  if (typeof k === 'number') state.draft.touched[k] = typed({ op: 'reclassify', 'class': 'WBC' }, wt);
  else state.draft.adds[Number(String(k).slice(1))].wbc_type = wt;
  render();
  viewer.select(k);
  renderReview();
  /* The buttons were drawn again: keep the keyboard where it was. */
  var again = $('review-types').querySelector('[data-type="' + wt + '"]');
  if (again) again.focus();
}

export function deleteSelected() {
  var k = selectedKey();
  if (k === -1 || k === null || k === undefined) return;
  remember();
  if (typeof k === 'number') state.draft.touched[k] = { op: 'delete' };
  else state.draft.adds.splice(Number(String(k).slice(1)), 1);
  viewer.select(-1);
  render();
}

export function undo() {
  if (!state.edit.undo.length) return;
  state.draft = state.edit.undo.pop();
  viewer.select(-1);
  render();
}

/* The viewer's taps while correcting: a box is selected, empty space gets a new cell. */
export function onTap(hit, pt) {
  var r = state.result;
  if (!state.edit.on || !r) return false;
  if (hit !== -1) { viewer.select(hit); renderReview(); return true; }
  /* A tap on empty space adds a cell only in "Add cell" mode (button or key A): never by accident. */
  if (!state.edit.adding) { viewer.select(-1); renderReview(); return true; }
  if (!pt || !r.image || pt.x < 0 || pt.y < 0 || pt.x > r.image.width || pt.y > r.image.height) return true;
  if (!inField(r.fov, pt.x, pt.y)) { notice(t('review.outside')); return true; }
  var cls = pickClass(r), sz = cellSize(r, cls);
  var w = Math.min(sz.w, r.image.width), hh = Math.min(sz.h, r.image.height);
  var round1 = function (v) { return Math.round(v * 10) / 10; };
  remember();
  state.draft.adds.push({ 'class': cls, box: { x: round1(pt.x - w / 2), y: round1(pt.y - hh / 2), w: round1(w), h: round1(hh) } });
  state.edit.adding = false;   /* one cell a press */
  var key = 'a' + (state.draft.adds.length - 1);
  render();
  viewer.select(key);
  renderReview();
  return true;
}

/* "Add cell" mode: the next tap on empty space adds one cell of the chosen type. */
export function setAdding(on) {
  state.edit.adding = !!on && state.edit.on;
  renderReview();
}

export function setEditing(on) {
  state.edit.on = on;
  state.edit.adding = false;
  viewer.editing = on;
  if (!on) viewer.select(-1);
  renderReview();
}

export function renderReview() {
  var r = state.result;
  if (!r) return;
  var on = state.edit.on, k = selectedKey();
  var tg = $('review-toggle');
  tg.setAttribute('aria-pressed', on ? 'true' : 'false');
  tg.textContent = t(on ? 'review.toggleOff' : 'review.toggle');
  $('review-add').setAttribute('aria-pressed', state.edit.adding ? 'true' : 'false');
  $('review-add').textContent = t(state.edit.adding ? 'review.adding' : 'review.add');
  $('viewer').classList.toggle('adding', !!state.edit.adding);
  show($('review-tools'), on);
  var changes = draftChanges(state.draft);
  $('review-state').textContent = reviewText(r) + (dirty() ? ' ' + t('review.unsaved') : '');
  $('review-state').setAttribute('data-state', dirty() ? 'unsaved' : reviewed(r) ? 'reviewed' : 'none');
  $('review-hint').textContent = t('review.hint');
  var box = $('review-classes'), pick = pickClass(r);
  clear(box);
  classesOf(r).forEach(function (c, n) {
    box.appendChild(h('button', { type: 'button', 'class': 'pick k' + n, 'data-class': c,
      'aria-pressed': c === pick ? 'true' : 'false', onclick: function () { choose(c); } },
      [h('kbd', { text: String(n + 1) }), ' ' + classLabel(c) + ' (' + classAbbr(c) + ')']));
  });
  renderTypes();
  $('review-delete').disabled = k === -1 || k === null || k === undefined;
  $('review-undo').disabled = !state.edit.undo.length;
  $('review-save').disabled = !dirty() && reviewed(r);
  $('review-changes').textContent = changes.length ? t('review.draft', { list: changeSummary(changes) }) : '';
  markGallery();
}

/* The white-cell types a person may give (src/store/review.c), shown while a WBC box is selected. */
export var WBC_TYPES = ['neutrophil', 'lymphocyte', 'monocyte', 'eosinophil', 'basophil', 'ig', 'erythroblast', 'untyped'];

export function renderTypes() {
  var box = $('review-types');
  if (!box) {
    box = h('div', { 'class': 'review-types', id: 'review-types', role: 'group' });
    $('review-classes').parentNode.insertBefore(box, $('review-classes').nextSibling);
  }
  box.setAttribute('aria-label', t('review.types'));
  clear(box);
  var on = selectedClass() === 'WBC', cur = selectedType();
  show(box, on);
  if (!on) return;
  box.appendChild(h('span', { 'class': 'review-types-label', text: t('review.types') }));
  WBC_TYPES.forEach(function (wt) {
    box.appendChild(h('button', { type: 'button', 'class': 'pick wtype', 'data-type': wt,
      'aria-pressed': wt === cur ? 'true' : 'false', onclick: function () { chooseType(wt); },
      text: wt === 'untyped' ? t('wbc.untyped') : t('wbc.t.' + wt) }));
  });
}
