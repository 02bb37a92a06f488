/* samplebase.js: what the Samples modules share: the view's state, requests and their errors, numbers as people type them, form rows */
import * as i18n from './i18n.js';
import * as api from './api.js';
import * as app from './app.js';
import { h } from './dom.js';

const t = i18n.t;

export var state = { root: null, list: [], profiles: null, current: null, active: null, id: null };



export function request(method, url, body) {
  var opts = { method: method, headers: { 'Accept': 'application/json' }, cache: 'no-store' };
  if (body !== undefined) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
  return fetch(url, opts).then(function (r) {
    return r.json().catch(function () { return null; }).then(function (j) {
      if (r.ok && j) return j;
      var code = j && j.error ? j.error.code : (r.status === 404 ? 'not_found' : 'internal');
      throw api.ApiError(code, r.status, j && j.error ? j.error.message : '', j && j.error ? j.error.message_i18n : null);
    });
  }, function () { throw api.ApiError('network', 0); });
}

/* The generic err.* texts speak of images and results; these errors concern a sample. */
export function errorBox(err) {
  var invalid = err.code === 'bad_request' || err.code === 'missing_field';
  var main = err.code === 'not_found' ? t('smp.err.not_found') : invalid ? t('smp.err.invalid') : app.errorText(err);
  var box = h('div', { 'class': 'error', role: 'alert', 'data-code': err.code }, [h('p', { 'class': 'error-msg', text: main })]);
  /* Validation errors name the field: in this language when the code is known, else the server's words. */
  if (i18n.knows(err.i18n) || (invalid && err.message))
    box.appendChild(h('p', { 'class': 'error-detail', text: i18n.msgs(err.i18n, err.message) }));
  var field = err.i18n && err.i18n[0] && err.i18n[0].params && err.i18n[0].params.field;
  if (typeof field === 'string') box.setAttribute('data-field', field);
  return box;
}

export function num(v, d) { return v === null || v === undefined ? '–' : i18n.num(v, d || 0); }

/* ---------- numbers typed by people ---------- */

/*
 * A number as a person types it, in either language: one decimal separator, comma or point
 * (the page's own, a comma in Spanish, or the other one), no thousands separators.  A single
 * separator followed by exactly three digits after a 1-3 digit whole part ("3.400", "3,400")
 * reads as 3400 to some and 3.4 to others: refused as ambiguous rather than guessed.
 * Returns {value} (a Number, or null when blank), {error: 'invalid'} or
 * {error: 'ambiguous', whole, decimal} with both readings written out for the message.
 */
export function parseNumber(text) {
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
export function typed(x, d) {
  return (d ? x.toFixed(d) : String(Math.round(x))).replace('.', t('smp.num.sep'));
}

/* Whole years and months of an age, and the WHO haemoglobin group it falls in. */
export function ageEcho(value, unit, sex, pregnant, trimester) {
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

export function field(label, input, hint) {
  var id = 'smp-' + input.getAttribute('name');
  input.id = id;
  return h('div', { 'class': 'form-row' }, [h('label', { 'for': id, text: label }), input,
    hint ? h('span', { 'class': 'hint', text: hint }) : null]);
}

export function select(name, options) {
  var s = h('select', { name: name });
  options.forEach(function (o) { s.appendChild(h('option', { value: o[0], text: o[1] })); });
  return s;
}

/* A stored number as the form takes it back (decimal comma in Spanish). */
export function asTyped(v) { return v === null || v === undefined ? '' : String(v).replace('.', t('smp.num.sep')); }
