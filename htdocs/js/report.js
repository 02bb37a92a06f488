/*
 * report.js: the printed one-page A4 report of one result or of one sample, laid out like a
 * laboratory report: header, identification, the screening box near the top, counts and
 * estimates with reference ranges and plausibility, small field images, the model's measured
 * accuracy in one plain sentence, operator and reviewer lines, the disclaimer.
 *
 * It is a print-only block (#print-report, hidden on screen; css/print.css shows it alone),
 * rebuilt from the same JSON the page shows each time the result or sample is drawn, so a
 * language switch or a review reaches it.  The view in force chooses which report prints.
 */

import * as i18n from './i18n.js';
import * as api from './api.js';
import * as trust from './trust.js';
import { h, clear } from './dom.js';
const t = i18n.t;
var CLASSES = ['RBC', 'WBC', 'Platelets'];
var MAX_THUMBS = 20;     /* two rows; more would not fit one page */
var state = { root: null, result: null, sample: null, view: null, model: null, asked: false, codes: {} };

function root() {
  if (!state.root) {
    state.root = h('div', { id: 'print-report', 'class': 'print-report', 'aria-hidden': 'true' });
    document.body.appendChild(state.root);
  }
  return state.root;
}

/* The model's metrics once, then the reports are drawn again with the accuracy sentence. */
function askModel() {
  if (state.asked) return;
  state.asked = true;
  api.model().then(function (m) { state.model = m; redraw(); }, function () { state.model = null; });
}

function num(v, d) { return typeof v === 'number' && isFinite(v) ? i18n.num(v, d || 0) : '–'; }
function pct(v) { return i18n.num(v * 100, 0) + ' %'; }
function label(c) { return i18n.has('class.' + c) ? t('class.' + c) : c; }

/*
 * One plain sentence from the figures GET /api/model gives, nothing else: the test split's
 * size, the average precision per class (how well the boxes matched the expert's marks),
 * the red-cell count error per image and the share of images whose white-cell count was exact.
 */
function accuracySentence(m, resultModel) {
  if ((resultModel && resultModel.trained === false) || (m && m.trained === false)) return t('rp.acc.untrained');
  if (!m || (resultModel && resultModel.name && m.name !== resultModel.name)) return t('rp.acc.unknown');
  var x = m.metrics;
  if (!x || typeof x !== 'object') return t('rp.acc.unknown');
  var ap = x.ap50 && typeof x.ap50 === 'object' ? x.ap50 : {};
  var per = CLASSES.filter(function (c) { return typeof ap[c] === 'number'; })
    .map(function (c) { return t('rp.acc.cls.' + c, { p: pct(ap[c]) }); });
  if (!per.length) return t('rp.acc.unknown');
  var n = /(\d+)\s*images/.exec(String(x.split || ''));
  var s = t(n ? 'rp.acc.headN' : 'rp.acc.head', { n: n ? n[1] : '' }) + ' ' + list(per);
  if (typeof x.rbc_count_mape_percent === 'number') s += t('rp.acc.rbcErr', { p: i18n.num(x.rbc_count_mape_percent, 0) + ' %' });
  if (typeof x.wbc_exact_count_share === 'number') s += t('rp.acc.wbcExact', { p: pct(x.wbc_exact_count_share) });
  /* count errors are cells per image, never a percentage */
  var mae = x.count_mae && typeof x.count_mae === 'object' ? x.count_mae : {};
  if (typeof mae.Platelets === 'number') s += t('rp.acc.pltErr', { n: i18n.num(mae.Platelets, 2) });
  return s + '.';
}

function list(items) {
  if (items.length < 2) return items.join('');
  return items.slice(0, -1).join(', ') + t('rp.and') + items[items.length - 1];
}

function header(title, idRows) {
  var ids = h('dl', { 'class': 'rp-ids' });
  idRows.forEach(function (r) {
    if (!r) return;
    ids.appendChild(h('dt', { text: r[0] }));
    ids.appendChild(h('dd', { text: r[1], 'class': r[2] || null }));
  });
  /* The clinic's name as bloodview.conf gives it (clinic_name, in GET /api/model), else the product's. */
  var clinic = state.model && typeof state.model.clinic_name === 'string' && state.model.clinic_name
    ? state.model.clinic_name : null;
  return h('header', { 'class': 'rp-head' }, [
    h('div', { 'class': 'rp-clinic' }, [h('strong', { 'class': 'rp-clinic-name', text: clinic || 'BloodView' }),
      h('span', { text: title + (clinic ? ' · BloodView' : '') })]),
    ids]);
}

function signatures(reviewedBy) {
  return h('div', { 'class': 'rp-sign' }, [
    h('p', {}, [h('span', { text: t('rp.operator') + ': ' }), h('span', { 'class': 'rp-line' })]),
    h('p', {}, [h('span', { text: t('rp.reviewer') + ': ' }),
      reviewedBy ? h('span', { 'class': 'rp-filled', text: reviewedBy }) : null, h('span', { 'class': 'rp-line' })]),
    h('p', {}, [h('span', { text: t('rp.signDate') + ': ' }), h('span', { 'class': 'rp-line short' })])]);
}

function footer(model, resultModel) {
  return [
    h('p', { 'class': 'rp-acc' }, [h('strong', { text: t('rp.accuracy') + ': ' }), accuracySentence(model, resultModel),
      ' ' + t('rp.acc.interval')]),
    h('p', { 'class': 'rp-disclaimer', text: t('disclaimer') }),
    h('p', { 'class': 'rp-printed', text: t('report.printed') + ': ' + i18n.date(new Date().toISOString()) })];
}

/* ---------- one result ---------- */

/*
 * d: {result, counts {class: n} as shown, classes, thresholds (text, in force), savedThresholds
 * (text, those of the saved annotated image), review (text), reviewed (bool), reviewedBy (name
 * or null)}, from app.js.
 */
function buildResult(d) {
  var r = d.result, total = 0;
  d.classes.forEach(function (c) { total += d.counts[c] || 0; });
  var code = r.sample ? state.codes[r.sample] : null;
  if (r.sample && code === undefined) askCode(r.sample);
  var page = h('div', { 'class': 'rp-page rp-result', 'data-result': r.id });
  page.appendChild(header(t('report.title'), [
    r.sample ? [t('rp.sampleCode'), code || r.sample] : null,
    [t('rp.analysed'), i18n.date(r.created)],
    [t('rp.resultId'), r.id, 'mono']]));
  page.appendChild(h('div', { 'class': 'rp-screen' }, [
    h('p', {}, [h('strong', { text: t('rp.oneImage') })]),
    h('p', { text: t('rp.noScreening') }),
    h('p', { 'class': 'rp-next' }, [h('strong', { text: t('rp.next') + ': ' }), t('rp.nextResult')])]));
  var tb = h('tbody');
  d.classes.forEach(function (c) {
    var n = d.counts[c] || 0, iv = (r.count_intervals || {})[c];
    /* the interval belongs to the detector's count: not to one a slider or a review changed */
    tb.appendChild(h('tr', { 'data-class': c }, [h('th', { scope: 'row', text: label(c) }),
      h('td', { 'class': 'num', text: iv && iv.count === n && !d.reviewed ? trust.withInterval(n, iv) : String(n) }),
      h('td', { 'class': 'num', text: total ? i18n.num(n / total * 100, 1) + ' %' : '–' })]));
  });
  tb.appendChild(h('tr', { 'class': 'rp-total' }, [h('th', { scope: 'row', text: t('counts.total') }),
    h('td', { 'class': 'num', text: String(total) }), h('td')]));
  var table = h('table', { 'class': 'rp-table' }, [h('thead', {}, [h('tr', {}, [
    h('th', { scope: 'col', text: t('counts.class') }), h('th', { scope: 'col', 'class': 'num', text: t('counts.count') }),
    h('th', { scope: 'col', 'class': 'num', text: t('counts.share') })])]), tb]);
  var wbc = d.counts.WBC || 0;
  var side = h('div', { 'class': 'rp-side' }, [h('h3', { text: t('counts.title') }), table,
    h('p', { text: t('ratio.label') + ': ' + (wbc ? i18n.num((d.counts.RBC || 0) / wbc, 1) + ' : 1' : t('ratio.none')) }),
    h('p', { 'class': 'rp-small', text: t('rp.thresholds', { t: d.thresholds }) }),
    h('p', { 'class': 'rp-small', text: t('info.review') + ': ' + d.review }),
    d.microscope ? h('p', { 'class': 'rp-small rp-microscope', text: d.microscope }) : null,
    h('p', { 'class': 'rp-small', text: t('rp.noEstimate') })]);
  if (d.wbcTypes) side.insertBefore(h('p', { 'class': 'rp-small rp-wbc-types', text: t('info.wbcTypes') + ': ' + d.wbcTypes }),
    side.lastChild);
  page.appendChild(h('div', { 'class': 'rp-body' }, [figure(r, d), side]));
  page.appendChild(signatures(d.reviewedBy));
  footer(state.model, r.model).forEach(function (e) { page.appendChild(e); });
  return page;
}

/*
 * The printed photo with the boxes the page shows (d.boxes: reviewed, at the threshold in
 * force) drawn over the box-free image, so the picture and the counts beside it agree; the
 * detector's annotated image only when no box list came (an older page).
 */
function figure(r, d) {
  var urls = r.urls || {}, im = r.image || {};
  if (!Array.isArray(d.boxes) || !urls.plain || !im.width || !im.height) {
    return urls.image ? h('figure', { 'class': 'rp-figure' }, [h('img', { src: urls.image, alt: '' }),
      h('figcaption', { text: t('rp.imageNote', { t: d.savedThresholds }) + (d.reviewed ? ' ' + t('rp.imageReviewed') : '') })]) : null;
  }
  var NS = 'http://www.w3.org/2000/svg', svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 ' + im.width + ' ' + im.height);
  svg.setAttribute('class', 'rp-shown');
  svg.setAttribute('data-boxes', String(d.boxes.length));
  var pic = document.createElementNS(NS, 'image');
  pic.setAttribute('href', urls.plain);
  pic.setAttribute('width', im.width);
  pic.setAttribute('height', im.height);
  svg.appendChild(pic);
  var lw = Math.max(2, Math.round(im.width / 320));
  d.boxes.forEach(function (b) {
    var rect = document.createElementNS(NS, 'rect');
    rect.setAttribute('x', b.box.x); rect.setAttribute('y', b.box.y);
    rect.setAttribute('width', Math.max(b.box.w, 1)); rect.setAttribute('height', Math.max(b.box.h, 1));
    rect.setAttribute('class', 'rp-box k' + b.k);
    rect.setAttribute('stroke-width', lw);
    svg.appendChild(rect);
  });
  return h('figure', { 'class': 'rp-figure' }, [svg,
    h('figcaption', { text: t(d.reviewed ? 'rp.imageShownReviewed' : 'rp.imageShown', { n: d.boxes.length, t: d.thresholds }) })]);
}

function askCode(id) {
  state.codes[id] = null;
  fetch('/api/samples/' + encodeURIComponent(id), { headers: { Accept: 'application/json' }, cache: 'no-store' })
    .then(function (res) { return res.ok ? res.json() : null; })
    .then(function (j) { if (j && j.sample) { state.codes[id] = j.sample.code; redraw(); } }, function () { /* id stays */ });
}

/* ---------- one sample ---------- */

function factsLine(s) {
  var parts = [];
  if (s.age) parts.push(t('smp.age') + ' ' + num(s.age.value, s.age.value % 1 ? 1 : 0) + ' ' +
    t(s.age.unit === 'months' ? 'smp.months' : 'smp.years'));
  parts.push(t('smp.sex') + ': ' + t('smp.sex.' + (s.sex || 'unknown')));
  if (s.pregnant) parts.push(t('smp.pregnant') + (s.trimester ? ' (' + t('smp.trimesterN', { n: s.trimester }) + ')' : ''));
  parts.push(t('smp.hb') + ': ' + (s.hemoglobin ? num(s.hemoglobin.value, 1) + ' ' + s.hemoglobin.unit : t('rp.notEntered')));
  if (s.altitude_m !== null && s.altitude_m !== undefined) parts.push(t('smp.altitude') + ': ' + num(s.altitude_m));
  parts.push(t('smp.smoker') + ': ' + t(s.smoker ? 'smp.yes' : 'smp.no'));
  return parts.join(' · ');
}

function screeningBox(sum, s) {
  var sc = sum.screening, msgs = i18n.msgs;
  var box = h('div', { 'class': 'rp-screen' + (sc ? ' rp-screen-' + sc.result : ''), 'data-result': sc ? sc.result : '' });
  if (!sc) {
    box.appendChild(h('p', { text: t('rp.noScreening') }));
  } else {
    box.appendChild(h('p', { 'class': 'rp-screen-title' }, [h('strong', { text: t('smp.screening') + ': ' + t('smp.screen.' + sc.result) +
      (sc.severity ? ' · ' + t('smp.severity.' + sc.severity) : '') }),
      ' ' + t('rp.basedOnHb')]));
    /* the "left out because unverified" sentences go to the notes, beside what it would give */
    var why = Array.isArray(sc.reason_i18n) ? sc.reason_i18n.filter(function (m) { return !/_left_out$/.test(m.code); }) : null;
    box.appendChild(h('p', { text: why && i18n.knows(why) ? msgs(why) : msgs(sc.reason_i18n, sc.reason) }));
    if (sc.hemoglobin && sc.hemoglobin.formula)
      box.appendChild(h('p', { 'class': 'rp-small', text: msgs(sc.hemoglobin.formula_i18n, sc.hemoglobin.formula) }));
  }
  box.appendChild(h('p', { 'class': 'rp-next' }, [h('strong', { text: t('rp.next') + ': ' }), t('rp.nextSample')]));
  return box;
}

function estimatesTable(sum) {
  var tb = h('tbody');
  CLASSES.forEach(function (c) {
    var st = (sum.per_field_stats || {})[c] || {}, est = (sum.estimates || {})[c], fl = (sum.flags || {})[c];
    var range = fl && fl.range_per_ul ? num(fl.range_per_ul[0]) + '–' + num(fl.range_per_ul[1]) +
      (fl.range_unverified ? ' (' + t('smp.unverified') + ')' : '') : '–';
    var judged = !est ? '–' : est.plausible === false || (fl && fl.flag === 'implausible') ? t('smp.flag.implausible')
      : fl ? t('smp.flag.' + fl.flag) : '–';
    tb.appendChild(h('tr', { 'data-class': c }, [h('th', { scope: 'row', text: label(c) }),
      h('td', { 'class': 'num', text: num((sum.totals || {})[c]) }),
      h('td', { 'class': 'num', text: num(st.mean, 1) + (typeof st.sd === 'number' ? ' ± ' + num(st.sd, 1) : '') }),
      h('td', { 'class': 'num', text: est ? trust.estimateText(est) : '–' }),
      h('td', { 'class': 'num', text: range }),
      h('td', { 'class': 'rp-flag' + (est && est.plausible === false ? ' implausible' : ''), text: judged })]));
  });
  return h('table', { 'class': 'rp-table rp-wide' }, [h('thead', {}, [h('tr', {}, [
    h('th', { scope: 'col', text: t('counts.class') }), h('th', { scope: 'col', 'class': 'num', text: t('smp.total') }),
    h('th', { scope: 'col', 'class': 'num', text: t('smp.meanSd') }), h('th', { scope: 'col', 'class': 'num', text: t('smp.perUl') }),
    h('th', { scope: 'col', 'class': 'num', text: t('rp.range') }), h('th', { scope: 'col', text: t('rp.judged') })])]), tb]);
}

function thumbs(sum) {
  var fields = sum.per_field || [];
  var wrap = h('div', { 'class': 'rp-thumbs' });
  fields.slice(0, MAX_THUMBS).forEach(function (f, i) {
    wrap.appendChild(h('figure', { 'class': 'rp-thumb', 'data-result': f.result }, [
      h('img', { src: '/results/' + encodeURIComponent(f.result) + '/thumb.jpg', alt: '' }),
      h('figcaption', { text: (i + 1) + ' · ' + CLASSES.map(function (c) {
        return t('abbr.' + c) + ' ' + num((f.counts || {})[c]); }).join(' ') + (f.review_version > 0 ? ' ✓' : '') +
        (f.selection === 'targeted' ? ' · ' + t('smp.sel.short.targeted') : '') +
        (f.scale_unsure ? ' · ' + t('smp.warn.scale') : '') +
        (f.quality && !f.quality.poor && (f.quality.flags || []).length ? ' · ' + (f.quality.flags || []).map(function (q) {
          return t('quality.short.' + q.flag); }).join(', ') : '') +
        (f.quality && f.quality.poor ? ' · ' + t('quality.short.poor') + ': ' + (f.quality.flags || []).map(function (q) {
          return t('quality.short.' + q.flag); }).join(', ') +
          (f.quality.included ? ' ✓' : '') : '') })]));
  });
  if (fields.length > MAX_THUMBS)
    wrap.appendChild(h('p', { 'class': 'rp-small', text: t('rp.moreFields', { n: fields.length - MAX_THUMBS }) }));
  return wrap;
}

/*
 * The sample's white-cell differential in two short lines: the types seen with count and %
 * (per µL when the WBC estimate is valid), the 100-cell rule, the reference comparison (never
 * on an incomplete count), and the cells to review.
 */
function differentialLines(dv) {
  var msgs = i18n.msgs, ref = dv.reference, seen = [];
  (dv.classes || []).forEach(function (c) {
    var n = (dv.counts || {})[c] || 0;
    if (!n) return;
    var r = ref && ref.classes ? ref.classes[c] : null;
    var flag = r && r.pct_flag && r.pct_flag !== 'normal' ? r.pct_flag : r && r.per_ul_flag && r.per_ul_flag !== 'normal' ? r.per_ul_flag : null;
    var pct = dv.percent && dv.percent[c] !== null && dv.percent[c] !== undefined ? num(dv.percent[c], 1) + ' %' : '';
    var paren = [pct, dv.per_ul ? num(dv.per_ul[c]) + '/µL' : ''].filter(Boolean).join(', ');
    seen.push(t('wbc.t.' + c) + ' ' + num(n) + (paren ? ' (' + paren + ')' : '') + (flag ? ' ' + t('smp.flag.' + flag) : ''));
  });
  if (dv.untyped) seen.push(t('smp.diff.untyped') + ' ' + num(dv.untyped));
  var out = [h('p', { 'class': 'rp-diff', 'data-complete': String(!!dv.complete) }, [
    h('strong', { text: t('smp.diff.rp') + ' (' + t('smp.diff.progress', { typed: num(dv.typed || 0), min: num(dv.required || 100) }) +
      ', ' + t(dv.complete ? 'smp.diff.complete' : 'smp.diff.incomplete') + '): ' }), seen.join(' · ') || '–'])];
  var notes = [msgs(dv.text_i18n, dv.text)];
  (dv.flags || []).forEach(function (f) { notes.push(msgs(f.text_i18n, f.text)); });
  if (!dv.per_ul && dv.per_ul_withheld && dv.typed) notes.push(t('smp.diff.perUlWithheld') + ': ' + msgs(dv.per_ul_withheld_i18n, dv.per_ul_withheld));
  out.push(h('p', { 'class': 'rp-small rp-diff-notes', text: notes.join(' ') }));
  return out;
}

function reviewers(sum) {
  return sum.review && Array.isArray(sum.review.by) && sum.review.by.length ? sum.review.by.join(', ') : null;
}

function buildSample(data) {
  var s = data.sample, sum = data.summary || {}, msgs = i18n.msgs;
  var page = h('div', { 'class': 'rp-page rp-sample', 'data-sample': s.id });
  page.appendChild(header(t('rp.sampleTitle'), [
    [t('rp.sampleCode'), s.code],
    [t('rp.created'), i18n.date(s.created)],
    [t('smp.preparation'), t('smp.prep.' + s.preparation) + (s.profile ? ' · ' +
      i18n.label('msg.profile', s.profile, (sum.calibration || {}).label) : '')]]));
  page.appendChild(h('p', { 'class': 'rp-facts' }, [h('strong', { text: t('rp.patient') + ': ' }), factsLine(s)]));
  page.appendChild(screeningBox(sum, s));
  page.appendChild(h('h3', { text: t('rp.counts', { n: sum.fields || 0 }) }));
  page.appendChild(estimatesTable(sum));
  if (sum.manual && Object.keys(sum.manual).length)
    page.appendChild(h('p', { 'class': 'rp-diff rp-manual' }, [h('strong', { text: t('smp.manual.rp') + ': ' }),
      CLASSES.filter(function (c) { return sum.manual[c]; }).map(function (c) {
        var m = sum.manual[c], fl = m.flag || {};
        return label(c) + ' ' + num(m.per_ul) + '/µL (' + msgs(m.formula_i18n, m.formula) + ')' +
          (fl.flag && fl.flag !== 'none' ? ' ' + t('smp.flag.' + fl.flag) : '');
      }).join(' · ')]));
  if (sum.differential && sum.fields > 0 && (s.preparation !== 'chamber' || sum.differential.typed > 0))
    differentialLines(sum.differential).forEach(function (e) { page.appendChild(e); });
  /* The red-cell pattern line, only once enough cells were measured (docs/morphology.md). */
  if (sum.morphology && sum.morphology.pattern)
    page.appendChild(h('p', { 'class': 'rp-small rp-morph' }, [h('strong', { text: t('smp.morph') + ' (' + t('smp.unverified') + '): ' }),
      msgs(sum.morphology.pattern_i18n, sum.morphology.pattern)]));
  var notes = h('div', { 'class': 'rp-notes' });
  /* which fields the estimates use, and those left out as poor: one paragraph (one A4 page) */
  var used = h('p', { text: sum.selection && sum.selection.text ? msgs(sum.selection.text_i18n, sum.selection.text) : '' });
  if (sum.quality && sum.quality.poor_excluded > 0)
    used.appendChild(h('span', { 'class': 'rp-quality', text: (used.textContent ? ' ' : '') +
      msgs(sum.quality.text_i18n, sum.quality.text) }));
  if (used.textContent) notes.appendChild(used);
  if (sum.detector_note) notes.appendChild(h('p', { text: msgs(sum.detector_note_i18n, sum.detector_note) }));
  if (sum.stability && !sum.stability.stable)
    notes.appendChild(h('p', {}, [h('strong', { text: t('smp.unstable') + ' ' }), msgs(sum.stability.warning_i18n, sum.stability.warning)]));
  if (sum.review && sum.review.text) notes.appendChild(h('p', { text: msgs(sum.review.text_i18n, sum.review.text) }));
  if (sum.estimates_unavailable) notes.appendChild(h('p', { text: msgs(sum.estimates_unavailable_i18n, sum.estimates_unavailable) }));
  /* The result with unverified reference data: a note beside, never in the screening box. */
  var wu = sum.screening && sum.screening.with_unverified;
  if ((sum.unverified && sum.unverified.text) || wu) notes.appendChild(h('p', {}, [
    sum.unverified && sum.unverified.text ? msgs(sum.unverified.text_i18n, sum.unverified.text) : '',
    wu ? h('span', { 'class': 'rp-with-unverified', text: ' ' + t('smp.withUnverified') + ' (' +
      (wu.uses || []).map(function (u) { return t('smp.uses.' + u); }).join(', ') + '): ' +
      t('smp.screen.' + wu.result) + (wu.severity ? ' · ' + t('smp.severity.' + wu.severity) : '') + '.' }) : null]));
  notes.appendChild(h('p', { text: t('rp.estimateNote') }));
  if (s.note) notes.appendChild(h('p', { text: t('smp.note') + ': ' + (s.note.length > 200 ? s.note.slice(0, 200) + '…' : s.note) }));
  page.appendChild(notes);
  if (sum.per_field && sum.per_field.length) {
    page.appendChild(h('h3', { text: t('smp.fields') }));
    page.appendChild(thumbs(sum));
  }
  page.appendChild(signatures(reviewers(sum)));
  footer(state.model, null).forEach(function (e) { page.appendChild(e); });
  return page;
}

/* ---------- drawing and choosing ---------- */

function redraw() {
  var el = root();
  clear(el);
  var want = state.view === 'samples' ? state.sample : state.view === 'analyze' ? state.result : null;
  var page = null;
  try {
    page = !want ? null : want.kind === 'sample' ? buildSample(want.data) : buildResult(want.data);
  } catch (e) {
    page = null;   /* a report that cannot be drawn: the screen layout prints instead */
  }
  if (page) el.appendChild(page);
  document.documentElement.classList.toggle('has-report', !!page);
}

/* The result the Analyse view shows (see buildResult for d). */
export function result(d) { askModel(); state.result = d ? { kind: 'result', data: d } : null; redraw(); }
/* The sample the Samples view shows: {sample, summary} as GET /api/samples/{id}; null: none. */
export function sample(data) { askModel(); state.sample = data ? { kind: 'sample', data: data } : null; redraw(); }
/* The view in force ('analyze', 'samples', 'history') picks the report that prints. */
export function view(v) { state.view = v; redraw(); }
/* The model's accuracy in one plain sentence in this language (the Analyse page's info row too). */
export { accuracySentence as accuracy, accuracySentence };
