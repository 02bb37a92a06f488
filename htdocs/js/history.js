/* history.js: the History view: saved results by page and search, selection, CSV and delete */
import * as i18n from './i18n.js';
import { h, clear } from './dom.js';
import { state, $, show, showError, jsonRequest, classAbbr } from './common.js';
import { sampleCodes, openAttach, updateSelection, askDelete } from './attach.js';

const t = i18n.t;

/* ---------- history ---------- */

/*
 * One page of GET /api/results at a time (offset, limit, and the search: sample code, from,
 * to; docs/api.md).  The search is what the form held when Search was pressed; paging keeps
 * it.  An answer to an older request than the latest is dropped.
 */
export var HISTORY_PAGE = 25;
export var historySeq = 0;

export function historyUrl(q) {
  var p = ['limit=' + HISTORY_PAGE, 'offset=' + q.offset];
  if (q.code) p.push('code=' + encodeURIComponent(q.code));
  if (q.from) p.push('from=' + encodeURIComponent(q.from));
  if (q.to) p.push('to=' + encodeURIComponent(q.to));
  return '/api/results?' + p.join('&');
}

export function loadHistory() {
  var status = $('history-status'), seq = ++historySeq, q = state.hq;
  status.textContent = t('history.loading');
  showError($('history-error'), null);
  return jsonRequest('GET', historyUrl(q)).then(function (body) {
    if (seq !== historySeq) return;
    var list = (body && body.results) || [];
    var total = body && typeof body.total === 'number' ? body.total : list.length;
    /* Past the end (results deleted meanwhile): the last page there is. */
    if (!list.length && q.offset > 0 && total > 0) {
      q.offset = Math.floor((total - 1) / HISTORY_PAGE) * HISTORY_PAGE;
      return loadHistory();
    }
    state.history = list;
    state.historyTotal = total;
    var ids = new Set(state.history.map(function (r) { return r.id; }));
    state.selected.forEach(function (id) { if (!ids.has(id)) state.selected.delete(id); });
    renderHistory();
  }, function (err) {
    if (seq !== historySeq) return;
    status.textContent = '';
    showError($('history-error'), err);
  });
}

/* The search form's values, or null with the field marked and the reason shown. */
export function historySearch() {
  var code = $('hs-code').value.trim(), from = $('hs-from').value, to = $('hs-to').value;
  var bad = null, msg = null;
  ['hs-code', 'hs-from', 'hs-to'].forEach(function (id) { $(id).removeAttribute('aria-invalid'); });
  if (code && !/^[A-Za-z0-9._-]{1,32}$/.test(code)) { bad = 'hs-code'; msg = ['history.codeInvalid']; }
  else if (from && !/^\d{4}-\d{2}-\d{2}$/.test(from)) { bad = 'hs-from'; msg = ['history.dateInvalid', 'history.from']; }
  else if (to && !/^\d{4}-\d{2}-\d{2}$/.test(to)) { bad = 'hs-to'; msg = ['history.dateInvalid', 'history.to']; }
  else if (from && to && to < from) { bad = 'hs-to'; msg = ['history.dateOrder']; }
  state.hsError = msg;
  searchErrorText();
  if (bad) { $(bad).setAttribute('aria-invalid', 'true'); $(bad).focus(); return null; }
  return { code: code, from: from, to: to, offset: 0 };
}

/* The search form's refusal in this language (kept as keys, so a language switch rewords it). */
export function searchErrorText() {
  var m = state.hsError;
  $('hs-error').textContent = m ? t(m[0], m[1] ? { field: t(m[1]) } : undefined) : '';
  show($('hs-error'), !!m);
}

export function searchHistory(ev) {
  if (ev) ev.preventDefault();
  var q = historySearch();
  if (!q) return;
  state.hq = q;
  loadHistory();
}

export function clearSearch() {
  $('hs-code').value = $('hs-from').value = $('hs-to').value = '';
  historySearch();
  state.hq = { code: '', from: '', to: '', offset: 0 };
  loadHistory();
}

export function historyPage(step) {
  var o = state.hq.offset + step * HISTORY_PAGE;
  if (o < 0 || o >= state.historyTotal) return;
  state.hq.offset = o;
  loadHistory().then(function () { $('history-title').scrollIntoView({ block: 'nearest' }); });
}

export function filtered(q) { return !!(q.code || q.from || q.to); }

export function countsLine(counts) {
  return Object.keys(counts || {}).map(function (c) { return classAbbr(c) + ' ' + counts[c]; }).join(' · ');
}

export function renderHistory() {
  var list = $('history-list');
  clear(list);
  $('history-status').textContent = state.history.length ? '' : t(filtered(state.hq) ? 'history.noMatch' : 'history.empty');
  var off = state.hq.offset, total = state.historyTotal || 0;
  show($('history-pager'), total > 0);
  $('history-range').textContent = state.history.length ? t('history.range', { a: i18n.num(off + 1),
    b: i18n.num(off + state.history.length), n: i18n.num(total) }) : '';
  $('history-prev').disabled = off <= 0;
  $('history-next').disabled = off + state.history.length >= total;
  state.history.forEach(function (r) {
    var urls = r.urls || {};
    var armed = state.armed === r.id;
    var del = h('button', { type: 'button', 'class': 'button danger small delete' + (armed ? ' armed' : ''),
                            text: t(armed ? 'history.confirm' : 'history.delete') });
    del.addEventListener('click', function () { askDelete(r, del); });
    var box = h('input', { type: 'checkbox', 'aria-label': t('history.select', { id: r.id }) });
    box.checked = state.selected.has(r.id);
    box.addEventListener('change', function () {
      if (box.checked) state.selected.add(r.id); else state.selected.delete(r.id);
      updateSelection();
    });
    list.appendChild(h('li', { 'class': 'history-item', 'data-id': r.id }, [
      box,
      h('a', { href: '#/result/' + r.id, 'class': 'thumb-link', tabindex: '-1', 'aria-hidden': 'true' },
        [h('img', { 'class': 'thumb', src: urls.thumb || urls.image, alt: '', loading: 'lazy',
                    width: '96', height: '72' })]),
      h('div', { 'class': 'h-text' }, [
        h('div', { 'class': 'h-date', text: i18n.date(r.created) }),
        r.file_name ? h('div', { 'class': 'h-file', text: r.file_name }) : null,
        h('div', { 'class': 'h-counts', text: countsLine(r.counts) }),
        r.reviewed ? h('div', { 'class': 'tag reviewed', text: t('history.reviewed') }) : null,
        sampleTags(r)
      ]),
      h('div', { 'class': 'h-actions' }, [
        h('a', { 'class': 'button small', href: '#/result/' + r.id, text: t('history.open') }),
        state.samplesOn ? h('button', { type: 'button', 'class': 'button small attach-btn', text: t('attach.button'),
          onclick: function (ev) { openAttach(r.id, ev.currentTarget.closest('li'), ev.currentTarget); } }) : null,
        del
      ])
    ]));
  });
  updateSelection();
}

/* The samples holding a result, by code (the list's "samples": the samples' own lists decide). */
export function sampleTags(r) {
  var list = Array.isArray(r.samples) ? r.samples
    : r.sample ? [{ id: r.sample, code: sampleCodes[r.sample] || r.sample }] : [];
  if (!list.length) return null;
  return h('div', { 'class': 'h-samples' }, list.map(function (x) {
    return h('span', { 'class': 'tag sample-tag', 'data-sample': x.id, text: t('history.sample', { id: x.code || x.id }) });
  }));
}
