/*
 * ui-review-type.test.js: a reviewer sets a white cell's type (issues 11 and 13): with a WBC box
 * selected in "Correct the boxes" the type buttons show (keyboard-reachable, 44 px targets,
 * English and Spanish), the box and its gallery crop say the person's type, the save sends
 * "wbc_type", and GET /api/results/{id} and the sample's differential count it.  Against the
 * server at BV_URL (tests/ui.sh).
 *
 * Expectations come from the server's own JSON (detections, differentials), never from fixed
 * detection results.  Screenshots land in BV_ARTIFACTS.
 */
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { ARTIFACTS, DATASET, image, launch } = require('./lib');

const IMAGES = ['00001', '00003', '00005', '00007'].map(image);
const SKIP = !process.env.BV_URL ? 'BV_URL unset (run through tests/ui.sh)'
  : IMAGES.every((f) => fs.existsSync(f)) ? false : 'BCCD images absent under ' + DATASET;
const TYPES = ['neutrophil', 'lymphocyte', 'monocyte', 'eosinophil', 'basophil', 'ig', 'erythroblast', 'untyped'];

let base, browser, page;
const problems = [];

function watch(p) {
  p.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) problems.push('console: ' + m.text());
  });
  p.on('response', (r) => { if (r.status() >= 400) problems.push('HTTP ' + r.status() + ' ' + r.request().method() + ' ' + r.url()); });
  p.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
}

async function analyze(file) {
  const multipart = { image: { name: path.basename(file), mimeType: 'image/jpeg', buffer: fs.readFileSync(file) } };
  const r = await page.request.post(base + '/api/analyze', { multipart });
  assert.equal(r.status(), 200, 'analyse ' + path.basename(file) + ': ' + (await r.text()).slice(0, 200));
  return r.json();
}

async function getJson(url) {
  const r = await page.request.get(base + url);
  assert.equal(r.status(), 200, 'GET ' + url);
  return r.json();
}

/* Indices of the detections counted at the saved thresholds, of class cls. */
function counted(json, cls) {
  const out = [];
  json.detections.forEach((d, i) => { if (d.class === cls && d.confidence >= json.thresholds[d.class]) out.push(i); });
  return out;
}

async function openResult(id) {
  await page.goto(base + '/#/result/' + id);
  await page.waitForSelector('#result:not([hidden])');
  await page.waitForFunction((rid) => document.getElementById('r-file').title === rid, id);
  await page.waitForFunction(() => document.querySelector('#gallery-list .crop-btn'));
}

async function pickCrop(cls, i) {
  await page.click(`#gallery-tabs [data-class="${cls}"]`);
  await page.waitForSelector(`#gallery-tabs [data-class="${cls}"][aria-selected="true"]`);
  await page.click(`#gallery-list .crop-btn[data-i="${i}"]`);
  await page.waitForSelector(`#overlay rect.box.selected[data-i="${i}"]`);
}

async function cropType(i) {
  return page.$eval(`#gallery-list .crop-btn[data-i="${i}"]`, (b) => {
    const t = b.querySelector('.crop-type');
    return t ? t.textContent : null;
  });
}

before(async () => {
  if (SKIP) return;
  base = process.env.BV_URL.replace(/\/$/, '');
  browser = await launch();
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
  page = await ctx.newPage();
  watch(page);
  await page.goto(base + '/');
  await page.waitForSelector('html.ready');
});

after(async () => {
  if (browser) await browser.close();
});

test('review: a WBC box gets a type from the editor; saved as wbc_type; the API and the sample count it', { skip: SKIP }, async () => {
  /* A field with a counted white cell and a counted red one. */
  let res = null;
  for (const f of IMAGES) {
    const j = await analyze(f);
    if (counted(j, 'WBC').length && counted(j, 'RBC').length) { res = j; break; }
  }
  assert.ok(res, 'a BCCD field with a counted WBC');
  const wi = counted(res, 'WBC')[0], ri = counted(res, 'RBC')[0];
  const before = res.detections[wi].wbc_type ? res.detections[wi].wbc_type.class : null;

  /* In a sample, when this server keeps samples. */
  let sid = null, sumBefore = null;
  if ((await page.request.get(base + '/api/samples')).status() === 200) {
    const s = await page.request.post(base + '/api/samples', { data: { code: 'REVIEW-TYPE-1' } });
    assert.equal(s.status(), 201);
    sid = (await s.json()).id;
    const att = await page.request.post(base + '/api/samples/' + sid + '/results', { data: { result: res.id } });
    assert.equal(att.status(), 200, await att.text());
    sumBefore = (await getJson('/api/samples/' + sid)).summary.differential;
  }

  await openResult(res.id);
  await page.click('#review-toggle');
  assert.equal(await page.isVisible('#review-types'), false, 'no type buttons without a WBC selected');

  /* A red cell selected: no type buttons. */
  await pickCrop('RBC', ri);
  assert.equal(await page.isVisible('#review-types'), false, 'no type buttons on a red cell');

  /* The white cell: eight type buttons, 44 px targets, none pressed yet. */
  await pickCrop('WBC', wi);
  await page.waitForSelector('#review-types:not([hidden])');
  const btns = await page.$$eval('#review-types button', (bs) => bs.map((b) => {
    const r = b.getBoundingClientRect();
    return { type: b.getAttribute('data-type'), text: b.textContent, pressed: b.getAttribute('aria-pressed'), w: r.width, h: r.height };
  }));
  assert.deepEqual(btns.map((b) => b.type), TYPES);
  assert.equal(btns.find((b) => b.type === 'lymphocyte').text, 'lymphocyte');
  assert.equal(btns.find((b) => b.type === 'ig').text, 'immature granulocyte');
  assert.equal(btns.find((b) => b.type === 'untyped').text, 'type unsure');
  for (const b of btns) assert.ok(b.w >= 44 && b.h >= 44, b.type + ': tap target ' + b.w + ' x ' + b.h);
  assert.ok(btns.every((b) => b.pressed === 'false'), 'no type set by a person yet');
  assert.equal(await page.getAttribute('#review-types', 'aria-label'), 'White-cell type');

  /* Spanish labels. */
  await page.click('.lang button[data-lang="es"]');
  await page.waitForFunction(() => document.querySelector('#review-types [data-type="lymphocyte"]').textContent === 'linfocito');
  assert.equal(await page.textContent('#review-types [data-type="ig"]'), 'granulocito inmaduro');
  await page.click('.lang button[data-lang="en"]');
  await page.waitForFunction(() => document.querySelector('#review-types [data-type="lymphocyte"]').textContent === 'lymphocyte');

  /* By keyboard: focus the button, Enter; the focus stays on it once the buttons are redrawn. */
  await page.focus('#review-types [data-type="lymphocyte"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#review-types [data-type="lymphocyte"][aria-pressed="true"]');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('data-type')), 'lymphocyte', 'focus kept');
  assert.equal(await page.$$eval('#review-types [aria-pressed="true"]', (b) => b.length), 1);
  assert.match(await page.textContent('#box-info'), /lymphocyte, set by a person$/);
  assert.match(await page.getAttribute(`#overlay rect[data-i="${wi}"]`, 'class'), /reviewed/);
  assert.match(await page.textContent(`#overlay rect[data-i="${wi}"] title`), /lymphocyte, set by a person/);
  assert.equal(await cropType(wi), 'lymphocyte, set by a person');
  assert.equal(await page.textContent('#review-changes'), 'Changes against the detector: 1 reclassified, 0 deleted, 0 added.');

  /* Save: the request carries the type. */
  await page.fill('#review-by', 'Tester');
  const put = page.waitForResponse((r) => /\/review$/.test(r.url()) && r.request().method() === 'PUT');
  await page.click('#review-save');
  const resp = await put;
  assert.equal(resp.status(), 200, await resp.text());
  assert.deepEqual(resp.request().postDataJSON().changes,
    [{ op: 'reclassify', detection: wi, class: 'WBC', wbc_type: 'lymphocyte' }]);
  await page.waitForFunction(() => /^Reviewed by Tester/.test(document.getElementById('review-state').textContent));

  /* The API's reviewed view. */
  const api = await getJson('/api/results/' + res.id);
  assert.deepEqual(api.detections[wi].wbc_type, { class: 'lymphocyte', by: 'review' });
  assert.deepEqual(api.review.changes, [{ op: 'reclassify', detection: wi, class: 'WBC', from: 'WBC', wbc_type: 'lymphocyte' }]);
  assert.deepEqual(api.counts, res.counts, 'a type-only change keeps the counts');
  if (res.differential) {
    assert.deepEqual(api.detections[wi].detector_wbc_type, res.detections[wi].wbc_type);
    assert.deepEqual(api.detector_differential, res.differential);
    assert.equal(api.differential.by.lymphocyte, res.differential.by.lymphocyte + (before === 'lymphocyte' ? 0 : 1));
    assert.equal(api.differential.reviewed, 1);
    assert.equal(api.differential.typed + api.differential.untyped, api.counts.WBC);
  }

  /* The sample's differential. */
  if (sid) {
    const d = (await getJson('/api/samples/' + sid)).summary.differential;
    const typedBefore = before && before !== 'untyped' && TYPES.includes(before);
    assert.equal(d.counts.lymphocyte, sumBefore.counts.lymphocyte + (before === 'lymphocyte' ? 0 : 1));
    assert.equal(d.typed, sumBefore.typed + (typedBefore ? 0 : 1));
    assert.equal(d.reviewed_types, 1);
  }

  /* Reloaded: the saved type is shown and pressed again. */
  await openResult(res.id);
  assert.equal(await cropType(wi), 'lymphocyte, set by a person');
  await pickCrop('WBC', wi);
  await page.waitForSelector('#review-types [data-type="lymphocyte"][aria-pressed="true"]');
  assert.match(await page.textContent('#box-info'), /lymphocyte, set by a person$/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'desktop-review-type.png'), fullPage: true, animations: 'disabled' });

  /* Made a red cell, the type goes with it (the server would refuse it there). */
  await page.click('#review-classes .pick[data-class="RBC"]');
  assert.equal(await page.isVisible('#review-types'), false);
  await page.click('#review-classes .pick[data-class="WBC"]');
  await page.waitForSelector('#review-types:not([hidden])');
  assert.equal(await page.$$eval('#review-types [aria-pressed="true"]', (b) => b.length), 0, 'the type went with the RBC');

  /* The server refuses a type on a red cell, and a type that is none, naming the change. */
  for (const ch of [{ op: 'reclassify', detection: ri, class: 'RBC', wbc_type: 'lymphocyte' },
    { op: 'reclassify', detection: wi, class: 'WBC', wbc_type: 'platelet' }]) {
    const bad = await page.request.put(base + '/api/results/' + res.id + '/review',
      { data: { version: 1, by: 'Tester', changes: [ch] } });
    assert.equal(bad.status(), 400);
    const e = (await bad.json()).error;
    assert.equal(e.message_i18n[0].code, 'review_wbc_type_invalid');
    assert.equal(e.message_i18n[0].params.index, 0);
    assert.match(e.message, /^Change 0: .*neutrophil, lymphocyte, .*untyped\.$/);
  }
  assert.deepEqual(problems, []);
});
