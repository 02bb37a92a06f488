/*
 * ui-plain-words.test.js: plain words (issue 25 item 8): the result's "measured accuracy" row is
 * a translated sentence with the right units (no metric keys, a count error in cells, never a
 * percentage), the calibration profile shows its name (never its raw id) on the sample page and
 * in its report, and Spanish numbers use the comma (the interval method's "1,96");
 * 1366x768 and 360x740, English and Spanish, against the server at BV_URL (tests/ui.sh).
 */
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { ARTIFACTS, VIEWS, image, baseUrl, launch, apiContext, analyzeFile } = require('./lib');

const IMAGE = image('00006');
const NO_IMAGES = fs.existsSync(IMAGE) ? false : 'test image absent: ' + IMAGE;

let base, browser, api, sid, rid;

before(async () => {
  base = baseUrl();
  if (!base || NO_IMAGES) return;
  browser = await launch();
  api = await apiContext();
  sid = (await (await api.post(base + '/api/samples', { data: { code: 'PLAIN-1', profile: 'bccd-smear-100x' } })).json()).id;
  rid = (await analyzeFile(api, base, IMAGE, { sample: sid })).id;
});

after(async () => {
  if (!browser) return;
  if (sid) await api.delete(base + '/api/samples/' + sid);
  if (rid) await api.delete(base + '/api/results/' + rid);
  await browser.close();
});

for (const [vname, view] of VIEWS) {
  for (const lang of ['en', 'es']) {
    test(`plain words: accuracy sentence, profile name, decimal comma (${vname}, ${lang})`, async (t) => {
      if (!base) return t.skip('BV_URL unset (run through tests/ui.sh)');
      if (NO_IMAGES) return t.skip(NO_IMAGES);
      const ctx = await browser.newContext({ viewport: view, locale: lang === 'es' ? 'es-PE' : 'en-GB' });
      const page = await ctx.newPage();
      try {
        const model = await (await page.request.get(base + '/api/model')).json();
        await page.goto(base + '/');
        await page.waitForSelector('html.ready');
        await page.click('.lang button[data-lang="' + lang + '"]');
        await page.goto(base + '/#/result/' + rid);
        await page.waitForFunction((id) => document.getElementById('r-file').title === id, rid);
        await page.waitForFunction(() => /\w/.test((document.querySelector('#info dd:nth-of-type(3)') || {}).textContent || ''));
        const info = await page.textContent('#info');
        assert.doesNotMatch(info, /count_mae|map50|images_seen|ap50|rbc_count_mape|wbc_exact/, 'no metric keys: ' + info);
        if (model.metrics && model.metrics.count_mae && typeof model.metrics.count_mae.WBC === 'number') {
          const wrong = String(Math.round(model.metrics.count_mae.WBC * 1000) / 10).replace('.', lang === 'es' ? ',' : '.') + ' %';
          assert.ok(!info.includes(wrong), 'a count error is not a percentage (' + wrong + ')');
          assert.match(info, lang === 'es' ? /plaquetas por imagen/ : /platelets per image/);
        }
        if (lang === 'es') assert.doesNotMatch(info, /average precision|held-out/, 'the sentence is in Spanish');
        await page.locator('#info').screenshot({ path: path.join(ARTIFACTS, `plain-accuracy-${vname}-${lang}.png`) });

        await page.goto(base + '/#/samples/' + sid);
        await page.waitForSelector('.sample-title');
        const facts = await page.textContent('.sample-title + *');
        assert.doesNotMatch(facts, /bccd-smear-100x/, 'the profile by name, not id: ' + facts);
        assert.match(facts, lang === 'es' ? /Frotis delgado/ : /Thin smear/);
        await page.waitForSelector('#print-report .rp-sample', { state: 'attached' });
        const rp = await page.textContent('#print-report .rp-ids');
        assert.doesNotMatch(rp, /bccd-smear-100x/, 'the report names the profile: ' + rp);
        if (lang === 'es') {
          const body = await page.evaluate(() => document.body.innerText);
          assert.doesNotMatch(body, /\b1\.96\b/, 'no decimal point in Spanish');
        }
      } finally {
        await ctx.close();
      }
    });
  }
}
