/* sampleregister.js: the monthly register on the Samples list (GET /api/register/summary, /api/register.csv) */
import * as i18n from './i18n.js';
import { h, clear as clearEl } from './dom.js';
import { request, errorBox } from './samplebase.js';

const t = i18n.t;

/* ---------- the monthly register (GET /api/register/summary, /api/register.csv) ---------- */

export var AGE_GROUPS = ['0-5m', '6-23m', '24-59m', '5-11y', '12-14y', '15y+', 'unknown', 'all'];

export function monthNow() { return new Date().toISOString().slice(0, 7); }

/* The last day of month m (YYYY-MM) as YYYY-MM-DD. */
export function monthEnd(m) {
  var d = new Date(Date.UTC(+m.slice(0, 4), +m.slice(5, 7), 0));
  return d.toISOString().slice(0, 10);
}

export function registerTable(sum) {
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

export function registerView() {
  var box = h('section', { 'class': 'register card', 'aria-labelledby': 'reg-title' });
  var month = h('input', { type: 'month', id: 'reg-month', value: monthNow() });
  var out = h('div', { 'class': 'register-out', 'aria-live': 'polite' });
  var csv = h('a', { 'class': 'button', id: 'reg-csv', text: t('reg.csv') });
  function load() {
    var m = month.value || monthNow();
    csv.href = '/api/register.csv?from=' + m + '-01&to=' + monthEnd(m);
    csv.setAttribute('download', 'register-' + m + '.csv');
    request('GET', '/api/register/summary?month=' + encodeURIComponent(m)).then(function (sum) {
      clearEl(out);
      out.appendChild(h('p', { 'class': 'register-month', text: t('reg.month', { m: m }) }));
      out.appendChild(registerTable(sum));
      out.appendChild(h('p', { 'class': 'hint', text: t('reg.basis') }));
      if (sum.all.likely_only_with_unverified_data > 0)
        out.appendChild(h('p', { 'class': 'hint reg-unverified', text: t('reg.unverified', { n: sum.all.likely_only_with_unverified_data }) }));
      out.appendChild(h('p', { 'class': 'hint', text: t('reg.noNames') }));
    }, function (err) { clearEl(out); out.appendChild(errorBox(err)); });
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
