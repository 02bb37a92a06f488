/*
 * ui-field-warnings.test.js: per-field warnings (issue 25 item 7): a field whose cell scale is
 * unsure (a µm/px the cells contradict) and whose quality flags are set says so in the sample's
 * field list and under its thumbnail in the printed report, not only on the result page;
 * 1366x768 and 360x740, English and Spanish, against the server at BV_URL (tests/ui.sh).
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

let base, browser, api, sid, rid, res;

before(async () => {
  base = baseUrl();
  if (!base || NO_IMAGES) return;
  browser = await launch();
  api = await apiContext();
  sid = (await (await api.post(base + '/api/samples', { data: { code: 'WARN-1' } })).json()).id;
  /* a µm per pixel about twice the truth: the cells contradict it, the scale is unsure */
  res = await analyzeFile(api, base, IMAGE, { sample: sid, um_per_px: '0.14' });
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
    test(`a field's warnings in the field list and the report (${vname}, ${lang})`, async (t) => {
      if (!base) return t.skip('BV_URL unset (run through tests/ui.sh)');
      if (NO_IMAGES) return t.skip(NO_IMAGES);
      assert.equal(res.scale.status, 'unsure', 'the set-up gives an unsure scale');
      const one = await (await api.get(base + '/api/samples/' + sid)).json();
      const pf = one.summary.per_field[0];
      assert.equal(pf.scale_unsure, true, 'the sample\'s field carries it');
      const flags = ((pf.quality && pf.quality.flags) || []).map((q) => q.flag);
      const { ctx, page } = await openPage(browser, base, view, lang);
      try {
        await page.goto(base + '/#/samples/' + sid);
        const li = `.field-list > li[data-result="${rid}"]`;
        await page.waitForSelector(li + ' .field-warn');
        const warn = await page.textContent(li + ' .field-warn');
        assert.match(warn, lang === 'es' ? /escala dudosa/ : /scale unsure/);
        const short = await (await pageModule(page, 'i18n')).evaluate((i18n, fl) => fl.map((f) => i18n.t('quality.short.' + f)), flags);
        for (const s of short) assert.ok(warn.includes(s), 'quality flag "' + s + '" in ' + warn);
        await page.waitForSelector(`#print-report .rp-thumb[data-result="${rid}"]`, { state: 'attached' });
        const cap = await page.textContent(`#print-report .rp-thumb[data-result="${rid}"] figcaption`);
        assert.match(cap, lang === 'es' ? /escala dudosa/ : /scale unsure/);
        for (const s of short) assert.ok(cap.includes(s), 'quality flag "' + s + '" in the report: ' + cap);
        await page.locator(li).screenshot({ path: path.join(ARTIFACTS, `field-warnings-${vname}-${lang}.png`) });
      } finally {
        await ctx.close();
      }
    });
  }
}
