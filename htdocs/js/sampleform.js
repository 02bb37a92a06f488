/* sampleform.js: the sample form (create, or edit a stored sample with PUT), every number read in the page's own notation */
import * as i18n from './i18n.js';
import { h } from './dom.js';
import { state, request, errorBox, parseNumber, typed, ageEcho, field, select, asTyped } from './samplebase.js';
import { renderSample } from './samples.js';

const t = i18n.t;

/* A chamber: the counts the technician made by eye, per cell type (the detector is not validated there). */
export var MANUAL = [['WBC', 'large'], ['RBC', 'medium'], ['Platelets', 'medium']];

export function manualFieldset() {
  var manual = h('fieldset', { 'class': 'manual-counts' }, [h('legend', { text: t('smp.manual') }),
    h('p', { 'class': 'hint', text: t('smp.manualHint') })]);
  MANUAL.forEach(function (m) {
    var c = m[0], n = 'manual_counts.' + c + '.';
    var sq = select(n + 'square', ['large', 'medium', 'small'].map(function (v) { return [v, t('smp.manual.sq.' + v)]; }));
    sq.value = m[1];
    manual.appendChild(h('div', { 'class': 'manual-row', 'data-class': c }, [h('strong', { text: t('class.' + c) }),
      field(t('smp.manual.cells'), h('input', { name: n + 'cells', type: 'text', inputmode: 'numeric', autocomplete: 'off' })),
      field(t('smp.manual.squares'), h('input', { name: n + 'squares', type: 'text', inputmode: 'numeric', autocomplete: 'off' })),
      field(t('smp.manual.square'), sq),
      field(t('smp.manual.dilution'), h('input', { name: n + 'dilution', type: 'text', inputmode: 'decimal', autocomplete: 'off' }))]));
  });
  return manual;
}

/* The form's controls, kept by name for the handlers below. */
export function formControls() {
  var c = {
    prep: select('preparation', [['smear', t('smp.prep.smear')], ['chamber', t('smp.prep.chamber')]]),
    profile: h('select', { name: 'profile' }),
    /* Text fields, not type=number: a Spanish Chromium turns "10,2" in a number field into 102. */
    dilution: h('input', { name: 'dilution', type: 'text', inputmode: 'decimal', autocomplete: 'off' }),
    manual: manualFieldset(),
    pregnant: h('input', { name: 'pregnant', type: 'checkbox' }),
    trimester: select('trimester', [['', '–'], ['1', '1'], ['2', '2'], ['3', '3']]),
    smoker: h('input', { name: 'smoker', type: 'checkbox' }),
    out: h('div', { 'class': 'form-error' })
  };
  c.dilRow = field(t('smp.dilution'), c.dilution, t('smp.dilutionHint'));
  return c;
}

/* The calibration profiles of the chosen preparation, its default chosen; a chamber's own rows shown. */
export function fillProfiles(c) {
  var prep = c.prep, profile = c.profile;
  while (profile.firstChild) profile.removeChild(profile.firstChild);
  var ps = (state.profiles && state.profiles.profiles) || [];
  ps.filter(function (p) { return p.preparation === prep.value; }).forEach(function (p) {
    profile.appendChild(h('option', { value: p.name, text: i18n.label('msg.profile', p.name, p.label || p.name) }));
  });
  var def = state.profiles && state.profiles.default_profile && state.profiles.default_profile[prep.value];
  if (def) profile.value = def;
  c.dilRow.hidden = prep.value !== 'chamber';
  c.manual.hidden = prep.value !== 'chamber';
}

export function formGrid(form, c) {
  var prep = c.prep, profile = c.profile, dilRow = c.dilRow, manual = c.manual, pregnant = c.pregnant;
  var trimester = c.trimester, smoker = c.smoker;
  form.appendChild(h('div', { 'class': 'form-grid' }, [
    field(t('smp.code'), h('input', { name: 'code', required: 'required', maxlength: '32', autocomplete: 'off' }), t('smp.codeHint')),
    field(t('smp.preparation'), prep),
    field(t('smp.profile'), profile),
    dilRow,
    manual,
    h('div', { 'class': 'form-row' }, [h('div', { 'class': 'form-row pair' }, [
      field(t('smp.age'), h('input', { name: 'age', type: 'text', inputmode: 'decimal', autocomplete: 'off',
        'aria-describedby': 'smp-age-echo' })),
      field(t('smp.ageUnit'), select('age_unit', [['', t('smp.unitChoose')], ['years', t('smp.years')], ['months', t('smp.months')]]))]),
      h('p', { 'class': 'hint echo', id: 'smp-age-echo', 'aria-live': 'polite' })]),
    field(t('smp.sex'), select('sex', [['unknown', t('smp.sex.unknown')], ['female', t('smp.sex.female')], ['male', t('smp.sex.male')]])),
    h('div', { 'class': 'form-row pair' }, [
      h('label', { 'class': 'check' }, [pregnant, ' ' + t('smp.pregnant')]),
      field(t('smp.trimester'), trimester)]),
    h('div', { 'class': 'form-row' }, [h('div', { 'class': 'form-row pair' }, [
      field(t('smp.hb'), h('input', { name: 'hemoglobin', type: 'text', inputmode: 'decimal', autocomplete: 'off',
        'aria-describedby': 'smp-hb-echo' })),
      field(t('smp.hbUnit'), select('hemoglobin_unit', [['g/dL', 'g/dL'], ['g/L', 'g/L']]))]),
      h('p', { 'class': 'hint echo', id: 'smp-hb-echo', 'aria-live': 'polite' })]),
    field(t('smp.altitude'), h('input', { name: 'altitude_m', type: 'text', inputmode: 'decimal', autocomplete: 'off' }),
      t('smp.altitudeHint')),
    h('div', { 'class': 'form-row' }, [h('label', { 'class': 'check' }, [smoker, ' ' + t('smp.smoker')])]),
    field(t('smp.note'), h('textarea', { name: 'note', rows: '2', maxlength: '500' }), t('smp.noteHint'))
  ]));
}

/* Echo what was understood, before saving: "2 years 6 months (30 months) → WHO group: ...". */
export function echo(form, c) {
  var pregnant = c.pregnant, trimester = c.trimester;
  var f = form.elements, a = parseNumber(f.age.value), hb = parseNumber(f.hemoglobin.value);
  var ae = form.querySelector('#smp-age-echo'), he = form.querySelector('#smp-hb-echo');
  ae.textContent = a.error ? '' : a.value !== null && !f.age_unit.value ? t('smp.echo.unit') :
    ageEcho(a.value, f.age_unit.value, f.sex.value, pregnant.checked, trimester.value);
  he.textContent = hb.error || hb.value === null ? '' : t('smp.echo.hb', { v: String(hb.value).replace('.', t('smp.num.sep')),
    unit: f.hemoglobin_unit.value, other: f.hemoglobin_unit.value === 'g/dL'
      ? typed(hb.value * 10, (hb.value * 10) % 1 ? 1 : 0) + ' g/L' : typed(hb.value / 10, 2).replace(/[.,]?0+$/, '') + ' g/dL' });
}

/*
 * The request body from the form, every number in the page's own notation: {body} or {bad: {el,
 * text}} naming the first field refused here as unclear.
 */
export function readForm(form, c) {
  var prep = c.prep, profile = c.profile, pregnant = c.pregnant, trimester = c.trimester, smoker = c.smoker;
  var f = form.elements, body = { code: f.code.value.trim(), preparation: prep.value, sex: f.sex.value,
    pregnant: pregnant.checked, smoker: smoker.checked, note: f.note.value };
  if (profile.value) body.profile = profile.value;
  var bad = null;
  function numField(name, label) {
    var r = parseNumber(f[name].value);
    if (bad) return;
    if (r.error) bad = { el: f[name], text: t('smp.num.' + r.error, { field: label, v: f[name].value.trim(),
      whole: r.whole, decimal: r.decimal }) };
    else if (r.value !== null) body[name] = r.value;
  }
  numField('age', t('smp.age'));
  if (body.age !== undefined) {
    if (!f.age_unit.value && !bad) bad = { el: f.age_unit, text: t('smp.num.unit', { field: t('smp.age') }) };
    body.age_unit = f.age_unit.value;
  }
  numField('hemoglobin', t('smp.hb'));
  if (body.hemoglobin !== undefined) body.hemoglobin_unit = f.hemoglobin_unit.value;
  numField('altitude_m', t('smp.altitude'));
  if (trimester.value) body.trimester = Number(trimester.value);
  if (prep.value === 'chamber') numField('dilution', t('smp.dilution'));
  /* Manual counts: a row counts once it has cells and squares; half a row is refused here. */
  if (prep.value === 'chamber') MANUAL.forEach(function (m) {
    var c = m[0], n = 'manual_counts.' + c + '.', row = {};
    var cells = parseNumber(f[n + 'cells'].value), squares = parseNumber(f[n + 'squares'].value);
    if (bad || (cells.value === null && squares.value === null && !cells.error && !squares.error)) return;
    [['cells', t('smp.manual.cells')], ['squares', t('smp.manual.squares')], ['dilution', t('smp.manual.dilution')]].forEach(function (x) {
      var r = parseNumber(f[n + x[0]].value), label = t('class.' + c) + ' · ' + x[1];
      if (bad) return;
      if (r.error) bad = { el: f[n + x[0]], text: t('smp.num.' + r.error, { field: label, v: f[n + x[0]].value.trim(),
        whole: r.whole, decimal: r.decimal }) };
      else if (r.value !== null) row[x[0]] = r.value;
      else if (x[0] !== 'dilution') bad = { el: f[n + x[0]], text: t('smp.manual.missing', { field: label }) };
    });
    row.square = f[n + 'square'].value;
    if (!bad) (body.manual_counts = body.manual_counts || {})[c] = row;
  });
  return { body: body, bad: bad };
}

/* Say the refusal in the form and point at its field; true when there was one. */
export function showBad(form, out, bad) {
  while (out.firstChild) out.removeChild(out.firstChild);
  form.querySelectorAll('[aria-invalid]').forEach(function (el) { el.removeAttribute('aria-invalid'); });
  if (!bad) return false;
  out.appendChild(h('div', { 'class': 'error', role: 'alert', 'data-code': 'bad_number',
    'data-field': bad.el.getAttribute('name') }, [h('p', { 'class': 'error-msg', text: t('smp.err.invalid') }),
    h('p', { 'class': 'error-detail', text: bad.text })]));
  bad.el.setAttribute('aria-invalid', 'true');
  bad.el.focus();
  return true;
}

export function submitForm(form, c, s) {
  var out = c.out, f = form.elements, r = readForm(form, c), body = r.body;
  if (showBad(form, out, r.bad)) return;
  /* A smoking amount given through the API is kept; the form has no field for it. */
  if (s && body.smoker && s.packs_per_day !== null && s.packs_per_day !== undefined) body.packs_per_day = s.packs_per_day;
  (s ? request('PUT', '/api/samples/' + encodeURIComponent(s.id), body) : request('POST', '/api/samples', body))
    .then(function (r) {
      if (s) renderSample(r);
      else location.hash = '#/samples/' + r.id;
    }, function (err) {
      var box = errorBox(err), name = box.getAttribute('data-field'), el = name ? f[name] : null;
      out.appendChild(box);
      /* The API names the field it refused: point at it. */
      if (el && el.focus) { el.setAttribute('aria-invalid', 'true'); el.focus(); }
    });
}

/* The stored sample's facts back into the form, numbers as the form takes them. */
export function fillForm(form, c, s) {
  var prep = c.prep, profile = c.profile, dilution = c.dilution, pregnant = c.pregnant;
  var trimester = c.trimester, smoker = c.smoker;
  var f = form.elements;
  f.code.value = s.code || '';
  prep.value = s.preparation || 'smear';
  fillProfiles(c);
  if (s.profile) profile.value = s.profile;
  dilution.value = asTyped(s.dilution);
  if (s.age) { f.age.value = asTyped(s.age.value); f.age_unit.value = s.age.unit; }
  f.sex.value = s.sex || 'unknown';
  pregnant.checked = !!s.pregnant;
  trimester.value = s.trimester ? String(s.trimester) : '';
  if (s.hemoglobin) { f.hemoglobin.value = asTyped(s.hemoglobin.value); f.hemoglobin_unit.value = s.hemoglobin.unit; }
  f.altitude_m.value = asTyped(s.altitude_m);
  smoker.checked = !!s.smoker;
  f.note.value = s.note || '';
  Object.keys(s.manual_counts || {}).forEach(function (c) {
    var m = s.manual_counts[c], n = 'manual_counts.' + c + '.';
    if (!f[n + 'cells']) return;
    f[n + 'cells'].value = asTyped(m.cells);
    f[n + 'squares'].value = asTyped(m.squares);
    f[n + 'square'].value = m.square;
    f[n + 'dilution'].value = asTyped(m.dilution);
  });
}

/* The sample form: empty to create one, or filled from stored sample s to edit it (PUT). */
export function createForm(s) {
  var form = h('form', { 'class': 'sample-form', novalidate: 'novalidate' }), c = formControls();
  c.prep.addEventListener('change', function () { fillProfiles(c); });
  formGrid(form, c);
  form.appendChild(c.out);
  form.appendChild(h('button', { type: 'submit', 'class': 'button primary', text: t(s ? 'smp.save' : 'smp.create') }));
  form.addEventListener('input', function () { echo(form, c); });
  form.addEventListener('change', function () { echo(form, c); });
  form.addEventListener('submit', function (ev) { ev.preventDefault(); submitForm(form, c, s); });
  fillProfiles(c);
  if (s) fillForm(form, c, s);
  echo(form, c);
  return form;
}
