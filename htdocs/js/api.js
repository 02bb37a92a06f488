/* api.js: talk to the BloodView backend (docs/api.md); every failure becomes {code, status, message, i18n} */

import * as login from './login.js';
/*
 * An Error carrying the API's error code so the page can say what to do next, and the
 * message's codes (error.message_i18n) where the API sends them.
 */
function ApiError(code, status, message, i18n) {
  var e = new Error(message || code);
  e.code = code;
  e.status = status || 0;
  e.i18n = Array.isArray(i18n) ? i18n : null;
  return e;
}

/* Statuses lighttpd may answer by itself (no JSON body): map them to the nearest API code. */
function codeForStatus(status) {
  switch (status) {
    case 0: return 'network';
    case 401: return 'login_required';
    case 404: return 'not_found';
    case 405: return 'method_not_allowed';
    case 409: return 'conflict';
    case 413: return 'too_large';
    case 415: return 'unsupported_type';
    case 422: return 'undecodable';
    case 500: return 'internal';
    case 502: case 503: case 504: return 'busy';
    case 507: return 'storage_full';
    default: return status >= 400 && status < 500 ? 'bad_request' : 'unknown';
  }
}

function parseBody(status, text) {
  var body = null;
  try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
  if (status >= 200 && status < 300 && body !== null) return body;
  /* the clinic password (login.js): show the login form */
  if (status === 401) login.required();
  if (body && body.error && typeof body.error.code === 'string')
    throw ApiError(body.error.code, status, body.error.message, body.error.message_i18n);
  throw ApiError(status >= 200 && status < 300 ? 'internal' : codeForStatus(status), status);
}

function request(method, url, body) {
  var opts = { method: method, headers: { 'Accept': 'application/json' }, cache: 'no-store' };
  if (body !== undefined) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
  return fetch(url, opts)
    .then(function (r) {
      return r.text().then(function (text) { return parseBody(r.status, text); });
    }, function () { throw ApiError('network', 0); });
}

/*
 * This browser's microscope id (docs/api.md "microscope"): made once, kept in localStorage, so
 * the server remembers the working scale of the microscope this browser photographs through;
 * '' where storage is off (the server then keys by address).
 */
function microscopeId() {
  try {
    var id = window.localStorage.getItem('bloodview.microscope');
    if (!id || !/^[A-Za-z0-9_.:-]{1,64}$/.test(id)) {
      id = 'b' + Math.random().toString(36).slice(2, 12) + Date.now().toString(36);
      window.localStorage.setItem('bloodview.microscope', id);
    }
    return id;
  } catch (e) { return ''; }
}

/*
 * POST one file to /api/analyze.  XMLHttpRequest rather than fetch because only it reports
 * upload progress.  Returns {promise, abort}; onProgress(fraction) then onUploaded().
 */
function analyze(file, opts) {
  opts = opts || {};
  var xhr = new XMLHttpRequest();
  var promise = new Promise(function (resolve, reject) {
    var form = new FormData();
    form.append('image', file, file.name || 'image');
    if (opts.threshold !== undefined && opts.threshold !== null && opts.threshold !== '')
      form.append('threshold', String(opts.threshold));
    /* Decimal point already normalised by the page; the server takes "0,1" as well. */
    if (opts.umPerPx) form.append('um_per_px', String(opts.umPerPx));
    if (opts.sample) form.append('sample', opts.sample);
    if (microscopeId()) form.append('microscope', microscopeId());
    xhr.open('POST', '/api/analyze');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = function (ev) {
      if (ev.lengthComputable && opts.onProgress) opts.onProgress(ev.loaded / ev.total);
    };
    xhr.upload.onload = function () { if (opts.onUploaded) opts.onUploaded(); };
    xhr.onload = function () {
      try { resolve(parseBody(xhr.status, xhr.responseText)); } catch (e) { reject(e); }
    };
    xhr.onerror = function () { reject(ApiError('network', 0)); };
    xhr.onabort = function () { reject(ApiError('aborted', 0)); };
    xhr.send(form);
  });
  return { promise: promise, abort: function () { xhr.abort(); } };
}

function resultUrl(id) { return '/results/' + encodeURIComponent(id) + '/result.json'; }

export function model() { return request('GET', '/api/model'); }
/* A microscope's checked fields and the detector's measured error on them (docs/microscope.md). */
export function microscope(name) { return request('GET', '/api/microscopes/' + encodeURIComponent(name)); }
/* Step (a): thresholds chosen on its checked fields, adopted only if better on held-out ones. */
export function microscopeAdapt(name) { return request('POST', '/api/microscopes/' + encodeURIComponent(name) + '/adapt', {}); }
export function microscopeRollback(name) { return request('POST', '/api/microscopes/' + encodeURIComponent(name) + '/rollback', {}); }
/* Import a file exported by another box: kind 'fields' (checked fields) or 'model' (docs/api.md). */
export function microscopeImport(name, kind, file) {
  return fetch('/api/microscopes/' + encodeURIComponent(name) + '/' + kind, { method: 'POST', cache: 'no-store',
    headers: { 'Accept': 'application/json', 'Content-Type': 'application/octet-stream' }, body: file })
    .then(function (r) { return r.text().then(function (text) { return parseBody(r.status, text); }); });
}
export function health() { return request('GET', '/api/health'); }
export function results(limit) { return request('GET', '/api/results?limit=' + (limit || 100)); }
/* The API's copy: the detector's result with its latest review merged in (docs/api.md). */
export function result(id) { return request('GET', '/api/results/' + encodeURIComponent(id)); }
/* body {version, by, changes}; resolves with the reviewed result, rejects 409 "conflict" when stale. */
export function saveReview(id, body) {
  return request('PUT', '/api/results/' + encodeURIComponent(id) + '/review', body);
}
/* by: who deletes it, kept in the audit list of each sample that held it (docs/api.md). */
export function remove(id, by) {
  return request('DELETE', '/api/results/' + encodeURIComponent(id) + (by ? '?by=' + encodeURIComponent(by) : ''));
}
/* The name this browser reviews and removes fields under ('' when none was typed yet). */
export function operator() {
  try { return window.localStorage.getItem('bloodview.reviewer') || ''; } catch (e) { return ''; }
}
export function samples() { return request('GET', '/api/samples'); }
export { ApiError, analyze, microscopeId, resultUrl };
