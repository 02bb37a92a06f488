/*
 * micfinetune.js: the admin panel that starts, watches and stops fine-tuning the detector on the
 * shown result's microscope (POST/GET/DELETE /api/microscopes/NAME/finetune; docs/microscope.md
 * "Fine-tuning from the admin page").  Progress is polled every 3 s while the job lives; once
 * evaluated, the decision shows with its figures (held-out mAP and red-cell bias, each shipped
 * validation set's mAP, before -> after); the existing Roll back button undoes an adoption.
 */
import * as i18n from './i18n.js';
import { state, $, show, showError, jsonRequest } from './common.js';
import { h } from './dom.js';

const t = i18n.t;
const POLL_MS = 3000;
var shown = null, last = null, timer = null;

function url(name) { return '/api/microscopes/' + encodeURIComponent(name) + '/finetune'; }

/* The panel, made once inside the microscope's export/import block. */
function panel() {
  var p = $('mic-finetune');
  if (p) return p;
  p = h('div', { id: 'mic-finetune', 'class': 'mic-actions no-print' }, [
    h('button', { type: 'button', 'class': 'button small', id: 'mic-ft-start', onclick: start }),
    h('button', { type: 'button', 'class': 'button small', id: 'mic-ft-stop', onclick: stop }),
    h('p', { id: 'mic-ft-serving', 'class': 'hint', hidden: 'hidden' }),
    h('p', { id: 'mic-ft-status', 'class': 'hint', role: 'status' }),
    h('ul', { id: 'mic-ft-figures', 'class': 'hint' }),
    h('div', { id: 'mic-ft-fail', 'class': 'error', role: 'alert', hidden: 'hidden' })
  ]);
  $('mic-share').appendChild(p);
  return p;
}

/* The job's state in words: progress, loss, and the decision once it ended. */
function statusText(j) {
  if (!j || j.state === 'none') return t('mic.ft.none');
  var s = t('mic.ft.state.' + j.state);
  if (typeof j.iter === 'number' && typeof j.iters === 'number')
    s += ' ' + t('mic.ft.progress', { i: j.iter, n: j.iters });
  if (typeof j.loss === 'number') s += ' ' + t('mic.ft.loss', { loss: i18n.num(j.loss, 3) });
  if (j.decision) s += ' ' + t(j.decision.evaluated ? (j.decision.adopted ? 'mic.ft.adopted' : 'mic.ft.refused')
                                                      : 'mic.ft.notEvaluated');
  return s;
}

function ap(x) { return typeof x === 'number' ? i18n.num(x, 3) : '–'; }
function bias(x) {
  if (typeof x !== 'number') return '–';
  return (x > 0 ? '+' : x < 0 ? '−' : '') + i18n.num(Math.abs(100 * x), 1) + ' %';
}

/* The evaluation's figures, one line each: what the rule decided on. */
function figureLines(d) {
  if (!d || !d.evaluated || !d.before || !d.after) return [];
  var b = d.before, a = d.after, out = [], va = a.val_ap || [], vb = b.val_ap || [];
  out.push(t('mic.ft.figures', { ap0: ap(b.held_ap), ap1: ap(a.held_ap),
                                 b0: bias(b.held_bias), b1: bias(a.held_bias) }));
  if (!va.length) out.push(t('mic.ft.noVal'));
  for (var k = 0; k < va.length; k++)
    out.push(t('mic.ft.val', { k: k + 1, a0: ap(vb[k]), a1: ap(va[k]) }));
  if (typeof d.version === 'number') out.push(t('mic.ft.version', { v: d.version }));
  if (d.measured === false) out.push(t('mic.ft.fixture'));
  return out;
}

function paint() {
  panel();
  var running = !!(last && last.alive);
  $('mic-ft-start').textContent = t(last && last.state === 'stopped' ? 'mic.ft.resume' : 'mic.ft.start');
  $('mic-ft-stop').textContent = t('mic.ft.stop');
  show($('mic-ft-start'), !running);
  show($('mic-ft-stop'), running);
  $('mic-ft-status').textContent = statusText(last);
  /* the microscope's current version is a fine-tuned model: its uploads run it */
  var m = state.mic, v = m && m.adaptation > 0 && m.versions && m.versions[m.adaptation - 1];
  var serving = !!(v && v.kind === 'model');
  $('mic-ft-serving').textContent = serving ? t('mic.ft.serving', { v: m.adaptation }) : '';
  show($('mic-ft-serving'), serving);
  var ul = $('mic-ft-figures');
  ul.textContent = '';
  figureLines(last && last.decision).forEach(function (line) { ul.appendChild(h('li', {}, [line])); });
}

function poll() {
  var name = shown;
  clearTimeout(timer);
  timer = null;
  if (!name) return;
  jsonRequest('GET', url(name)).then(function (j) {
    if (shown !== name) return;
    last = j;
    paint();
    if (j.alive) timer = setTimeout(poll, POLL_MS);
  }, function (err) { if (shown === name) showError($('mic-ft-fail'), err); });
}

function act(method) {
  var name = shown;
  if (!name) return;
  showError($('mic-ft-fail'), null);
  jsonRequest(method, url(name), method === 'POST' ? {} : undefined).then(function (j) {
    if (shown !== name) return;
    last = j;
    paint();
    clearTimeout(timer);
    timer = setTimeout(poll, POLL_MS);
  }, function (err) { if (shown === name) showError($('mic-ft-fail'), err); });
}
function start() { act('POST'); }
function stop() { act('DELETE'); }

/* Follow the microscope of the shown result (called from renderMicShare). */
export function renderMicFinetune() {
  var m = state.mic, name = (m && m.microscope) || null;
  if (!$('mic-share')) return;
  panel();
  if (name !== shown) {
    shown = name;
    last = null;
    showError($('mic-ft-fail'), null);
    if (name) poll();
  }
  paint();
}
