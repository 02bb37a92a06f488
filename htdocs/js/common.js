/* common.js: the page state and the helpers the views share: messages, numbers, scale and field-of-view wording, the counting rule as the page applies it, CSV */
import * as i18n from './i18n.js';
import * as api from './api.js';
import * as login from './login.js';
import { h, clear } from './dom.js';
import { cells, undo } from './review.js';

const t = i18n.t;

export var state = {
  model: null,          /* GET /api/model, null when unavailable */
  result: null,         /* the result shown */
  override: null,       /* the slider's one threshold for all classes; null: the saved ones */
  hidden: new Set(),    /* classes toggled off */
  queue: [],            /* upload items */
  running: null,        /* item being uploaded */
  localImages: new Map(), /* result id -> object URL of the uploaded file, this session only */
  history: [],
  historyTotal: 0,      /* results the History's search matches (GET /api/results "total") */
  hq: { code: '', from: '', to: '', offset: 0 },   /* the History's search and page */
  hsError: null,        /* [key, field key] of the search form's refusal, or null */
  selected: new Set(),  /* history ids selected for CSV */
  view: 'analyze',
  armed: null,          /* history id whose Delete was pressed once */
  armTimer: null,
  blobImages: false,    /* whether the page's CSP lets <img> show blob: URLs (local previews) */
  samplesOn: false,     /* the server has samples (GET /api/samples answered): "Add to sample…" */
  draft: { touched: {}, adds: [] },  /* the review being edited (see "review" below) */
  mic: null,                         /* the shown result's microscope (GET /api/microscopes/NAME) */
  edit: { on: false, adding: false, undo: [], pick: null }
};

export var $ = function (id) { return document.getElementById(id); };
export var viewer;
/* init() builds the one Viewer; the views read it through the live binding above. */
export function setViewer(v) { viewer = v; }

/* ---------- small helpers ---------- */

export function show(el, on) { el.hidden = !on; }



export function errorText(err) {
  var code = (err && err.code) || 'unknown';
  var key = 'err.' + code;
  /* A message code with its own text says more than the code (not_found: of a sample, not a result). */
  var detail = err && err.i18n && err.i18n[0] && 'err.detail.' + err.i18n[0].code;
  if (detail && i18n.has(detail)) key = detail;
  /* A refused review says which change, in this language. */
  if (err && err.i18n && /^review_/.test(err.i18n[0] && err.i18n[0].code) && i18n.knows(err.i18n))
    return t('err.review') + ' ' + i18n.msgs(err.i18n, err.message);
  /* The upload limit as the server states it (GET /api/model max_upload_bytes), never a guess. */
  var max = state.model && state.model.max_upload_bytes;
  if (key === 'err.too_large' && !max) key = 'err.too_large_nomax';
  return i18n.has(key) ? t(key, { status: err.status, max: max ? i18n.num(max / 1048576, max % 1048576 ? 1 : 0) + ' MiB' : '' })
    : t('err.unknown', { status: (err && err.status) || '?' });
}

/* Fill an alert box with the translated message plus the code, for whoever supports the user. */
export function showError(box, err) {
  box.lastError = err;   /* kept so a language switch can translate it again */
  clear(box);
  if (!err) { show(box, false); return; }
  box.appendChild(h('p', { 'class': 'error-msg', text: errorText(err) }));
  if (err.code && err.code !== 'aborted')
    box.appendChild(h('p', { 'class': 'error-code', text: t('err.code', { code: err.code }) }));
  box.setAttribute('data-code', err.code || 'unknown');
  show(box, true);
}

export var noticeTimer = null;
export function notice(text) {
  var n = $('notice');
  n.textContent = text;
  show(n, true);
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(function () { show(n, false); }, 4000);
}

export function pct(x, digits) { return i18n.num(x * 100, digits === undefined ? 0 : digits); }

/* x with the decimals it needs, at most max (0.1 -> "0.1", 0.125 -> "0.125", 2 -> "2"). */
export function numUpTo(x, max) {
  var d = 0;
  while (d < max && Math.abs(Math.round(x * Math.pow(10, d)) - x * Math.pow(10, d)) > 1e-6) d++;
  return i18n.num(x, d);
}

export function isNum(v) { return typeof v === 'number' && isFinite(v); }

/* A JSON request api.js does not offer (the paged list, attaching); failures as api.js's ApiError. */
export function jsonRequest(method, url, body) {
  var opts = { method: method, headers: { Accept: 'application/json' }, cache: 'no-store' };
  if (body !== undefined) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
  return fetch(url, opts).then(function (res) {
    return res.text().then(function (text) {
      var b = null;
      try { b = text ? JSON.parse(text) : null; } catch (e) { b = null; }
      if (res.ok && b !== null) return b;
      /* the clinic password (login.js), as api.js does */
      if (res.status === 401) login.required();
      var e = b && b.error;
      throw api.ApiError(e && typeof e.code === 'string' ? e.code : res.status === 404 ? 'not_found' : 'internal',
                         res.status, e && e.message, e && e.message_i18n);
    });
  }, function () { throw api.ApiError('network', 0); });
}

/* ---------- scale and field of view (result "scale", "fov"; docs/api.md) ---------- */

export function scaleUnsure(r) { return !!(r && r.scale && r.scale.status === 'unsure'); }

export function scaleReason(sc) {
  var key = 'scale.reason.' + (sc && sc.reason);
  return i18n.has(key) ? t(key) : t('scale.reason.other');
}

/* "estimated from the red cells · red cells 78.5 px across · 0.1 µm/px · detected at ×0.5" */
export function scaleText(sc) {
  var src = 'scale.source.' + sc.source;
  var parts = [i18n.has(src) ? t(src) : String(sc.source || '?')];
  parts.push(isNum(sc.rbc_px) ? t('scale.rbc', { px: numUpTo(sc.rbc_px, 1) }) : t('scale.rbcNone'));
  if (isNum(sc.um_per_px)) parts.push(t('scale.um', { v: numUpTo(sc.um_per_px, 4) }));
  if (isNum(sc.factor)) parts.push(t('scale.factor', { f: numUpTo(sc.factor, 3) }));
  if (sc.status === 'unsure') parts.push(t('scale.unsureShort'));
  return parts.join(' · ');
}

export function fovText(f) {
  var parts = [];
  if (f.shape === 'circle')
    parts.push(t('fov.circle', { cx: numUpTo(f.cx, 0), cy: numUpTo(f.cy, 0), r: numUpTo(f.r, 0) }) +
               (f.clipped ? ' (' + t('fov.clipped') + ')' : ''));
  else if (f.shape === 'rect')
    parts.push(t('fov.rect', { w: numUpTo(f.w, 0), h: numUpTo(f.h, 0), x: numUpTo(f.x || 0, 0), y: numUpTo(f.y || 0, 0) }));
  else parts.push(String(f.shape || '?'));
  if (isNum(f.area_px))
    parts.push(isNum(f.area_um2) ? t('fov.areaUm', { px: numUpTo(f.area_px, 0), um: numUpTo(f.area_um2, 1) })
      : t('fov.area', { px: numUpTo(f.area_px, 0) }));
  return parts.join(' · ') + '. ' + t('fov.rule');
}

export function classesOf(r) {
  if (Array.isArray(r.classes) && r.classes.length) return r.classes;
  return Object.keys(r.counts || {});
}

export function classLabel(c) { return i18n.has('class.' + c) ? t('class.' + c) : c; }
export function classAbbr(c) { return i18n.has('abbr.' + c) ? t('abbr.' + c) : c; }

export function download(filename, blob) {
  var url = URL.createObjectURL(blob);
  var a = h('a', { href: url, download: filename });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
}

/* ---------- counting (the one rule used everywhere: confidence >= its class's threshold) ---------- */

/*
 * The thresholds a result was counted with, per class: its `thresholds`, or for results saved
 * before those existed, its one `threshold` for every class.
 */
export function savedThresholds(r) {
  var per = r.thresholds && typeof r.thresholds === 'object' ? r.thresholds : {};
  var one = typeof r.threshold === 'number' ? r.threshold : 0.25;
  var out = {};
  classesOf(r).forEach(function (c) { out[c] = typeof per[c] === 'number' ? per[c] : one; });
  return out;
}

export function sameForAll(r, th) {
  var out = {};
  classesOf(r).forEach(function (c) { out[c] = th; });
  return out;
}

/* What is in force now: the slider's value for all classes, or the saved thresholds. */
export function activeThresholds(r) {
  return state.override === null ? savedThresholds(r) : sameForAll(r, state.override);
}

/* th: one number for every class, or {class: threshold}; a class without one is not counted. */
export function passes(d, th) {
  var t = typeof th === 'number' ? th : th[d['class']];
  return typeof t === 'number' && d.confidence >= t;
}

export function countAt(result, th) {
  var counts = {};
  classesOf(result).forEach(function (c) { counts[c] = 0; });
  (result.detections || []).forEach(function (d) {
    if (passes(d, th)) counts[d['class']] = (counts[d['class']] || 0) + 1;
  });
  return counts;
}

/* "RBC 0.38, WBC 0.33, PLT 0.51"; null when every class has the same one. */
export function thresholdsList(r, th) {
  var cls = classesOf(r);
  if (cls.every(function (c) { return th[c] === th[cls[0]]; })) return null;
  return cls.map(function (c) { return classAbbr(c) + ' ' + i18n.num(th[c], 2); }).join(t('list.sep'));
}

export function thresholdsText(r, th) {
  var cls = classesOf(r);
  return thresholdsList(r, th) || (cls.length ? i18n.num(th[cls[0]], 2) : '–');
}

export function ratioText(counts) {
  var rbc = counts.RBC || 0, wbc = counts.WBC || 0;
  if (!wbc) return t('ratio.none');
  return i18n.num(rbc / wbc, 1) + ' : 1';
}

/* ---------- CSV ---------- */

export function csvCell(v) {
  var s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

/*
 * rows: [{result, counts, thresholds, review}], thresholds {class: value} as counted (undefined
 * when unknown), review the result's saved review or null; a threshold_<class> column per
 * class, then the counts (reviewed ones where a person corrected the boxes), then the review's
 * version (0: the detector's counts) and reviewer.  Class columns use the API's class names.
 */
export function countsCsv(rows) {
  var classes = [];
  rows.forEach(function (r) {
    classesOf(r.result).forEach(function (c) { if (classes.indexOf(c) < 0) classes.push(c); });
  });
  var head = ['id', 'created', 'model']
    .concat(classes.map(function (c) { return 'threshold_' + c; }), classes,
            ['total', 'rbc_wbc_ratio', 'sample', 'review_version', 'reviewed_by']);
  var lines = [head.map(csvCell).join(',')];
  rows.forEach(function (r) {
    var total = 0;
    var cells = classes.map(function (c) { var n = r.counts[c] || 0; total += n; return n; });
    var ths = classes.map(function (c) {
      return r.thresholds && typeof r.thresholds[c] === 'number' ? r.thresholds[c] : '';
    });
    var wbc = r.counts.WBC || 0;
    lines.push([r.result.id, r.result.created, r.result.model ? r.result.model.name : '']
      .concat(ths, cells, [total, wbc ? (r.counts.RBC || 0) / wbc : '', r.result.sample || '',
                           r.review ? r.review.version : 0, r.review ? r.review.by : ''])
      .map(csvCell).join(','));
  });
  return new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
}
