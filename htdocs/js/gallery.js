/* gallery.js: the cell gallery: every counted cell of one type as a crop, lowest confidence first */
import * as i18n from './i18n.js';
import * as api from './api.js';
import { h, clear } from './dom.js';
import { state, $, viewer, show, showError, pct, isNum, classesOf, classLabel, classAbbr } from './common.js';
import { showResult, render, personType } from './result.js';
import { draftChanges, reviewed, selectedKey, setEditing, renderReview, remember } from './review.js';
import { morphCaption, className } from './morphclasses.js';
import { morphFilter, morphFix, shownClass, personClass } from './morphreview.js';

const t = i18n.t;

/* ---------- cell gallery: every counted cell of one type, lowest confidence first ---------- */

/*
 * Small crops cut here from the image shown (a canvas each, nothing asked of the server), in
 * tabs by type.  The detector's cells come by confidence, lowest first, so the doubtful ones
 * are checked first; those a person already corrected or added come last.  A tap selects the
 * cell's box in the review editor (turned on), zoomed into view, for the usual type buttons,
 * Delete and Undo.
 */
export var GALLERY_STEP = 60;     /* crops drawn at once; "Show more" adds as many again */
export var CROP_PX = 72;          /* a crop's CSS size */
export var gallery = { id: null, cls: null, limit: GALLERY_STEP, crops: new Map(), all: [] };

export function cellOrder(a, b) {
  var pa = a.det.reviewed ? 1 : 0, pb = b.det.reviewed ? 1 : 0;
  if (pa !== pb) return pa - pb;
  if (!pa && a.det.confidence !== b.det.confidence) return a.det.confidence - b.det.confidence;
  var ia = typeof a.i === 'number' ? a.i : 1e9 + Number(String(a.i).slice(1));
  var ib = typeof b.i === 'number' ? b.i : 1e9 + Number(String(b.i).slice(1));
  return ia - ib;
}

/* The crop of det's box (with a margin) from img, drawn once per image and box. */
export function cropOf(img, r, det) {
  var b = det.box, key = img.currentSrc + '|' + b.x + ',' + b.y + ',' + b.w + ',' + b.h;
  var c = gallery.crops.get(key);
  if (c) return c;
  var dpr = Math.min(2, window.devicePixelRatio || 1), n = Math.round(CROP_PX * dpr);
  c = h('canvas', { 'class': 'crop', width: String(n), height: String(n), 'aria-hidden': 'true' });
  var ctx = c.getContext('2d');
  /* Boxes are in the JSON's image pixels; the image shown may be a smaller copy. */
  var fx = img.naturalWidth / ((r.image && r.image.width) || img.naturalWidth);
  var fy = img.naturalHeight / ((r.image && r.image.height) || img.naturalHeight);
  var side = Math.max(b.w, b.h, 1) * 1.4, sx = b.x + b.w / 2 - side / 2, sy = b.y + b.h / 2 - side / 2;
  ctx.fillStyle = '#d9dde3';
  ctx.fillRect(0, 0, n, n);
  try { ctx.drawImage(img, sx * fx, sy * fy, side * fx, side * fy, 0, 0, n, n); } catch (e) { /* not drawable */ }
  ctx.lineWidth = 2 * dpr;
  ctx.strokeStyle = 'rgba(0,0,0,.55)';
  ctx.strokeRect((b.x - sx) / side * n, (b.y - sy) / side * n, b.w / side * n, b.h / side * n);
  ctx.lineWidth = dpr;
  ctx.strokeStyle = '#fff';
  ctx.strokeRect((b.x - sx) / side * n, (b.y - sy) / side * n, b.w / side * n, b.h / side * n);
  gallery.crops.set(key, c);
  return c;
}

/* A white cell's type for its crop: "neutrophil 82 %", "type unsure", or ''. */
export function typeCaption(wt) {
  if (!wt || typeof wt !== 'object' || typeof wt['class'] !== 'string') return '';
  if (wt.by === 'review') return personType(wt['class']);
  if (wt['class'] === 'untyped') return t('wbc.untyped');	/* short under a crop; the reason is in the cell's details */
  var name = i18n.has('wbc.t.' + wt['class']) ? t('wbc.t.' + wt['class']) : wt['class'];
  return isNum(wt.confidence) ? name + ' ' + pct(wt.confidence, 0) + ' %' : name;
}

export function renderGallery(r, all) {
  var box = $('gallery');
  show(box, !!r);
  if (!r) return;
  if (gallery.id !== r.id) { gallery.id = r.id; gallery.crops = new Map(); gallery.limit = GALLERY_STEP; }
  gallery.all = all;
  var classes = classesOf(r), by = {};
  if (classes.indexOf(gallery.cls) < 0) gallery.cls = classes[0] || null;
  classes.forEach(function (c) { by[c] = []; });
  all.forEach(function (x) { if (by[x.det['class']]) by[x.det['class']].push(x); });
  var tabs = $('gallery-tabs');
  clear(tabs);
  classes.forEach(function (c, k) {
    var on = c === gallery.cls;
    tabs.appendChild(h('button', { type: 'button', role: 'tab', id: 'gallery-tab-' + k, 'class': 'gtab k' + k,
      'aria-selected': on ? 'true' : 'false', 'aria-controls': 'gallery-panel', tabindex: on ? '0' : '-1',
      'data-class': c, title: classLabel(c),
      onclick: function () { galleryTab(c); } },
      [h('span', { 'class': 'swatch k' + k, 'aria-hidden': 'true' }), classAbbr(c) + ' ',
       h('span', { 'class': 'gtab-n', text: String(by[c].length) })]));
  });
  $('gallery-panel').setAttribute('aria-labelledby', 'gallery-tab-' + classes.indexOf(gallery.cls));
  var list = (by[gallery.cls] || []).slice().sort(cellOrder);
  /* red cells: by morphology class, picked above their crops */
  if (gallery.cls === 'RBC') list = morphFilter(r, list, function () { renderGallery(state.result, gallery.all); });
  else if ($('morph-filter')) $('morph-filter').hidden = true;
  var img = $('base-img'), ready = img.complete && img.naturalWidth > 0;
  var ul = $('gallery-list');
  clear(ul);
  $('gallery-empty').textContent = !list.length ? t('gallery.empty') : ready ? '' : t('gallery.noImage');
  show($('gallery-empty'), !list.length || !ready);
  list.slice(0, gallery.limit).forEach(function (x) {
    var d = x.det, own = !d.reviewed && !d.added;
    var type = d['class'] === 'WBC' ? typeCaption(d.wbc_type) : d['class'] === 'RBC' ? rbcCaption(r, x.i, own) : '';
    var label = t(d.added ? 'gallery.cellAdded' : d.reviewed ? 'gallery.cellReviewed' : 'gallery.cell',
      { cls: classLabel(d['class']), pct: own ? pct(d.confidence, 0) : '' }) + (type ? ' · ' + type : '');
    ul.appendChild(h('li', {}, [h('button', { type: 'button', 'class': 'crop-btn', 'data-i': String(x.i),
      'data-confidence': own ? String(d.confidence) : '', 'aria-pressed': 'false', 'aria-label': label, title: label,
      onclick: function () { pickCell(x.i, d['class']); } },
      [ready ? cropOf(img, r, d) : h('span', { 'class': 'crop crop-wait', 'aria-hidden': 'true' }),
       h('span', { 'class': 'crop-cap', text: own ? pct(d.confidence, 0) + ' %' : t(d.added ? 'gallery.added' : 'gallery.reviewed') }),
       type ? h('span', { 'class': 'crop-type', text: type }) : null]),
      d['class'] === 'RBC' ? morphFix(r, x.i, fixRbc) : null]));
  });
  var more = list.length - Math.min(list.length, gallery.limit);
  $('gallery-more').textContent = t('gallery.more', { n: Math.min(more, GALLERY_STEP) });
  show($('gallery-more'), more > 0);
  markGallery();
}

/* A red cell's shape under its crop: a person's ("microcyte · corrected"), else the classifier's. */
function rbcCaption(r, i, own) {
  if (personClass(r, i)) return className(shownClass(r, i)) + ' · ' + t('morph.reviewed');
  return own ? morphCaption(r, i) : '';
}

/* A red cell's class corrected under its crop: into the draft (undoable), saved with the review. */
function fixRbc(i, cls) {
  if (!cls) return;
  remember();
  state.draft.rbc = state.draft.rbc || {};
  state.draft.rbc[i] = cls;
  if (!state.edit.on) setEditing(true);
  renderReview();
  renderGallery(state.result, gallery.all);
}

export function galleryTab(c) {
  gallery.cls = c;
  gallery.limit = GALLERY_STEP;
  if (state.result) renderGallery(state.result, gallery.all);
  var again = $('gallery-tabs').querySelector('[data-class="' + c + '"]');
  if (again) again.focus();
}

/* The selected box's crop pressed, the others not. */
export function markGallery() {
  var k = selectedKey();
  document.querySelectorAll('#gallery-list .crop-btn').forEach(function (b) {
    var on = k !== -1 && k !== null && k !== undefined && b.getAttribute('data-i') === String(k);
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
    b.classList.toggle('selected', on);
  });
}

/* A crop tapped: its box selected for correction, shown on the image. */
export function pickCell(i, cls) {
  if (state.hidden.has(cls)) { state.hidden.delete(cls); render(); }
  if (!state.edit.on) setEditing(true);
  viewer.select(i);
  viewer.reveal(i);
  renderReview();
  /* On a phone the image is above the gallery: bring it and the type buttons into view. */
  var vp = $('viewer').querySelector('.viewport').getBoundingClientRect();
  if (vp.top < 0 || vp.bottom > window.innerHeight) $('viewer').querySelector('.viewport').scrollIntoView({ block: 'start' });
}

export function saveReview() {
  var r = state.result, by = $('review-by').value.trim();
  if (!r) return;
  if (!by) {
    $('review-by').setAttribute('aria-invalid', 'true');
    showError($('review-error'), api.ApiError('review_by_missing', 0));
    $('review-by').focus();
    return;
  }
  $('review-by').removeAttribute('aria-invalid');
  try { window.localStorage.setItem('bloodview.reviewer', by); } catch (e) { /* storage off */ }
  $('review-save').disabled = true;
  api.saveReview(r.id, { version: reviewed(r) ? r.review.version : 0, by: by, changes: draftChanges(state.draft),
    checked: $('review-checked').checked })
    .then(function (nr) {
      var on = state.edit.on, keep = state.override;
      showResult(nr);
      state.override = keep;
      if (keep !== null) $('conf-slider').value = String(keep);
      setEditing(on);
      render();
      /* said in the review's own status line, not a floating notice over Delete/Undo */
      $('review-state').textContent += ' ' + t('review.done', { v: nr.review ? nr.review.version : '?' });
    }, function (err) {
      showError($('review-error'), err);
      /* Someone saved meanwhile: offer their version (this draft is then dropped). */
      if (err.code === 'conflict')
        $('review-error').appendChild(h('button', { type: 'button', 'class': 'button small', id: 'review-reload',
          text: t('review.reload'), onclick: function () {
            api.result(r.id).then(function (fresh) { var on = state.edit.on; showResult(fresh); setEditing(on); },
              function (e2) { showError($('review-error'), e2); });
          } }));
      renderReview();
    });
}
