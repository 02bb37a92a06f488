/*
 * ui-login.test.js: the clinic password in the page (js/login.js) in headless Debian chromium.
 * Run by tests/ui.sh after ui.test.js; the shared server there has no password, so this file
 * starts its own lighttpd + backend (etc/mkconf-local.sh, as tests/lib/server.sh does) with a
 * password_hash made by bv-passwd.  Checks: the form shows on a page load, a wrong password is
 * refused in English and Spanish, the right one opens the app with an HttpOnly SameSite=Strict
 * cookie the page cannot read, result images load through the authorizer, and "Log out" ends it.
 */
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { ARTIFACTS, SRC, BUILD, freePort, waitHealth, image, launch } = require('./lib');

const FIELD = image('00001');
const PASSWORD = 'pulmon sano 2026';

let browser, context, page, lighttpd, state, base;

before(async () => {
  assert.ok(fs.existsSync(FIELD), FIELD + ' exists');
  const hash = spawnSync(path.join(BUILD, 'bv-passwd'), [], { input: PASSWORD + '\n', encoding: 'utf8' });
  assert.equal(hash.status, 0, 'bv-passwd: ' + hash.stderr);
  assert.match(hash.stdout, /^password_hash = \$y\$/);
  state = fs.mkdtempSync(path.join(os.tmpdir(), 'bv-ui-login.'));
  fs.chmodSync(state, 0o755);
  const port = await freePort();
  const conf = spawnSync('sh', [path.join(SRC, 'etc/mkconf-local.sh'), state, String(port), BUILD, SRC, '1'], {
    env: Object.assign({}, process.env, { BV_EXTRA_CONF: hash.stdout.trim(), BV_ERRORLOG: path.join(state, 'error.log') }),
    encoding: 'utf8'
  });
  assert.equal(conf.status, 0, 'mkconf-local.sh: ' + conf.stderr);
  const bin = fs.existsSync('/usr/sbin/lighttpd') ? '/usr/sbin/lighttpd' : 'lighttpd';
  lighttpd = spawn(bin, ['-D', '-f', path.join(state, 'lighttpd.conf')], { stdio: 'ignore' });
  base = 'http://127.0.0.1:' + port;
  await waitHealth(base);
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  page = await context.newPage();
});

after(async () => {
  if (browser) await browser.close();
  if (lighttpd) {
    lighttpd.kill('SIGTERM');
    await new Promise((r) => { lighttpd.once('exit', r); setTimeout(r, 3000); });
  }
  if (state && !process.env.BV_KEEP_STATE) fs.rmSync(state, { recursive: true, force: true });
});

test('a page load on a box with a password shows the login form, focused', async () => {
  await page.goto(base + '/#/analyze');
  await page.waitForSelector('#login:not([hidden])');
  assert.equal(await page.textContent('#login-title'), 'Clinic password');
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'login-password');
  assert.equal(await page.evaluate(() => document.getElementById('main').inert), true, 'the app behind is inert');
  /* A modal dialog that Esc does not close: nothing behind it works without the password. */
  assert.equal(await page.evaluate(() => document.getElementById('login').matches(':modal')), true, 'a modal dialog');
  await page.keyboard.press('Escape');
  assert.equal(await page.isVisible('#login'), true, 'Esc leaves the form up');
  assert.equal(await page.isHidden('#logout-btn'), true);
  const r = await page.evaluate(async () => (await fetch('/api/results')).status);
  assert.equal(r, 401);
});

test('a wrong password is refused, worded in English and in Spanish', async () => {
  await page.fill('#login-password', 'not the password');
  await page.click('#login-submit');
  await page.waitForSelector('#login-error:not([hidden])');
  assert.match(await page.textContent('#login-error'), /^Wrong password\./);
  assert.equal(await page.isVisible('#login'), true);
  await page.click('.lang button[data-lang="es"]');
  await page.waitForFunction(() => /^Contraseña incorrecta\./.test(document.getElementById('login-error').textContent));
  assert.equal(await page.textContent('#login-title'), 'Contraseña de la clínica');
  assert.equal(await page.textContent('#login-submit'), 'Entrar');
  await page.setViewportSize({ width: 360, height: 740 });
  await page.screenshot({ path: path.join(ARTIFACTS, 'phone-login-es.png') });
  await page.setViewportSize({ width: 1280, height: 900 });
  /* an empty password is not sent */
  await page.fill('#login-password', '');
  await page.click('#login-submit');
  await page.waitForFunction(() => document.getElementById('login-error').textContent === 'Escriba la contraseña.');
});

test('the right password opens the app; the cookie is HttpOnly, SameSite=Strict, out of reach', async () => {
  await page.fill('#login-password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('#login-submit')]);
  await page.waitForSelector('#logout-btn:not([hidden])');
  assert.equal(await page.isHidden('#login'), true);
  assert.equal(await page.textContent('#logout-btn'), 'Cerrar sesión', 'Spanish kept across the reload');
  const cookies = (await context.cookies(base)).filter((c) => c.name === 'bv_session');
  assert.equal(cookies.length, 1);
  assert.equal(cookies[0].httpOnly, true);
  assert.equal(cookies[0].sameSite, 'Strict');
  assert.equal(cookies[0].secure, false, 'plain http: no Secure');
  assert.match(cookies[0].value, /^[0-9a-f]{64}$/);
  assert.equal(await page.evaluate(() => document.cookie.indexOf('bv_session')), -1);
  assert.equal(await page.evaluate(async () => (await fetch('/api/results')).status), 200);
  /* a result made with this session; its image loads in the page through the authorizer */
  const form = new FormData();
  form.append('image', new Blob([fs.readFileSync(FIELD)], { type: 'image/jpeg' }), 'field.jpg');
  const up = await fetch(base + '/api/analyze', { method: 'POST', body: form,
    headers: { Cookie: 'bv_session=' + cookies[0].value, Origin: base } });
  assert.equal(up.status, 200);
  const id = (await up.json()).id;
  const w = await page.evaluate((src) => new Promise((resolve) => {
    const img = new Image();
    img.onload = () => resolve(img.naturalWidth);
    img.onerror = () => resolve(-1);
    img.src = src;
  }), '/results/' + id + '/thumb.jpg');
  assert.ok(w > 0, 'thumbnail loaded, width ' + w);
  context.bvResult = id;
});

test('"Log out" ends the session: the form again, API and result images refused', async () => {
  await Promise.all([page.waitForNavigation(), page.click('#logout-btn')]);
  await page.waitForSelector('#login:not([hidden])');
  assert.equal(await page.evaluate(async () => (await fetch('/api/results')).status), 401);
  const w = await page.evaluate((src) => new Promise((resolve) => {
    const img = new Image();
    img.onload = () => resolve(img.naturalWidth);
    img.onerror = () => resolve(-1);
    img.src = src + '?after-logout';
  }), '/results/' + context.bvResult + '/thumb.jpg');
  assert.equal(w, -1, 'the thumbnail no longer loads');
  await page.click('.lang button[data-lang="en"]');
});
