/* morphclasses.js: the red-cell morphology classes of a sample (models/v1-rbcmorph): shares of the classified cells, the leading abnormal class, what abstained */
import * as i18n from './i18n.js';
import { h } from './dom.js';

const t = i18n.t;

/* A morphology class's name in this language (the server's name when no string exists). */
export function className(name) {
  var key = 'morph.cls.' + name, s = t(key);
  return s === key ? name : s;
}

/*
 * The line under the sample's morphology figures: "{n} red cells classified by shape ({a}
 * abstained): normal 60 %, spherocyte 20 %, ..." (classes of 1 % or more, largest first), then
 * the leading abnormal class when the server names one (from 100 classified cells), the
 * elliptocyte caveat when elliptocytes are listed and the small-pale one when microcytes or
 * hypochromic cells are.  null when
 * the sample has no classes (no classifier, or results saved before it).
 */
export function classesView(c) {
  if (!c || !(c.classified > 0)) return null;
  var share = c.share || {}, names = Object.keys(share).filter(function (k) { return share[k] >= 0.01; });
  names.sort(function (a, b) { return share[b] - share[a]; });
  var list = names.map(function (k) { return className(k) + ' ' + i18n.num(100 * share[k], 0) + ' %'; }).join(', ');
  var kids = [h('p', { 'class': 'morph-classes', text: t('smp.morph.classes',
    { classified: i18n.num(c.classified, 0), abstained: i18n.num(c.abstained || 0, 0), list: list || '–' }) })];
  if (c.leading_abnormal)
    kids.push(h('p', { 'class': 'morph-lead', text: t('smp.morph.lead', { cls: className(c.leading_abnormal) }) }));
  /* the elliptocyte class was learned from one slide and calls round cells of it elliptocytes
     (docs/morphology.md): said wherever elliptocytes are in the list */
  if (share.elliptocyte >= 0.01)
    kids.push(h('p', { 'class': 'hint morph-ellip-caveat', text: t('smp.morph.ellipCaveat') }));
  /* microcytes and hypochromic cells are favoured by the model's class offsets (more found,
     more normal cells among them: models/README.md): said wherever either is listed */
  if (share.microcyte >= 0.01 || share.hypochromia >= 0.01)
    kids.push(h('p', { 'class': 'hint morph-smallpale-caveat', text: t('smp.morph.smallPaleCaveat') }));
  return h('div', { 'class': 'morph-class-block', 'data-classified': String(c.classified) }, kids);
}

/* The morphology class of result r's detection i for its gallery crop ("spherocyte 91 %",
   "shape unsure" when abstained), '' when the cell was not classified. */
var captions = { cells: null, by: null };
export function morphCaption(r, i) {
  var cells = r && r.morphology && r.morphology.classes && r.morphology.classes.cells;
  if (!Array.isArray(cells) || typeof i !== 'number') return '';
  if (captions.cells !== cells || !captions.by) {
    captions.cells = cells;
    captions.by = new Map();
    cells.forEach(function (c) { captions.by.set(c.box, c); });
  }
  var c = captions.by.get(i);
  if (!c) return '';
  if (c['class'] === 'abstained') return t('morph.abstained');
  return className(c['class']) + ' ' + i18n.num(100 * c.confidence, 0) + ' %';
}
