/*
 * ui-register.test.js: the health post's monthly register (issue 25 item 10) against hand-made
 * samples: the CSV of a date range (codes, never names or notes; the screening as the sample
 * page's headline; counts, estimates and intervals; reviewed or not) and the one-page monthly
 * summary by age group with the anaemia share, in English and Spanish, on a 1366x768 desktop
 * and a 360x740 phone, against the server at BV_URL (tests/ui.sh).  Other tests' samples share
 * the server, so the summary is checked by what these samples add.
 */
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { ARTIFACTS, baseUrl, launch, apiContext, openPage } = require('./lib');

const PEOPLE = [
  { code: 'REG-ADULT', age: 30, age_unit: 'years', sex: 'female', hemoglobin: 11, hemoglobin_unit: 'g/dL', note: 'Maria Perez, 3rd floor' },
  { code: 'REG-CHILD', age: 3, age_unit: 'years', hemoglobin: 12, hemoglobin_unit: 'g/dL' },
  { code: 'REG-PUNO', age: 27, age_unit: 'years', sex: 'female', pregnant: true, trimester: 3, hemoglobin: 10.5,
    hemoglobin_unit: 'g/dL', altitude_m: 3800 },
  { code: 'REG-T2', age: 25, age_unit: 'years', sex: 'female', pregnant: true, trimester: 2, hemoglobin: 10, hemoglobin_unit: 'g/dL' },
  { code: 'REG-BABY', age: 8, age_unit: 'months' },
];

let base, browser, api, month, before0;
const ids = [];

function parseCsv(text) {
  const rows = text.trim().split('\r\n').map((l) => l.split(','));
  const head = rows.shift();
  return rows.map((r) => Object.fromEntries(head.map((k, i) => [k, r[i]])));
}

before(async () => {
  base = baseUrl();
  if (!base) return;
  browser = await launch();
  api = await apiContext();
  month = new Date().toISOString().slice(0, 7);
  before0 = await (await api.get(base + '/api/register/summary?month=' + month)).json();
  for (const p of PEOPLE) {
    const r = await api.post(base + '/api/samples', { data: p });
    assert.equal(r.status(), 201, await r.text());
    ids.push((await r.json()).id);
  }
});

after(async () => {
  if (!browser) return;
  for (const id of ids) await api.delete(base + '/api/samples/' + id);
  await browser.close();
});

test('CSV: a row a sample, codes and no names, the headline screening beside the unverified one', async (t) => {
  if (!base) return t.skip('BV_URL unset (run through tests/ui.sh)');
  const day = new Date().toISOString().slice(0, 10);
  const r = await api.get(base + '/api/register.csv?from=' + day + '&to=' + day);
  assert.equal(r.status(), 200);
  assert.match(r.headers()['content-type'], /^text\/csv/);
  const text = await r.text();
  assert.doesNotMatch(text, /Maria|Perez|floor/, 'no name or note in the register');
  const rows = Object.fromEntries(parseCsv(text).map((x) => [x.sample_code, x]));
  for (const p of PEOPLE) assert.ok(rows[p.code], 'a row for ' + p.code);
  assert.deepEqual([rows['REG-ADULT'].age_group, rows['REG-ADULT'].hb_g_l, rows['REG-ADULT'].anaemia, rows['REG-ADULT'].anaemia_severity],
    ['15y+', '110', 'likely', 'mild']);
  assert.deepEqual([rows['REG-CHILD'].age_group, rows['REG-CHILD'].anaemia], ['24-59m', 'not_indicated']);
  assert.deepEqual([rows['REG-PUNO'].anaemia, rows['REG-PUNO'].anaemia_severity, rows['REG-PUNO'].anaemia_with_unverified_data,
    rows['REG-PUNO'].severity_with_unverified_data, rows['REG-PUNO'].altitude_m, rows['REG-PUNO'].pregnant], ['likely', '', 'likely', 'moderate', '3800', 'yes']);
  assert.deepEqual([rows['REG-T2'].anaemia, rows['REG-T2'].anaemia_with_unverified_data], ['cannot_tell', 'likely']);
  assert.deepEqual([rows['REG-BABY'].age_group, rows['REG-BABY'].hb_g_l, rows['REG-BABY'].anaemia], ['6-23m', '', 'cannot_tell']);
  assert.equal(rows['REG-BABY'].reviewed, 'no fields');
  assert.equal((await api.get(base + '/api/register.csv?from=2026-13-01&to=' + day)).status(), 400, 'a bad date is refused');
});

test('monthly summary: what these samples add, by age group, and the share', async (t) => {
  if (!base) return t.skip('BV_URL unset (run through tests/ui.sh)');
  const now = await (await api.get(base + '/api/register/summary?month=' + month)).json();
  const d = (k) => now.all[k] - before0.all[k];
  assert.deepEqual([d('screened'), d('with_hemoglobin'), d('anaemia_likely'), d('mild'), d('not_indicated'), d('cannot_tell'),
    d('likely_only_with_unverified_data')], [5, 4, 2, 1, 1, 2, 1]);
  const g = (a, id) => a.groups.find((x) => x.age_group === id);
  assert.equal(g(now, '15y+').screened - g(before0, '15y+').screened, 3);
  assert.equal(g(now, '6-23m').screened - g(before0, '6-23m').screened, 1);
  const share = now.all.anaemia_likely + now.all.not_indicated;
  assert.equal(now.all.anaemia_share_pct, Math.round(1000 * now.all.anaemia_likely / share) / 10);
  assert.equal((await api.get(base + '/api/register/summary?month=2026-1')).status(), 400);
});

for (const [vname, view] of [['desktop', { width: 1366, height: 768 }], ['phone', { width: 360, height: 740 }]]) {
  for (const lang of ['en', 'es']) {
    test(`the register on the samples page and printed on one page (${vname}, ${lang})`, async (t) => {
      if (!base) return t.skip('BV_URL unset (run through tests/ui.sh)');
      const { ctx, page } = await openPage(browser, base, view, lang);
      try {
        await page.goto(base + '/#/samples');
        await page.waitForSelector('.register-table tr[data-group="all"]');
        const sum = await (await api.get(base + '/api/register/summary?month=' + month)).json();
        const all = await page.$$eval('.register-table tr[data-group="all"] td', (l) => l.map((x) => x.textContent));
        assert.equal(all[0], String(sum.all.screened));
        assert.equal(all[2], String(sum.all.anaemia_likely));
        const pct = sum.all.anaemia_share_pct === null ? '–' : (lang === 'es'
          ? sum.all.anaemia_share_pct.toFixed(1).replace('.', ',') : sum.all.anaemia_share_pct.toFixed(1)) + ' %';
        assert.equal(all[8], pct, 'the share, a comma in Spanish');
        assert.equal(await page.textContent('#reg-title'), lang === 'es' ? 'Registro mensual' : 'Monthly register');
        assert.match(await page.getAttribute('#reg-csv', 'href'), new RegExp('^/api/register\\.csv\\?from=' + month + '-01&to=' + month + '-\\d\\d$'));
        const wide = await page.$eval('.register', (e) => ({ page: document.documentElement.scrollWidth, view: window.innerWidth }));
        assert.ok(wide.page <= wide.view, 'the page does not scroll sideways: ' + JSON.stringify(wide));
        await page.locator('.register').screenshot({ path: path.join(ARTIFACTS, `register-${vname}-${lang}.png`) });
        if (vname === 'desktop') {
          await page.evaluate(() => document.documentElement.classList.add('print-register'));
          await page.emulateMedia({ media: 'print' });
          const pdf = await page.pdf({ format: 'A4' });
          fs.writeFileSync(path.join(ARTIFACTS, `register-${lang}.pdf`), pdf);
          const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page(?![A-Za-z])/g) || []).length;
          assert.equal(pages, 1, 'the monthly summary prints on one A4 page');
        }
      } finally {
        await ctx.close();
      }
    });
  }
}
