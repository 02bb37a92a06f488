/*
 * ui-quality-ref.test.js: which limits judged a field's quality flags (issue 23, the result's
 * "quality.reference"): the result page and the field's line on the sample page say so in
 * English and Spanish; a microscope's reference reads with its name and field count.
 * 1366x768 and 360x740, against the server at BV_URL (tests/ui.sh).
 */
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { ARTIFACTS, VIEWS, image, baseUrl,
  launch, pageModule, apiContext, openPage, analyzeFile } = require('./lib');

const IMAGE = image('00009');
const NO_IMAGES = fs.existsSync(IMAGE) ? false : 'test image absent: ' + IMAGE;
const DEFAULT = { en: /default limits/, es: /límites por defecto/ };

let base, browser, api, sid, rid, res;

before(async () => {
  base = baseUrl();
  if (!base || NO_IMAGES) return;
  browser = await launch();
  api = await apiContext();
  sid = (await (await api.post(base + '/api/samples', { data: { code: 'QREF-1' } })).json()).id;
  res = await analyzeFile(api, base, IMAGE, { sample: sid });
  rid = res.id;
});

after(async () => {
  if (!browser) return;
  if (sid) await api.delete(base + '/api/samples/' + sid);
  if (rid) await api.delete(base + '/api/results/' + rid);
  await browser.close();
});

for (const [vname, view] of VIEWS) {
  for (const lang of ['en', 'es']) {
    test(`the quality reference on the result and the sample page (${vname}, ${lang})`, async (t) => {
      if (!base) return t.skip('BV_URL unset (run through tests/ui.sh)');
      if (NO_IMAGES) return t.skip(NO_IMAGES);
      assert.equal(res.quality.reference, 'default', 'no microscope: the default limits');
      const one = await (await api.get(base + '/api/samples/' + sid)).json();
      assert.equal(one.summary.per_field[0].quality.reference, 'default', 'the sample\'s field carries it');
      const { ctx, page } = await openPage(browser, base, view, lang);
      try {
        await page.goto(base + '/#/result/' + rid);
        await page.waitForSelector('#quality-box .quality-ref');
        assert.match(await page.textContent('#quality-box .quality-ref'), DEFAULT[lang]);
        await page.goto(base + '/#/samples/' + sid);
        const li = `.field-list > li[data-result="${rid}"]`;
        await page.waitForSelector(li + ' .quality-ref');
        assert.match(await page.textContent(li + ' .quality-ref'), DEFAULT[lang]);
        await page.locator(li).screenshot({ path: path.join(ARTIFACTS, `quality-ref-${vname}-${lang}.png`) });
        /* a microscope's own reference: its name and how many fields */
        const txt = await (await pageModule(page, 'trust')).evaluate((m) => m.qualityRefText('profile:lab-1, 12 fields'));
        assert.match(txt, /lab-1/);
        assert.match(txt, /12/);
        assert.doesNotMatch(txt, DEFAULT[lang]);
      } finally {
        await ctx.close();
      }
    });
  }
}
