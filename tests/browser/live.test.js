/*
 * live.test.js: the live camera mode (js/live.js) in headless Debian chromium, its fake camera
 * playing BV_Y4M (a BCCD field, made by tests/live-ui.sh), against the server at BV_URL.
 *
 * The counts the page shows are compared with /api/analyze's on the very JPEG frame the page
 * sent, never with fixed numbers; the capture must land in the active sample.
 */
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { ARTIFACTS, baseUrl, launch, pageModule } = require('./lib');

const BASE = baseUrl();
const Y4M = process.env.BV_Y4M || '';

let browser, context, page, sample;
const problems = [];

async function api(method, url, body) {
  const opts = { method, headers: { Origin: BASE } };
  if (body instanceof FormData) opts.body = body;
  else if (body !== undefined) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
  const r = await fetch(BASE + url, opts);
  return { status: r.status, json: await r.json() };
}

before(async () => {
  assert.ok(BASE && Y4M, 'BV_URL and BV_Y4M are set by tests/live-ui.sh');
  browser = await launch(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
           '--use-file-for-fake-video-capture=' + Y4M]);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  await context.grantPermissions(['camera'], { origin: BASE });
  const s = await api('POST', '/api/samples', { code: 'LIVE-1' });
  assert.equal(s.status, 201, JSON.stringify(s.json));
  sample = s.json.id;
  page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
  page.on('response', (r) => { if (r.status() >= 400 && r.status() !== 422) problems.push('HTTP ' + r.status() + ' ' + r.url()); });
  await page.goto(BASE + '/?sample=' + sample + '#/analyze');
  await page.waitForSelector('html.ready');
});

after(async () => { if (browser) await browser.close(); });

test('live counts appear and equal /api/analyze on the same frame; nothing is stored', async () => {
  const before = (await api('GET', '/api/results?limit=1000')).json.results.length;
  await page.click('#live-start');
  await page.waitForFunction((live) => live.state.frames >= 5 && document.querySelector('#live-counts .live-count'),
                             await pageModule(page, 'live'), { timeout: 120000 });
  /* one consistent snapshot: the frame sent, the answer, and what the page shows for it */
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
    return { jpeg: btoa(bin), w: st.frame.w, h: st.frame.h, counts: st.last.counts, shown,
             boxes: st.last.boxes.length, frames: st.frames };
  });
  assert.deepEqual(snap.shown, snap.counts, 'the page shows the answer\'s counts');
  assert.ok(snap.counts.RBC > 0, 'red cells counted on a BCCD field: ' + JSON.stringify(snap.counts));
  const form = new FormData();
  form.append('image', new Blob([Buffer.from(snap.jpeg, 'base64')], { type: 'image/jpeg' }), 'frame.jpg');
  const an = await api('POST', '/api/analyze', form);
  assert.equal(an.status, 200, JSON.stringify(an.json));
  assert.deepEqual(snap.counts, an.json.counts, 'live counts = /api/analyze counts on the same ' +
                   snap.w + 'x' + snap.h + ' frame');
  const after = (await api('GET', '/api/results?limit=1000')).json.results.length;
  assert.equal(after, before + 1, 'the ' + snap.frames + ' live frames stored nothing (only the analyze above)');
  console.log('# live: %d frames, %dx%d, counts %j', snap.frames, snap.w, snap.h, snap.counts);
});

test('fps and latency are shown; warnings are words', async () => {
  await page.click('#live-start');
  await page.waitForFunction((live) => live.state.frames >= 15, await pageModule(page, 'live'), { timeout: 120000 });
  const stats = await page.evaluate(() => {
    const el = document.getElementById('live-stats');
    return { text: el.textContent, fps: Number(el.getAttribute('data-fps')), ms: Number(el.getAttribute('data-latency')) };
  });
  assert.match(stats.text, /frames\/s/);
  assert.ok(stats.fps > 0 && stats.ms > 0, JSON.stringify(stats));
  const warn = await page.$$eval('#live-warnings li', (l) => l.map((e) => e.textContent));
  warn.forEach((w) => assert.ok(w.length > 10 && !/^live\./.test(w), w));
  await page.locator('#live').screenshot({ path: path.join(ARTIFACTS, 'live.png') });
  console.log('# live in the browser, one client: %s fps, latency p50 %d ms (%s)', stats.fps.toFixed(1), stats.ms, stats.text);
  /* Spanish: the running figures follow the language */
  await page.click('.lang button[data-lang="es"]');
  await page.waitForFunction(() => /fotogramas/.test(document.getElementById('live-stats').textContent), null, { timeout: 30000 });
  assert.equal((await page.textContent('#live-start')).trim(), 'Iniciar la cámara en vivo');
  await page.click('.lang button[data-lang="en"]');
});

test('capture sends a full-resolution still into the active sample', async () => {
  await page.click('#live-capture');
  await page.waitForFunction(() => /^(done|error)$/.test(document.getElementById('live-capture-state').dataset.state),
                             null, { timeout: 120000 });
  assert.equal(await page.getAttribute('#live-capture-state', 'data-state'), 'done',
               await page.textContent('#live-error'));
  const s = await api('GET', '/api/samples/' + sample);
  assert.equal(s.status, 200);
  const ids = (s.json.results || s.json.sample.results || []).map((r) => (typeof r === 'string' ? r : r.id));
  assert.equal(ids.length, 1, 'one field in the sample: ' + JSON.stringify(s.json).slice(0, 300));
  const r = await api('GET', '/api/results/' + ids[0]);
  const v = await page.evaluate(() => ({ w: document.getElementById('live-video').videoWidth,
                                         h: document.getElementById('live-video').videoHeight }));
  assert.equal(r.json.image.width, v.w, 'the still has the camera\'s full width');
  assert.equal(r.json.sample, sample);
  await page.click('#live-stop');
  assert.deepEqual(problems, []);
});
