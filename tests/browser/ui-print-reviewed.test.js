/*
 * ui-print-reviewed.test.js: the printed result agrees with itself (issue 25 item 4): after a
 * review adds a cell, the printed image draws the boxes the page counts (the reviewed state, at
 * the threshold in force) over the box-free photo, as many boxes as the counts beside it, says
 * so in its caption, and prints the white-cell types; 1366x768 and 360x740, English and Spanish,
 * against the server at BV_URL (tests/ui.sh).
 */
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { ARTIFACTS, VIEWS, image, baseUrl,
  launch, apiContext, openPage, analyzeFile } = require('./lib');

const IMAGE = image('00008');
const NO_IMAGES = fs.existsSync(IMAGE) ? false : 'test image absent: ' + IMAGE;

let base, browser, api, rid, detector;

before(async () => {
  base = baseUrl();
  if (!base || NO_IMAGES) return;
  browser = await launch();
  api = await apiContext();
  const res = await analyzeFile(api, base, IMAGE);
  rid = res.id;
  detector = res.counts;
  /* a person adds one platelet the detector missed, in the middle of the field */
  const cx = Math.round(res.fov && res.fov.cx ? res.fov.cx : res.image.width / 2);
  const cy = Math.round(res.fov && res.fov.cy ? res.fov.cy : res.image.height / 2);
  const rv = await api.put(base + '/api/results/' + rid + '/review', { data: { version: 0, by: 'Tec. Ana',
    changes: [{ op: 'add', class: 'Platelets', box: { x: cx - 10, y: cy - 10, w: 20, h: 20 } }] } });
  assert.equal(rv.status(), 200, await rv.text());
});

after(async () => {
  if (!browser) return;
  if (rid) await api.delete(base + '/api/results/' + rid);
  await browser.close();
});

for (const [vname, view] of VIEWS) {
  for (const lang of ['en', 'es']) {
    test(`printed result: the reviewed boxes, as many as the counts (${vname}, ${lang})`, async (t) => {
      if (!base) return t.skip('BV_URL unset (run through tests/ui.sh)');
      if (NO_IMAGES) return t.skip(NO_IMAGES);
      const { ctx, page } = await openPage(browser, base, view, lang);
      try {
        await page.goto(base + '/#/result/' + rid);
        await page.waitForFunction((id) => document.getElementById('r-file').title === id, rid);
        await page.waitForSelector('#print-report svg.rp-shown', { state: 'attached' });
        const counts = await page.$$eval('#print-report .rp-table tbody tr[data-class] td:first-of-type',
          (l) => l.map((x) => parseInt(x.textContent, 10)));
        const total = counts.reduce((a, b) => a + b, 0);
        const boxes = await page.$$eval('#print-report svg.rp-shown rect.rp-box', (l) => l.length);
        assert.equal(boxes, total, 'the printed picture draws as many boxes as the counts beside it');
        const plt = await page.$eval('#print-report .rp-table tbody tr[data-class="Platelets"] td', (x) => parseInt(x.textContent, 10));
        assert.equal(plt, detector.Platelets + 1, 'the count is the reviewed one');
        assert.match(await page.getAttribute('#print-report svg.rp-shown image', 'href'), /plain\.jpg$/, 'box-free photo underneath');
        const cap = await page.textContent('#print-report .rp-figure figcaption');
        assert.match(cap, lang === 'es' ? /tras la revisión/ : /after the review/);
        assert.match(await page.textContent('#print-report .rp-wbc-types'), lang === 'es' ? /Tipos de glóbulos blancos/ : /White-cell types|white cell/i);
        if (vname === 'desktop') {
          await page.emulateMedia({ media: 'print' });
          await page.setViewportSize({ width: 703, height: 1032 });
          await page.screenshot({ path: path.join(ARTIFACTS, `print-reviewed-${lang}.png`) });
        }
      } finally {
        await ctx.close();
      }
    });
  }
}
