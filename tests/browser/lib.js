/*
 * lib.js: what the browser tests share: Debian's chromium and how it is launched, the artifacts
 * folder, the BCCD test fields (tests/ui.sh points BV_DATASET at them or at drawn smears), the
 * desktop and phone viewports, the server's URL (BV_URL from tests/ui.sh), and for a test that
 * starts its own server, a free port and a wait until it answers.
 */
'use strict';
const fs = require('fs');
const net = require('net');
const path = require('path');
const assert = require('assert/strict');
const { chromium, request } = require('playwright-core');

const CHROMIUM = process.env.BV_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = process.env.BV_ARTIFACTS || path.join(__dirname, 'artifacts');
const DATASET = process.env.BV_DATASET || path.resolve(__dirname, '../../../shared/datasets/bccd');
const SRC = process.env.top_srcdir || path.join(__dirname, '..', '..');
const BUILD = process.env.top_builddir || '';
const DESKTOP = { width: 1366, height: 768 }, PHONE = { width: 360, height: 740 };
const VIEWS = [['desktop', DESKTOP], ['phone', PHONE]];

/* The BCCD field BloodImage_<n>.jpg, n as '00001' or 1. */
function image(n) {
  const id = typeof n === 'number' ? String(n).padStart(5, '0') : n;
  return path.join(DATASET, 'BCCD/JPEGImages/BloodImage_' + id + '.jpg');
}

/* false when every file is there, else why the tests that need them skip. */
function absent(files, what) {
  const gone = files.filter((f) => !fs.existsSync(f));
  return gone.length ? (what || 'test image absent: ') + gone.join(', ') : false;
}

/* The server tests/ui.sh started ('' when run alone: the tests that need one skip). */
function baseUrl() { return (process.env.BV_URL || '').replace(/\/$/, ''); }

/* Headless chromium with the sandbox off (root in CI) and extra flags; makes ARTIFACTS. */
function launch(args) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'].concat(args || []) });
}

/*
 * A request context for a test's own API calls, one connection per request: a reused keep-alive
 * socket that lighttpd closes as the next request goes out gave "socket hang up (ECONNRESET)" in
 * about 3 of 10 runs (a browser resends such a request itself; this client does not).
 */
function apiContext() {
  return request.newContext({ extraHTTPHeaders: { Connection: 'close' } });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

async function waitHealth(url) {
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(url + '/api/health')).ok) return; } catch (e) { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not answer on ' + url);
}

/*
 * One of the page's modules (htdocs/js/<name>.js) as a handle for evaluate() and waitForFunction():
 * the page keeps no global object, and a module imported again is the same instance.
 */
function pageModule(page, name) {
  return page.evaluateHandle((n) => import('/js/' + n + '.js'), name);
}

/*
 * POST the photo in file to /api/analyze as name ('f.jpg' when absent) with the extra form
 * fields (e.g. { sample: id }); asserts a 200 and gives the result's JSON.
 */
async function analyzeFile(api, base, file, fields, name) {
  const image = { name: name || 'f.jpg', mimeType: 'image/jpeg', buffer: fs.readFileSync(file) };
  const r = await api.post(base + '/api/analyze', { timeout: 300000,
    multipart: Object.assign({ image }, fields || {}) });
  assert.equal(r.status(), 200, await r.text());
  return r.json();
}

/* A new page of view's size in lang ('en' or 'es'): the app loaded, its language chosen. */
async function openPage(browser, base, view, lang) {
  const ctx = await browser.newContext({ viewport: view, locale: lang === 'es' ? 'es-PE' : 'en-GB' });
  const page = await ctx.newPage();
  await page.goto(base + '/');
  await page.waitForSelector('html.ready');
  await page.click('.lang button[data-lang="' + lang + '"]');
  return { ctx, page };
}

module.exports = { chromium, CHROMIUM, ARTIFACTS, DATASET, SRC, BUILD, DESKTOP, PHONE, VIEWS,
  image, absent, baseUrl, launch, apiContext, freePort, waitHealth, pageModule, analyzeFile,
  openPage };
