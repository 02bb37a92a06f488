/* sampleview.js: one sample's summary: facts, counts table, estimates with intervals and formulas, screening, differential, morphology, fields, sources */
import * as i18n from './i18n.js';
import * as api from './api.js';
import * as trust from './trust.js';
import { h } from './dom.js';
import { state, request, errorBox, num } from './samplebase.js';
import { renderSample } from './samples.js';
import { classesView } from './morphclasses.js';

const t = i18n.t;

/* ---------- one sample ---------- */

/* A calibration profile's name in this language (its label from the server), never its raw id. */
export function profileName(id) {
  if (!id) return '–';
  var p = ((state.profiles && state.profiles.profiles) || []).filter(function (x) { return x.name === id; })[0];
  return i18n.label('msg.profile', id, p && p.label);
}

export function facts(s) {
  var rows = [[t('smp.codeShort'), s.code], [t('smp.preparation'), t('smp.prep.' + s.preparation)],
    [t('smp.profile'), profileName(s.profile)]];
  if (s.dilution) rows.push([t('smp.dilution'), '1:' + num(s.dilution)]);
  if (s.age) rows.push([t('smp.age'), num(s.age.value, 1) + ' ' + t(s.age.unit === 'months' ? 'smp.months' : 'smp.years')]);
  rows.push([t('smp.sex'), t('smp.sex.' + (s.sex || 'unknown'))]);
  if (s.pregnant) rows.push([t('smp.pregnant'), s.trimester ? t('smp.trimesterN', { n: s.trimester }) : t('smp.yes')]);
  if (s.hemoglobin) rows.push([t('smp.hb'), num(s.hemoglobin.value, 1) + ' ' + s.hemoglobin.unit]);
  if (s.altitude_m !== null && s.altitude_m !== undefined) rows.push([t('smp.altitude'), num(s.altitude_m) + ' m']);
  rows.push([t('smp.smoker'), t(s.smoker ? 'smp.yes' : 'smp.no')]);
  if (s.note) rows.push([t('smp.note'), s.note]);
  var dl = h('dl', { 'class': 'info' });
  rows.forEach(function (r) { dl.appendChild(h('dt', { text: r[0] })); dl.appendChild(h('dd', { text: r[1] })); });
  return dl;
}

/* A choice of how fields were chosen: random monolayer or around white cells. */
/*
 * A field's quality flags in the sample (docs/quality.md): each flag's sentence, and for a
 * poor field whether it is in the estimates, with a reviewer's button to include it (the
 * operator's name is recorded as who included it) or to leave it out again.
 */
export function fieldQuality(f, sid) {
  var q = f.quality;
  if (q && !q.poor && q.reference)
    return h('p', { 'class': 'hint quality-ref', text: trust.qualityRefText(q.reference) });
  if (!q || !q.poor) return null;
  var msgs = i18n.msgs;
  var box = h('div', { 'class': 'field-quality', 'data-included': String(!!q.included) }, [
    h('ul', { 'class': 'quality-flags' }, (q.flags || []).map(function (fl) {
      return h('li', { 'data-flag': fl.flag, text: msgs(fl.text_i18n, fl.text) });
    })),
    h('p', { 'class': 'quality-state', text: q.included ? t('quality.included', { by: (q.included_by || {}).by || '' })
      : t('quality.excluded') }),
    q.reference ? h('p', { 'class': 'hint quality-ref', text: trust.qualityRefText(q.reference) }) : null]);
  var btn = h('button', { type: 'button', 'class': 'button small no-print quality-toggle',
                          text: t(q.included ? 'quality.exclude' : 'quality.include') });
  btn.addEventListener('click', function () {
    btn.disabled = true;
    request('PUT', '/api/samples/' + encodeURIComponent(sid) + '/results/' + encodeURIComponent(f.result),
      { include_poor: !q.included, by: api.operator() || '' })
      .then(renderSample, function (err) { btn.disabled = false; state.root.appendChild(errorBox(err)); });
  });
  box.appendChild(btn);
  return box;
}

export function selectionSelect(value, cls) {
  var s = h('select', { 'class': cls });
  ['random', 'targeted'].forEach(function (v) {
    s.appendChild(h('option', { value: v, text: t('smp.sel.' + v) }));
  });
  s.value = value === 'targeted' ? 'targeted' : 'random';
  return s;
}

/* "lo–hi" of a reference interval, with its flag when the differential was compared. */
export function refText(iv, flag, d) {
  if (!iv) return '';
  return num(iv[0], d) + '–' + num(iv[1], d) + (flag && flag !== 'normal' ? ' (' + t('smp.flag.' + flag) + ')' : '');
}

/*
 * Red-cell morphology over the sample's fields (docs/morphology.md): measured figures, then the
 * pattern line, or why it is withheld; every cut is unverified and none of it is a diagnosis.
 */
export function morphologyView(m) {
  var msgs = i18n.msgs, pct = function (v) { return v === null || v === undefined ? '–' : num(100 * v, 0) + ' %'; };
  var size = m.mean_diameter_um != null ? num(m.mean_diameter_um, 1) + ' µm' : num(m.mean_diameter_px, 1) + ' px';
  return h('div', { 'class': 'morphology', 'data-measured': String(m.measured || 0) }, [
    h('h3', { text: t('smp.morph') + ' (' + t('smp.unverified') + ')' }),
    h('p', { 'class': 'morph-figures', text: t('smp.morph.figures', { measured: num(m.measured), fields: num(m.fields),
      size: size, cv: pct(m.diameter_cv), hypo: pct(m.hypochromic_share), ellip: pct(m.elongated_share) }) }),
    classesView(m.classes),
    m.pattern ? h('p', { 'class': 'morph-pattern', text: msgs(m.pattern_i18n, m.pattern) })
      : h('p', { 'class': 'hint morph-withheld', text: msgs(m.withheld_i18n, m.withheld) })]);
}

/*
 * The white-cell differential over every field: counts and % of the typed cells, per µL only
 * from a valid WBC estimate, the 100-cell rule with its progress, cells to review (IG,
 * erythroblasts), and the reference intervals, never flagged on an incomplete count.
 */
export function differentialView(dv) {
  var msgs = i18n.msgs, ref = dv.reference, classes = dv.classes || [];
  var box = h('div', { 'class': 'differential', 'data-complete': String(!!dv.complete), 'data-typed': String(dv.typed || 0) });
  box.appendChild(h('h3', {}, [t('smp.diff') + ' ', h('span', { 'class': 'tag ' + (dv.complete ? 'diff-complete' : 'diff-incomplete'),
    text: t(dv.complete ? 'smp.diff.complete' : 'smp.diff.incomplete') })]));
  var req = dv.required || 100, typed = dv.typed || 0;
  box.appendChild(h('p', { 'class': 'diff-progress' }, [
    h('progress', { max: String(req), value: String(Math.min(typed, req)), 'aria-hidden': 'true' }), ' ',
    h('span', { text: t('smp.diff.progress', { typed: num(typed), min: num(req) }) })]));
  box.appendChild(h('p', { 'class': 'diff-text', text: msgs(dv.text_i18n, dv.text) }));
  (dv.flags || []).forEach(function (f) {
    box.appendChild(h('p', { 'class': 'warn-box diff-flag', 'data-class': f.class }, [h('strong', { text: t('smp.diff.review') + ': ' }),
      msgs(f.text_i18n, f.text)]));
  });
  var table = h('table', { 'class': 'counts diff-table' });
  table.appendChild(h('thead', {}, [h('tr', {}, [
    h('th', { scope: 'col', text: t('smp.diff.type') }), h('th', { scope: 'col', 'class': 'num', text: t('smp.diff.count') }),
    h('th', { scope: 'col', 'class': 'num', text: t('smp.diff.pct') }), h('th', { scope: 'col', 'class': 'num', text: t('smp.diff.perUl') }),
    ref ? h('th', { scope: 'col', text: t('smp.diff.ref') + (ref.unverified ? ' (' + t('smp.unverified') + ')' : '') }) : null])]));
  var tb = h('tbody');
  classes.forEach(function (c) {
    var r = ref && ref.classes ? ref.classes[c] : null, pct = dv.percent ? dv.percent[c] : null;
    var flagged = r && ((r.pct_flag && r.pct_flag !== 'normal') || (r.per_ul_flag && r.per_ul_flag !== 'normal'));
    tb.appendChild(h('tr', { 'data-type': c, 'class': flagged ? 'diff-out' : '' }, [
      h('th', { scope: 'row', text: t('wbc.t.' + c) }),
      h('td', { 'class': 'num', text: num((dv.counts || {})[c]) }),
      h('td', { 'class': 'num pct', text: pct === null || pct === undefined ? '–' : num(pct, 1) }),
      h('td', { 'class': 'num per-ul', text: dv.per_ul ? num(dv.per_ul[c]) : '–' }),
      ref ? h('td', { 'class': 'ref', text: r ? [refText(r.pct, r.pct_flag, 0) ? refText(r.pct, r.pct_flag, 0) + ' %' : '',
        refText(r.per_ul, r.per_ul_flag, 0) ? refText(r.per_ul, r.per_ul_flag, 0) + ' /µL' : ''].filter(Boolean).join(' · ') : '–' }) : null]));
  });
  tb.appendChild(h('tr', { 'data-type': 'untyped', 'class': 'untyped' }, [h('th', { scope: 'row', text: t('smp.diff.untyped') }),
    h('td', { 'class': 'num', text: num(dv.untyped || 0) }), h('td', { 'class': 'num', text: '–' }), h('td', { 'class': 'num', text: '–' }),
    ref ? h('td', { text: '' }) : null]));
  table.appendChild(tb);
  /* on a phone the reference column scrolls into view inside its box, with a cue */
  box.appendChild(h('div', { 'class': 'table-scroll' }, [table]));
  if (!dv.per_ul && dv.per_ul_withheld)
    box.appendChild(h('p', { 'class': 'hint per-ul-withheld' }, [h('strong', { text: t('smp.diff.perUlWithheld') + ': ' }),
      msgs(dv.per_ul_withheld_i18n, dv.per_ul_withheld)]));
  box.appendChild(h('p', { 'class': 'hint', text: t('wbc.caveat') }));
  return box;
}

/* The technician's chamber counts: per µL, the arithmetic, the flag (plausibility first). */
export function manualView(mc) {
  var msgs = i18n.msgs, box = h('div', { 'class': 'manual' }, [h('h3', { text: t('smp.manual') })]);
  var tb = h('tbody');
  ['RBC', 'WBC', 'Platelets'].forEach(function (c) {
    var m = mc[c];
    if (!m) return;
    var fl = m.flag || {};
    tb.appendChild(h('tr', { 'data-class': c }, [h('th', { scope: 'row', text: t('class.' + c) }),
      h('td', { 'class': 'num', text: num(m.cells) }),
      h('td', { 'class': 'num per-ul' + (m.plausible === false ? ' implausible' : ''), text: num(m.per_ul) }),
      h('td', { 'class': 'flag flag-' + (fl.flag || 'none') }, [fl.flag ? t('smp.flag.' + fl.flag) : '–',
        fl.range_unverified && fl.flag !== 'implausible' ? h('span', { 'class': 'tag unverified', text: t('smp.unverified') }) : null])]));
  });
  box.appendChild(h('table', { 'class': 'counts manual-table' }, [h('thead', {}, [h('tr', {}, [
    h('th', { scope: 'col', text: t('counts.class') }), h('th', { scope: 'col', 'class': 'num', text: t('smp.manual.cells') }),
    h('th', { scope: 'col', 'class': 'num', text: t('smp.perUl') }), h('th', { scope: 'col', text: t('smp.flag') })])]), tb]));
  ['RBC', 'WBC', 'Platelets'].forEach(function (c) {
    var m = mc[c];
    if (!m) return;
    box.appendChild(h('p', { 'class': 'mono manual-formula', 'data-class': c, text: msgs(m.formula_i18n, m.formula) }));
    if (m.flag && m.flag.text && m.flag.flag !== 'none')
      box.appendChild(h('p', { 'class': 'hint flag-text', text: msgs(m.flag.text_i18n, m.flag.text) }));
  });
  return box;
}

/*
 * A screening whose full result used reference data not yet verified: the result on verified
 * data alone and the result with the unverified data, side by side, the latter tagged.
 */
export function screeningSplit(sc) {
  var msgs = i18n.msgs, w = sc.with_unverified, wo = sc.without_unverified || {};
  function said(r) { return t('smp.screen.' + r.result) + (r.severity ? ' · ' + t('smp.severity.' + r.severity) : ''); }
  var uses = (w.uses || []).map(function (u) { return t('smp.uses.' + u); }).join(', ');
  return h('div', { 'class': 'screen-split' }, [
    h('h4', { text: t('smp.splitTitle') }),
    h('p', { 'class': 'split-verified', 'data-result': wo.result, 'data-severity': wo.severity || '' }, [
      h('strong', { text: t('smp.verifiedOnly') + ': ' }), said(wo)]),
    h('p', { 'class': 'split-unverified', 'data-result': w.result, 'data-severity': w.severity || '' }, [
      h('strong', { text: t('smp.withUnverified') + ' (' + uses + '): ' }), said(w), ' ',
      h('span', { 'class': 'tag unverified', text: t('smp.unverified') })]),
    h('p', { 'class': 'hint', text: msgs(w.reason_i18n, w.reason) }),
    w.hemoglobin && w.hemoglobin.formula
      ? h('p', { 'class': 'mono hint', text: msgs(w.hemoglobin.formula_i18n, w.hemoglobin.formula) }) : null]);
}

/*
 * A field's own warnings, as its result page gives them: the cell scale unsure, its quality
 * flags (a poor field's box below says what follows from them).  null: none.
 */
export function fieldWarnings(f) {
  var w = [];
  if (f.scale_unsure) w.push(t('smp.warn.scale'));
  ((f.quality && f.quality.flags) || []).forEach(function (q) { w.push(t('quality.short.' + q.flag)); });
  return w.length ? h('p', { 'class': 'field-warn', 'data-warnings': String(w.length) }, [
    h('strong', { text: t('smp.warn.title') + ': ' }), w.join(' · ')]) : null;
}

/* The sample's audit list: each field that left it, when, how and by whom (newest first). */
export function removedView(list) {
  return h('div', { 'class': 'removed-audit' }, [
    h('h3', { text: t('smp.removedTitle') }),
    h('ul', {}, list.slice().reverse().map(function (e) {
      return h('li', { 'data-result': e.result, 'data-how': e.how }, [
        h('span', { 'class': 'mono', text: e.result }), ' — ',
        t(e.how === 'result_deleted' ? 'smp.removed.deleted' : 'smp.removed.takenOut'), ' · ',
        i18n.date(e.at), ' · ', e.by ? t('smp.removed.by', { by: e.by }) : t('smp.removed.noName')]);
    }))]);
}

/* Whose counts these are (a person's reviewed ones, the detector's, or some of each) and whether they settled. */
export function countsNotes(wrap, sum) {
  var msgs = i18n.msgs;
  if (sum.review && sum.review.text)
    wrap.appendChild(h('p', { 'class': 'review-note', 'data-reviewed': String(sum.review.reviewed_fields || 0),
      text: msgs(sum.review.text_i18n, sum.review.text) }));
  if (sum.stability && !sum.stability.stable)
    wrap.appendChild(h('p', { 'class': 'warn-box', 'data-stable': 'false' }, [h('strong', { text: t('smp.unstable') + ' ' }),
      h('span', { 'class': 'stability-warning', text: msgs(sum.stability.warning_i18n, sum.stability.warning) }), ' ',
      h('span', { 'class': 'hint', text: msgs(sum.stability.rule_i18n, sum.stability.rule) })]));
}

/* Totals, per-field mean ± SD and 95 % CI, estimates per µL and flags, one row per class. */
export function countsTable(sum, classes) {
  var table = h('table', { 'class': 'counts sample-table' });
  table.appendChild(h('thead', {}, [h('tr', {}, [
    h('th', { scope: 'col', text: t('counts.class') }), h('th', { scope: 'col', 'class': 'num', text: t('smp.total') }),
    h('th', { scope: 'col', 'class': 'num', text: t('smp.meanSd') }), h('th', { scope: 'col', 'class': 'num', text: t('smp.ci') }),
    h('th', { scope: 'col', 'class': 'num', text: t('smp.perUl') }), h('th', { scope: 'col', text: t('smp.flag') })])]));
  var tb = h('tbody');
  classes.forEach(function (c, k) {
    var st = (sum.per_field_stats || {})[c] || {}, est = (sum.estimates || {})[c], fl = (sum.flags || {})[c];
    tb.appendChild(h('tr', { 'data-class': c }, [
      h('th', { scope: 'row' }, [h('span', { 'class': 'swatch k' + k, 'aria-hidden': 'true' }), t('class.' + c)]),
      h('td', { 'class': 'num total', text: num((sum.totals || {})[c]) }),
      h('td', { 'class': 'num', text: num(st.mean, 1) + (st.sd !== null && st.sd !== undefined ? ' ± ' + num(st.sd, 1) : '') }),
      h('td', { 'class': 'num', text: st.ci95 ? num(st.ci95[0], 1) + '–' + num(st.ci95[1], 1) : '–' }),
      h('td', { 'class': 'num' + (est && est.plausible === false ? ' implausible' : ''), text: est ? num(est.per_ul) : '–' }),
      h('td', { 'class': 'flag flag-' + (fl ? fl.flag : 'none') }, [fl ? t('smp.flag.' + fl.flag) : '–',
        fl && fl.range_unverified && fl.flag !== 'implausible' ? h('span', { 'class': 'tag unverified', text: t('smp.unverified') }) : null])
    ]));
  });
  table.appendChild(tb);
  return table;
}

/* Intervals, the counting frame, and every note on what the estimates rest on. */
export function estimateNotes(wrap, sum, s, classes) {
  var msgs = i18n.msgs;
  wrap.appendChild(h('p', { 'class': 'hint ci-method', text: msgs(sum.ci_method_i18n, sum.ci_method) }));
  /* Each estimate with its 95 % interval, what the interval means, and the counting frame. */
  if (sum.estimates && Object.keys(sum.estimates).length) {
    wrap.appendChild(h('p', { 'class': 'estimate-intervals' }, [h('strong', { text: t('trust.title') + ': ' }),
      classes.filter(function (c) { return sum.estimates[c]; }).map(function (c) {
        var e = sum.estimates[c];
        return t('class.' + c) + ' ' + trust.estimateText(e) + ' /µL' + (e.interval95 ? '' : ' (' + trust.estimateWhy(e) + ')');
      }).join(' · ')]));
    if (sum.interval_method)
      wrap.appendChild(h('p', { 'class': 'hint interval-method', text: msgs(sum.interval_method_i18n, sum.interval_method) }));
    var unv = classes.map(function (c) { var e = sum.estimates[c]; return e && e.interval95 && e.interval95.components; })
      .filter(function (x) { return x && x.factor_sd_unverified; })[0];
    if (unv) wrap.appendChild(h('p', { 'class': 'hint factor-unverified' }, [h('span', { 'class': 'tag unverified', text: t('smp.unverified') }),
      ' ' + t('trust.factorUnverified', { sd: i18n.num(unv.factor_sd_rel * 100, 0) + ' %' })]));
  }
  if (sum.counting_frame && sum.counting_frame.text)
    wrap.appendChild(h('p', { 'class': 'hint counting-frame', 'data-used': String(!!sum.counting_frame.used),
      text: msgs(sum.counting_frame.text_i18n, sum.counting_frame.text) }));
  if (sum.detector_note)
    wrap.appendChild(h('p', { 'class': 'warn-box detector-note', text: msgs(sum.detector_note_i18n, sum.detector_note) }));
  if (sum.manual && Object.keys(sum.manual).length) wrap.appendChild(manualView(sum.manual));
  if (sum.estimates_unavailable)
    wrap.appendChild(h('p', { 'class': 'warn-box unavailable', text: msgs(sum.estimates_unavailable_i18n, sum.estimates_unavailable) }));
  /* Which fields the estimates use: random monolayer fields only. */
  if (sum.quality && sum.quality.poor_excluded > 0)
    wrap.appendChild(h('p', { 'class': 'warn-box quality-note', 'data-poor': String(sum.quality.poor_excluded),
      text: msgs(sum.quality.text_i18n, sum.quality.text) }));
  if (sum.selection && sum.selection.text)
    wrap.appendChild(h('p', { 'class': 'warn-box selection-note', 'data-targeted': String(sum.selection.targeted || 0),
      text: msgs(sum.selection.text_i18n, sum.selection.text) }));
  /* Stained smear fields are what the classifier types; a chamber's unstained cells are not. */
  if (sum.differential && sum.fields > 0 && (!s || s.preparation !== 'chamber' || sum.differential.typed > 0))
    wrap.appendChild(differentialView(sum.differential));
  if (sum.morphology && sum.morphology.fields > 0 && (!s || s.preparation !== 'chamber'))
    wrap.appendChild(morphologyView(sum.morphology));
}

/* Every formula with its numbers, as the server computed it.  Texts from the data files
   (profile label, WHO group, source note) are translated only while unedited (i18n.label). */
export function formulasView(sum, classes) {
  var msgs = i18n.msgs;
  var formulas = h('div', { 'class': 'formulas' }, [h('h3', { text: t('smp.formulas') })]);
  if (sum.calibration) formulas.appendChild(h('p', { 'class': 'mono calibration', text:
    i18n.label('msg.profile', sum.calibration.profile, sum.calibration.label || '') + ': ' +
    msgs(sum.calibration.formula_i18n, sum.calibration.formula) }));
  classes.forEach(function (c) {
    var est = (sum.estimates || {})[c], fl = (sum.flags || {})[c];
    if (est) {
      formulas.appendChild(h('p', { 'class': 'mono formula', 'data-class': c, text: msgs(est.formula_i18n, est.formula) }));
      if (est.assumptions) formulas.appendChild(h('p', { 'class': 'hint', text: msgs(est.assumptions_i18n, est.assumptions) }));
    }
    if (fl && fl.text && fl.flag !== 'none')
      formulas.appendChild(h('p', { 'class': 'hint flag-text', 'data-class': c, text: msgs(fl.text_i18n, fl.text) +
        (fl.range_per_ul && fl.flag !== 'implausible' ? ' (' + t('smp.range') + ' ' + num(fl.range_per_ul[0]) + '–' +
          num(fl.range_per_ul[1]) + ' /µL' + (fl.range_unverified ? ', ' + t('smp.unverified') : '') + ')' : '') }));
  });
  return formulas;
}

/* Reference data not yet checked against its source, and the anaemia screening box. */
export function screeningNotes(wrap, sum) {
  var msgs = i18n.msgs;
  /* Reference data written from memory and not yet checked against its source: said so. */
  if (sum.unverified && sum.unverified.text)
    wrap.appendChild(h('div', { 'class': 'warn-box unverified-box', 'data-items': (sum.unverified.items || []).join(' ') }, [
      h('strong', { text: t('smp.unverifiedTitle') + ': ' }),
      h('span', { 'class': 'unverified-note', text: msgs(sum.unverified.text_i18n, sum.unverified.text) })]));
  var sc = sum.screening;
  if (sc) {
    var box = h('div', { 'class': 'screening screening-' + sc.result, 'data-result': sc.result }, [
      h('h3', { text: t('smp.screening') }),
      h('p', { 'class': 'screen-label' }, [h('strong', { text: t('smp.screen.' + sc.result) }),
        sc.severity ? ' · ' + t('smp.severity.' + sc.severity) : '']),
      h('p', { 'class': 'screen-reason', text: msgs(sc.reason_i18n, sc.reason) })]);
    if (sc.group) box.appendChild(h('p', { 'class': 'hint', text: t('smp.group') + ': ' +
      (sc.group_id ? i18n.label('msg.group', sc.group_id, sc.group) : sc.group) }));
    if (sc.hemoglobin && sc.hemoglobin.formula)
      box.appendChild(h('p', { 'class': 'mono hb-formula', text: msgs(sc.hemoglobin.formula_i18n, sc.hemoglobin.formula) }));
    if (sc.with_unverified) box.appendChild(screeningSplit(sc));
    wrap.appendChild(box);
  }
}

/* The sample's fields: thumbnail, counts, how each was chosen (editable), remove, warnings. */
export function fieldList(wrap, sum, sid, s, classes) {
  if (sum.per_field && sum.per_field.length) {
    var ol = h('ol', { 'class': 'field-list' });
    sum.per_field.forEach(function (f) {
      var rm = h('button', { type: 'button', 'class': 'button small danger remove no-print', text: t('smp.removeField') });
      rm.addEventListener('click', function () {
        if (!rm.classList.contains('armed')) {
          rm.classList.add('armed'); rm.textContent = t('smp.removeConfirmNamed', { code: s.code }); return;
        }
        rm.disabled = true;
        var by = api.operator();
        request('DELETE', '/api/samples/' + encodeURIComponent(sid) + '/results/' + encodeURIComponent(f.result) +
          (by ? '?by=' + encodeURIComponent(by) : ''))
          .then(renderSample, function (err) { rm.disabled = false; state.root.appendChild(errorBox(err)); });
      });
      /* How the field was chosen: editable, the summary follows. */
      var sel = selectionSelect(f.selection || 'random', 'field-selection');
      sel.addEventListener('change', function () {
        sel.disabled = true;
        request('PUT', '/api/samples/' + encodeURIComponent(sid) + '/results/' + encodeURIComponent(f.result),
          { selection: sel.value }).then(renderSample, function (err) { sel.disabled = false; state.root.appendChild(errorBox(err)); });
      });
      ol.appendChild(h('li', { 'data-result': f.result, 'data-selection': f.selection || 'random',
                               'data-poor': String(!!(f.quality && f.quality.poor)) }, [
        h('a', { href: '#/result/' + f.result, 'class': 'field-link' }, [
          h('img', { 'class': 'field-thumb', src: '/results/' + encodeURIComponent(f.result) + '/thumb.jpg', alt: '',
                     width: '48', height: '36', loading: 'lazy' }),
          h('span', { 'class': 'field-name', text: f.file_name || f.result })]),
        ' — ' + classes.map(function (c) { return t('abbr.' + c) + ' ' + num(f.counts[c]); }).join(' · '),
        f.review_version > 0 ? h('span', { 'class': 'tag reviewed', text: t('history.reviewed') }) : null, ' ',
        h('label', { 'class': 'field-mark' }, [h('span', { 'class': 'visually-hidden', text: t('smp.sel.label') + ' ' }), sel]),
        ' ', rm, fieldWarnings(f), fieldQuality(f, sid)]));
    });
    wrap.appendChild(h('h3', { text: t('smp.fields') }));
    wrap.appendChild(ol);
  }
}

/* Removed fields, the disclaimer and the sources as plain text (the page links nowhere outside). */
export function closingNotes(wrap, sum, s) {
  if (s && Array.isArray(s.removed) && s.removed.length) wrap.appendChild(removedView(s.removed));
  wrap.appendChild(h('p', { 'class': 'disclaimer', text: t('disclaimer') }));
  if (sum.disclaimer) wrap.appendChild(h('p', { 'class': 'hint', text: i18n.msgs(sum.disclaimer_i18n, sum.disclaimer) }));
  /* Citations as plain text: the page links nowhere outside this server. */
  if (Array.isArray(sum.sources) && sum.sources.length) {
    var src = h('ol', { 'class': 'sources hint' });
    sum.sources.forEach(function (x) {
      /* Publications keep their own titles; a note of ours is translated while unedited. */
      var text = typeof x === 'string' ? x : (x.citation ? i18n.label('msg.source', x.id, x.citation) : x.id || '') +
        (x.url ? ' ' + x.url : '');
      if (text) src.appendChild(h('li', { text: text }));
    });
    wrap.appendChild(h('h3', { text: t('smp.sources') }));
    wrap.appendChild(src);
  } else if (typeof sum.sources === 'string') {
    wrap.appendChild(h('p', { 'class': 'hint', text: t('smp.sources') + ': ' + sum.sources }));
  }
}

export function summaryView(sum, sid, s) {
  var classes = ['RBC', 'WBC', 'Platelets'];
  var wrap = h('div', { 'class': 'sample-summary' });
  wrap.appendChild(h('p', { 'class': 'fields', text: t('smp.fieldsN', { n: sum.fields }) }));
  countsNotes(wrap, sum);
  /* on a phone the per-µL and flag columns scroll into view inside their box, with a cue */
  wrap.appendChild(h('div', { 'class': 'table-scroll' }, [countsTable(sum, classes)]));
  estimateNotes(wrap, sum, s, classes);
  wrap.appendChild(formulasView(sum, classes));
  screeningNotes(wrap, sum);
  fieldList(wrap, sum, sid, s, classes);
  closingNotes(wrap, sum, s);
  return wrap;
}
