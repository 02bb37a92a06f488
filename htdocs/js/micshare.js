/*
 * micshare.js: a microscope's checked fields and model as files to take to another box, and such
 * files imported here (docs/microscope.md "Export and import between boxes"; issue 26 item 4).
 * The links and file pickers follow the microscope of the result shown (review.js's state.mic).
 */
import * as i18n from './i18n.js';
import * as api from './api.js';
import { state, $, show, showError, notice } from './common.js';
import { render } from './result.js';
import { renderMicFinetune } from './micfinetune.js';

const t = i18n.t;

/* Show the export links and import pickers for the shown result's microscope. */
export function renderMicShare() {
  var m = state.mic, name = m && m.microscope;
  show($('mic-share'), !!name);
  renderMicFinetune();
  if (!name) return;
  var base = '/api/microscopes/' + encodeURIComponent(name);
  $('mic-export-fields').href = base + '/fields';
  $('mic-export-model').href = base + '/model';
}

function importFile(kind, input) {
  var f = input.files && input.files[0], r = state.result;
  if (!f || !r || !r.microscope) return;
  showError($('mic-share-fail'), null);
  api.microscopeImport(r.microscope, kind, f).then(function (m) {
    if (!state.result || state.result.id !== r.id) return;
    state.mic = m;
    render();
    notice(kind === 'fields' ? t('mic.imported', { n: m.imported }) : t(m.served ? 'mic.keptServed' : 'mic.kept', { v: m.kept }));
  }, function (err) { showError($('mic-share-fail'), err); });
  input.value = '';
}

export function setupMicShare() {
  $('mic-import-fields').addEventListener('change', function () { importFile('fields', this); });
  $('mic-import-model').addEventListener('change', function () { importFile('model', this); });
}
