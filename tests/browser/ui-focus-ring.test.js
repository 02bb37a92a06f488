/*
 * ui-focus-ring.test.js: the keyboard focus ring on the upload pickers (issue 25 item 9): tabbing
 * to "Choose images" rings that button, not "Take a photo" beside it, and tabbing on rings "Take
 * a photo"; on a 1366x768 desktop and a 360x740 phone, English and Spanish, against the server
 * at BV_URL (tests/ui.sh).
 */
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');
const { ARTIFACTS, VIEWS, baseUrl, launch, openPage } = require('./lib');


let base, browser;

before(async () => {
  base = baseUrl();
  if (base) browser = await launch();
});
after(async () => { if (browser) await browser.close(); });

/* Which picker labels draw a focus outline now. */
function ringed(page) {
  return page.$$eval('.pickers label.button', (l) => l.filter((x) => {
    const s = getComputedStyle(x);
    return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  }).map((x) => x.getAttribute('for')));
}

for (const [vname, view] of VIEWS) {
  for (const lang of ['en', 'es']) {
    test(`the focus ring is on the focused picker (${vname}, ${lang})`, async (t) => {
      if (!base) return t.skip('BV_URL unset (run through tests/ui.sh)');
      const { ctx, page } = await openPage(browser, base, view, lang);
      try {
        await page.goto(base + '/#/analyze');
        await page.waitForSelector('html.ready');
        let id = null;
        for (let i = 0; i < 25 && id !== 'file-input'; i++) {
          await page.keyboard.press('Tab');
          id = await page.evaluate(() => document.activeElement.id);
        }
        assert.equal(id, 'file-input', 'tab reaches "Choose images"');
        assert.deepEqual(await ringed(page), ['file-input'], 'the ring is on "Choose images" only');
        await page.locator('.pickers').screenshot({ path: path.join(ARTIFACTS, `focus-ring-${vname}-${lang}.png`) });
        await page.keyboard.press('Tab');
        assert.equal(await page.evaluate(() => document.activeElement.id), 'camera-input');
        assert.deepEqual(await ringed(page), ['camera-input'], 'then on "Take a photo" only');
      } finally {
        await ctx.close();
      }
    });
  }
}
