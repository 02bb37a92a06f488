/* chart.js: a horizontal bar chart of counts per class, drawn as inline SVG (no library) */
var SVGNS = 'http://www.w3.org/2000/svg';

function el(name, attrs, text) {
  var e = document.createElementNS(SVGNS, name);
  Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
  if (text !== undefined) e.textContent = text;
  return e;
}

/*
 * rows: [{label, value, cls}] (cls picks the bar colour class).  Replaces svg's content; the
 * SVG scales with its container through its viewBox, so it prints sharp too.
 */
function bars(svg, rows, desc) {
  var W = 320, rowH = 30, labelW = 118, valueW = 44, top = 6;
  var H = top * 2 + rows.length * rowH;
  var max = rows.reduce(function (m, r) { return Math.max(m, r.value); }, 0);
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  svg.setAttribute('role', 'img');
  svg.appendChild(el('desc', {}, desc));
  var span = W - labelW - valueW;
  rows.forEach(function (r, i) {
    var y = top + i * rowH;
    var w = max > 0 ? Math.max(r.value > 0 ? 2 : 0, span * r.value / max) : 0;
    svg.appendChild(el('text', { x: labelW - 8, y: y + rowH / 2, 'class': 'chart-label',
                                  'text-anchor': 'end', 'dominant-baseline': 'middle' }, r.label));
    svg.appendChild(el('rect', { x: labelW, y: y + 5, width: span, height: rowH - 10,
                                  'class': 'chart-track' }));
    svg.appendChild(el('rect', { x: labelW, y: y + 5, width: w, height: rowH - 10,
                                  'class': 'chart-bar ' + r.cls, 'data-value': r.value }));
    svg.appendChild(el('text', { x: labelW + w + 6, y: y + rowH / 2, 'class': 'chart-value',
                                  'dominant-baseline': 'middle' }, String(r.value)));
  });
}

export { bars };
