/* result.js: the result view: one analysed field with its boxes, counts, chart, details, downloads and the printed report */
import * as i18n from './i18n.js';
import * as api from './api.js';
import * as report from './report.js';
import * as trust from './trust.js';
import { bars } from './chart.js';
import { h, clear } from './dom.js';
import { state, $, viewer, show, showError, pct, scaleUnsure, scaleReason, scaleText, fovText, classesOf, classLabel, classAbbr, download, savedThresholds, activeThresholds, thresholdsList, thresholdsText, ratioText } from './common.js';
import { draftFrom, draftChanges, typed, reviewed, checkedOf, renderMicroscope, renderMicActions, micText, cells, tally, reviewText, renderReview } from './review.js';
import { renderMicShare } from './micshare.js';
import { renderGallery } from './gallery.js';
import { sampleCodes, attachedHere, askCodes, closeAttach } from './attach.js';

const t = i18n.t;

/* ---------- the result view ---------- */

export function classIndex(det) {
  var cls = classesOf(state.result);
  var i = cls.indexOf(det['class']);
  return i >= 0 ? i : (det.class_id || 0);
}

export function baseImage(r) {
  var urls = r.urls || {};
  /* A clean (box-free) image lets the overlay be the only boxes; the server may offer one. */
  if (urls.plain) return { src: urls.plain, annotated: false };
  if (state.blobImages && state.localImages.has(r.id)) return { src: state.localImages.get(r.id), annotated: false };
  return { src: urls.image, annotated: true };
}

/* Back to the result's saved thresholds; the slider rests at its one (global) threshold. */
export function useSaved() {
  var r = state.result;
  state.override = null;
  if (r) $('conf-slider').value = String(typeof r.threshold === 'number' ? r.threshold : 0.25);
}

export function showResult(r) {
  var same = state.result && state.result.id === r.id;
  state.result = r;
  state.hidden = new Set();
  state.draft = draftFrom(r);
  state.edit.undo = [];
  if (!same) { state.edit.on = false; viewer.editing = false; closeAttach(); }
  show($('attach-btn'), state.samplesOn);
  showError($('review-error'), null);
  var slider = $('conf-slider');
  var min = typeof r.min_confidence === 'number' ? r.min_confidence : 0;
  slider.min = String(min);
  slider.max = '1';
  useSaved();
  viewer.setFov(r.fov);
  viewer.setFrame(r.frame);
  showQuality(r);
  var base = baseImage(r);
  setBase(base, r);
  show($('result'), true);
  show($('result-empty'), false);
  showError($('upload-error'), null);
  if (location.hash !== '#/result/' + r.id) history.replaceState(null, '', '#/result/' + r.id);
  $('review-checked').checked = checkedOf(r);
  renderMicroscope(r);
  render();
}

/*
 * The field's quality flags (docs/quality.md): each flag's plain sentence with its measured
 * value, and whether a sample leaves the field out of its estimates.  The box is made once,
 * under the result's header; a result stored before the flags existed shows none.
 */
export function showQuality(r) {
  var box = $('quality-box');
  if (!box) {
    box = h('div', { id: 'quality-box', 'class': 'quality-box' });
    var head = document.querySelector('#result .report-head');
    head.parentNode.insertBefore(box, head.nextSibling);
  }
  clear(box);
  var q = r.quality;
  show(box, !!q);
  if (!q) return;
  box.setAttribute('data-poor', q.poor ? 'true' : 'false');
  box.appendChild(h('h3', { text: t('quality.title') }));
  box.appendChild(h('p', { 'class': q.poor ? 'warn-box' : 'hint', text: t(q.poor ? 'quality.poor' : 'quality.good') }));
  if (q.reference) box.appendChild(h('p', { 'class': 'hint quality-ref', text: trust.qualityRefText(q.reference) }));
  if (!q.flags || !q.flags.length) return;
  box.appendChild(h('ul', { 'class': 'quality-flags' }, q.flags.map(function (f) {
    return h('li', { 'data-flag': f.flag, text: i18n.msgs(f.text_i18n, f.text) });
  })));
}

/* On a phone the result starts below the upload card: bring its top into view. */
export function revealResult() {
  var top = $('result').getBoundingClientRect().top;
  if (top > window.innerHeight * 0.6) $('result').scrollIntoView({ block: 'start' });
}

export function setBase(base, r) {
  var img = $('base-img');
  var w = r.image ? r.image.width : 0, hgt = r.image ? r.image.height : 0;
  img.onerror = null;
  if (!base.annotated) {
    /* A CSP without blob: in img-src refuses the local preview: fall back to the saved image. */
    img.onerror = function () {
      img.onerror = null;
      var fb = { src: (r.urls || {}).image, annotated: true };
      viewer.setImage(fb.src, w, hgt);
      noteBase(fb, r);
    };
  }
  viewer.setImage(base.src, w, hgt);
  noteBase(base, r);
}

export function noteBase(base, r) {
  show($('dl-shown'), !base.annotated);
  var note = $('base-note');
  note.textContent = base.annotated ? t('base.annotated', { t: thresholdsText(r, savedThresholds(r)) }) : '';
  show(note, base.annotated);
}

export function render() {
  var r = state.result;
  if (!r) return;
  var classes = classesOf(r);
  var th = activeThresholds(r);
  var all = cells(r, th);
  var counts = tally(r, all);
  var saved = savedThresholds(r), savedList = thresholdsList(r, saved);

  /* Which thresholds are in force, the saved ones per class or the slider's one for all. */
  $('slider-box').setAttribute('data-mode', state.override === null ? 'saved' : 'slider');
  $('conf-value').textContent = state.override !== null ? i18n.num(state.override, 2)
    : savedList ? t('slider.perType') : thresholdsText(r, saved);
  $('slider-mode').textContent = state.override === null ? t('slider.modeSaved')
    : t('slider.modeSlider', { t: i18n.num(state.override, 2) });
  $('slider-saved').textContent = savedList ? t('slider.saved', { list: savedList })
    : t('slider.savedOne', { t: thresholdsText(r, saved) });
  show($('slider-reset'), state.override !== null);
  $('slider-help').textContent = t('slider.help') +
    (reviewed(r) || draftChanges(state.draft).length ? ' ' + t('review.scope') : '');
  $('r-date').textContent = i18n.date(r.created);
  /* Which photo this is: its own (sanitised) file name and a thumbnail; the id for older results. */
  $('r-file').textContent = r.file_name || r.id;
  $('r-file').title = r.id;
  $('r-thumb').src = (r.urls || {}).thumb || '';
  $('printed-at').textContent = i18n.date(new Date().toISOString());

  var shown = all.filter(function (c) { return !state.hidden.has(c.det['class']); });
  viewer.draw(shown, classIndex);
  renderGallery(r, all);
  renderReview();
  var warn = $('scale-warning');
  warn.textContent = scaleUnsure(r) ? t('scale.unsure', { reason: scaleReason(r.scale) }) : '';
  show(warn, scaleUnsure(r));

  /* Legend: one toggle button per class, aria-pressed tells its state. */
  var legend = $('legend');
  clear(legend);
  classes.forEach(function (c, k) {
    var on = !state.hidden.has(c);
    legend.appendChild(h('button', {
      type: 'button', 'class': 'toggle k' + k, 'aria-pressed': on ? 'true' : 'false', 'data-class': c,
      onclick: function () {
        if (state.hidden.has(c)) state.hidden.delete(c); else state.hidden.add(c);
        render();
        var again = legend.querySelector('[data-class="' + c + '"]');
        if (again) again.focus();
      }
    }, [h('span', { 'class': 'swatch k' + k, 'aria-hidden': 'true' }),
        h('span', { text: classLabel(c) + ' (' + classAbbr(c) + ')' }),
        h('span', { 'class': 'toggle-count', text: String(counts[c] || 0) })]));
  });

  /* Counts table */
  var body = $('counts-body');
  clear(body);
  var total = 0;
  classes.forEach(function (c) { total += counts[c] || 0; });
  classes.forEach(function (c, k) {
    var n = counts[c] || 0;
    body.appendChild(h('tr', { 'data-class': c, 'class': state.hidden.has(c) ? 'is-hidden' : '' }, [
      h('th', { scope: 'row' }, [h('span', { 'class': 'swatch k' + k, 'aria-hidden': 'true' }),
        classLabel(c) + ' (' + classAbbr(c) + ')',
        state.hidden.has(c) ? h('span', { 'class': 'tag', text: t('counts.hidden') }) : null]),
      h('td', { 'class': 'num count', text: String(n) }),
      h('td', { 'class': 'num', text: total ? pct(n / total, 1) + ' %' : '–' })
    ]));
  });
  $('count-total').textContent = String(total);
  $('ratio').textContent = ratioText(counts);
  $('mic-error').textContent = micText() || '';
  show($('mic-error'), !!micText());
  renderMicActions();
  renderMicShare();

  bars($('chart'), classes.map(function (c, k) {
    return { label: classAbbr(c), value: counts[c] || 0, cls: 'k' + k };
  }), t('chart.desc', { list: classes.map(function (c) { return classLabel(c) + ' ' + (counts[c] || 0); }).join(', ') }));

  renderInfo(r);
  /* the intervals hold for the detector's counts at the saved thresholds only */
  trust.render(r, state.override === null && !reviewed(r) && !draftChanges(state.draft).length);
  report.result({ result: r, counts: counts, classes: classes,
    thresholds: state.override === null ? thresholdsText(r, saved) : i18n.num(state.override, 2),
    savedThresholds: thresholdsText(r, saved), review: reviewText(r), reviewed: reviewed(r),
    reviewedBy: reviewed(r) ? r.review.by || null : null, microscope: micText(),
    /* the boxes the page shows (reviewed, at the threshold in force): the print draws these */
    boxes: shown.map(function (c) { return { box: c.det.box, k: classIndex(c.det) }; }),
    wbcTypes: r.differential && typeof r.differential === 'object' ? differentialText(r.differential) : null });

  var urls = r.urls || {};
  $('dl-image').href = urls.image || '#';
  $('dl-image').setAttribute('download', 'bloodview-' + r.id + '.jpg');
  /* result.json is the detector's; a reviewed result's JSON comes from the API, review merged. */
  $('dl-json').href = reviewed(r) ? '/api/results/' + encodeURIComponent(r.id) : urls.json || api.resultUrl(r.id);
  $('dl-json').setAttribute('download', 'bloodview-' + r.id + '.json');
}

/*
 * The image as shown now (current threshold and classes), drawn on a canvas.  Only offered
 * over a box-free base image, else the server's boxes would be drawn twice.
 */
export function exportShown() {
  var r = state.result, img = $('base-img');
  if (!r || !img.naturalWidth) return;
  var canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  var ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  var colours = getComputedStyle(document.documentElement);
  /* The overlay is in the JSON's image pixels; the base image may be smaller (a huge photo). */
  var iw = r.image && r.image.width ? r.image.width : canvas.width;
  var ih = r.image && r.image.height ? r.image.height : canvas.height;
  ctx.scale(canvas.width / iw, canvas.height / ih);
  var lw = Math.max(2, Math.round(iw / 320));
  ctx.lineWidth = lw;
  var fov = $('overlay').querySelector('.fov');
  if (fov) {
    var a = function (k) { return Number(fov.getAttribute(k)); };
    ctx.strokeStyle = '#fff';
    ctx.setLineDash([4 * lw, 2.5 * lw]);
    ctx.beginPath();
    if (fov.getAttribute('data-shape') === 'circle') ctx.arc(a('cx'), a('cy'), a('r'), 0, 2 * Math.PI);
    else ctx.rect(a('x'), a('y'), a('width'), a('height'));
    ctx.stroke();
  }
  $('overlay').querySelectorAll('rect.box').forEach(function (rect) {
    var k = (rect.getAttribute('class').match(/\bk(\d)\b/) || [0, 0])[1];
    ctx.strokeStyle = colours.getPropertyValue('--k' + k).trim() || '#000';
    ctx.setLineDash(k === '2' ? [3 * lw, 1.5 * lw] : []);
    ctx.strokeRect(Number(rect.getAttribute('x')), Number(rect.getAttribute('y')),
                   Number(rect.getAttribute('width')), Number(rect.getAttribute('height')));
  });
  canvas.toBlob(function (blob) {
    if (blob) download('bloodview-' + r.id + '-' + (state.override === null ? 'saved'
      : String(Math.round(state.override * 100))) + '.png', blob);
  }, 'image/png');
}

export function renderInfo(r) {
  var dl = $('info');
  clear(dl);
  function row(label, value, cls) {
    dl.appendChild(h('dt', { text: label }));
    dl.appendChild(h('dd', { text: value, 'class': cls || null }));
  }
  var model = r.model || {};
  row(t('info.date'), i18n.date(r.created));
  row(t('info.model'), (model.name || '?') + (model.trained === false ? ' — ' + t('info.untrained') : ''),
      model.trained === false ? 'warn' : null);
  var acc;
  var current = state.model && state.model.name === model.name ? state.model : null;
  if (model.trained === false || (current && current.trained === false)) acc = t('info.untrainedShort');
  /* One plain sentence in this language with the right units, not the metrics' keys. */
  else acc = (current && report.accuracy(current, model)) || t('info.notMeasured');
  row(t('info.accuracy'), acc);
  row(t('info.threshold'), state.override === null
    ? t('info.thresholdSaved', { list: thresholdsText(r, savedThresholds(r)) })
    : t('info.thresholdSlider', { t: i18n.num(state.override, 2) }));
  var tm = r.timings_ms || {};
  row(t('info.timings'), ['decode', 'detect', 'encode', 'total'].filter(function (k) { return typeof tm[k] === 'number'; })
    .map(function (k) { return t('timing.' + k) + ' ' + i18n.num(tm[k], 0) + ' ms'; }).join(' · ') || '–');
  if (r.image) row(t('info.image'), r.image.width + ' × ' + r.image.height + ' px' + (r.image.type ? ' · ' + r.image.type : ''));
  if (r.scale && typeof r.scale === 'object')
    row(t('info.scale'), scaleText(r.scale), scaleUnsure(r) ? 'warn scale' : 'scale');
  if (r.fov && typeof r.fov === 'object') row(t('info.fov'), fovText(r.fov), 'fov-text');
  if (r.frame && typeof r.frame === 'object') row(t('info.frame'), trust.frameText(r.frame), 'frame-text');
  if (r.differential && typeof r.differential === 'object') row(t('info.wbcTypes'), differentialText(r.differential), 'wbc-types');
  row(t('info.review'), reviewText(r), reviewed(r) ? 'review-info reviewed' : 'review-info');
  if (r.sample && sampleCodes[r.sample] === undefined) askCodes();
  if (r.sample) row(t('info.sample'), sampleCodes[r.sample] || r.sample, 'sample-info');
  if (attachedHere[r.id]) row(t('info.sample'), t('attach.in', { codes: attachedHere[r.id].join(t('list.sep')) }), 'attached-info');
  row(t('info.id'), r.id, 'mono');
}

/* A white cell's type as the classifier gave it (result.json wbc_type), or ''. */
export function wbcTypeText(wt) {
  if (!wt || typeof wt !== 'object' || typeof wt['class'] !== 'string') return '';
  if (wt.by === 'review') return personType(wt['class']);
  if (wt['class'] === 'untyped') return untypedText(wt);
  return t('wbc.type', { type: t('wbc.t.' + wt['class']), pct: pct(wt.confidence, 0) });
}

/* "type unsure — stain or camera unlike its training": untyped, with the classifier's reason when it gave one. */
export function untypedText(wt) {
  var why = wt && typeof wt.reason === 'string' && i18n.has('wbc.why.' + wt.reason) ? t('wbc.why.' + wt.reason) : '';
  return t('wbc.untyped') + (why ? ' — ' + why : '');
}

/* The result's differential: "neutrophil 2, lymphocyte 1 · 1 untyped" (types with a count only). */
export function differentialText(df) {
  var by = df.by || {}, parts = [];
  (df.classes || Object.keys(by)).forEach(function (c) {
    if (by[c] > 0) parts.push(t('wbc.t.' + c) + ' ' + by[c]);
  });
  var text = parts.length ? parts.join(', ') : t('wbc.noneTyped');
  var typed = df.typed || 0, total = typed + (df.untyped || 0);
  if (total > 0) text = t('wbc.coverage', { typed: i18n.num(typed), total: i18n.num(total) }) + ': ' + text;
  if (df.untyped > 0) {
    var why = df.untyped_by || {};
    var reasons = Object.keys(why).filter(function (k) { return why[k] > 0 && i18n.has('wbc.why.' + k); })
      .map(function (k) { return t('wbc.why.' + k) + ' ' + why[k]; });
    text += ' · ' + t('wbc.untypedCount', { n: df.untyped }) + (reasons.length ? ' (' + reasons.join('; ') + ')' : '');
  }
  return text + ' · ' + t('wbc.caveat');
}

/* A type a person gave (PUT .../review "wbc_type"): "lymphocyte, set by a person". */
export function personType(type) {
  var name = type === 'untyped' ? t('wbc.untyped') : i18n.has('wbc.t.' + type) ? t('wbc.t.' + type) : type;
  return t('wbc.byPerson', { type: name });
}

export function boxInfo(det, asTitle) {
  var text = !det ? '' : det.added ? t('box.added', { cls: classLabel(det['class']) })
    : t(det.reviewed ? 'box.reviewed' : 'box.info', { cls: classLabel(det['class']), pct: pct(det.confidence, 0) });
  var wt = det && det['class'] === 'WBC' ? wbcTypeText(det.wbc_type) : '';
  if (wt) text += ' · ' + wt;
  if (!asTitle) $('box-info').textContent = text;
  return text;
}
