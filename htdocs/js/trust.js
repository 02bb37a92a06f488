/*
 * trust.js: how far a count or an estimate can be trusted, in words: the 95 % interval beside
 * each count ("RBC 118 (104–131)", the result's "count_intervals"), the counting frame the
 * densities use (the result's "frame", drawn by viewer.js), and an estimate with its interval
 * (a sample's "estimates".X."interval95").  Formatting only: the server works every figure out
 * (src/clinical/interval.c, src/vision/countframe.c); nothing here recomputes one.
 */
import * as i18n from './i18n.js';

const t = i18n.t;

function isNum(v) { return typeof v === 'number' && isFinite(v); }
function label(c) { return i18n.has('class.' + c) ? t('class.' + c) : c; }

/* "118 (104–131)" from a count and its interval object; the count alone without one. */
function withInterval(n, iv, digits) {
  var s = i18n.num(n, digits || 0);
  if (iv && isNum(iv.lo) && isNum(iv.hi)) s += ' (' + i18n.num(iv.lo, digits || 0) + '–' + i18n.num(iv.hi, digits || 0) + ')';
  return s;
}

/*
 * The intervals line under the counts table: each class's count with its interval, and what
 * the interval means; inForce false (the slider or a review changed the counts) says why none
 * is shown.  '' when the result has no "count_intervals" (older results).
 */
function countsLine(r, inForce) {
  var iv = r && r.count_intervals;
  if (!iv || typeof iv !== 'object') return '';
  if (!inForce) return t('trust.notInForce');
  var names = Object.keys(iv), any = false, sources = [];
  var list = names.map(function (c) {
    var o = iv[c] || {};
    if (isNum(o.lo)) any = true;
    return label(c) + ' ' + withInterval(o.count, o);
  }).join(' · ');
  if (!any) return t('trust.unavailable');
  names.forEach(function (c) {
    var e = r.count_error && r.count_error[c];
    if (e && typeof e.sources === 'string' && e.sources && sources.indexOf(e.sources) < 0) sources.push(e.sources);
  });
  return t('trust.line', { list: list, sources: sources.length ? sources.join('; ') : t('trust.someSources') }) +
    (names.some(function (c) { return !isNum((iv[c] || {}).lo); }) ? ' ' + t('trust.unavailable') : '');
}

/* The counting frame in words (result "frame"), or '' without one. */
function frameText(f) {
  if (!f || typeof f !== 'object') return '';
  if (f.valid !== true) return t('frame.none');
  var p = { w: i18n.num(f.x1 - f.x0, 0), h: i18n.num(f.y1 - f.y0, 0), x: i18n.num(f.x0, 0), y: i18n.num(f.y0, 0),
            inset: i18n.num(f.inset_px, 0), px: i18n.num(f.area_px, 0) };
  var s = isNum(f.area_um2) ? t('frame.textUm', Object.assign(p, { um: i18n.num(f.area_um2, 1) })) : t('frame.text', p);
  var c = f.counts || {};
  s += '; ' + t('frame.counts', { list: Object.keys(c).map(function (k) { return label(k) + ' ' + c[k]; }).join(', ') });
  return s + '. ' + t('frame.rule');
}

/* A sample estimate per µL with its interval: "4,000,000 (2,551,190–5,448,810)". */
function estimateText(e) {
  if (!e || !isNum(e.per_ul)) return '–';
  return withInterval(e.per_ul, e.interval95);
}

/* Why an estimate has no interval, in the page's language ('' when it has one). */
function estimateWhy(e) {
  if (!e || e.interval95) return '';
  return e.interval_unavailable_i18n ? i18n.msgs(e.interval_unavailable_i18n, e.interval_unavailable || '')
    : (e.interval_unavailable || '');
}

/* Show countsLine() and frameText() in the page's counts card (created on first use). */
function render(r, inForce) {
  var body = document.getElementById('counts-body');
  if (!body) return;
  var card = body.closest('table').parentNode;
  var p = document.getElementById('count-intervals');
  if (!p) {
    p = document.createElement('p');
    p.id = 'count-intervals';
    p.className = 'hint count-intervals';
    card.appendChild(p);
  }
  p.textContent = countsLine(r, inForce);
  p.hidden = !p.textContent;
}

export { withInterval, countsLine, frameText, estimateText, estimateWhy, render };

/*
 * Which limits judged a field's quality flags (the result's "quality.reference",
 * docs/quality.md): "default", or "profile:NAME, n fields" (the medians of that microscope's
 * accepted clean fields).  '' when the result says nothing.
 */
export function qualityRefText(ref) {
  if (typeof ref !== 'string' || !ref) return '';
  var m = /^profile:(.*), (\d+) fields$/.exec(ref);
  if (m) return t('quality.refProfile', { name: m[1], n: Number(m[2]) });
  return t('quality.refDefault');
}
