// Forms that forgive, in Chromium with a real client certificate: one form per area is sent
// with a mistake and must come back as a person needs it — status 422, the typed values still
// there, the summary of errors at the top of the form whose links move focus to their field,
// each field's message next to it (and tied to it for screen readers), a file input saying the
// file must be chosen again — and, corrected and sent again, it must succeed.
//
// The HTTP tests (tests/admin.rs, tests/oversight.rs) prove the markup; this proves what the
// browser does with it: the focus, the values a real form posts, a file chosen again; and axe
// scans every refused form.
//
// Runs on a demo of its own (its changes leave the main suite's data alone) whose anomaly watch
// looks every minute and fires on one refused access, so that an anomaly is there to decide.

import { join } from 'node:path';
import { writeFileSync } from 'node:fs';

// A click that navigates: the answer to it.
async function submit(page, button) {
  const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), button.click()]);
  if (!res) throw new Error('the form was not sent');
  return res;
}

// The refused form as the person sees it. `errors`: the ids of the fields named; `kept`: id →
// the value typed, which must still be there.
async function assertForgiven(page, res, { errors, kept = {} }) {
  const text = await page.locator('main').innerText();
  if (res.status() !== 422) throw new Error(`status ${res.status()}, expected 422: ${text.slice(0, 300).replace(/\s+/g, ' ')}`);
  const summary = page.locator('main .alert-danger[role="alert"]');
  if ((await summary.count()) !== 1) throw new Error(`${await summary.count()} error summaries on the page`);
  // At the top: before every field of the form.
  const onTop = await page.evaluate(() => {
    const s = document.querySelector('main .alert-danger[role="alert"]');
    const fields = [...document.querySelectorAll('main input:not([type="hidden"]), main select, main textarea')];
    return fields.length > 0 && fields.every((f) => s.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING);
  });
  if (!onTop) throw new Error('the error summary is not above the fields');
  const linked = await summary.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  const wanted = errors.map((id) => `#${id}`);
  if (JSON.stringify(linked) !== JSON.stringify(wanted)) throw new Error(`the summary links ${JSON.stringify(linked)}, expected ${JSON.stringify(wanted)}`);
  for (const id of errors) {
    await summary.locator(`a[href="#${id}"]`).click();
    const active = await page.evaluate(() => document.activeElement?.id);
    if (active !== id) throw new Error(`the summary's link to #${id} moved focus to «${active}»`);
    const field = await page.evaluate((id) => {
      const f = document.getElementById(id);
      const m = document.getElementById(`${id}-errore`);
      return {
        message: m?.innerText ?? null,
        visible: !!m && m.offsetParent !== null,
        together: !!m && f.closest('.field') === m.closest('.field'),
        invalid: f.getAttribute('aria-invalid'),
        describedBy: (f.getAttribute('aria-describedby') ?? '').split(/\s+/),
      };
    }, id);
    if (!field.message || !field.visible) throw new Error(`no message shown for ${id}`);
    if (!field.together) throw new Error(`the message of ${id} is not next to its field`);
    if (field.invalid !== 'true' || !field.describedBy.includes(`${id}-errore`)) {
      throw new Error(`${id} is not marked invalid and described by its message: ${JSON.stringify(field)}`);
    }
  }
  for (const [id, value] of Object.entries(kept)) {
    const now = await page.evaluate((id) => document.getElementById(id)?.value, id);
    if (now !== value) throw new Error(`${id} holds «${now}», typed «${value}»`);
  }
}

// A file input after a refusal: empty (no browser fills one back) and saying so.
async function assertFileToChooseAgain(page) {
  const f = await page.evaluate(() => {
    const input = document.getElementById('f-file');
    const hints = (input?.getAttribute('aria-describedby') ?? '').split(/\s+/).map((id) => document.getElementById(id)?.innerText ?? '');
    return { files: input?.files.length, hints: hints.join(' ') };
  });
  if (f.files !== 0) throw new Error(`the file input holds ${f.files} files`);
  if (!f.hints.includes('Dopo un errore il file va scelto di nuovo.')) throw new Error(`the file input does not say to choose the file again: «${f.hints}»`);
}

export async function forgivingForms({ startDemo, browser, cardProfile, check, assertText, shot, axeClean, today, root, work }) {
  const demo = await startDemo('forms', {
    RICOLLOCA_ANOMALIES__CHECK_MINUTES: '1',
    RICOLLOCA_ANOMALIES__REPEATED_DENIED__THRESHOLD: '1',
  });
  const U = (p) => demo.url + p;
  const operatore = await browser(cardProfile(demo, 'forms-operatore', 'operatore-mario-rossi'));
  const regione = await browser(cardProfile(demo, 'forms-regione', 'regione-maria-bianchi'));
  const page = async (ctx, path) => {
    const p = ctx.pages()[0] ?? (await ctx.newPage());
    await p.goto(U(path), { waitUntil: 'load' });
    return p;
  };

  // The refused access the anomaly watch will report (another provider's person).
  const denied = await page(operatore, '/destinatari/8');
  assertText(await denied.locator('body').innerText(), 'Pagina non trovata');

  // --- Region: an operator's variation (Giulia Ferrari), a mistyped email
  await check('forms: Region, an operator variation refused keeps the values and then succeeds', async () => {
    const p = await page(regione, '/regione/operatori/5');
    await p.locator('summary', { hasText: 'Variazione' }).click();
    await p.fill('#f-email', 'giulia.ferrari@example');
    await p.fill('#f-role_title', 'coordinatrice di sede');
    const res = await submit(p, p.getByRole('button', { name: 'Salva la variazione' }));
    await assertForgiven(p, res, { errors: ['f-email'], kept: { 'f-email': 'giulia.ferrari@example', 'f-role_title': 'coordinatrice di sede' } });
    await shot(p, 'moduli-variazione-rifiutata');
    await axeClean(p, 'regione');
    await p.fill('#f-email', 'giulia.ferrari@example.it');
    const ok = await submit(p, p.getByRole('button', { name: 'Salva la variazione' }));
    if (ok.status() !== 200 || !p.url().endsWith('/regione/operatori/5?esito=salvato')) throw new Error(`landed on ${p.url()} (${ok.status()})`);
    assertText(await p.locator('main').innerText(), 'coordinatrice di sede', 'giulia.ferrari@example.it');
  });

  // --- Provider: a sede added without its comune, then the new (second) sede edited without
  // its address in its inline form, beside the first sede's
  await check('forms: provider, a new sede refused keeps the values and then succeeds', async () => {
    const p = await page(regione, '/regione/soggetti/1');
    await p.locator('summary', { hasText: 'Aggiungi una sede operativa' }).click();
    const form = p.locator('form[action="/regione/soggetti/1/sedi"]');
    await form.getByLabel('Indirizzo').fill('Via Pisana 40');
    await form.getByLabel('Telefono').fill('055 1234567');
    await form.getByLabel('Orari di apertura').fill('lun-ven 9-13');
    const res = await submit(p, form.getByRole('button', { name: 'Aggiungi sede' }));
    await assertForgiven(p, res, { errors: ['f-comune'], kept: { 'f-address': 'Via Pisana 40', 'f-phone': '055 1234567', 'f-opening_hours': 'lun-ven 9-13' } });
    await shot(p, 'moduli-nuova-sede-rifiutata');
    await axeClean(p, 'regione');
    await p.fill('#f-comune', 'Firenze');
    const ok = await submit(p, p.getByRole('button', { name: 'Aggiungi sede' }));
    if (ok.status() !== 200 || !p.url().endsWith('/regione/soggetti/1?esito=salvato')) throw new Error(`landed on ${p.url()} (${ok.status()})`);
    assertText(await p.locator('main').innerText(), 'Via Pisana 40');
  });
  await check('forms: provider, a sede edit refused keeps the values and then succeeds', async () => {
    const p = await page(regione, '/regione/soggetti/1');
    const forms = p.locator('form[action^="/regione/sedi/"]:not([action$="/chiudi"])');
    if ((await forms.count()) < 2) throw new Error(`${await forms.count()} sede edit forms on the provider's page`);
    const form = forms.filter({ has: p.locator('input[value="Via Pisana 40"]') });
    const action = await form.getAttribute('action');
    const sede = action.split('/').pop();
    const id = (name) => `f-sede-${sede}-${name}`;
    await form.locator('xpath=ancestor::details').locator('summary').click();
    // Its label names its own field (the ids repeated once per sede before).
    await form.getByLabel('Telefono').fill('055 7654321');
    const phone = await p.evaluate((i) => document.getElementById(i).value, id('phone'));
    if (phone !== '055 7654321') throw new Error(`the sede's «Telefono» label filled another field (${id('phone')} holds «${phone}»)`);
    await p.fill(`#${id('address')}`, '');
    const res = await submit(p, form.getByRole('button', { name: 'Salva' }));
    await assertForgiven(p, res, { errors: [id('address')], kept: { [id('phone')]: '055 7654321' } });
    await shot(p, 'moduli-sede-rifiutata');
    await axeClean(p, 'regione');
    await p.fill(`#${id('address')}`, 'Via del Corso 5');
    const ok = await submit(p, p.getByRole('button', { name: 'Salva' }));
    if (ok.status() !== 200 || !p.url().endsWith('/regione/soggetti/1?esito=salvato')) throw new Error(`landed on ${p.url()} (${ok.status()})`);
    assertText(await p.locator('main').innerText(), 'Via del Corso 5', '055 7654321');
  });

  // --- Operator: an action with the signed programme, a mistake in the hours; the file is chosen again
  const title = `Corso moduli ${Date.now()}`;
  const pdf = join(root, 'tests/fixtures/signature/pades.pdf');
  await check('forms: operator, an action refused keeps the values, asks for the file again, then succeeds', async () => {
    const p = await page(operatore, '/destinatari/1/azioni/nuova?tipo=C07');
    await p.fill('#f-titolo_denominazione', title);
    await p.fill('#f-data_proposta', today);
    await p.fill('#f-data_inizio', today);
    await p.fill('#f-descrizione', 'Corso con un errore nelle ore.');
    await p.fill('[id="f-dettagli.titolo_corso"]', 'Magazziniere con patentino');
    await p.fill('[id="f-dettagli.ente_formativo"]', 'Ente Formazione Toscana');
    await p.fill('[id="f-dettagli.ore"]', 'quaranta');
    await p.selectOption('[id="f-dettagli.certificazione"]', { index: 1 });
    await p.fill('#f-data_evento', today);
    await p.setInputFiles('#f-file', pdf);
    const res = await submit(p, p.getByRole('button', { name: "Registra l'azione" }));
    await assertForgiven(p, res, {
      errors: ['f-dettagli.ore'],
      kept: { 'f-titolo_denominazione': title, 'f-data_inizio': today, 'f-descrizione': 'Corso con un errore nelle ore.',
        'f-dettagli.ente_formativo': 'Ente Formazione Toscana', 'f-dettagli.ore': 'quaranta' },
    });
    await assertFileToChooseAgain(p);
    await shot(p, 'moduli-azione-rifiutata');
    await axeClean(p, 'operatore');
    await p.fill('[id="f-dettagli.ore"]', '40');
    await p.setInputFiles('#f-file', pdf);
    const ok = await submit(p, p.getByRole('button', { name: "Registra l'azione" }));
    const text = await p.locator('main').innerText();
    if (ok.status() !== 200) throw new Error(`status ${ok.status()}: ${text.slice(0, 400).replace(/\s+/g, ' ')}`);
    assertText(text, title);
    // The file chosen again is the one on file.
    assertText(await (await page(operatore, '/destinatari/1/programma')).locator('main').innerText(), 'in vigore');
  });

  // --- Operator: the signed programme's upload, a file that is no PDF
  await check('forms: operator, a programme upload refused says why and to choose the file again, then succeeds', async () => {
    const p = await page(operatore, '/destinatari/2/programma');
    const notPdf = join(work, 'programma.pdf');
    writeFileSync(notPdf, 'Programma concordato, ma non in PDF.\n');
    await p.setInputFiles('#f-file', notPdf);
    const res = await submit(p, p.getByRole('button', { name: 'Carica' }));
    await assertForgiven(p, res, { errors: ['f-file'] });
    await assertFileToChooseAgain(p);
    await shot(p, 'moduli-programma-rifiutato');
    await axeClean(p, 'operatore');
    await p.setInputFiles('#f-file', pdf);
    const ok = await submit(p, p.getByRole('button', { name: 'Carica' }));
    if (ok.status() !== 200 || !/\/destinatari\/2\/programma#firmato$/.test(p.url())) throw new Error(`landed on ${p.url()} (${ok.status()})`);
    assertText(await p.locator('main').innerText(), 'in vigore');
  });

  // --- Oversight: an anomaly decided without a reason (the watch looks every minute)
  await check('forms: oversight, an anomaly decision refused keeps the choice open, then succeeds', async () => {
    let p;
    for (let i = 0; i < 60; i++) {
      p = await page(regione, '/regione/anomalie');
      if ((await p.locator('form[action^="/regione/anomalie/"]').count()) > 0) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    const form = p.locator('form[action^="/regione/anomalie/"]').first();
    if (!(await form.count())) throw new Error('no anomaly to decide after two minutes');
    const action = await form.getAttribute('action');
    await form.locator('textarea[name="reason"]').fill('   ');
    const res = await submit(p, form.getByRole('button', { name: 'Archivia' }));
    await assertForgiven(p, res, { errors: ['f-reason'], kept: { 'f-reason': '   ' } });
    await shot(p, 'moduli-anomalia-rifiutata');
    await axeClean(p, 'regione');
    await p.fill('#f-reason', 'Accesso per errore di digitazione, verificato con il soggetto.');
    const ok = await submit(p, p.getByRole('button', { name: 'Archivia' }));
    const id = action.split('/').pop();
    if (ok.status() !== 200 || !p.url().endsWith(`/regione/anomalie?tutte=true#anomalia-${id}`)) throw new Error(`landed on ${p.url()} (${ok.status()})`);
    assertText(await p.locator(`#anomalia-${id}`).innerText(), 'Accesso per errore di digitazione');
  });
}
