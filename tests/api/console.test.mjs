// console.test.mjs — the web console (/console): its HTTP side (the files from the binary,
// CSP and nosniff, ETag revalidation, "/" sending a browser there, a cookie-authenticated
// write from another origin refused), and the pages in a real browser: Debian's chromium
// driven by playwright-core, headless, under the console's own CSP.  Each role signs in
// and walks every page; the administrator creates and edits a customer, buys a virtual
// number, flips fax and staging, sees the API's refusals, and uses the API explorer.
// Screenshots of each page go to build/console-screenshots/ (not committed).
// The browser part runs once, on SQLite: the console is a client and knows no store.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, makeWorld, addSession, expectError, expectStatus, REPO, PG, PASSWORD, u } from './harness.mjs';
import { startFakeTwilio } from './fake-twilio.mjs';

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(REPO, 'build/console-screenshots');

let srv, w, sa, fake;
// the fake carrier: numbers are searched and bought there, and a live call is hung up there
before(async () => {
  fake = await startFakeTwilio();
  srv = await startServer({ args: ['--twilio-account-sid', fake.mainSid, '--twilio-auth-token', fake.mainToken, '--twilio-base-url', fake.url, '--webhook-url', 'https://hooks.test/evo'] });
  w = await makeWorld(srv, 'co'); sa = srv.admin;
});
after(async () => { if (srv) await srv.cleanup(); if (fake) await fake.close(); });

test('the console and its files come from the binary with the CSP, nosniff, gzip and strong ETags', async () => {
  const page = await srv.req('GET', '/console', { headers: { accept: 'text/html' } });
  expectStatus(page, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  assert.equal(page.headers.get('content-security-policy'), CSP);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  assert.match(page.text, /<script type="module" src="\/console\/app.js"><\/script>/);
  assert.doesNotMatch(page.text, /<script>|<style>| on[a-z]+=/, 'no inline script or style in the page');
  for (const [file, type] of [['app.js', /^text\/javascript/], ['app.css', /^text\/css/]]) {
    // as it is, for a client that takes no gzip
    const plain = await srv.req('GET', '/console/' + file, { headers: { 'accept-encoding': 'identity' } });
    expectStatus(plain, 200);
    assert.match(plain.headers.get('content-type'), type);
    assert.equal(plain.headers.get('content-security-policy'), CSP);
    assert.equal(plain.headers.get('content-encoding'), null);
    assert.equal(Number(plain.headers.get('content-length')), plain.buf.length);
    const etag = plain.headers.get('etag');
    assert.match(etag, /^"[0-9a-f]{32}"$/);
    // gzipped for one that does (fetch unpacks it: the same bytes), under an ETag of its own
    const gz = await srv.req('GET', '/console/' + file, { headers: { 'accept-encoding': 'gzip, deflate' } });
    expectStatus(gz, 200);
    assert.equal(gz.headers.get('content-encoding'), 'gzip');
    assert.match(gz.headers.get('vary'), /Accept-Encoding/);
    assert.equal(gz.text, plain.text);
    const gzEtag = gz.headers.get('etag');
    assert.equal(gzEtag, etag.replace(/"$/, '.gz"'));
    // revalidation: 304 for the representation's own ETag, the whole file for any other
    const again = await srv.req('GET', '/console/' + file, { headers: { 'accept-encoding': 'identity', 'if-none-match': etag } });
    expectStatus(again, 304);
    assert.equal(again.text, '');
    assert.equal(again.headers.get('etag'), etag);
    expectStatus(await srv.req('GET', '/console/' + file, { headers: { 'accept-encoding': 'gzip', 'if-none-match': `W/"x", ${gzEtag}` } }), 304);
    expectStatus(await srv.req('GET', '/console/' + file, { headers: { 'accept-encoding': 'gzip', 'if-none-match': etag } }), 200);
    expectStatus(await srv.req('GET', '/console/' + file, { headers: { 'accept-encoding': 'identity', 'if-none-match': '"0000"' } }), 200);
  }
  // the first page stays small: what a browser is sent for it, gzipped (the README says how much)
  let sent = 0;
  for (const f of ['/console', '/console/app.js', '/console/app.css']) sent += Number((await srv.req('GET', f, { headers: { 'accept-encoding': 'gzip' } })).headers.get('content-length'));
  assert.ok(sent > 1000 && sent < 16384, `the first page is ${sent} bytes gzipped`);
  assert.equal((await srv.req('GET', '/console/')).status, 200);
  expectError(await srv.req('GET', '/console/nothing.js'), 404, 'NotFound');
  expectError(await srv.req('POST', '/console', { body: {} }), 405, 'MethodNotAllowed');
});

test('"/" sends a browser to /console; an API client asking for JSON gets what it got before', async () => {
  const html = await srv.req('GET', '/', { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
  expectStatus(html, 302);
  assert.equal(html.headers.get('location'), '/console');
  expectError(await srv.req('GET', '/', { headers: { accept: 'application/json' } }), 404, 'NotFound');
});

test('a script\'s request (X-Requested-With) gets no Basic challenge, so the browser asks no password of its own', async () => {
  const plain = await srv.req('POST', '/auth/credentials', { body: { userName: sa.email, password: 'wrong' } });
  expectError(plain, 401, 'Unauthorized');
  assert.equal(plain.headers.get('www-authenticate'), 'Basic realm="/auth/basic"');
  const script = await srv.req('POST', '/auth/credentials', { headers: { 'x-requested-with': 'evovoiced-console' }, body: { userName: sa.email, password: 'wrong' } });
  expectError(script, 401, 'Unauthorized', { message: 'Invalid Username or Password' });
  assert.equal(script.headers.get('www-authenticate'), null);
});

test('a cookie-authenticated write from another origin is refused; ours, Basic and X-ss-id are not', async () => {
  const login = await srv.req('POST', '/auth/credentials', { body: { userName: w.mgrA.email, password: w.mgrA.password } });
  expectStatus(login, 200);
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  assert.match(cookie, /ss-id=/);
  const write = (headers, name = u('csrf')) => srv.req('POST', '/customers', { headers: { cookie, ...headers }, body: { accountId: w.A.id, name } });
  const before = (await srv.ok('GET', '/customers', { as: sa, query: { accountIds: w.A.id, all: true } })).totalCount;
  expectError(await write({ origin: 'https://evil.example' }), 403, 'Forbidden', { message: /this server's own pages/ });
  expectError(await write({ origin: 'null' }), 403, 'Forbidden');
  expectError(await write({ origin: `http://127.0.0.1:${srv.port + 1}` }), 403, 'Forbidden');
  expectError(await write({ 'sec-fetch-site': 'cross-site' }), 403, 'Forbidden');
  expectError(await write({ 'sec-fetch-site': 'same-site', origin: srv.base }), 403, 'Forbidden');
  // nothing was stored by the refused writes
  assert.equal((await srv.ok('GET', '/customers', { as: sa, query: { accountIds: w.A.id, all: true } })).totalCount, before);
  // reads are not writes; our own origin, no Origin at all (not a browser), a Basic
  // credential and the X-ss-id header all go through
  expectStatus(await srv.req('GET', '/customers', { headers: { cookie, origin: 'https://evil.example' } }), 200);
  expectStatus(await write({ origin: srv.base, 'sec-fetch-site': 'same-origin', 'x-requested-with': 'evovoiced-console' }), 200);
  expectStatus(await write({}), 200);
  const sid = /ss-id=([^;]+)/.exec(cookie)[1];
  expectStatus(await srv.req('POST', '/customers', { headers: { origin: 'https://other.example', 'x-ss-id': sid }, body: { accountId: w.A.id, name: u('hdr') } }), 200);
  expectStatus(await srv.req('POST', '/customers', { as: { ...w.mgrA, basic: true }, headers: { origin: 'https://other.example' }, body: { accountId: w.A.id, name: u('basic') } }), 200);
});

// ---- in the browser ----
test('in a browser: every role signs in and walks every page; writes, refusals and the explorer', { skip: PG ? 'the console knows no store: its browser walk runs on SQLite only' : false, timeout: 120000 }, async () => {
  const { chromium } = await import('playwright-core');
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: scripts/install-deps installs Debian's chromium`);
  fs.mkdirSync(SHOTS, { recursive: true });
  // a world to look at: tags, a flow with a transition, a number on a customer, a call with log lines
  await srv.ok('PATCH', '/system/settings', { as: sa, body: { accountId: w.A.id, tags: [{ name: 'Gold' }, { name: 'Trial' }] } });
  const say = (id, next, extra = {}) => ({ id, name: id === 'n1' ? 'Greeting' : 'Goodbye', spec: { name: 'Say', typeName: 'SayNode', url: '/nodes/say' },
    parameters: { Text: { id: `${id}-text`, type: 'String', source: 'Value', value: { stringValue: 'hello' } }, Done: { id: `${id}-done`, type: 'Transition', value: { stringValue: next } } }, ...extra });
  const flow = await srv.ok('POST', '/flows', { as: sa, body: { accountId: w.A.id, name: 'Main line', roles: ['PhoneNumberRouting'], nodes: [say('n1', 'n2', { isStartNode: true }), say('n2', '')] } });
  const ep = await srv.ok('POST', '/endpoints/phone-numbers', { as: sa, body: { customerId: w.cA1.id, number: '+13125550100', isVirtualPhoneNumber: true } });
  addSession(srv, ep.id, { from: '+14155550100', to: ep.phoneNumber, callSid: 'CA1', logs: ['Call started', 'Say: hello'], end: 'Completed', voicemail: true });
  const liveCall = fake.addCall(w.A.twilioAccountSid);
  const live = addSession(srv, ep.id, { from: '+14155550111', to: ep.phoneNumber, callSid: liveCall, logs: ['Ringing'] }).session;

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const problems = [];
    async function open(who) {
      const ctx = await browser.newContext({ viewport: { width: 1100, height: 800 } });
      const page = await ctx.newPage();
      // a CSP violation anywhere in the page is recorded (this script is injected by the
      // browser's debugger protocol, outside the page's CSP)
      await page.addInitScript(() => {
        window.__csp = [];
        document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
      });
      page.on('console', (m) => { if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`${who}: ${m.text()}`); });
      page.on('pageerror', (e) => problems.push(`${who}: ${e.message}`));
      await page.goto(srv.base + '/');
      assert.equal(new URL(page.url()).pathname, '/console', 'a browser at / lands on /console');
      return { ctx, page };
    }
    async function done(ctx, page, who) {
      for (const v of await page.evaluate(() => window.__csp)) problems.push(`${who}: CSP violation ${v}`);
      await ctx.close();
    }
    const status = (page) => page.locator('#status');
    const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
    async function signIn(page, user) {
      await page.getByLabel('E-mail address').fill(user.email);
      await page.getByLabel('Password').fill(user.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
    }
    async function visit(page, label, name) {
      await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: label }).click();
      await page.waitForFunction((n) => document.body.dataset.page === n && !/Loading/.test(document.querySelector('main').textContent), name);
      await page.locator('main h1').waitFor();
    }
    async function walk(page, who) {
      const log = who === 'customer' ? [] : [['Audit log', 'log']];
      assert.equal(await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Audit log' }).count(), log.length, `${who}: the audit log link`);
      for (const [label, name] of [['Customers', 'customers'], ['Numbers', 'numbers'], ['Flows', 'flows'], ['Calls', 'calls'], ['Users', 'users'], ...log, ['Settings', 'settings'], ['API explorer', 'explorer']]) {
        await visit(page, label, name);
        assert.doesNotMatch(await page.locator('body').textContent(), /\bnull\b|undefined|\[object /, `${who} on ${name}: no stray values shown`);
        await shot(page, `${who}-${name}`);
      }
    }

    // ---- the administrator ----
    {
      const { ctx, page } = await open('admin');
      await shot(page, 'sign-in');
      // a wrong password: the API's own message
      await page.getByLabel('E-mail address').fill(sa.email);
      await page.getByLabel('Password').fill('wrong-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await assertStatus(status(page), 'Invalid Username or Password');
      await signIn(page, sa);
      // the account switcher lists every account; choose A
      const acct = page.getByLabel('Account');
      assert.ok((await acct.locator('option').allTextContents()).includes('co Account A'));
      await acct.selectOption({ label: 'co Account A' });
      await page.getByRole('link', { exact: true, name: 'co cA1a' }).waitFor();
      // the tree: cA1ai under cA1a under cA1
      assert.equal(await page.locator('ul.tree.root > li > ul > li > ul > li > a', { hasText: 'co cA1ai' }).count(), 1);
      // search by reference and by name
      await srv.ok('PATCH', `/customers/${w.cA2.id}`, { as: sa, body: { referenceId: 'REF-777' } });
      await page.reload();
      await page.getByLabel('Search customers').fill('ref-777');
      await page.getByRole('link', { name: /co cA2 \(REF-777\)/ }).waitFor();
      assert.equal(await page.locator('main section a').count(), 1);
      await page.getByLabel('Search customers').fill('');
      // create a customer under cA1
      const form = page.getByRole('form', { name: 'New customer' });
      await form.getByLabel('Name').fill('Console Co');
      await form.getByLabel('Reference').fill('C-1');
      await form.getByLabel('Parent').selectOption({ label: 'co cA1' });
      await form.getByRole('button', { name: 'Create customer' }).click();
      await page.locator('main h1', { hasText: 'Console Co' }).waitFor();
      await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { exact: true, name: 'co cA1' }).waitFor();
      await shot(page, 'admin-customer');
      // edit: name, tag, data
      const edit = page.getByRole('form', { name: 'Edit customer' });
      await edit.getByLabel('Name', { exact: true }).fill('Console Co Ltd');
      await edit.getByLabel('Gold').check();
      await edit.getByLabel('Data fields (JSON)').fill('{"plan":"pro"}');
      await edit.getByRole('button', { name: 'Save' }).click();
      await assertStatus(status(page), 'Customer saved');
      await page.locator('main h1', { hasText: 'Console Co Ltd' }).waitFor();
      const id = new URL(page.url()).hash.split('/')[2];
      const stored = await srv.ok('GET', `/customers/${id}`, { as: sa });
      assert.equal(stored.name, 'Console Co Ltd');
      assert.equal(stored.referenceId, 'C-1');
      assert.equal(stored.parentCustomerId, w.cA1.id);
      assert.deepEqual(stored.tags.map((t) => t.name), ['Gold']);
      assert.deepEqual(stored.data.plan, { stringValue: 'pro' });
      // the schedule's rule editor: two rules, the second moved first, a third added and removed
      const sched = edit.getByRole('group', { name: 'Schedule' });
      await sched.getByLabel('Time zone').fill('America/New_York');
      await sched.getByLabel('Default state').fill('Closed');
      await sched.getByLabel("Inherit the parent's schedule").uncheck();
      await sched.getByRole('button', { name: 'Add a rule' }).click();
      const rule = (n) => sched.getByRole('group', { name: `Rule ${n}`, exact: true });
      await rule(1).getByLabel('State', { exact: true }).fill('Open');
      await rule(1).getByLabel('Applies').selectOption('Time');
      await rule(1).getByLabel('From').fill('09:00');
      await rule(1).getByLabel('To', { exact: true }).fill('17:00');
      await rule(1).getByLabel('Repeats').selectOption('Weekly');
      for (const d of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) await rule(1).getByLabel(d, { exact: true }).check();
      await sched.getByRole('button', { name: 'Add a rule' }).click();
      await rule(2).getByLabel('Name').fill('Holidays');
      await rule(2).getByLabel('State', { exact: true }).fill('Holiday');
      assert.equal(await rule(2).getByLabel('From').isVisible(), false, 'an Always rule has no times');
      await sched.getByRole('button', { name: 'Add a rule' }).click();
      await rule(3).getByLabel('State', { exact: true }).fill('Spare');
      await sched.getByRole('button', { name: 'Remove rule 3' }).click();
      assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Add a rule', 'the focus is kept after a removal');
      await sched.getByRole('button', { name: 'Move rule 2 up' }).click();
      assert.equal(await page.evaluate(() => document.activeElement.value), 'Holidays', 'and on the moved rule');
      assert.equal(await rule(1).getByLabel('State', { exact: true }).inputValue(), 'Holiday');
      assert.equal(await rule(3).count(), 0);
      // billing and app settings, each behind its override switch
      await edit.locator('summary', { hasText: 'Billing settings' }).click();
      await edit.getByLabel("Override the parent's billing settings").check();
      await edit.getByLabel('Local Numbers: Unit cost').fill('1.5');
      await edit.getByLabel('Base: Base cost').fill('10');
      await edit.locator('summary', { hasText: 'App settings' }).click();
      await edit.getByLabel("Override the parent's app settings").check();
      await edit.getByLabel('Enable Dialer').check();
      await edit.getByLabel('Page Title').fill('Acme portal');
      await edit.getByRole('button', { name: 'Save' }).click();
      await assertStatus(status(page), 'Customer saved');
      const full = await srv.ok('GET', `/customers/${id}`, { as: sa });
      assert.equal(full.schedule.timeZoneId, 'America/New_York');
      assert.deepEqual([full.schedule.defaultState, full.schedule.inherit, full.schedule.forceClosed], ['Closed', false, false]);
      assert.deepEqual(full.schedule.rules.map((r) => [r.priority, r.state, r.simpleRuleType]), [[1, 'Holiday', 'Always'], [2, 'Open', 'Time']]);
      assert.equal(full.schedule.rules[0].name, 'Holidays');
      const office = full.schedule.rules[1];
      assert.deepEqual([office.startTime, office.endTime, office.frequency], ['09:00', '17:00', 'Weekly']);
      assert.deepEqual(office.byDay.map((d) => d.dayOfWeek), ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']);
      assert.equal(full.overrideBillingSettings, true);
      assert.deepEqual([full.billingSettings.localNumbers.unitCost, full.billingSettings.localNumbers.baseCost], [1.5, 0]);
      assert.equal(full.billingSettings.base.baseCost, 10);
      assert.equal(full.overrideAppSettings, true);
      assert.equal(full.appSettings.enableDialer, true);
      assert.equal(full.appSettings.enableAssistants, false);
      assert.equal(full.appSettings.pageTitle, 'Acme portal');
      assert.equal(full.tags.length, 1, 'the rest of the customer is kept');
      // the page shows what was stored; "what state is it at" asks TestSchedule about the
      // editor's schedule, saved or not (the Holiday rule removed: office hours decide)
      const sched2 = page.getByRole('form', { name: 'Edit customer' }).getByRole('group', { name: 'Schedule' });
      assert.equal(await sched2.getByRole('group', { name: 'Rule 1', exact: true }).getByLabel('State', { exact: true }).inputValue(), 'Holiday');
      assert.equal(await page.getByLabel("Override the parent's billing settings").isChecked(), true);
      const check = async (when, want) => {
        await page.getByLabel('Date and time').fill(when);
        await page.getByRole('button', { name: 'Check' }).click();
        await page.locator('output', { hasText: 'State:' }).waitFor();
        assert.match(await page.locator('output').textContent(), new RegExp(`^State: ${want}( ·|$)`), when);
      };
      await check('2026-01-05T10:00', 'Holiday');
      await sched2.getByRole('button', { name: 'Remove rule 1' }).click();
      await check('2026-01-05T10:00', 'Open');
      await check('2026-01-04T10:00', 'Closed');
      await shot(page, 'admin-schedule');
      assert.equal((await srv.ok('GET', `/customers/${id}`, { as: sa })).schedule.rules.length, 2, 'checking saves nothing');
      await page.reload();
      await page.locator('main h1', { hasText: 'Console Co Ltd' }).waitFor();
      await page.locator('summary', { hasText: 'Advanced: the schedule as JSON' }).click();
      await page.waitForFunction(() => document.querySelector('textarea[name=schedule]').value !== '');
      const asJson = JSON.parse(await page.getByLabel('Schedule (JSON)').inputValue());
      assert.deepEqual(asJson.rules.map((r) => r.state), ['Holiday', 'Open'], 'the JSON view shows the stored schedule');
      // a bad schedule is refused with the API's message, and nothing is stored
      await page.getByRole('form', { name: 'Edit customer' }).getByLabel('Schedule (JSON)').fill('{"timeZoneId":"Mars/Olympus"}');
      await page.getByRole('form', { name: 'Edit customer' }).getByRole('button', { name: 'Save' }).click();
      await page.locator('#status.error').waitFor();
      assert.match(await status(page).textContent(), /[Tt]ime ?[Zz]one/);
      assert.equal((await srv.ok('GET', `/customers/${id}`, { as: sa })).name, 'Console Co Ltd');
      // staging mode on
      await page.getByLabel('Staging mode').check();
      await assertStatus(status(page), 'Staging mode on');
      assert.equal((await srv.ok('GET', `/customers/${id}`, { as: sa })).isStaging, true);
      // the JSON view, while open, is the schedule that is checked
      await page.getByRole('form', { name: 'Edit customer' }).getByLabel('Schedule (JSON)').fill('{"inherit":false,"defaultState":"FromJson","rules":[]}');
      await page.getByRole('button', { name: 'Check' }).click();
      await page.locator('output', { hasText: 'State: FromJson' }).waitFor();
      // move it to the top level
      await page.getByRole('form', { name: 'Move customer' }).getByLabel('New parent').selectOption({ label: '(top level)' });
      await page.getByRole('form', { name: 'Move customer' }).getByRole('button', { name: 'Move' }).click();
      await assertStatus(status(page), 'Customer moved');
      assert.equal((await srv.ok('GET', `/customers/${id}`, { as: sa })).parentCustomerId, undefined);
      // delete a customer that holds others: the 409, explained
      page.on('dialog', (d) => d.accept());
      await page.goto(`${srv.base}/console#/customers/${w.cA1.id}`);
      await page.locator('main h1', { hasText: 'co cA1' }).waitFor();
      await page.getByRole('button', { name: 'Delete customer' }).click();
      await page.locator('#status.error').waitFor();
      assert.match(await status(page).textContent(), /move or delete what it holds first/);
      await shot(page, 'admin-delete-refused');
      expectStatus(await srv.req('GET', `/customers/${w.cA1.id}`, { as: sa }), 200);
      // numbers: buy a virtual number, refused first with the API's message for a bad number
      await visit(page, 'Numbers', 'numbers');
      const buy = page.getByRole('form', { name: 'Buy a number' });
      await buy.getByLabel('Number').fill('not-a-number');
      await buy.getByRole('button', { name: 'Buy' }).click();
      await page.locator('#status.error').waitFor();
      const refusal = await status(page).textContent();
      const api = await srv.req('POST', '/endpoints/phone-numbers', { as: sa, body: { accountId: w.A.id, number: 'not-a-number', isVirtualPhoneNumber: true } });
      assert.ok(refusal.startsWith(api.json.responseStatus.message), `the console shows the API's message: ${refusal}`);
      await buy.getByLabel('Number').fill('+13125550199');
      await buy.getByLabel('Customer').selectOption({ label: 'co cA2' });
      await buy.getByRole('button', { name: 'Buy' }).click();
      await assertStatus(status(page), 'Number bought');
      const row = page.locator('tr', { hasText: '+13125550199' });
      await row.waitFor();
      const bought = (await srv.ok('GET', '/endpoints', { as: sa, query: { phoneNumberFilter: '3125550199' } })).items[0];
      assert.equal(bought.customerId, w.cA2.id);
      assert.equal(bought.isVirtualPhoneNumber, true);
      // filters: by phone number
      await page.getByRole('form', { name: 'Filters' }).getByLabel('Phone number').fill('5550100');
      await page.getByRole('form', { name: 'Filters' }).getByRole('button', { name: 'Filter' }).click();
      await page.waitForFunction(() => !document.querySelector('main').textContent.includes('+13125550199'));
      await page.locator('tr', { hasText: '+13125550100' }).waitFor();
      await page.getByRole('form', { name: 'Filters' }).getByLabel('Phone number').fill('');
      await page.getByRole('form', { name: 'Filters' }).getByRole('button', { name: 'Filter' }).click();
      await row.waitFor();
      // fax switch, then flow assignment
      await row.getByLabel('Fax: +13125550199').check();
      await assertStatus(status(page), 'Now a fax number');
      await row.getByLabel(/^Flow of/).selectOption({ label: 'Main line' });
      await assertStatus(status(page), 'Flow assigned');
      const after = await srv.ok('GET', `/endpoints/${bought.id}`, { as: sa });
      assert.equal(after.flowId, flow.id);
      const faxed = await srv.ok('GET', '/endpoints', { as: sa, query: { phoneNumberFilter: '3125550199' } });
      assert.ok(faxed.items[0].type === 'FaxNumber' || faxed.items[0].isFaxNumber === true, JSON.stringify(faxed.items[0]));
      // search at the carrier and buy one of its numbers for a customer
      const search = page.getByRole('form', { name: 'Search numbers' });
      await search.getByLabel('Area code').fill('312');
      await search.getByLabel('For customer').selectOption({ label: 'co cA2' });
      await search.getByRole('button', { name: 'Search' }).click();
      const offer = search.getByRole('button', { name: /^Buy \+1312/ }).first();
      const picked = (await offer.getAttribute('aria-label')).slice(4);
      await offer.click();
      await assertStatus(status(page), 'Number bought');
      await page.locator('tr', { hasText: picked }).waitFor();
      const real = (await srv.ok('GET', '/endpoints', { as: sa, query: { phoneNumberFilter: picked.slice(2) } })).items[0];
      assert.equal(real.isVirtualPhoneNumber, false);
      assert.equal(real.customerId, w.cA2.id);
      assert.ok([...fake.numbers.values()].some((n) => n.phone_number === picked), 'bought at the carrier');
      // the other endpoint types: a user, a team with that user, an e-mail address
      const createEndpoint = async (title, fields, row) => {
        const form = page.getByRole('form', { name: title });
        for (const [label, v] of fields) {
          const c = form.getByLabel(label, { exact: true });
          await (typeof v === 'object' ? c.selectOption(v) : c.fill(v));
        }
        await form.getByRole('button', { name: 'Create' }).click();
        await assertStatus(status(page), `${title}: created`);
        await page.locator('tr', { hasText: row }).waitFor();
      };
      await createEndpoint('New user endpoint', [['First name', 'Una'], ['Last name', 'Phone'], ['E-mail address', 'una.phone@co.example'], ['Password', PASSWORD], ['Customer', { label: 'co cA2' }]], 'Una Phone');
      await createEndpoint('New team', [['Team name', 'Front desk'], ['Members', { label: 'Una Phone' }]], 'Front desk');
      await createEndpoint('New e-mail endpoint', [['E-mail address', 'inbox@co.example']], 'inbox@co.example');
      const una = (await srv.ok('GET', '/endpoints', { as: sa, query: { accountIds: w.A.id, type: 'User', nameFilter: 'Una' } })).items[0];
      const desk = (await srv.ok('GET', '/endpoints', { as: sa, query: { accountIds: w.A.id, type: 'Team', nameFilter: 'Front desk' } })).items[0];
      assert.deepEqual(desk.teamMemberIds, [una.id]);
      assert.equal(una.userEmailAddress || una.emailAddress, 'una.phone@co.example');
      await shot(page, 'admin-numbers');
      // the flow's nodes and transitions
      await visit(page, 'Flows', 'flows');
      await page.getByRole('link', { name: 'Main line' }).click();
      await page.getByRole('list', { name: 'Transitions' }).first().waitFor();
      assert.match(await page.locator('main').textContent(), /Done → Goodbye/);
      await shot(page, 'admin-flow');
      // the call log with its lines
      await visit(page, 'Calls', 'calls');
      await page.locator('summary', { hasText: '+14155550100' }).click();
      await page.getByText('Say: hello').waitFor();
      // its files, fetched when the call is opened; an ended call has no "end call"
      await page.getByRole('list', { name: 'Files' }).getByText('VoiceMessage').waitFor();
      assert.equal(await page.locator('details', { hasText: '+14155550100' }).getByRole('button', { name: 'End call' }).count(), 0);
      // the live one: a line added to its log, then ended (hung up at the carrier)
      const liveRow = () => page.locator('details', { hasText: '+14155550111' });
      await liveRow().locator('summary').click();
      await liveRow().getByLabel('Log line').fill('Called back by the console');
      await liveRow().getByRole('button', { name: 'Add' }).click();
      await assertStatus(status(page), 'Line added');
      await liveRow().locator('summary').click();
      await liveRow().getByText('Called back by the console').waitFor();
      await liveRow().getByRole('button', { name: 'End call' }).click();
      await assertStatus(status(page), 'Call ended');
      await page.waitForFunction(() => [...document.querySelectorAll('summary')].some((x) => x.textContent.includes('+14155550111') && !x.textContent.includes('in progress')));
      assert.equal(await liveRow().getByRole('button', { name: 'End call' }).count(), 0);
      assert.equal(fake.calls.get(liveCall).status, 'completed');
      const ended = (await srv.ok('GET', '/sessions', { as: sa, query: { accountIds: w.A.id } })).items.find((x) => x.id === live.id);
      assert.equal(ended.ended, true);
      assert.deepEqual(ended.log.map((l) => l.message).slice(0, 2), ['Ringing', 'Called back by the console']);
      await shot(page, 'admin-calls');
      // users: a new login, then edited into a Customer login of cA2
      await visit(page, 'Users', 'users');
      const newLogin = page.getByRole('form', { name: 'New login' });
      await newLogin.getByLabel('E-mail address').fill('nia.new@co.example');
      await newLogin.getByLabel('Password').fill(PASSWORD);
      await newLogin.getByLabel('First name').fill('Nia');
      await newLogin.getByLabel('Last name').fill('New');
      await newLogin.getByLabel('Role').selectOption('Manager');
      await newLogin.getByLabel('Manager access').selectOption('ReadWrite');
      await newLogin.getByRole('button', { name: 'Create login' }).click();
      await assertStatus(status(page), 'Login created');
      const nia = (await srv.ok('GET', '/users', { as: sa, query: { emailFilter: 'nia.new@co.example' } })).items[0];
      assert.deepEqual([nia.roles, nia.managerAccess, nia.accountIds], [['Manager'], 'ReadWrite', [w.A.id]]);
      await page.getByRole('link', { name: 'Nia New' }).click();
      const editLogin = page.getByRole('form', { name: 'Edit login' });
      await editLogin.getByLabel('Last name').fill('Newer');
      await editLogin.getByLabel('Role').selectOption('Customer');
      await editLogin.getByLabel(/^Customers/).selectOption({ label: 'co cA2' });
      await editLogin.getByRole('button', { name: 'Save' }).click();
      await assertStatus(status(page), 'Login saved');
      const nia2 = (await srv.ok('GET', '/users', { as: sa, query: { emailFilter: 'nia.new@co.example' } })).items[0];
      assert.deepEqual([nia2.lastName, nia2.roles, nia2.customerIds], ['Newer', ['Customer'], [w.cA2.id]]);
      await shot(page, 'admin-user');
      // the audit log: this session's changes, filtered and paged as the API pages them
      await visit(page, 'Audit log', 'log');
      const want = await srv.ok('GET', '/log-entries', { as: sa, query: { accountIds: w.A.id, countPerPage: 20 } });
      assert.ok(want.totalPages > 1, `more than a page of entries (${want.totalCount})`);
      await page.getByText(`Page 1 of ${want.totalPages} · ${want.totalCount} entries`).waitFor();
      assert.equal(await page.locator('main tbody > tr').count(), 20);
      await page.getByRole('button', { name: 'Next page' }).click();
      await page.getByText(`Page 2 of ${want.totalPages}`).waitFor();
      const logFilters = page.getByRole('form', { name: 'Filters' });
      await logFilters.getByLabel('Kind').selectOption('User');
      await logFilters.getByLabel('ID').fill(nia.id);
      await logFilters.getByRole('button', { name: 'Filter' }).click();
      const hers = await srv.ok('GET', '/log-entries', { as: sa, query: { accountIds: w.A.id, entityType: 'User', entityId: nia.id, countPerPage: 20 } });
      assert.equal(hers.items[0].operation, 'PatchUser');
      assert.equal(hers.items.at(-1).operation, 'NewUser');
      await page.getByText(`Page 1 of 1 · ${hers.totalCount} entries`).waitFor();
      assert.deepEqual(await page.locator('main tbody > tr > td:nth-child(3)').allTextContents(), hers.items.map((e) => e.operation));
      assert.match(await page.locator('main tbody > tr').first().textContent(), /lastName: New → Newer/);
      assert.doesNotMatch(await page.locator('main').textContent(), /Us3r-Secret/, 'no password shown');
      await shot(page, 'admin-log');
      // settings: add a tag
      await visit(page, 'Settings', 'settings');
      await page.getByLabel('Tag name').fill('Vip');
      await page.getByRole('button', { name: 'Add tag' }).click();
      await assertStatus(status(page), 'Tag added');
      assert.deepEqual((await srv.ok('GET', '/system/settings', { as: sa, query: { accountId: w.A.id } })).tags.map((t) => t.name), ['Gold', 'Trial', 'Vip']);
      // the API explorer: GetCustomer, as JSON then XML, with its curl
      await visit(page, 'API explorer', 'explorer');
      await page.getByLabel('Operation').selectOption('GetCustomer');
      await page.getByLabel('CustomerId').fill(w.cA2.id);
      await page.getByRole('button', { name: 'Send' }).click();
      await page.getByText('HTTP 200').waitFor();
      const raw = JSON.parse(await page.getByLabel('Response', { exact: true }).textContent());
      assert.equal(raw.id, w.cA2.id);
      assert.equal(raw.referenceId, 'REF-777');
      assert.equal(await page.getByLabel('curl command').textContent(), `curl -X GET '${srv.base}/customers/${w.cA2.id}' -u "$EMAIL:$PASSWORD" -H 'Accept: application/json'`);
      await page.getByLabel('Format').selectOption('xml');
      await page.getByLabel('Operation').selectOption('ListAccounts');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.waitForFunction(() => document.querySelector('pre[aria-label=Response]').textContent.startsWith('<'));
      assert.match(await page.getByLabel('Response', { exact: true }).textContent(), /co Account A/);
      await shot(page, 'admin-explorer-call');
      await walk(page, 'admin');
      // every operation of /types/metadata is in the explorer
      const meta = await srv.ok('GET', '/types/metadata');
      assert.equal(await page.getByLabel('Operation').locator('option').count(), meta.operations.length);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      expectStatus(await srv.req('GET', '/customers'), 401);
      await done(ctx, page, 'admin');
    }

    // ---- a Manager of account A: no switcher (one account), writes allowed ----
    {
      const { ctx, page } = await open('manager');
      // by keyboard alone: the e-mail field has the focus, Tab to the password, Enter
      await page.waitForFunction(() => document.activeElement && document.activeElement.name === 'userName');
      await page.keyboard.type(w.mgrA.email);
      await page.keyboard.press('Tab');
      await page.keyboard.type(w.mgrA.password);
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      assert.equal(await page.getByLabel('Account').count(), 0);
      await page.getByRole('link', { exact: true, name: 'co cA1ai' }).waitFor();
      assert.equal(await page.getByRole('link', { exact: true, name: 'co cB1' }).count(), 0, 'another account\'s customer is not shown');
      assert.equal(await page.getByRole('form', { name: 'New customer' }).count(), 1);
      await visit(page, 'Users', 'users');
      assert.deepEqual(await page.getByRole('form', { name: 'New login' }).getByLabel('Role').locator('option').allTextContents(), ['Manager', 'Customer'], 'a Manager makes no administrator');
      await walk(page, 'manager');
      await done(ctx, page, 'manager');
    }
    // ---- a ReadOnly Manager: no edit controls; a write through the explorer is the API's 403 ----
    {
      const { ctx, page } = await open('readonly');
      await signIn(page, w.mgrRO);
      await page.getByRole('link', { exact: true, name: 'co cA1' }).first().waitFor();
      assert.equal(await page.getByRole('form', { name: 'New customer' }).count(), 0);
      await visit(page, 'Numbers', 'numbers');
      assert.equal(await page.getByRole('form', { name: 'Buy a number' }).count(), 0);
      await visit(page, 'API explorer', 'explorer');
      await page.getByLabel('Operation').selectOption('NewCustomer');
      await page.getByLabel('AccountId').fill(w.A.id);
      await page.getByLabel('Name', { exact: true }).fill('Not allowed');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.getByText('HTTP 403').waitFor();
      assert.match(await page.getByLabel('Response', { exact: true }).textContent(), /Your manager access does not allow this operation/);
      await walk(page, 'readonly');
      await done(ctx, page, 'readonly');
    }
    // ---- a Customer: its own subtree only; another's customer is the API's refusal ----
    {
      const { ctx, page } = await open('customer');
      await signIn(page, w.custA);
      await page.getByRole('link', { exact: true, name: 'co cA1a' }).waitFor();
      assert.equal(await page.getByRole('link', { exact: true, name: 'co cA2' }).count(), 0, 'outside its subtree');
      await page.goto(`${srv.base}/console#/customers/${w.cB1.id}`);
      await page.locator('#status.error').waitFor();
      const direct = await srv.req('GET', `/customers/${w.cB1.id}`, { as: w.custA });
      assert.ok(direct.status >= 400);
      assert.equal(await status(page).textContent(), direct.json.responseStatus.message);
      await walk(page, 'customer');
      // a narrow window: nothing wider than the screen
      await page.setViewportSize({ width: 360, height: 740 });
      await visit(page, 'Customers', 'customers');
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 362), 'no sideways scroll at 360 px');
      await shot(page, 'customer-narrow');
      // a customer's page, its schedule and billing editors included
      await page.goto(`${srv.base}/console#/customers/${w.cA1.id}`);
      await page.locator('main h1', { hasText: 'co cA1' }).waitFor();
      await page.getByRole('group', { name: 'Schedule' }).getByRole('button', { name: 'Add a rule' }).click();
      await page.locator('summary', { hasText: 'Billing settings' }).click();
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 362), 'no sideways scroll at 360 px on a customer\'s page');
      await shot(page, 'customer-narrow-customer');
      await done(ctx, page, 'customer');
    }
    assert.deepEqual(problems, [], 'no CSP violation or script error in any page');
  } finally {
    await browser.close();
  }
});

async function assertStatus(loc, text) {
  await loc.filter({ hasText: text }).waitFor({ timeout: 10000 }).catch(async () => {
    assert.fail(`expected the status line to say "${text}", it says "${await loc.textContent()}"`);
  });
}
