/*
 * i18n.js: the page's language: the string catalogues (htdocs/i18n/<lang>.json, fetched once
 * before any other module runs), the choice (browser, switch, remembered), numbers and plurals
 * through Intl, and the API's coded sentences ("..._i18n" lists, docs/api.md) in words.
 */

const KEY = 'bloodview.lang';

/* The languages this page has a catalogue for; English is the fallback for a missing key. */
export const languages = ['en', 'es'];

async function loadCatalogue(l) {
  const r = await fetch(new URL('../i18n/' + l + '.json', import.meta.url), { cache: 'no-cache' });
  if (!r.ok) throw new Error('i18n/' + l + '.json: HTTP ' + r.status);
  return r.json();
}

/* {en: {key: text}, es: {...}}: every key of en has an es string (ui.test.js checks it). */
export const strings = Object.fromEntries(
  await Promise.all(languages.map(async (l) => [l, await loadCatalogue(l)])));

export let lang = 'en';

function pick() {
  let saved = null;
  try { saved = window.localStorage.getItem(KEY); } catch (e) { /* storage may be off */ }
  if (saved && strings[saved]) return saved;
  const prefs = navigator.languages || [navigator.language || 'en'];
  for (const p of prefs) {
    const base = String(p).toLowerCase().split('-')[0];
    if (strings[base]) return base;
  }
  return 'en';
}

/* t('queue.uploading', {pct: 40}); a missing Spanish key falls back to English, then the key */
export function t(key, vars) {
  let s = strings[lang][key];
  if (s === undefined) s = strings.en[key];
  if (s === undefined) return key;
  if (vars) {
    s = s.replace(/\{(\w+)\}/g, (m, name) =>
      Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : m);
  }
  return s;
}

export function has(key) { return strings.en[key] !== undefined; }

/* Fill every element carrying data-i18n (text), data-i18n-aria (aria-label) or data-i18n-title. */
export function apply(root) {
  root = root || document;
  root.querySelectorAll('[data-i18n]').forEach((el) => {
    el.textContent = t(el.getAttribute('data-i18n'));
  });
  root.querySelectorAll('[data-i18n-aria]').forEach((el) => {
    el.setAttribute('aria-label', t(el.getAttribute('data-i18n-aria')));
  });
  root.querySelectorAll('[data-i18n-title]').forEach((el) => {
    el.setAttribute('title', t(el.getAttribute('data-i18n-title')));
  });
  document.documentElement.lang = lang;
}

export function set(l, remember) {
  if (!strings[l]) return;
  lang = l;
  if (remember) {
    try { window.localStorage.setItem(KEY, l); } catch (e) { /* ignore */ }
  }
}

const formats = new Map();

/* One Intl.NumberFormat per language and number of decimals, built on first use. */
function numberFormat(digits) {
  const key = lang + ':' + digits;
  if (!formats.has(key)) {
    formats.set(key, new Intl.NumberFormat(lang === 'es' ? 'es' : 'en-GB', {
      minimumFractionDigits: digits, maximumFractionDigits: digits,
      useGrouping: lang === 'es' ? 'min2' : 'auto'
    }));
  }
  return formats.get(key);
}

/*
 * x with digits decimals in this language.  Spanish writes the decimal comma ("10,2") and groups
 * thousands by a narrow no-break space, none for four digits (RAE, Ortografía 2010: "3400",
 * "12 500"; Intl's "min2" grouping), so no figure reads like the "3.400" the forms refuse as
 * ambiguous: CLDR's Spanish group separator (a point) is replaced.
 */
export function num(x, digits) {
  const parts = numberFormat(digits || 0).formatToParts(Number(x));
  if (lang !== 'es') return parts.map((p) => p.value).join('');
  return parts.map((p) => (p.type === 'group' ? '\u202f' : p.type === 'decimal' ? ',' : p.value)).join('');
}

/* Whether n takes this language's singular ("1 campo", "1 field"), by Intl.PluralRules. */
function singular(n) {
  return typeof n === 'number' && new Intl.PluralRules(lang).select(n) === 'one';
}

/* Digits after the point x carries, at most 6: the API rounds each number to what it shows. */
function decimals(x) {
  const s = String(Math.abs(x));
  if (/e-/.test(s)) return 6;
  const m = /\.(\d+)$/.exec(s);
  return m ? Math.min(m[1].length, 6) : 0;
}

/*
 * The string prefix.id in this language, for a name or text from the server's data files
 * (english, e.g. a profile's label): only while english is still the text that string
 * translates, so an administrator's own wording is shown as written.  english absent: the
 * string if there is one, else id.
 */
export function label(prefix, id, english) {
  const key = prefix + '.' + id;
  if (has(key) && (typeof english !== 'string' || english === strings.en[key])) return t(key);
  return typeof english === 'string' ? english : String(id);
}

/*
 * Fill a "msg.*" template from an API message's params: {name} a number (through num()) or
 * text; {name|prefix} label(prefix, value, params[name_label]); {name?one:other} by the
 * number's plural category.  null if a param is missing.
 */
function fill(template, params) {
  let missing = false;
  const out = template.replace(/\{(\w+)(?:\|([\w.]+)|\?([^:{}]*):([^{}]*))?\}/g,
    (m, name, prefix, one, other) => {
      if (!Object.prototype.hasOwnProperty.call(params, name)) { missing = true; return m; }
      const v = params[name];
      if (one !== undefined) return singular(v) ? one : other;
      if (prefix) return label(prefix, v, params[name + '_label']);
      return typeof v === 'number' ? num(v, decimals(v)) : String(v);
    });
  return missing ? null : out;
}

/* A list of API messages in this language; null when a code or a param is not known here. */
function render(list) {
  if (!Array.isArray(list)) return null;
  const out = [];
  for (const m of list) {
    const key = m && typeof m.code === 'string' ? 'msg.' + m.code : null;
    const s = key && has(key) ? fill(strings[lang][key] || strings.en[key], m.params || {}) : null;
    if (s === null) return null;
    out.push(s);
  }
  return out.join(' ');
}

/*
 * One of the API's "..._i18n" lists ([{code, params}], docs/api.md) in this language, the
 * sentences joined by a space; fallback (the API's English text beside the list) when the
 * list is absent or holds a code, or lacks a param, that this page does not know.
 */
export function msgs(list, fallback) {
  const s = render(list);
  return s !== null ? s : (fallback === undefined || fallback === null ? '' : String(fallback));
}

/* Whether msgs(list) would word every message of list in this language. */
export function knows(list) { return render(list) !== null; }

export function date(iso) {
  const d = new Date(iso);
  if (isNaN(d.getTime())) return String(iso || '');
  return d.toLocaleString(lang === 'es' ? 'es-PE' : 'en-GB',
    { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

lang = pick();
