// Browser end-to-end suite: Debian's Chromium, driven by playwright-core, against the real
// binary (`ricolloca demo`), with the demo's smartcard certificates in an NSS DB under a
// test-owned HOME and chosen without a dialog (auto_select_certificate in the profile's
// Preferences). Each role has its own browser profile. Asserts on page content; runs axe-core on
// every screen reachable from each role's home; a SoftHSM2 virtual smartcard covers the PKCS#11
// path. Screenshots go to target/e2e; the tour of every menu screen per role to
// target/e2e/tour/<role>/<screen>.png.
//
// Usage: node tests/e2e/run.mjs [path/to/ricolloca]
// E2E_ONLY=forms runs only the forms that forgive (forgiving-forms.mjs), while working on them.
// Needs: chromium, certutil/pk12util/modutil (libnss3-tools), openssl; for the smartcard part
// softhsm2-util, pkcs11-tool (opensc) and gcc.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { forgivingForms } from './forgiving-forms.mjs';

const require = createRequire(import.meta.url);
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const BIN = resolve(process.argv[2] ?? join(ROOT, 'target/debug/ricolloca'));
const OUT = resolve(process.env.E2E_OUT ?? join(ROOT, 'target/e2e'));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
// axe-allow.json: [{ "id": "<axe rule>", "path": "<regex on path+query, optional>", "reason": "..." }]
const AXE_ALLOW = JSON.parse(readFileSync(join(HERE, 'axe-allow.json'), 'utf8'));
for (const a of AXE_ALLOW) {
  if (!a.id || !a.reason) throw new Error(`axe-allow.json: every entry needs an id and a reason: ${JSON.stringify(a)}`);
}
const P12_PASSWORD = 'formazione';
const WORK = mkdtempSync(join(tmpdir(), 'ricolloca-e2e-'));
const started = Date.now();
const SUITE_TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS ?? 15 * 60 * 1000);
mkdirSync(OUT, { recursive: true });

const servers = [];
let contexts = [];
function running(child) {
  return child.exitCode === null && child.signalCode === null;
}
// The servers write into WORK (database, WAL, logs) until they have exited: removing the
// directory before that failed with ENOTEMPTY and left it behind. So wait for each to exit
// (SIGTERM, then SIGKILL after 10 s), then remove it.
async function stopServers() {
  await Promise.all(servers.filter(running).map((s) => new Promise((resolve) => {
    const kill = setTimeout(() => { try { s.kill('SIGKILL'); } catch { /* gone */ } }, 10_000);
    s.once('exit', () => { clearTimeout(kill); resolve(); });
    try { s.kill('SIGTERM'); } catch { clearTimeout(kill); resolve(); }
  })));
}
function removeWork() {
  if (process.env.E2E_KEEP || !existsSync(WORK)) return;
  try { rmSync(WORK, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }); } catch (e) { console.log(`(could not remove ${WORK}: ${e.code})`); }
}
// Last resort on an abrupt exit (the watchdog): no waiting is possible in an exit handler.
function cleanup() {
  for (const s of servers.filter(running)) {
    try { s.kill('SIGKILL'); } catch { /* already gone */ }
  }
  removeWork();
}
process.on('exit', cleanup);
const watchdog = setTimeout(() => {
  console.error(`FAIL: the suite exceeded ${SUITE_TIMEOUT_MS} ms`);
  process.exit(2);
}, SUITE_TIMEOUT_MS);

// ---------------------------------------------------------------- results
let passed = 0;
const failures = [];
function ok(name) { passed++; console.log(`ok   ${name}`); }
function fail(name, why) { failures.push(`${name}: ${why}`); console.log(`FAIL ${name}: ${why}`); }
async function check(name, fn) {
  try { await fn(); ok(name); } catch (e) { fail(name, e.message.split('\n')[0]); }
}
function assertText(text, ...wanted) {
  for (const w of wanted) if (!text.includes(w)) throw new Error(`missing «${w}» in «${text.slice(0, 300).replace(/\s+/g, ' ')}»`);
}

// ---------------------------------------------------------------- server
function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts }).toString();
}
async function startDemo(name, env = {}) {
  const dir = join(WORK, name);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const out = join(WORK, `${name}.out`);
  const child = spawn(BIN, ['demo', '--dir', dir, '--listen', `127.0.0.1:${port}`], {
    // The pages checked here are those after the tracking notice (tests/oversight.rs covers it).
    env: { ...process.env, RICOLLOCA_AUDIT__NOTICE_REQUIRED: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  servers.push(child);
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  for (let i = 0; i < 600 && !log.includes('in ascolto'); i++) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  writeFileSync(out, log);
  if (!log.includes('in ascolto')) throw new Error(`server ${name} did not start:\n${log}`);
  return { dir, port, url: `https://127.0.0.1:${port}` };
}

// ---------------------------------------------------------------- browser profiles
function commonName(pem) {
  const s = run('openssl', ['x509', '-in', pem, '-noout', '-subject', '-nameopt', 'multiline']);
  const m = s.match(/^\s*commonName\s*=\s*(.+)$/m);
  if (!m) throw new Error(`no CN in ${pem}`);
  return m[1].trim();
}
// An NSS DB in a fresh HOME trusting the demo CA, plus a Chromium profile that picks `cn`.
function makeProfile(server, name, cn) {
  const home = join(WORK, 'profiles', name, 'home');
  const ud = join(WORK, 'profiles', name, 'profile');
  const db = `sql:${home}/.pki/nssdb`;
  mkdirSync(join(home, '.pki/nssdb'), { recursive: true });
  mkdirSync(join(ud, 'Default'), { recursive: true });
  run('certutil', ['-N', '-d', db, '--empty-password']);
  run('certutil', ['-A', '-d', db, '-n', 'Demo CA', '-t', 'CT,,', '-i', join(server.dir, 'certificati/ca-formazione.pem')]);
  if (cn) {
    const prefs = { profile: { content_settings: { exceptions: { auto_select_certificate: {
      [`https://127.0.0.1:${server.port},*`]: { setting: { filters: [{ SUBJECT: { CN: cn } }] } },
    } } } } };
    writeFileSync(join(ud, 'Default/Preferences'), JSON.stringify(prefs));
  }
  return { home, ud, db };
}
function cardProfile(server, name, file) {
  const p = makeProfile(server, name, commonName(join(server.dir, 'persone', `${file}.pem`)));
  run('pk12util', ['-i', join(server.dir, 'persone', `${file}.p12`), '-d', p.db, '-W', P12_PASSWORD]);
  return p;
}
async function browser(profile) {
  const ctx = await chromium.launchPersistentContext(profile.ud, {
    executablePath: CHROMIUM,
    headless: true,
    env: { ...process.env, HOME: profile.home, LANGUAGE: 'it', LANG: 'it_IT.UTF-8' },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--lang=it-IT'],
    locale: 'it-IT',
    viewport: { width: 1280, height: 900 },
    timeout: 60_000,
  });
  ctx.setDefaultTimeout(30_000);
  contexts.push(ctx);
  return ctx;
}
async function open(ctx, url) {
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const res = await page.goto(url, { waitUntil: 'load' });
  return { page, res, text: await page.locator('body').innerText() };
}
async function shot(page, name) {
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: false });
}

// ---------------------------------------------------------------- axe
const axeResults = { pages: 0, rules: 0, violations: [] };
function allowed(id, path) {
  return AXE_ALLOW.some((a) => a.id === id && (!a.path || new RegExp(a.path).test(path)));
}
async function axeScan(page, role) {
  await page.evaluate(AXE_SOURCE);
  // E2E_AXE_TAGS=wcag2a,...,best-practice widens the scan (informational); CI uses the default.
  const tags = (process.env.E2E_AXE_TAGS ?? 'wcag2a,wcag2aa,wcag21a,wcag21aa').split(',');
  const r = await page.evaluate((tags) => window.axe.run(document, {
    runOnly: { type: 'tag', values: tags },
  }), tags);
  const path = new URL(page.url()).pathname + new URL(page.url()).search;
  if (r.passes.length === 0) throw new Error(`axe checked nothing on ${path}`);
  axeResults.pages++;
  axeResults.rules += r.passes.length + r.violations.length;
  for (const v of r.violations) {
    if (allowed(v.id, path)) continue;
    axeResults.violations.push(`${role} ${path}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  }
}
// Every class on the page is defined by the stylesheet (the unit test reads the markup in the
// sources; this sees the classes computed at run time too).
const classResults = { undefined: [] };
async function classScan(page, role) {
  const missing = await page.evaluate(() => {
    const defined = new Set();
    const walk = (rules) => {
      for (const r of rules) {
        if (r.selectorText) for (const m of r.selectorText.matchAll(/\.([A-Za-z][\w-]*)/g)) defined.add(m[1]);
        if (r.cssRules) walk(r.cssRules);
      }
    };
    for (const sheet of document.styleSheets) walk(sheet.cssRules);
    const used = new Set();
    for (const el of document.querySelectorAll('[class]')) for (const c of el.classList) used.add(c);
    // `language-*` on the manual's code blocks names the language (the HTML convention), no style.
    return [...used].filter((c) => !defined.has(c) && !c.startsWith('language-'));
  });
  const path = new URL(page.url()).pathname;
  for (const c of missing) classResults.undefined.push(`${role} ${path}: .${c}`);
}
// Links we do not follow: downloads and anything that is not an HTML screen.
const SKIP = /(\/esci|logout|scarica|download|\.(pdf|csv|xml|zip|p7m|json|txt)$|\/api\/|\/static\/|\/file$|\/documenti\/\d+$)/i;
function patternOf(path) { return path.replace(/\d+/g, 'N'); }
async function crawl(ctx, server, role, { maxPages = 80, perPattern = 2 } = {}) {
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const seen = new Set(['/']);
  const patterns = new Map();
  const queue = ['/'];
  let scanned = 0;
  while (queue.length && scanned < maxPages) {
    const path = queue.shift();
    let res;
    try {
      res = await page.goto(server.url + path, { waitUntil: 'load' });
    } catch (e) {
      if (/Download is starting|net::ERR_ABORTED/.test(e.message)) continue;
      throw e;
    }
    const ct = res?.headers()['content-type'] ?? '';
    if (!ct.startsWith('text/html')) continue;
    await axeScan(page, role);
    await classScan(page, role);
    scanned++;
    const links = await page.$$eval('a[href]', (as) => as.filter((a) => !a.hasAttribute('download')).map((a) => a.getAttribute('href')));
    for (const href of links) {
      if (!href || href.startsWith('#')) continue;
      const u = new URL(href, page.url());
      if (u.origin !== server.url) continue;
      const p = u.pathname + u.search;
      if (SKIP.test(u.pathname) || seen.has(p)) continue;
      seen.add(p);
      const pat = patternOf(p);
      const n = patterns.get(pat) ?? 0;
      if (n >= perPattern) continue;
      patterns.set(pat, n + 1);
      queue.push(p);
    }
  }
  return scanned;
}

// ---------------------------------------------------------------- the screenshot tour
// The home page and every entry of the role's menu (the links inside groups too), each saved
// as a full-page picture and scanned by axe; a screen that answers an error fails the tour.
function screenName(href) {
  const u = new URL(href, 'https://x');
  const name = (u.pathname + (u.search ? `-${u.search.slice(1)}` : '')).replace(/^\/+|\/+$/g, '').replace(/[^\w-]+/g, '-');
  return name || 'home';
}
async function tour(ctx, server, role) {
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(server.url + '/', { waitUntil: 'load' });
  const menu = await page.$$eval('nav.main-nav a[href]', (as) => as.map((a) => a.getAttribute('href')));
  const hrefs = ['/', ...menu.filter((h) => h && h !== '/' && h.startsWith('/'))];
  const dir = join(OUT, 'tour', role);
  mkdirSync(dir, { recursive: true });
  const names = [];
  for (const href of [...new Set(hrefs)]) {
    const res = await page.goto(server.url + href, { waitUntil: 'load' });
    if (!res || res.status() >= 400) throw new Error(`${href} answered ${res?.status()}`);
    // The menu marks the screen shown, inside groups too.
    const current = await page.$$eval('nav.main-nav a[aria-current="page"]', (as) => as.map((a) => a.getAttribute('href')));
    if (!href.includes('?') && !(current.length === 1 && current[0] === href)) {
      throw new Error(`${href}: the menu marks ${JSON.stringify(current)} as the current page`);
    }
    const name = screenName(href);
    // No hover effect from where the pointer was left.
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
    const before = axeResults.violations.length;
    await axeScan(page, role);
    const found = axeResults.violations.slice(before);
    if (found.length) throw new Error(`${found.length} axe violations:\n  ${found.join('\n  ')}`);
    names.push(name);
  }
  return names;
}

// ---------------------------------------------------------------- dates
// The server's day is Italy's: between 23:00 and 01:00 UTC the UTC date is another one.
function isoDate(d) { return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(d); }
const TODAY = isoDate(new Date());
const ITALIAN_TODAY = TODAY.split('-').reverse().join('/');

// ---------------------------------------------------------------- the suite
// The forms that forgive, one per area, on their own demo (forgiving-forms.mjs).
async function forms() {
  // A refused form is a screen too: axe scans each one, and any violation fails its check.
  const axeClean = async (page, role) => {
    const before = axeResults.violations.length;
    await axeScan(page, role);
    const found = axeResults.violations.slice(before);
    if (found.length) throw new Error(`${found.length} axe violations:\n  ${found.join('\n  ')}`);
  };
  await forgivingForms({ startDemo, browser, cardProfile, check, assertText, shot, axeClean, today: TODAY, root: ROOT, work: WORK });
}

function summary() {
  clearTimeout(watchdog);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\n${passed} passed, ${failures.length} failed; axe scanned ${axeResults.pages} pages, ${axeResults.rules} rule checks; ${secs} s in all; screenshots in ${OUT}`);
  for (const v of axeResults.violations) console.log(`axe: ${v}`);
  if (failures.length) {
    console.log('\nFailures:');
    for (const f of failures) console.log(`  ${f}`);
    process.exitCode = 1;
  }
}

async function main() {
  console.log(`e2e: ${BIN} (work dir ${WORK})`);
  if (process.env.E2E_ONLY === 'forms') {
    await forms();
    summary();
    return;
  }
  const demo = await startDemo('demo');
  const U = (p) => demo.url + p;

  const operatore = await browser(cardProfile(demo, 'operatore', 'operatore-mario-rossi'));
  const regione = await browser(cardProfile(demo, 'regione', 'regione-maria-bianchi'));
  const revisore = await browser(cardProfile(demo, 'revisore', 'revisore-giuseppe-verdi'));
  const tecnico = await browser(cardProfile(demo, 'tecnico', 'tecnico-luca-neri'));
  const revocato = await browser(cardProfile(demo, 'revocato', 'operatore-paolo-galli-revocato'));
  const anonimo = await browser(makeProfile(demo, 'anonimo', null));

  // --- public and refused pages
  await check('anonimo: landing page without a certificate', async () => {
    const { page, text } = await open(anonimo, U('/'));
    assertText(text, 'Accesso riservato con Carta Nazionale dei Servizi', 'PIN');
    // A training instance says where its cards are and how to load them.
    assertText(text, 'Ambiente di formazione: le carte di prova', 'persone', 'formazione', 'ricolloca demo --help-cards');
    await shot(page, 'accesso');
  });
  await check('anonimo: a reserved page asks for the smartcard', async () => {
    const { text } = await open(anonimo, U('/cruscotto'));
    assertText(text, 'Accesso con smartcard richiesto');
  });
  await check('revocato: 403 page for a revoked card', async () => {
    const { page, res, text } = await open(revocato, U('/'));
    if (res.status() !== 403) throw new Error(`status ${res.status()}, expected 403`);
    assertText(text, 'Accesso negato', 'revocato');
    await shot(page, 'carta-revocata');
  });

  // --- each role's home
  await check('operatore: home', async () => {
    const { page, text } = await open(operatore, U('/'));
    assertText(text, 'Buongiorno, Mario Rossi', 'Operatore del soggetto accreditato');
    await shot(page, 'home-operatore');
  });
  await check('regione: home', async () => {
    const { page, text } = await open(regione, U('/'));
    assertText(text, 'Buongiorno, Maria Bianchi', 'Amministrazione regionale');
    await shot(page, 'home-regione');
  });
  await check('revisore: home', async () => {
    const { text } = await open(revisore, U('/'));
    assertText(text, 'Buongiorno, Giuseppe Verdi');
  });
  await check('tecnico: home', async () => {
    const { page, text } = await open(tecnico, U('/'));
    assertText(text, 'Buongiorno, Luca Neri');
    await shot(page, 'home-tecnico');
  });

  // --- the menu stays on one line at 1280 and 1024 px for every role; a group opens below
  for (const [role, ctx] of [['operatore', operatore], ['regione', regione], ['revisore', revisore], ['tecnico', tecnico]]) {
    await check(`${role}: the menu fits one line at 1280 and 1024 px`, async () => {
      const { page } = await open(ctx, U('/'));
      try {
        for (const width of [1280, 1024]) {
          await page.setViewportSize({ width, height: 800 });
          const m = await page.evaluate(() => {
            const ul = document.querySelector('nav.main-nav ul.menu');
            const items = [...ul.children];
            const tops = new Set(items.map((li) => Math.round(li.getBoundingClientRect().top)));
            const right = Math.max(...items.map((li) => li.getBoundingClientRect().right));
            return { rows: tops.size, right, width: document.documentElement.clientWidth, entries: items.length };
          });
          if (m.rows !== 1) throw new Error(`${m.rows} rows at ${width} px (${m.entries} entries)`);
          if (m.right > m.width) throw new Error(`the menu overflows at ${width} px: ${m.right} > ${m.width}`);
          await shot(page, `menu-${role}-${width}`);
          const group = page.locator('li.menu-group summary').first();
          if (await group.count()) {
            await group.click();
            const links = page.locator('li.menu-group details[open] ul.submenu a');
            if (!(await links.first().isVisible())) throw new Error(`the group's links are hidden at ${width} px`);
            await shot(page, `menu-${role}-${width}-gruppo`);
            await group.click();
          }
        }
      } finally {
        await page.setViewportSize({ width: 1280, height: 900 });
      }
    });
  }

  // --- operator screens
  let cells1Before = [];
  await check('operatore: cruscotto', async () => {
    const { page, text } = await open(operatore, U('/cruscotto'));
    assertText(text, 'Cruscotto dei destinatari', '7 destinatari', 'Esposito');
    cells1Before = await page.locator('tr', { has: page.locator('a[href="/destinatari/1"]') }).locator('td').allInnerTexts();
    await shot(page, 'cruscotto');
  });
  await check('operatore: scheda of a recipient', async () => {
    const { page, text } = await open(operatore, U('/destinatari/1'));
    assertText(text, 'Assegno di ricollocazione', 'SPSGLI88M52D612G', 'sezione VI della SAP');
    await shot(page, 'scheda');
  });
  await check('operatore: SAP page with section VI', async () => {
    const { page, text } = await open(operatore, U('/destinatari/1/sap'));
    assertText(text, 'Magazzini Generali Fiorentini', 'A02 — Stipula del patto');
    const sixes = text.split('Sezione VI').length - 1;
    if (sixes !== 1) throw new Error(`«Sezione VI» ${sixes} times on the SAP page`);
    await shot(page, 'sap');
  });
  await check('operatore: another provider\'s recipient is not found', async () => {
    const { text } = await open(operatore, U('/destinatari/8'));
    assertText(text, 'Pagina non trovata');
  });

  // --- recording an action with the signed programme, by mouse
  const title = `Corso e2e ${Date.now()}`;
  await check('operatore: records a C07 action with a signed programme PDF', async () => {
    const { page } = await open(operatore, U('/destinatari/1'));
    await page.getByRole('link', { name: /nuova azione|registra.*azione/i }).first().click();
    await page.waitForLoadState('load');
    await page.getByRole('navigation', { name: 'Tipo di azione' }).getByRole('link', { name: /C07/ }).click();
    await page.waitForURL(/tipo=C07/);
    await page.fill('#f-titolo_denominazione', title);
    await page.fill('#f-data_proposta', TODAY);
    await page.fill('#f-data_inizio', TODAY);
    await page.fill('#f-descrizione', 'Corso registrato dal test del browser.');
    await page.fill('[name="dettagli.titolo_corso"]', 'Magazziniere con patentino');
    await page.fill('[name="dettagli.ente_formativo"]', 'Ente Formazione Toscana');
    await page.fill('[name="dettagli.ore"]', '40');
    await page.selectOption('[name="dettagli.certificazione"]', { index: 1 });
    await page.fill('#f-data_evento', TODAY);
    await page.setInputFiles('#f-file', join(ROOT, 'tests/fixtures/signature/pades.pdf'));
    await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
    await shot(page, 'azione-nuova');
    // The server refuses a POST whose Origin is not its own; with `Referrer-Policy:
    // no-referrer` Chromium sends `Origin: null` and every form would be refused.
    const [post] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST'),
      page.getByRole('button', { name: "Registra l'azione" }).click(),
    ]);
    const origin = await post.headerValue('origin');
    if (origin !== demo.url) throw new Error(`the form POST carried Origin ${origin}`);
    await page.waitForLoadState('load');
    const text = await page.locator('body').innerText();
    if (/errore|non è stato possibile|richiesta rifiutata/i.test(text) && !text.includes(title)) {
      throw new Error(`form refused: ${text.slice(0, 600).replace(/\s+/g, ' ')}`);
    }
    assertText(text, title);
    await shot(page, 'azione-registrata');
  });
  await check('operatore: the new action is in SAP section VI', async () => {
    const { text } = await open(operatore, U('/destinatari/1/sap'));
    assertText(text, title);
  });
  await check('operatore: the new action shows on the cruscotto', async () => {
    const { page } = await open(operatore, U('/cruscotto'));
    // "Programma firmato" (the 8th column for an operator) says since when: the upload.
    const cells = await page.locator('tr', { has: page.locator('a[href="/destinatari/1"]') }).locator('td').allInnerTexts();
    if (cells[7] !== `sì, dal ${ITALIAN_TODAY}`) throw new Error(`Programma firmato: «${cells[7]}» (before: «${cells1Before[7]}»)`);
    console.log(`     Programma firmato: «${cells1Before[7]}» → «${cells[7]}»; ultima azione «${cells[6]}»`);
  });

  // --- keyboard only: Tab, Enter, typing; no clicks
  const kbTitle = `Colloquio tastiera ${Date.now()}`;
  await check('operatore: records an A06 action with the keyboard only', async () => {
    const { page } = await open(operatore, U('/destinatari/1/azioni/nuova?tipo=A06'));
    const kb = page.keyboard;
    // Tab from the top of the page to a given field; returns how many Tabs it took.
    async function tabTo(id, max = 80) {
      for (let i = 0; i < max; i++) {
        await kb.press('Tab');
        if (await page.evaluate((want) => document.activeElement?.id === want || document.activeElement?.name === want, id)) return;
      }
      throw new Error(`Tab never reached ${id}`);
    }
    // Date inputs: Chromium's segments (day, month, year) take digits and move on by
    // themselves, in the order of the browser's locale (LANGUAGE=it: dd/mm/yyyy). Typing
    // "DDMMYYYY" fills the field, as a keyboard user would; checked on the value after.
    async function typeDate(id, iso) {
      await tabTo(id);
      const [y, m, d] = iso.split('-');
      await kb.type(`${d}${m}${y}`);
      const v = await page.evaluate((i) => document.getElementById(i).value, id);
      if (v !== iso) throw new Error(`date field ${id} holds «${v}» after typing ${d}${m}${y}, expected ${iso}`);
    }
    await tabTo('f-titolo_denominazione');
    await kb.type(kbTitle);
    await typeDate('f-data_proposta', TODAY);
    await tabTo('dettagli.modalita');
    await kb.press('ArrowDown');
    await tabTo('dettagli.ore');
    await kb.type('1');
    await tabTo('dettagli.operatore_cf');
    await kb.press('ArrowDown');
    await typeDate('f-data_evento', TODAY);
    // On to the submit button, then Enter.
    for (let i = 0; i < 20; i++) {
      await kb.press('Tab');
      if (await page.evaluate(() => document.activeElement?.tagName === 'BUTTON' && document.activeElement.type === 'submit')) break;
    }
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), kb.press('Enter')]);
    const text = await page.locator('body').innerText();
    if (!text.includes(kbTitle)) throw new Error(`action not recorded: ${text.slice(0, 600).replace(/\s+/g, ' ')}`);
    const sap = (await open(operatore, U('/destinatari/1/sap'))).text;
    assertText(sap, kbTitle);
  });

  // --- saving the programme says so (POST, redirect, confirmation on the page)
  await check('operatore: saving the programme shows a confirmation', async () => {
    const { page } = await open(operatore, U('/destinatari/2/programma'));
    await page.fill('#f-target_jobs', 'Magazziniere');
    await page.fill('#f-search_area', 'Firenze e Prato');
    await page.fill('#f-activities', 'Colloqui con il tutor');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.getByRole('button', { name: 'Salva e genera il PDF' }).click()]);
    if (!page.url().endsWith('/destinatari/2/programma?esito=salvato')) throw new Error(`landed on ${page.url()}`);
    const text = await page.locator('body').innerText();
    assertText(text, 'Programma salvato: versione 1');
    await shot(page, 'programma-salvato');
  });

  // --- region and auditor screens
  await check('regione: soggetti accreditati', async () => {
    const { page, text } = await open(regione, U('/regione/soggetti'));
    assertText(text, 'Lavoro Futuro Società Cooperativa', 'Orienta Toscana S.r.l.');
    await shot(page, 'regione-soggetti');
  });
  await check('regione: operatori', async () => {
    const { text } = await open(regione, U('/regione/operatori'));
    assertText(text, 'Operatori e personale regionale', 'Galli');
  });
  await check('regione: IDOL', async () => {
    const { text } = await open(regione, U('/regione/idol'));
    assertText(text, 'Alimentazione della banca dati IDOL', 'Genera e scarica');
  });
  await check('regione: cruscotto', async () => {
    const { text } = await open(regione, U('/cruscotto'));
    assertText(text, 'Cruscotto');
  });
  await check('revisore: soggetti accreditati', async () => {
    const { page, text } = await open(revisore, U('/regione/soggetti'));
    assertText(text, 'Lavoro Futuro');
    await shot(page, 'revisore-soggetti');
  });
  await check('revisore: revisione annuale', async () => {
    const { page, text } = await open(revisore, U('/regione/revisione'));
    assertText(text, 'Revisione');
    await shot(page, 'revisore-revisione');
  });
  await check('revisore: no cruscotto', async () => {
    const { text } = await open(revisore, U('/cruscotto'));
    assertText(text, 'Accesso negato');
  });

  // --- the screenshot tour: every menu screen of each role at 1280 px, full page, under
  // target/e2e/tour/<role>/<screen>.png, each with 0 axe violations
  for (const [role, ctx] of [['operatore', operatore], ['regione', regione], ['revisore', revisore], ['tecnico', tecnico], ['anonimo', anonimo]]) {
    await check(`tour: ${role}, every menu screen at 1280 px`, async () => {
      const names = await tour(ctx, demo, role);
      console.log(`     ${role}: ${names.length} screens — ${names.join(', ')}`);
    });
  }

  // --- axe on every reachable screen
  const axeStart = Date.now();
  for (const [role, ctx] of [['operatore', operatore], ['regione', regione], ['revisore', revisore], ['tecnico', tecnico]]) {
    await check(`axe: ${role} screens`, async () => {
      const before = axeResults.violations.length;
      const classesBefore = classResults.undefined.length;
      const n = await crawl(ctx, demo, role);
      const found = axeResults.violations.slice(before);
      console.log(`     ${role}: ${n} screens scanned`);
      if (found.length) throw new Error(`${found.length} violations:\n  ${found.join('\n  ')}`);
      const classes = classResults.undefined.slice(classesBefore);
      if (classes.length) throw new Error(`classes not in app.css: ${[...new Set(classes)].join(", ")}`);
    });
  }
  for (const [role, ctx, path] of [['anonimo', anonimo, '/'], ['revocato', revocato, '/']]) {
    await check(`axe: ${role} ${path}`, async () => {
      const before = axeResults.violations.length;
      const page = ctx.pages()[0];
      await page.goto(U(path));
      await axeScan(page, role);
      const found = axeResults.violations.slice(before);
      if (found.length) throw new Error(found.join('\n  '));
    });
  }
  const axeSecs = ((Date.now() - axeStart) / 1000).toFixed(1);
  await forms();
  for (const c of contexts) await c.close();
  contexts = [];

  // --- the virtual smartcard
  await smartcard(demo);

  clearTimeout(watchdog);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\n${passed} passed, ${failures.length} failed; axe scanned ${axeResults.pages} pages, ${axeResults.rules} rule checks (${axeSecs} s); ${secs} s in all; screenshots in ${OUT}`);
  for (const v of axeResults.violations) console.log(`axe: ${v}`);
  if (failures.length) {
    console.log('\nFailures:');
    for (const f of failures) console.log(`  ${f}`);
    process.exitCode = 1;
  }
}

// ---------------------------------------------------------------- smartcard (SoftHSM2 + shim)
function which(cmd) {
  try { run('sh', ['-c', `command -v ${cmd}`]); return true; } catch { return false; }
}
const SOFTHSM_LIB = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so'].find(existsSync);

// A SoftHSM2 token holding `file`'s key and certificate, in its own token directory, seen by a
// browser profile's NSS DB through the test-only shim (PIN from the environment; RSA-PSS hidden
// when `noPss`).
function tokenProfile(server, name, file, { noPss }) {
  const base = join(WORK, 'tokens', name);
  mkdirSync(join(base, 'tokens'), { recursive: true });
  const conf = join(base, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${base}/tokens/\nobjectstore.backend = file\n`);
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  const people = join(server.dir, 'persone');
  run('softhsm2-util', ['--init-token', '--free', '--label', 'CNS-TEST', '--pin', '1234', '--so-pin', '12345678'], { env });
  run('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', join(people, `${file}.key`), '-out', join(base, 'key.pk8.pem')]);
  run('softhsm2-util', ['--import', join(base, 'key.pk8.pem'), '--token', 'CNS-TEST', '--label', 'cns-key', '--id', '01', '--pin', '1234'], { env });
  run('openssl', ['x509', '-in', join(people, `${file}.pem`), '-outform', 'DER', '-out', join(base, 'cert.der')]);
  run('pkcs11-tool', ['--module', SOFTHSM_LIB, '--token-label', 'CNS-TEST', '--login', '--pin', '1234',
    '--write-object', join(base, 'cert.der'), '--type', 'cert', '--id', '01', '--label', 'cns-cert'], { env });
  const p = makeProfile(server, name, commonName(join(people, `${file}.pem`)));
  const shimEnv = { ...env, CNS_SHIM_MODULE: SOFTHSM_LIB, CNS_SHIM_PIN: '1234', CNS_SHIM_HIDE_PSS: noPss ? '1' : '0' };
  run('modutil', ['-dbdir', p.db, '-add', 'CNS-virtual', '-libfile', join(WORK, 'pkcs11-shim.so'), '-force'], { env: shimEnv });
  return { ...p, env: shimEnv };
}
async function tokenBrowser(profile) {
  const ctx = await chromium.launchPersistentContext(profile.ud, {
    executablePath: CHROMIUM,
    headless: true,
    env: { ...profile.env, HOME: profile.home },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    timeout: 60_000,
  });
  ctx.setDefaultTimeout(30_000);
  return ctx;
}
async function smartcard(demo) {
  const missing = ['softhsm2-util', 'pkcs11-tool', 'gcc', 'modutil'].filter((c) => !which(c));
  if (missing.length || !SOFTHSM_LIB) {
    if (process.env.CI) { fail('smartcard', `missing ${missing.join(', ') || 'libsofthsm2.so'}`); return; }
    console.log(`SKIP smartcard: missing ${missing.join(', ') || 'libsofthsm2.so'} (install softhsm2, opensc, gcc, libnss3-tools)`);
    return;
  }
  run('gcc', ['-shared', '-fPIC', '-O2', '-Wall', '-o', join(WORK, 'pkcs11-shim.so'), join(HERE, 'smartcard/pkcs11-shim.c'), '-ldl']);

  // TLS 1.2 (the default): a card without RSA-PSS signs with PKCS#1 v1.5 and gets in.
  await check('smartcard: token without RSA-PSS logs in over TLS 1.2', async () => {
    const ctx = await tokenBrowser(tokenProfile(demo, 'card-nopss', 'operatore-mario-rossi', { noPss: true }));
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      await page.goto(demo.url + '/');
      const text = await page.locator('body').innerText();
      assertText(text, 'Buongiorno, Mario Rossi');
      await page.goto(demo.url + '/cruscotto');
      assertText(await page.locator('body').innerText(), 'Cruscotto dei destinatari');
    } finally { await ctx.close(); }
  });

  // TLS 1.3 only: the protocol allows only RSA-PSS for RSA keys, so the same card fails at the
  // handshake (ERR_SSL_CLIENT_AUTH_NO_COMMON_ALGORITHMS); a card with PSS gets in.
  const tls13 = await startDemo('demo-tls13', { RICOLLOCA_TLS__VERSIONS: '["1.3"]' });
  await check('smartcard: token without RSA-PSS is refused over TLS 1.3', async () => {
    const ctx = await tokenBrowser(tokenProfile(tls13, 'card13-nopss', 'operatore-mario-rossi', { noPss: true }));
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      let error = null;
      try { await page.goto(tls13.url + '/'); } catch (e) { error = e.message; }
      const text = error ? '' : await page.locator('body').innerText();
      if (text.includes('Buongiorno')) throw new Error('logged in without RSA-PSS over TLS 1.3');
      console.log(`     as expected: ${error ? error.split('\n')[0] : 'no login: ' + text.slice(0, 80).replace(/\s+/g, ' ')}`);
    } finally { await ctx.close(); }
  });
  await check('smartcard: token with RSA-PSS logs in over TLS 1.3', async () => {
    const ctx = await tokenBrowser(tokenProfile(tls13, 'card13-pss', 'operatore-mario-rossi', { noPss: false }));
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      await page.goto(tls13.url + '/');
      assertText(await page.locator('body').innerText(), 'Buongiorno, Mario Rossi');
    } finally { await ctx.close(); }
  });
}

main().catch((e) => {
  console.error(`FAIL: ${e.stack ?? e}`);
  process.exitCode = 1;
}).finally(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  clearTimeout(watchdog);
  await stopServers();
  removeWork();
});
