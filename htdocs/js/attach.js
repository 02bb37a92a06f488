/* attach.js: adding an existing result to a sample (POST /api/samples/{id}/results) and deleting a result */
import * as i18n from './i18n.js';
import * as api from './api.js';
import * as report from './report.js';
import * as samples from './samples.js';
import { h } from './dom.js';
import { state, $, show, errorText, showError, notice, jsonRequest, download, savedThresholds, countsCsv } from './common.js';
import { renderInfo } from './result.js';
import { loadHistory, renderHistory } from './history.js';

const t = i18n.t;

/* ---------- add an existing result to a sample (POST /api/samples/{id}/results) ---------- */

export var sampleCodes = {};          /* sample id -> code, from GET /api/samples */
export var attachedHere = {};         /* result id -> codes of the samples it was added to on this page */
export var codesAsked = false;

/* Sample codes for ids the page shows (a result's "sample"), asked once. */
export function askCodes() {
  if (codesAsked) return;
  codesAsked = true;
  api.samples().then(function (body) {
    ((body && body.samples) || []).forEach(function (x) { sampleCodes[x.id] = x.code; });
    if (state.result) renderInfo(state.result);
  }, function () { /* ids stay */ });
}

/* Close the open panel, if any, and take it out of the page; the focus stays where it is. */
export function closeAttach() {
  var old = $('attach-panel');
  if (!old) return;
  old.returnFocus = false;
  if (old.open) old.close();
  old.remove();
}

/* A refusal worded from its message codes where this page knows them (sample full, gone). */
export function attachErrorText(err) {
  return err && err.i18n && i18n.knows(err.i18n) ? i18n.msgs(err.i18n, err.message) : errorText(err);
}

/*
 * The "Add to sample…" panel for result rid: a modal <dialog> inside host (a History row or the
 * result's slot).  Cancel or Esc close it and give the focus back to opener.
 */
export function openAttach(rid, host, opener) {
  closeAttach();
  var sel = h('select', { id: 'attach-select', 'class': 'attach-select', disabled: 'disabled' });
  var add = h('button', { type: 'button', 'class': 'button primary', id: 'attach-add', text: t('attach.add'), disabled: 'disabled' });
  var cancel = h('button', { type: 'button', 'class': 'button', id: 'attach-cancel', text: t('attach.cancel') });
  var msg = h('p', { 'class': 'hint attach-msg', id: 'attach-msg', role: 'status', text: t('attach.loading') });
  var err = h('p', { 'class': 'error attach-error', id: 'attach-error', role: 'alert', hidden: 'hidden' });
  var panel = h('dialog', { 'class': 'attach-panel', id: 'attach-panel', 'data-result': rid,
                            'aria-labelledby': 'attach-label' }, [
    h('label', { 'for': 'attach-select', id: 'attach-label', text: t('attach.label') }), sel,
    h('div', { 'class': 'attach-actions' }, [add, cancel]), msg, err]);
  host.appendChild(panel);
  panel.returnFocus = true;
  panel.addEventListener('close', function () {
    panel.remove();
    if (panel.returnFocus && opener && document.body.contains(opener)) opener.focus();
  });
  panel.showModal();
  cancel.addEventListener('click', function () { panel.close(); });
  add.addEventListener('click', function () {
    var sid = sel.value, code = sampleCodes[sid] || sid;
    add.disabled = true;
    show(err, false);
    jsonRequest('POST', '/api/samples/' + encodeURIComponent(sid) + '/results', { result: rid }).then(function () {
      closeAttach();
      var mine = attachedHere[rid] = attachedHere[rid] || [];
      if (mine.indexOf(code) < 0) mine.push(code);
      notice(t('attach.done', { code: code }));
      if (state.view === 'history') loadHistory();
      if (state.result && state.result.id === rid) renderInfo(state.result);
      if (opener && document.body.contains(opener)) opener.focus();
    }, function (e) {
      add.disabled = false;
      err.textContent = attachErrorText(e);
      show(err, true);
    });
  });
  api.samples().then(function (body) {
    if (!document.body.contains(panel)) return;
    var list = (body && body.samples) || [];
    list.forEach(function (x) { sampleCodes[x.id] = x.code; });
    if (!list.length) { msg.textContent = t('attach.none'); return; }
    list.forEach(function (x) {
      sel.appendChild(h('option', { value: x.id, text: t('attach.option',
        { code: x.code, n: i18n.num(x.fields || 0), date: i18n.date(x.created) }) }));
    });
    var active = samples.activeId();
    if (active && list.some(function (x) { return x.id === active; })) sel.value = active;
    msg.textContent = '';
    sel.disabled = false;
    add.disabled = false;
    sel.focus();
  }, function (e) {
    if (!document.body.contains(panel)) return;
    msg.textContent = '';
    err.textContent = attachErrorText(e);
    show(err, true);
  });
}

export function updateSelection() {
  var n = state.selected.size;
  $('history-csv').textContent = t('history.csv', { n: n });
  $('history-csv').disabled = n === 0;
  var all = $('select-all');
  all.checked = n > 0 && n === state.history.length;
  all.indeterminate = n > 0 && n < state.history.length;
}

/*
 * While a delete is armed, the row says which samples the result is a field of: deleting it
 * takes the field out of each (noted in the sample's record).  r null: the sentence goes.
 */
export function armWarning(r, btn) {
  var li = btn.closest('li'), old = li && li.querySelector('.delete-warn');
  if (old) old.parentNode.removeChild(old);
  if (!r || !li) return;
  var list = Array.isArray(r.samples) ? r.samples : r.sample ? [{ id: r.sample, code: sampleCodes[r.sample] || r.sample }] : [];
  li.appendChild(h('p', { 'class': 'delete-warn', role: 'alert', text: list.length
    ? t('history.deleteFromSample', { codes: list.map(function (x) { return x.code || x.id; }).join(', ') })
    : t('history.deleteNoSample') }));
}

/* Two-step delete: the first press arms the button for a few seconds, the second deletes. */
/* The armed id lives in state, so a list refreshed in between keeps it. */
export function askDelete(r, btn) {
  if (state.armed !== r.id) {
    state.armed = r.id;
    btn.classList.add('armed');
    btn.textContent = t('history.confirm');
    armWarning(r, btn);
    clearTimeout(state.armTimer);
    state.armTimer = setTimeout(function () {
      state.armed = null;
      var b = document.querySelector('#history-list li[data-id="' + r.id + '"] button.delete');
      if (b) { b.classList.remove('armed'); b.textContent = t('history.delete'); armWarning(null, b); }
    }, 8000);
    return;
  }
  clearTimeout(state.armTimer);
  state.armed = null;
  btn.disabled = true;
  api.remove(r.id, api.operator()).then(function () {
    state.history = state.history.filter(function (x) { return x.id !== r.id; });
    state.selected.delete(r.id);
    if (state.result && state.result.id === r.id) {
      state.result = null;
      report.result(null);
      show($('result'), false);
      $('result-empty').textContent = t('result.empty');
      show($('result-empty'), true);
      history.replaceState(null, '', '#/history');
    }
    renderHistory();
    notice(t('history.deleted'));
  }, function (err) {
    btn.disabled = false;
    state.armed = null;
    btn.classList.remove('armed');
    btn.textContent = t('history.delete');
    showError($('history-error'), err);
  });
}

export function historyCsv() {
  var picked = state.history.filter(function (r) { return state.selected.has(r.id); });
  Promise.all(picked.map(function (r) {
    /* The saved result carries the thresholds, model and review; the list alone does not. */
    return api.result(r.id).then(function (full) {
      return { result: full, counts: full.counts || {}, thresholds: savedThresholds(full), review: full.review || null };
    }, function () {
      return { result: r, counts: r.counts || {}, thresholds: undefined };
    });
  })).then(function (rows) {
    download('bloodview-counts-' + rows.length + '.csv', countsCsv(rows));
  });
}
