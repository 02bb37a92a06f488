/*
 * ui-camera.test.js: the live page's "microscope camera on the box" source (js/live.js) in
 * headless Debian chromium, against the server at BV_URL and a real bv-capture started here
 * with its file source (one BCCD field).  Run by tests/ui.sh after ui.test.js.
 *
 * Two stand-ins, both for the web server's side of an installed box: /camera/ requests go to
 * this test's bv-capture (lighttpd's mod_proxy does that on a box; tests/capture.sh checks
 * that proxy), and GET /api/health gets "camera": true, as `camera = 1` in bloodview.conf
 * makes it say.  Everything else is real: the stream in the <img>, snapshots, /api/detect,
 * /api/analyze.  Counts are compared with /api/analyze's on the same frame, never fixed.
 */
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const { ARTIFACTS, image, baseUrl, launch, pageModule } = require('./lib');

const BASE = baseUrl();
const CAPTURE = path.join(process.env.top_builddir || '', 'bv-capture');
const FIELD = image('00001');

let browser, page, helper, helperUrl;
const problems = [];

async function api(method, url, body) {
  const opts = { method, headers: { Origin: BASE } };
  if (body !== undefined) opts.body = body;
  const r = await fetch(BASE + url, opts);
  return { status: r.status, json: await r.json() };
}

async function helperHealth() {
  return (await fetch(helperUrl + '/health')).json();
}

before(async () => {
  assert.ok(BASE, 'BV_URL is set by tests/ui.sh');
  assert.ok(fs.existsSync(CAPTURE), CAPTURE + ' is built');
  assert.ok(fs.existsSync(FIELD), FIELD + ' exists');
  /* a single JPEG is a clip of one frame, played at 10 frames/s */
  helper = spawn(CAPTURE, ['--file', FIELD, '--fps', '10', '--listen', '127.0.0.1:0', '--no-token'],
                 { stdio: ['ignore', 'ignore', 'pipe'] });
  helperUrl = await new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error('bv-capture did not start: ' + err)), 10000);
    helper.stderr.on('data', (d) => {
      err += d;
      const m = /listening on (127\.0\.0\.1:\d+)/.exec(err);
      if (m) { clearTimeout(timer); resolve('http://' + m[1]); }
    });
    helper.on('exit', (c) => reject(new Error('bv-capture exited ' + c + ': ' + err)));
  });
  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  /* the web server's proxy: same origin for the page, the helper behind it */
  await context.route(/\/camera\//, (route) => {
    const u = new URL(route.request().url());
    route.continue({ url: helperUrl + u.pathname + u.search });
  });
  /* camera = 1 in bloodview.conf */
  await context.route(/\/api\/health$/, async (route) => {
    const resp = await route.fetch();
    const json = await resp.json();
    json.camera = true;
    route.fulfill({ response: resp, json });
  });
  page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
  page.on('response', (r) => { if (r.status() >= 400 && r.status() !== 422) problems.push('HTTP ' + r.status() + ' ' + r.url()); });
  await page.goto(BASE + '/#/analyze');
  await page.waitForSelector('html.ready');
});

after(async () => {
  if (browser) await browser.close();
  if (helper) helper.kill('SIGTERM');
});

test('the box camera is offered when the server says so and the helper answers', async () => {
  await page.waitForSelector('#live-source input[value="box"]', { timeout: 30000 });
  assert.match(await page.textContent('#live-source'), /Microscope camera on the box/);
  assert.match(await page.textContent('#live-source-info'), /640\u00d7480, MJPEG clip/);
  assert.equal(await page.isChecked('#live-source input[value="phone"]'), true, 'this device stays the default');
});

test('live counts from the box camera equal /api/analyze on the camera frame; stream closes on stop', async () => {
  const before = (await api('GET', '/api/results?limit=1000')).json.results.length;
  /* The frame size follows the server's time per frame (live.js adapt()): on a loaded machine
     it shrinks below the camera's 640 px and each frame is re-encoded.  This test is about the
     full-size path, so the answers report a fast server and the size stays the camera's. */
  const fast = async (route) => {
    const resp = await route.fetch();
    let json = null;
    try { json = await resp.json(); } catch (e) { /* not JSON: as it came */ }
    if (json && json.timings_ms) json.timings_ms.total = 0;
    await route.fulfill(json ? { response: resp, json } : { response: resp });
  };
  await page.route(/\/api\/detect$/, fast);
  await page.check('#live-source input[value="box"]');
  await page.click('#live-start');
  await page.waitForFunction((live) => live.state.frames >= 3 && document.querySelector('#live-counts .live-count'),
                             await pageModule(page, 'live'), { timeout: 120000 });
  /* the stream is on the stage, frame by frame from the helper */
  await page.waitForFunction(() => { const i = document.getElementById('live-camera'); return i && i.naturalWidth === 640; },
                             null, { timeout: 30000 });
  assert.equal(await page.isHidden('#live-video'), true, 'the phone video is hidden');
  assert.equal((await helperHealth()).streams, 1, 'the page holds one stream');
  await page.locator('#live').screenshot({ path: path.join(ARTIFACTS, 'live-camera.png') });
  await page.click('#live-stop');
  const snap = await page.evaluate(async () => {
    const st = (await import('/js/live.js')).state;
    const buf = new Uint8Array(await st.frame.blob.arrayBuffer());
    let bin = '';
    for (let i = 0; i < buf.length; i++) bin += String.fromCharCode(buf[i]);
    const shown = {};
    document.querySelectorAll('#live-counts .live-count').forEach((e) => {
      shown[e.getAttribute('data-class')] = Number(e.querySelector('.n').textContent);
    });
    return { jpeg: bin.length ? btoa(bin) : '', w: st.frame.w, h: st.frame.h, counts: st.last.counts, shown,
             frames: st.frames, img: !!document.getElementById('live-camera') };
  });
  /* 640 px wide: sent as the camera made it, byte for byte */
  assert.ok(Buffer.from(snap.jpeg, 'base64').equals(fs.readFileSync(FIELD)), 'the frame sent is the camera\'s JPEG');
  assert.deepEqual(snap.shown, snap.counts, 'the page shows the answer\'s counts');
  const form = new FormData();
  form.append('image', new Blob([fs.readFileSync(FIELD)], { type: 'image/jpeg' }), 'field.jpg');
  const an = await api('POST', '/api/analyze', form);
  assert.equal(an.status, 200, JSON.stringify(an.json));
  assert.deepEqual(snap.counts, an.json.counts, 'box-camera live counts = /api/analyze counts on the same frame');
  assert.equal(snap.img, false, 'the stream image is gone after stop');
  let streams = 1;
  for (let i = 0; i < 30 && streams > 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    streams = (await helperHealth()).streams;
  }
  assert.equal(streams, 0, 'the stream connection closed with stop');
  const after = (await api('GET', '/api/results?limit=1000')).json.results.length;
  assert.equal(after, before + 1, 'the ' + snap.frames + ' live frames stored nothing (only the analyze above)');
  await api('DELETE', '/api/results/' + an.json.id);
  await page.unroute(/\/api\/detect$/, fast);
  console.log('# box camera: %d frames, %dx%d, counts %j', snap.frames, snap.w, snap.h, snap.counts);
});

test('capture from the box camera; Spanish words', async () => {
  await page.click('#live-start');
  await page.waitForFunction((live) => live.state.running && document.getElementById('live-camera'), await pageModule(page, 'live'), { timeout: 30000 });
  const done = page.waitForResponse((r) => r.url().endsWith('/api/analyze') && r.request().method() === 'POST',
                                    { timeout: 120000 });
  await page.click('#live-capture');
  const resp = await done;
  const r = await resp.json();
  await page.waitForFunction(() => document.getElementById('live-capture-state').dataset.state === 'done',
                             null, { timeout: 60000 });
  assert.equal(r.image.width, 640, 'the still is the camera\'s full frame');
  await page.click('#live-stop');
  await api('DELETE', '/api/results/' + r.id);
  await page.click('.lang button[data-lang="es"]');
  assert.match(await page.textContent('#live-source'), /Cámara del microscopio en el equipo/);
  await page.click('.lang button[data-lang="en"]');
  assert.deepEqual(problems, []);
});
