/* morphreview.js: the gallery's red cells by morphology class: a class picker (all, each class with its count, shape unsure) and a person's correction of a cell's class */
import * as i18n from './i18n.js';
import { h, clear } from './dom.js';
import { state, $ } from './common.js';
import { className } from './morphclasses.js';

const t = i18n.t;

/* The classes a person may give a red cell: src/store/rbcdata.c (models/v1-rbcmorph.names less reject). */
export var RBC_CLASSES = ['normal', 'macrocyte', 'microcyte', 'spherocyte', 'target', 'stomatocyte', 'ovalocyte',
  'teardrop', 'burr', 'schistocyte', 'hypochromia', 'elliptocyte'];

/* The class picked above the red-cell crops: 'all', a class, or 'abstained'. */
export var morphPick = { id: null, cls: 'all' };

/* Result r's morphology cells by detection index (an empty Map when it has none). */
var byBox = { cells: null, map: new Map() };
export function morphCells(r) {
  var cells = r && r.morphology && r.morphology.classes && r.morphology.classes.cells;
  if (!Array.isArray(cells)) return new Map();
  if (byBox.cells !== cells) {
    byBox.cells = cells;
    byBox.map = new Map();
    cells.forEach(function (c) { byBox.map.set(c.box, c); });
  }
  return byBox.map;
}

/* The class red cell i shows: the draft's, else the saved one (a person's or the classifier's), 'abstained', or null. */
export function shownClass(r, i) {
  var d = state.draft && state.draft.rbc;
  if (d && typeof d[i] === 'string') return d[i];
  var c = morphCells(r).get(i);
  return c ? c['class'] : null;
}

/* Whether a person set red cell i's class (in the draft or in the saved review). */
export function personClass(r, i) {
  var d = state.draft && state.draft.rbc, c = morphCells(r).get(i);
  return !!(d && typeof d[i] === 'string') || !!(c && c.by === 'review');
}

/*
 * The picker above the red-cell crops (drawn into a box made before the gallery's panel), and
 * list (gallery entries {i, det}) kept to the class picked.  again() redraws the gallery.
 */
export function morphFilter(r, list, again) {
  var box = $('morph-filter');
  if (!box) {
    box = h('div', { id: 'morph-filter', 'class': 'gallery-tabs morph-filter', role: 'group' });
    $('gallery-panel').parentNode.insertBefore(box, $('gallery-panel'));
  }
  var cells = morphCells(r);
  box.hidden = !cells.size;
  clear(box);
  if (!cells.size) return list;
  if (morphPick.id !== r.id) { morphPick.id = r.id; morphPick.cls = 'all'; }
  var n = { all: 0, abstained: 0 };
  list.forEach(function (x) {
    var c = shownClass(r, x.i);
    if (c === null) return;
    n.all++;
    n[c] = (n[c] || 0) + 1;
  });
  var keys = ['all'].concat(RBC_CLASSES.filter(function (c) { return n[c] > 0 || c === morphPick.cls; }), ['abstained']);
  box.setAttribute('aria-label', t('morph.filter'));
  box.appendChild(h('span', { 'class': 'review-types-label', text: t('morph.filter') }));
  keys.forEach(function (c) {
    var label = c === 'all' ? t('morph.all') : c === 'abstained' ? t('morph.abstained') : className(c);
    box.appendChild(h('button', { type: 'button', 'class': 'gtab morph-pick', 'data-morph': c,
      'aria-pressed': c === morphPick.cls ? 'true' : 'false',
      onclick: function () { morphPick.cls = c; again(); } },
      [label + ' ', h('span', { 'class': 'gtab-n', text: i18n.num(n[c] || 0, 0) })]));
  });
  if (morphPick.cls === 'all') return list;
  return list.filter(function (x) { return shownClass(r, x.i) === morphPick.cls; });
}

/* The select under red cell i's crop: its class, changed by a person into the draft. */
export function morphFix(r, i, changed) {
  var cur = shownClass(r, i);
  if (cur === null) return null;
  var sel = h('select', { 'class': 'morph-fix', 'data-i': String(i), 'aria-label': t('morph.fix'), title: t('morph.fix'),
    onchange: function () { changed(i, sel.value); } });
  if (cur === 'abstained') sel.appendChild(h('option', { value: '', text: t('morph.abstained') }));
  RBC_CLASSES.forEach(function (c) {
    var o = h('option', { value: c, text: className(c) });
    if (c === cur) o.selected = true;
    sel.appendChild(o);
  });
  return sel;
}
