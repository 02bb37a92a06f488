/* login.js: the clinic password: a login form when the API answers 401 login_required, and log out */
import * as i18n from './i18n.js';

/*
 * Only when the server has a password (GET /api/session says so, or any API call answers 401
 * "login_required"; api.js calls required()).  The session cookie is HttpOnly: this
 * page never sees it; after logging in or out it reloads, so every view starts afresh.
 */
var lastError = null, shown = false;

function $(id) { return document.getElementById(id); }
const t = i18n.t;

function showError(key, vars) {
  var el = $('login-error');
  lastError = key ? { key: key, vars: vars } : null;
  if (!el) return;
  el.textContent = key ? t(key, vars) : '';
  el.hidden = !key;
}

/*
 * The form as a modal <dialog>: the page behind is inert, so the header's language switch moves
 * into the dialog while it is open.  Esc does not close it: nothing behind works without the
 * password (a log-in reloads the page).
 */
function show() {
  var box = $('login'), lang = document.querySelector('.topbar .lang');
  if (!box || shown) return;
  shown = true;
  box.hidden = false;
  document.body.classList.add('login-open');
  if ($('main')) $('main').inert = true;
  if (lang) box.querySelector('.login-lang').appendChild(lang);
  box.addEventListener('cancel', function (ev) { ev.preventDefault(); });
  box.showModal();
  setTimeout(function () { $('login-password').focus(); }, 0);
}

function submit(ev) {
  var pw = $('login-password').value, btn = $('login-submit');
  ev.preventDefault();
  if (!pw) { showError('login.empty'); return; }
  btn.disabled = true;
  fetch('/api/login', {
    method: 'POST', cache: 'no-store', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
    body: JSON.stringify({ password: pw })
  }).then(function (r) {
    return r.text().then(function (text) {
      var body = null, err;
      try { body = JSON.parse(text); } catch (e) { body = null; }
      err = body && body.error ? body.error : {};
      if (r.status === 200) {
        $('login-password').value = '';
        window.location.reload();
      } else if (r.status === 429) {
        showError('login.too_many', { seconds: err.retry_after || Number(r.headers.get('Retry-After')) || 30 });
      } else if (err.code === 'wrong_password') {
        showError('login.wrong');
      } else {
        showError('login.failed', { status: r.status });
      }
    });
  }, function () { showError('err.network'); }).then(function () { btn.disabled = false; });
}

function logout() {
  var done = function () { window.location.reload(); };
  fetch('/api/logout', { method: 'POST', cache: 'no-store', headers: { 'Accept': 'application/json' } })
    .then(done, done);
}

function init() {
  var form = $('login-form');
  if (!form) return;
  form.addEventListener('submit', submit);
  $('logout-btn').addEventListener('click', logout);
  /* app.js switches the language on the same click: word the error after it */
  document.querySelectorAll('.lang button').forEach(function (b) {
    b.addEventListener('click', function () {
      setTimeout(function () { if (lastError) showError(lastError.key, lastError.vars); }, 0);
    });
  });
  fetch('/api/session', { cache: 'no-store', headers: { 'Accept': 'application/json' } })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (s) {
      if (!s || !s.password) return;
      if (s.logged_in) $('logout-btn').hidden = false;
      else show();
    }, function () { /* the page's own calls report a dead server */ });
}

export { show as required };
init();
