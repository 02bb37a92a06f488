/*
 * ui-photo-name.test.js: which photo is which (issue 25 item 3): the upload's own file name,
 * sanitised (last path element, no control characters), is kept in the result JSON and shown
 * with a thumbnail in the result header, the sample's field list and History, on a 1366x768
 * desktop and a 360x740 phone, in English and Spanish, against the server at BV_URL (tests/ui.sh).
 */
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { ARTIFACTS, VIEWS, image, baseUrl,
  launch, apiContext, openPage, analyzeFile } = require('./lib');

const IMAGE = image('00004');
const NO_IMAGES = fs.existsSync(IMAGE) ? false : 'test image absent: ' + IMAGE;
const SENT = '../fotos/PUNO-0007 campo 3 – señora.jpg';
const SHOWN = 'PUNO-0007 campo 3 – señora.jpg';

let base, browser, api, sid, rid;

before(async () => {
  base = baseUrl();
  if (!base || NO_IMAGES) return;
  browser = await launch();
  api = await apiContext();
  sid = (await (await api.post(base + '/api/samples', { data: { code: 'PHOTO-NAME' } })).json()).id;
  const body = await analyzeFile(api, base, IMAGE, { sample: sid }, SENT);
  rid = body.id;
  assert.equal(body.file_name, SHOWN, 'sanitised: the last path element');
});

after(async () => {
  if (!browser) return;
  if (sid) await api.delete(base + '/api/samples/' + sid);
  if (rid) await api.delete(base + '/api/results/' + rid);
  await browser.close();
});

test('the stored result keeps the name; a result without one says null', async (t) => {
  if (!base) return t.skip('BV_URL unset (run through tests/ui.sh)');
  if (NO_IMAGES) return t.skip(NO_IMAGES);
  const stored = await (await api.get(base + '/results/' + rid + '/result.json')).json();
  assert.equal(stored.file_name, SHOWN);
  const list = await (await api.get(base + '/api/results?limit=100')).json();
  assert.equal(list.results.find((x) => x.id === rid).file_name, SHOWN, 'History\'s list carries it');
  const one = await (await api.get(base + '/api/samples/' + sid)).json();
  assert.equal(one.summary.per_field[0].file_name, SHOWN, 'the sample\'s fields carry it');
});

for (const [vname, view] of VIEWS) {
  for (const lang of ['en', 'es']) {
    test(`file name and thumbnail: result header, sample fields, History (${vname}, ${lang})`, async (t) => {
      if (!base) return t.skip('BV_URL unset (run through tests/ui.sh)');
      if (NO_IMAGES) return t.skip(NO_IMAGES);
      const { ctx, page } = await openPage(browser, base, view, lang);
      try {
        await page.goto(base + '/#/result/' + rid);
        await page.waitForFunction((id) => document.getElementById('r-file').title === id, rid);
        assert.equal(await page.textContent('#r-file'), SHOWN);
        await page.waitForFunction(() => { const i = document.getElementById('r-thumb'); return i.complete && i.naturalWidth > 0; });
        assert.equal(await page.isVisible('#r-thumb'), true, 'the thumbnail shows');
        await page.locator('.report-head').screenshot({ path: path.join(ARTIFACTS, `photo-name-result-${vname}-${lang}.png`) });

        await page.goto(base + '/#/samples/' + sid);
        const li = `.field-list > li[data-result="${rid}"]`;
        await page.waitForSelector(li);
        assert.equal(await page.textContent(li + ' .field-name'), SHOWN);
        await page.waitForFunction((s) => { const i = document.querySelector(s + ' img.field-thumb'); return i && i.complete && i.naturalWidth > 0; }, li);
        await page.locator(li).screenshot({ path: path.join(ARTIFACTS, `photo-name-field-${vname}-${lang}.png`) });

        await page.goto(base + '/#/history');
        const row = `#history-list li[data-id="${rid}"]`;
        await page.waitForSelector(row);
        assert.equal(await page.textContent(row + ' .h-file'), SHOWN);
        assert.equal(await page.isVisible(row + ' img.thumb'), true);
        const box = await page.$eval(row + ' .h-file', (e) => { const r = e.getBoundingClientRect(); return { r: r.right, w: window.innerWidth }; });
        assert.ok(box.r <= box.w, 'the name is not cut off at the right edge: ' + JSON.stringify(box));
        await page.locator(row).screenshot({ path: path.join(ARTIFACTS, `photo-name-history-${vname}-${lang}.png`) });
      } finally {
        await ctx.close();
      }
    });
  }
}
