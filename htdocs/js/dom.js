/* dom.js: the small DOM builder shared by the page modules (no innerHTML, CSP-safe) */
/* h('p', {class: 'x', text: 'y', onclick: fn}, [children]): one element. */
export function h(tag, attrs, children) {
  var e = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) {
    if (k === 'text') e.textContent = attrs[k];
    else if (k === 'class') e.className = attrs[k];
    else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), attrs[k]);
    else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) e.setAttribute(k, attrs[k]);
  });
  (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
  return e;
}

export function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }

