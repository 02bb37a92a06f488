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
import * as i18n from './i18n.js';
import * as report from './report.js';
import { h, clear as clearEl } from './dom.js';
import { state, request, errorBox, num, parseNumber } from './samplebase.js';
import { createForm } from './sampleform.js';
import { registerView } from './sampleregister.js';
import { facts, selectionSelect, summaryView } from './sampleview.js';

const t = i18n.t;

function renderList() {
  var root = state.root;
  report.sample(null);
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

function loadList() {
  return Promise.all([request('GET', '/api/samples'),
    state.profiles ? Promise.resolve(state.profiles) : request('GET', '/api/samples/profiles').catch(function () { return null; })])
    .then(function (r) { state.list = r[0].samples || []; state.profiles = r[1]; renderList(); },
          function (err) { clear(); state.root.appendChild(errorBox(err)); });
}

function clear() { clearEl(state.root); }

export function renderSample(data) {
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
  report.sample(data);
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

export function show(root, id) {
  state.root = root;
  state.id = id || null;
  return id ? loadSample(id) : loadList();
}
/* A language switch redraws from what is loaded: no request, nothing to wait for. */
export function relabel() {
  if (state.active) setActive(state.active);
  if (!state.root || state.root.closest('[hidden]')) return;
  if (state.id && state.current && state.current.sample.id === state.id) renderSample(state.current);
  else if (!state.id) renderList();
}
export function activeId() { return state.active ? state.active.id : null; }
/* after an image went into the active sample */
export function refreshActive() { if (state.active) refreshProgress(state.active.id); }
export { restoreActive as restore, parseNumber };
restoreActive();
