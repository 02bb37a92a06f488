/*
 * samples.js: the Samples view (docs/api.md, Samples): list, create, open a sample's summary
 * (totals, per-field mean ± SD and 95 % CI, estimates per µL with their formulas, flags,
 * anaemia screening), add images to it, delete it.
 *
 * The server writes every formula, reason, warning and assumption in English with its numbers,
 * and beside each the same sentences as codes with parameters ("..._i18n", docs/api.md); this
 * page words those in its own language (i18n.msgs(), numbers through i18n.num), so a
 * technician can check every figure by hand in either language.  A code this page does not
 * know (a newer server) shows the server's English instead.
 */
(function () {
  'use strict';

  var BV = window.BV, i18n = BV.i18n, t = i18n.t;
  var state = { root: null, list: [], profiles: null, current: null, active: null, id: null };

  var h = BV.dom.h;

  function request(method, url, body) {
    var opts = { method: method, headers: { 'Accept': 'application/json' }, cache: 'no-store' };
    if (body !== undefined) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
    return fetch(url, opts).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (j) {
        if (r.ok && j) return j;
        var code = j && j.error ? j.error.code : (r.status === 404 ? 'not_found' : 'internal');
        throw BV.api.ApiError(code, r.status, j && j.error ? j.error.message : '', j && j.error ? j.error.message_i18n : null);
      });
    }, function () { throw BV.api.ApiError('network', 0); });
  }

  /* The generic err.* texts speak of images and results; these errors concern a sample. */
  function errorBox(err) {
    var invalid = err.code === 'bad_request' || err.code === 'missing_field';
    var main = err.code === 'not_found' ? t('smp.err.not_found') : invalid ? t('smp.err.invalid') : BV.app.errorText(err);
    var box = h('div', { 'class': 'error', role: 'alert', 'data-code': err.code }, [h('p', { 'class': 'error-msg', text: main })]);
    /* Validation errors name the field: in this language when the code is known, else the server's words. */
    if (i18n.knows(err.i18n) || (invalid && err.message))
      box.appendChild(h('p', { 'class': 'error-detail', text: i18n.msgs(err.i18n, err.message) }));
    var field = err.i18n && err.i18n[0] && err.i18n[0].params && err.i18n[0].params.field;
    if (typeof field === 'string') box.setAttribute('data-field', field);
    return box;
  }

  function num(v, d) { return v === null || v === undefined ? '–' : i18n.num(v, d || 0); }

  /* ---------- numbers typed by people ---------- */

  /*
   * A number as a person types it, in either language: one decimal separator, comma or point
   * (the page's own, a comma in Spanish, or the other one), no thousands separators.  A single
   * separator followed by exactly three digits after a 1-3 digit whole part ("3.400", "3,400")
   * reads as 3400 to some and 3.4 to others: refused as ambiguous rather than guessed.
   * Returns {value} (a Number, or null when blank), {error: 'invalid'} or
   * {error: 'ambiguous', whole, decimal} with both readings written out for the message.
   */
  function parseNumber(text) {
    var v = String(text === undefined || text === null ? '' : text).trim();
    if (v === '') return { value: null };
    var m = /^([+-]?)(\d*)(?:([.,])(\d*))?$/.exec(v);
    if (!m || (m[2] === '' && !m[4])) return { error: 'invalid' };
    if (m[3] && /^[1-9]\d{0,2}$/.test(m[2]) && /^\d{3}$/.test(m[4])) {
      var dec = m[4].replace(/0+$/, '');
      return { error: 'ambiguous', whole: m[1] + m[2] + m[4], decimal: m[1] + m[2] + (dec ? t('smp.num.sep') + dec : '') };
    }
    var n = Number(m[1] + (m[2] || '0') + (m[3] ? '.' + (m[4] || '0') : ''));
    return isFinite(n) ? { value: n } : { error: 'invalid' };
  }

  /* x with d decimals in the notation the form takes (decimal comma in Spanish). */
  function typed(x, d) {
    return (d ? x.toFixed(d) : String(Math.round(x))).replace('.', t('smp.num.sep'));
  }

  /* Whole years and months of an age, and the WHO haemoglobin group it falls in. */
  function ageEcho(value, unit, sex, pregnant, trimester) {
    if (value === null || !unit) return '';
    var months = unit === 'months' ? value : value * 12;
    var y = Math.floor(months / 12 + 1e-9), mo = Math.round((months - y * 12) * 10) / 10;
    var parts = [];
    if (y) parts.push(t(y === 1 ? 'smp.echo.year' : 'smp.echo.years', { n: y }));
    if (mo || !y) parts.push(t(mo === 1 ? 'smp.echo.month' : 'smp.echo.months', { n: typed(mo, mo % 1 ? 1 : 0) }));
    var group;
    if (pregnant && sex === 'female') group = trimester ? 'pregnant_t' + trimester : null;
    else if (months < 6) group = null;
    else if (months < 24) group = 'child_6_23m';
    else if (months < 60) group = 'child_24_59m';
    else if (months < 144) group = 'child_5_11y';
    else if (months < 180) group = 'child_12_14y';
    else group = sex === 'female' ? 'women_15y' : sex === 'male' ? 'men_15y' : null;
    var why = group ? t('msg.group.' + group) : months < 6 && !pregnant ? t('smp.echo.under6') :
      pregnant ? t('smp.echo.trimester') : t('smp.echo.sex');
    return t('smp.echo.age', { age: parts.join(' '), months: typed(Math.round(months * 10) / 10, months % 1 ? 1 : 0),
      group: why });
  }

  /* ---------- list + create ---------- */

  function field(label, input, hint) {
    var id = 'smp-' + input.getAttribute('name');
    input.id = id;
    return h('div', { 'class': 'form-row' }, [h('label', { 'for': id, text: label }), input,
      hint ? h('span', { 'class': 'hint', text: hint }) : null]);
  }

  function select(name, options) {
    var s = h('select', { name: name });
    options.forEach(function (o) { s.appendChild(h('option', { value: o[0], text: o[1] })); });
    return s;
  }

  /* A stored number as the form takes it back (decimal comma in Spanish). */
  function asTyped(v) { return v === null || v === undefined ? '' : String(v).replace('.', t('smp.num.sep')); }

  /* The sample form: empty to create one, or filled from stored sample s to edit it (PUT). */
  function createForm(s) {
    var form = h('form', { 'class': 'sample-form', novalidate: 'novalidate' });
    var prep = select('preparation', [['smear', t('smp.prep.smear')], ['chamber', t('smp.prep.chamber')]]);
    var profile = h('select', { name: 'profile' });
    /* Text fields, not type=number: a Spanish Chromium turns "10,2" in a number field into 102. */
    var dilution = h('input', { name: 'dilution', type: 'text', inputmode: 'decimal', autocomplete: 'off' });
    var dilRow = field(t('smp.dilution'), dilution, t('smp.dilutionHint'));
    /* A chamber: the counts the technician made by eye, per cell type (the detector is not validated there). */
    var MANUAL = [['WBC', 'large'], ['RBC', 'medium'], ['Platelets', 'medium']];
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
    function fillProfiles() {
      while (profile.firstChild) profile.removeChild(profile.firstChild);
      var ps = (state.profiles && state.profiles.profiles) || [];
      ps.filter(function (p) { return p.preparation === prep.value; }).forEach(function (p) {
        profile.appendChild(h('option', { value: p.name, text: i18n.label('msg.profile', p.name, p.label || p.name) }));
      });
      var def = state.profiles && state.profiles.default_profile && state.profiles.default_profile[prep.value];
      if (def) profile.value = def;
      dilRow.hidden = prep.value !== 'chamber';
      manual.hidden = prep.value !== 'chamber';
    }
    prep.addEventListener('change', fillProfiles);
    var pregnant = h('input', { name: 'pregnant', type: 'checkbox' });
    var trimester = select('trimester', [['', '–'], ['1', '1'], ['2', '2'], ['3', '3']]);
    var smoker = h('input', { name: 'smoker', type: 'checkbox' });
    var out = h('div', { 'class': 'form-error' });
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
    form.appendChild(out);
    form.appendChild(h('button', { type: 'submit', 'class': 'button primary', text: t(s ? 'smp.save' : 'smp.create') }));
    /* Echo what was understood, before saving: "2 years 6 months (30 months) → WHO group: ...". */
    function echo() {
      var f = form.elements, a = parseNumber(f.age.value), hb = parseNumber(f.hemoglobin.value);
      var ae = form.querySelector('#smp-age-echo'), he = form.querySelector('#smp-hb-echo');
      ae.textContent = a.error ? '' : a.value !== null && !f.age_unit.value ? t('smp.echo.unit') :
        ageEcho(a.value, f.age_unit.value, f.sex.value, pregnant.checked, trimester.value);
      he.textContent = hb.error || hb.value === null ? '' : t('smp.echo.hb', { v: String(hb.value).replace('.', t('smp.num.sep')),
        unit: f.hemoglobin_unit.value, other: f.hemoglobin_unit.value === 'g/dL'
          ? typed(hb.value * 10, (hb.value * 10) % 1 ? 1 : 0) + ' g/L' : typed(hb.value / 10, 2).replace(/[.,]?0+$/, '') + ' g/dL' });
    }
    form.addEventListener('input', echo);
    form.addEventListener('change', echo);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var f = form.elements, body = { code: f.code.value.trim(), preparation: prep.value, sex: f.sex.value,
        pregnant: pregnant.checked, smoker: smoker.checked, note: f.note.value };
      if (profile.value) body.profile = profile.value;
      var bad = null;
      /* Every number in the page's own notation, refused here (naming its field) when unclear. */
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
      while (out.firstChild) out.removeChild(out.firstChild);
      form.querySelectorAll('[aria-invalid]').forEach(function (el) { el.removeAttribute('aria-invalid'); });
      if (bad) {
        out.appendChild(h('div', { 'class': 'error', role: 'alert', 'data-code': 'bad_number',
          'data-field': bad.el.getAttribute('name') }, [h('p', { 'class': 'error-msg', text: t('smp.err.invalid') }),
          h('p', { 'class': 'error-detail', text: bad.text })]));
        bad.el.setAttribute('aria-invalid', 'true');
        bad.el.focus();
        return;
      }
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
    });
    fillProfiles();
    if (s) {
      var f = form.elements;
      f.code.value = s.code || '';
      prep.value = s.preparation || 'smear';
      fillProfiles();
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
    echo();
    return form;
  }

  function renderList() {
    var root = state.root;
    if (BV.report) BV.report.sample(null);
    while (root.firstChild) root.removeChild(root.firstChild);
    var details = h('details', { 'class': 'new-sample' }, [h('summary', { 'class': 'button', text: t('smp.new') })]);
    details.appendChild(createForm());
    root.appendChild(details);
    var ul = h('ul', { 'class': 'history-list sample-list' });
    if (!state.list.length) root.appendChild(h('p', { 'class': 'hint', text: t('smp.none') }));
    state.list.forEach(function (s) {
      ul.appendChild(h('li', { 'class': 'history-item sample-item', 'data-id': s.id }, [
        h('div', { 'class': 'h-text' }, [
          h('div', { 'class': 'h-date', text: s.code }),
          h('div', { 'class': 'h-counts', text: i18n.date(s.created) + ' · ' + t('smp.prep.' + s.preparation) +
            ' · ' + t('smp.fieldsN', { n: s.fields || 0 }) })]),
        h('div', { 'class': 'h-actions' }, [h('a', { 'class': 'button small', href: '#/samples/' + s.id, text: t('history.open') })])
      ]));
    });
    root.appendChild(ul);
    root.appendChild(registerView());
  }

  /* ---------- the monthly register (GET /api/register/summary, /api/register.csv) ---------- */

  var AGE_GROUPS = ['0-5m', '6-23m', '24-59m', '5-11y', '12-14y', '15y+', 'unknown', 'all'];

  function monthNow() { return new Date().toISOString().slice(0, 7); }

  /* The last day of month m (YYYY-MM) as YYYY-MM-DD. */
  function monthEnd(m) {
    var d = new Date(Date.UTC(+m.slice(0, 4), +m.slice(5, 7), 0));
    return d.toISOString().slice(0, 10);
  }

  function registerTable(sum) {
    var cols = ['screened', 'with_hemoglobin', 'anaemia_likely', 'mild', 'moderate', 'severe', 'not_indicated',
      'cannot_tell', 'anaemia_share_pct'];
    var rows = (sum.groups || []).concat([sum.all]);
    return h('div', { 'class': 'table-scroll' }, [h('table', { 'class': 'register-table' }, [
      h('thead', {}, [h('tr', {}, [h('th', { scope: 'col', text: t('reg.ageGroup') })].concat(cols.map(function (c) {
        return h('th', { scope: 'col', text: t('reg.col.' + c) });
      })))]),
      h('tbody', {}, rows.map(function (g) {
        return h('tr', { 'data-group': g.age_group }, [h('th', { scope: 'row', text: t('reg.age.' + g.age_group) })].concat(
          cols.map(function (c) {
            return h('td', { text: g[c] === null ? '–' : c === 'anaemia_share_pct' ? i18n.num(g[c], 1) + ' %' : i18n.num(g[c]) });
          })));
      }))])]);
  }

  function registerView() {
    var box = h('section', { 'class': 'register card', 'aria-labelledby': 'reg-title' });
    var month = h('input', { type: 'month', id: 'reg-month', value: monthNow() });
    var out = h('div', { 'class': 'register-out', 'aria-live': 'polite' });
    var csv = h('a', { 'class': 'button', id: 'reg-csv', text: t('reg.csv') });
    function load() {
      var m = month.value || monthNow();
      csv.href = '/api/register.csv?from=' + m + '-01&to=' + monthEnd(m);
      csv.setAttribute('download', 'register-' + m + '.csv');
      request('GET', '/api/register/summary?month=' + encodeURIComponent(m)).then(function (sum) {
        BV.dom.clear(out);
        out.appendChild(h('p', { 'class': 'register-month', text: t('reg.month', { m: m }) }));
        out.appendChild(registerTable(sum));
        out.appendChild(h('p', { 'class': 'hint', text: t('reg.basis') }));
        if (sum.all.likely_only_with_unverified_data > 0)
          out.appendChild(h('p', { 'class': 'hint reg-unverified', text: t('reg.unverified', { n: sum.all.likely_only_with_unverified_data }) }));
        out.appendChild(h('p', { 'class': 'hint', text: t('reg.noNames') }));
      }, function (err) { BV.dom.clear(out); out.appendChild(errorBox(err)); });
    }
    month.addEventListener('change', load);
    var print = h('button', { type: 'button', 'class': 'button no-print', id: 'reg-print', text: t('reg.print') });
    print.addEventListener('click', function () {
      document.documentElement.classList.add('print-register');
      window.print();
      document.documentElement.classList.remove('print-register');
    });
    box.appendChild(h('h2', { id: 'reg-title', text: t('reg.title') }));
    box.appendChild(h('p', { 'class': 'no-print' }, [h('label', { 'for': 'reg-month', text: t('reg.pick') + ' ' }), month, ' ', csv, ' ', print]));
    box.appendChild(out);
    load();
    return box;
  }

  function loadList() {
    return Promise.all([request('GET', '/api/samples'),
      state.profiles ? Promise.resolve(state.profiles) : request('GET', '/api/samples/profiles').catch(function () { return null; })])
      .then(function (r) { state.list = r[0].samples || []; state.profiles = r[1]; renderList(); },
            function (err) { clear(); state.root.appendChild(errorBox(err)); });
  }

  function clear() { BV.dom.clear(state.root); }

  /* ---------- one sample ---------- */

  /* A calibration profile's name in this language (its label from the server), never its raw id. */
  function profileName(id) {
    if (!id) return '–';
    var p = ((state.profiles && state.profiles.profiles) || []).filter(function (x) { return x.name === id; })[0];
    return i18n.label('msg.profile', id, p && p.label);
  }

  function facts(s) {
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
  function fieldQuality(f, sid) {
    var q = f.quality;
    if (!q || !q.poor) return null;
    var msgs = i18n.msgs;
    var box = h('div', { 'class': 'field-quality', 'data-included': String(!!q.included) }, [
      h('ul', { 'class': 'quality-flags' }, (q.flags || []).map(function (fl) {
        return h('li', { 'data-flag': fl.flag, text: msgs(fl.text_i18n, fl.text) });
      })),
      h('p', { 'class': 'quality-state', text: q.included ? t('quality.included', { by: (q.included_by || {}).by || '' })
        : t('quality.excluded') })]);
    var btn = h('button', { type: 'button', 'class': 'button small no-print quality-toggle',
                            text: t(q.included ? 'quality.exclude' : 'quality.include') });
    btn.addEventListener('click', function () {
      btn.disabled = true;
      request('PUT', '/api/samples/' + encodeURIComponent(sid) + '/results/' + encodeURIComponent(f.result),
        { include_poor: !q.included, by: BV.api.operator() || '' })
        .then(renderSample, function (err) { btn.disabled = false; state.root.appendChild(errorBox(err)); });
    });
    box.appendChild(btn);
    return box;
  }

  function selectionSelect(value, cls) {
    var s = h('select', { 'class': cls });
    ['random', 'targeted'].forEach(function (v) {
      s.appendChild(h('option', { value: v, text: t('smp.sel.' + v) }));
    });
    s.value = value === 'targeted' ? 'targeted' : 'random';
    return s;
  }

  /* "lo–hi" of a reference interval, with its flag when the differential was compared. */
  function refText(iv, flag, d) {
    if (!iv) return '';
    return num(iv[0], d) + '–' + num(iv[1], d) + (flag && flag !== 'normal' ? ' (' + t('smp.flag.' + flag) + ')' : '');
  }

  /*
   * Red-cell morphology over the sample's fields (docs/morphology.md): measured figures, then the
   * pattern line, or why it is withheld; every cut is unverified and none of it is a diagnosis.
   */
  function morphologyView(m) {
    var msgs = i18n.msgs, pct = function (v) { return v === null || v === undefined ? '–' : num(100 * v, 0) + ' %'; };
    var size = m.mean_diameter_um != null ? num(m.mean_diameter_um, 1) + ' µm' : num(m.mean_diameter_px, 1) + ' px';
    return h('div', { 'class': 'morphology', 'data-measured': String(m.measured || 0) }, [
      h('h3', { text: t('smp.morph') + ' (' + t('smp.unverified') + ')' }),
      h('p', { 'class': 'morph-figures', text: t('smp.morph.figures', { measured: num(m.measured), fields: num(m.fields),
        size: size, cv: pct(m.diameter_cv), hypo: pct(m.hypochromic_share), ellip: pct(m.elongated_share) }) }),
      m.pattern ? h('p', { 'class': 'morph-pattern', text: msgs(m.pattern_i18n, m.pattern) })
        : h('p', { 'class': 'hint morph-withheld', text: msgs(m.withheld_i18n, m.withheld) })]);
  }

  /*
   * The white-cell differential over every field: counts and % of the typed cells, per µL only
   * from a valid WBC estimate, the 100-cell rule with its progress, cells to review (IG,
   * erythroblasts), and the reference intervals, never flagged on an incomplete count.
   */
  function differentialView(dv) {
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
  function manualView(mc) {
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
  function screeningSplit(sc) {
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
  function fieldWarnings(f) {
    var w = [];
    if (f.scale_unsure) w.push(t('smp.warn.scale'));
    ((f.quality && f.quality.flags) || []).forEach(function (q) { w.push(t('quality.short.' + q.flag)); });
    return w.length ? h('p', { 'class': 'field-warn', 'data-warnings': String(w.length) }, [
      h('strong', { text: t('smp.warn.title') + ': ' }), w.join(' · ')]) : null;
  }

  /* The sample's audit list: each field that left it, when, how and by whom (newest first). */
  function removedView(list) {
    return h('div', { 'class': 'removed-audit' }, [
      h('h3', { text: t('smp.removedTitle') }),
      h('ul', {}, list.slice().reverse().map(function (e) {
        return h('li', { 'data-result': e.result, 'data-how': e.how }, [
          h('span', { 'class': 'mono', text: e.result }), ' — ',
          t(e.how === 'result_deleted' ? 'smp.removed.deleted' : 'smp.removed.takenOut'), ' · ',
          i18n.date(e.at), ' · ', e.by ? t('smp.removed.by', { by: e.by }) : t('smp.removed.noName')]);
      }))]);
  }

  function summaryView(sum, sid, s) {
    var classes = ['RBC', 'WBC', 'Platelets'];
    var wrap = h('div', { 'class': 'sample-summary' });
    wrap.appendChild(h('p', { 'class': 'fields', text: t('smp.fieldsN', { n: sum.fields }) }));
    var msgs = i18n.msgs;
    /* Whose counts these are: a person's reviewed ones, the detector's, or some of each. */
    if (sum.review && sum.review.text)
      wrap.appendChild(h('p', { 'class': 'review-note', 'data-reviewed': String(sum.review.reviewed_fields || 0),
        text: msgs(sum.review.text_i18n, sum.review.text) }));
    if (sum.stability && !sum.stability.stable)
      wrap.appendChild(h('p', { 'class': 'warn-box', 'data-stable': 'false' }, [h('strong', { text: t('smp.unstable') + ' ' }),
        h('span', { 'class': 'stability-warning', text: msgs(sum.stability.warning_i18n, sum.stability.warning) }), ' ',
        h('span', { 'class': 'hint', text: msgs(sum.stability.rule_i18n, sum.stability.rule) })]));
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
    /* on a phone the per-µL and flag columns scroll into view inside their box, with a cue */
    wrap.appendChild(h('div', { 'class': 'table-scroll' }, [table]));
    wrap.appendChild(h('p', { 'class': 'hint ci-method', text: msgs(sum.ci_method_i18n, sum.ci_method) }));
    /* Each estimate with its 95 % interval, what the interval means, and the counting frame. */
    if (BV.trust && sum.estimates && Object.keys(sum.estimates).length) {
      wrap.appendChild(h('p', { 'class': 'estimate-intervals' }, [h('strong', { text: t('trust.title') + ': ' }),
        classes.filter(function (c) { return sum.estimates[c]; }).map(function (c) {
          var e = sum.estimates[c];
          return t('class.' + c) + ' ' + BV.trust.estimateText(e) + ' /µL' + (e.interval95 ? '' : ' (' + BV.trust.estimateWhy(e) + ')');
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

    /* Every formula with its numbers, as the server computed it.  Texts from the data files
       (profile label, WHO group, source note) are translated only while unedited (i18n.label). */
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
    wrap.appendChild(formulas);

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
    if (sum.per_field && sum.per_field.length) {
      var ol = h('ol', { 'class': 'field-list' });
      sum.per_field.forEach(function (f) {
        var rm = h('button', { type: 'button', 'class': 'button small danger remove no-print', text: t('smp.removeField') });
        rm.addEventListener('click', function () {
          if (!rm.classList.contains('armed')) {
            rm.classList.add('armed'); rm.textContent = t('smp.removeConfirmNamed', { code: s.code }); return;
          }
          rm.disabled = true;
          var by = BV.api.operator();
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
    if (s && Array.isArray(s.removed) && s.removed.length) wrap.appendChild(removedView(s.removed));
    wrap.appendChild(h('p', { 'class': 'disclaimer', text: t('disclaimer') }));
    if (sum.disclaimer) wrap.appendChild(h('p', { 'class': 'hint', text: msgs(sum.disclaimer_i18n, sum.disclaimer) }));
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
    return wrap;
  }

  function renderSample(data) {
    var s = data.sample, sum = data.summary;
    state.current = data;
    clear();
    var root = state.root;
    root.appendChild(h('p', { 'class': 'no-print' }, [h('a', { href: '#/samples', text: '← ' + t('smp.back') })]));
    root.appendChild(h('h2', { 'class': 'sample-title', text: t('smp.sample') + ' ' + s.code }));
    root.appendChild(facts(s));
    var del = h('button', { type: 'button', 'class': 'button danger', id: 'sample-delete', text: t('history.delete') });
    del.addEventListener('click', function () {
      if (!del.classList.contains('armed')) { del.classList.add('armed'); del.textContent = t('history.confirm'); return; }
      del.disabled = true;
      request('DELETE', '/api/samples/' + s.id).then(function () {
        if (state.active && state.active.id === s.id) setActive(null);
        location.hash = '#/samples';
      }, function (err) { del.disabled = false; root.appendChild(errorBox(err)); });
    });
    /* How the fields analysed into this sample from now on are marked (stored with the sample). */
    var nsel = selectionSelect(s.new_field_selection, 'new-field-selection');
    nsel.id = 'sample-new-selection';
    nsel.addEventListener('change', function () { markNew(s.id, s.code, nsel); });
    root.appendChild(h('div', { 'class': 'actions no-print' }, [
      h('button', { type: 'button', 'class': 'button primary', id: 'sample-add', text: t('smp.add'),
        onclick: function () { setActive({ id: s.id, code: s.code, selection: s.new_field_selection, stability: sum && sum.stability }); location.hash = '#/analyze'; } }),
      h('button', { type: 'button', 'class': 'button', text: t('print'), onclick: function () { window.print(); } }),
      del]));
    /* Correct a fact (a mistyped age, the haemoglobin measured later): the summary follows. */
    var edit = h('details', { 'class': 'edit-sample no-print' }, [h('summary', { 'class': 'button', id: 'sample-edit', text: t('smp.edit') })]);
    edit.appendChild(createForm(s));
    root.appendChild(edit);
    root.appendChild(h('p', { 'class': 'field-mark-new no-print' }, [h('label', { 'for': 'sample-new-selection', text: t('smp.sel.new') + ' ' }), nsel,
      h('span', { 'class': 'hint', text: ' ' + t('smp.sel.hint') })]));
    root.appendChild(summaryView(sum, s.id, s));
    if (BV.report) BV.report.sample(data);
  }

  function loadSample(id) {
    clear();
    state.root.appendChild(h('p', { 'class': 'hint', text: t('history.loading') }));
    return request('GET', '/api/samples/' + encodeURIComponent(id)).then(renderSample, function (err) {
      clear(); state.root.appendChild(errorBox(err));
    });
  }

  /* ---------- the sample that new uploads go into ---------- */

  /*
   * The sample new uploads go into lives in the page's URL (?sample=<id>), so a reload, or a
   * phone dropping the tab while the camera app is open, keeps adding to it.
   */
  function urlSample(id) {
    var u = new URL(location.href);
    if (id) u.searchParams.set('sample', id); else u.searchParams.delete('sample');
    if (u.href !== location.href) history.replaceState(null, '', u.pathname + u.search + u.hash);
  }

  function restoreActive() {
    var id = new URLSearchParams(location.search).get('sample');
    if (!id || !/^[A-Za-z0-9_-]{22}$/.test(id)) { if (id !== null) urlSample(null); return; }
    state.active = { id: id, code: id };   /* uploads go there at once; the code follows */
    request('GET', '/api/samples/' + encodeURIComponent(id)).then(function (d) {
      if (state.active && state.active.id === id)
        setActive({ id: id, code: d.sample.code, selection: d.sample.new_field_selection,
          stability: d.summary && d.summary.stability });
    }, function (err) {
      if (err.status === 404 && state.active && state.active.id === id) setActive(null);
    });
  }

  /* PUT the sample's marking of new fields from select sel; the sample page and the bar follow. */
  function markNew(id, code, sel) {
    sel.disabled = true;
    return request('PUT', '/api/samples/' + encodeURIComponent(id) + '/selection', { selection: sel.value }).then(function (d) {
      sel.disabled = false;
      if (state.active && state.active.id === id)
        setActive({ id: id, code: code, selection: d.sample.new_field_selection,
          stability: (d.summary && d.summary.stability) || state.active.stability });
      if (state.current && state.current.sample.id === id && state.root && !state.root.closest('[hidden]')) renderSample(d);
    }, function (err) {
      sel.disabled = false;
      var bar = document.getElementById('active-sample');
      (bar && bar.contains(sel) ? bar : state.root).appendChild(errorBox(err));
    });
  }

  function setActive(a) {
    state.active = a;
    urlSample(a ? a.id : null);
    var bar = document.getElementById('active-sample');
    if (!bar) return;
    while (bar.firstChild) bar.removeChild(bar.firstChild);
    bar.hidden = !a;
    if (!a) return;
    bar.appendChild(h('span', { text: t('smp.activeBar', { code: a.code }) + ' ' }));
    /* What the next fields are: random monolayer unless the technician says otherwise. */
    var sel = selectionSelect(a.selection, 'active-selection');
    sel.id = 'active-selection';
    sel.addEventListener('change', function () { markNew(a.id, a.code, sel); });
    bar.appendChild(h('label', { 'class': 'field-mark', 'for': 'active-selection', text: t('smp.sel.label') + ': ' }));
    bar.appendChild(sel);
    bar.appendChild(document.createTextNode(' '));
    bar.appendChild(h('a', { 'class': 'button small', href: '#/samples/' + a.id, text: t('smp.view') }));
    bar.appendChild(h('button', { type: 'button', 'class': 'button small', text: t('smp.stop'),
      onclick: function () { setActive(null); } }));
    bar.appendChild(h('span', { 'class': 'active-progress', id: 'active-progress', 'aria-live': 'polite' }));
    showProgress(a.stability);
  }

  /* "Random fields: 4 of 10 · 84/200 RBC" in the bar: how far the stability rule is from being met. */
  function showProgress(st) {
    var el = document.getElementById('active-progress');
    if (!el || !st || typeof st.fields !== 'number') return;
    el.textContent = ' ' + t(st.stable ? 'smp.progressDone' : 'smp.progress', {
      fields: num(st.fields), min_fields: num(st.min_fields), rbc: num(st.rbc), min_rbc: num(st.min_rbc) });
  }

  /* After an image went into the active sample: its new numbers. */
  function refreshProgress(id) {
    request('GET', '/api/samples/' + encodeURIComponent(id)).then(function (d) {
      if (!state.active || state.active.id !== id || !d || !d.summary) return;
      state.active.stability = d.summary.stability;
      showProgress(d.summary.stability);
    }, function (err) {
      if (err.status === 404 && state.active && state.active.id === id) setActive(null);
    });
  }

  BV.samples = {
    show: function (root, id) {
      state.root = root;
      state.id = id || null;
      return id ? loadSample(id) : loadList();
    },
    /* A language switch redraws from what is loaded: no request, nothing to wait for. */
    relabel: function () {
      if (state.active) setActive(state.active);
      if (!state.root || state.root.closest('[hidden]')) return;
      if (state.id && state.current && state.current.sample.id === state.id) renderSample(state.current);
      else if (!state.id) renderList();
    },
    activeId: function () { return state.active ? state.active.id : null; },
    /* after an image went into the active sample */
    refreshActive: function () { if (state.active) refreshProgress(state.active.id); },
    restore: restoreActive,
    parseNumber: parseNumber
  
  };
  restoreActive();
})();
