// contract.test.mjs — every request the server makes to the carrier is a valid Twilio
// request: the server talks to Prism serving Twilio's own OpenAPI description
// (@twilio/cli-core's twilio_api_v2010.json). Prism answers 422 (validation list), 401 (no
// Basic auth) or 415 (JSON body) to an invalid request, which the server would turn into
// 502; so every server answer must be 2xx, and Prism's log must flag no request.
// Prism answers with the spec's static examples: every sub-account is ACaaaa…, every bought
// number PNaaaa…, and the bought phone_number is the example's, not the one asked for.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startServer, freePort, REPO, describeRes, HEX24, sleep, addSession } from './harness.mjs';

const TESTS = path.join(REPO, 'tests');
const PRISM = path.join(TESTS, 'node_modules/.bin/prism');
const SPEC = path.join(TESTS, 'node_modules/@twilio/cli-core/src/services/twilio-api/twilio_api_v2010.json');
const PROD = 'https://prod.hooks.test/evo';
const STAGE = 'https://staging.hooks.test/evo';
const MAIN_SID = 'AC' + '0123456789abcdef'.repeat(2);
const MAIN_TOKEN = 'f'.repeat(32);
const EXAMPLE_ACCOUNT = 'ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const EXAMPLE_PN = 'PNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

let prism, prismLog = '', prismPort, srv;
const answers = []; // every server answer of this file

function startPrism() {
  return new Promise((resolve, reject) => {
    if (!fs.existsSync(PRISM)) return reject(new Error(`Prism is not installed at ${PRISM} (run npm ci in ${TESTS})`));
    if (!fs.existsSync(SPEC)) return reject(new Error(`Twilio's OpenAPI file is missing: ${SPEC} (run npm ci in ${TESTS})`));
    const p = spawn(PRISM, ['mock', '-h', '127.0.0.1', '-p', String(prismPort), SPEC], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
    prism = p;
    let done = false;
    const finish = (err) => { if (done) return; done = true; clearTimeout(t); err ? reject(err) : resolve(); };
    const t = setTimeout(() => finish(new Error(`Prism did not start listening on port ${prismPort} within 90 s; its output:\n${prismLog.slice(-3000)}`)), 90000);
    const onData = (c) => {
      prismLog += stripAnsi(c.toString());
      if (/Prism is listening on/.test(prismLog)) finish();
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    p.on('error', (e) => finish(new Error(`Prism could not be started: ${e.message}`)));
    p.on('exit', (code, signal) => finish(new Error(`Prism exited before listening (code ${code}, signal ${signal}); its output:\n${prismLog.slice(-3000)}`)));
  });
}

async function waitTcp(port, timeoutMs = 10000) {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const ok = await new Promise((r) => { const s = net.connect(port, '127.0.0.1'); s.on('connect', () => { s.destroy(); r(true); }); s.on('error', () => r(false)); });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`Prism's port ${port} does not accept connections`);
}

/** The requests Prism logged (after `from`): {method, path, lines (its log lines)}. */
function prismRequests(from = 0) {
  const lines = prismLog.slice(from).split('\n');
  const out = [];
  let cur = null;
  for (const l of lines) {
    const m = /\[HTTP SERVER\] (\w+) (\S+) .*Request received/.exec(l);
    if (m) { cur = { method: m[1].toUpperCase(), path: m[2], lines: [] }; out.push(cur); continue; }
    if (cur) cur.lines.push(l);
  }
  return out;
}
// Prism also checks its own (example) answers against the spec and logs "Violation:
// response.…" for the spec's imperfect examples; only violations of our request count.
const requestProblem = (l) => /did not pass the validation|Violation: request|Request terminated with error|UNPROCESSABLE|Invalid security|UNAUTHORIZED|Unsupported Media|NO_PATH_MATCHED|NO_METHOD_MATCHED|Route not resolved/i.test(l)
  || (/✖|\berror\b/i.test(l) && !/Violation: response\./.test(l));
const flagged = (reqs) => reqs.filter((r) => r.lines.some(requestProblem));

before(async () => {
  prismPort = await freePort();
  await startPrism();
  await waitTcp(prismPort);
  srv = await startServer({
    args: ['--twilio-account-sid', MAIN_SID, '--twilio-auth-token', MAIN_TOKEN, '--twilio-base-url', `http://127.0.0.1:${prismPort}`,
      '--webhook-url', PROD, '--staging-webhook-url', STAGE, '--carrier-timeout-ms', '15000', '--carrier-attempts', '2', '--routing-retry-ms', '200'],
  });
});
after(async () => {
  if (srv) await srv.cleanup();
  if (prism && prism.exitCode === null) {
    const exited = new Promise((r) => prism.once('exit', r));
    prism.kill('SIGTERM');
    const t = setTimeout(() => { try { prism.kill('SIGKILL'); } catch { } }, 5000);
    await exited;
    clearTimeout(t);
  }
});

async function call(method, p, opts = {}) {
  const r = await srv.req(method, p, { as: srv.admin, ...opts });
  answers.push(r);
  assert.ok(r.status >= 200 && r.status < 300, `expected 2xx (Prism accepted the carrier request), got ${describeRes(r)}`);
  return r;
}

describe('the server\'s carrier requests against Twilio\'s OpenAPI description (Prism)', () => {
  let from, acct, cust, phone, faxE, byoa;

  test('Prism is up and checks requests (a request without auth and an invalid one are refused)', async () => {
    const base = `http://127.0.0.1:${prismPort}`;
    const noAuth = await fetch(`${base}/2010-04-01/Accounts.json`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'FriendlyName=x' });
    assert.equal(noAuth.status, 401, 'Prism refuses a request without Basic auth');
    const auth = 'Basic ' + Buffer.from(`${MAIN_SID}:${MAIN_TOKEN}`).toString('base64');
    const bad = await fetch(`${base}/2010-04-01/Accounts/${EXAMPLE_ACCOUNT}/IncomingPhoneNumbers/${EXAMPLE_PN}.json`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'VoiceReceiveMode=telex' });
    assert.equal(bad.status, 422, 'Prism refuses an invalid body');
    const j = await bad.json();
    assert.ok(Array.isArray(j.validation) && j.validation.length > 0);
    await sleep(200);
    assert.equal(flagged(prismRequests()).length >= 1, true, 'the log analysis sees a flagged request');
    from = prismLog.length; // only the server's requests from here on
  });

  test('NewAccount creates a sub-account', async () => {
    const r = await call('POST', '/accounts', { body: { name: 'Contract Account' } });
    acct = r.json;
    assert.equal(acct.twilioAccountSid, EXAMPLE_ACCOUNT, 'the sid from Prism\'s example');
    assert.equal(acct.isBYOA, false);
    cust = (await call('POST', '/customers', { body: { accountId: acct.id, name: 'Contract Customer' } })).json;
  });

  test('NewAccount with own credentials (BYOA) is checked with the carrier', async () => {
    const r = await call('POST', '/accounts', { body: { name: 'Contract BYOA', twilioAccountSid: 'AC' + 'b'.repeat(32), twilioAuthToken: 'c'.repeat(32) } });
    byoa = r.json;
    assert.equal(byoa.isBYOA, true);
    assert.ok(!r.text.includes('c'.repeat(32)));
  });

  test('SearchPhoneNumbers', async () => {
    const r = await call('GET', '/endpoints/phone-numbers/search', { query: { accountId: acct.id, areaCode: '510', contains: '555', region: 'CA', postalCode: '94703', distance: 25 } });
    assert.ok(Array.isArray(r.json.items) && r.json.items.length >= 1, describeRes(r));
    const it = r.json.items[0];
    assert.deepEqual(Object.keys(it).filter((k) => ['phoneNumber', 'friendlyName', 'locality', 'region', 'postalCode', 'isoCountry'].includes(k)), Object.keys(it));
    assert.match(it.phoneNumber, /^\+\d+$/);
    await call('GET', '/endpoints/phone-numbers/search', { query: { accountId: acct.id, isFaxNumber: true } });
    await call('GET', '/endpoints/phone-numbers/search', { query: { accountId: acct.id, countryCode: 'GB' } });
  });

  test('BuyPhoneNumber: a voice number (with an address) and a fax number', async () => {
    phone = (await call('POST', '/endpoints/phone-numbers', { body: { accountId: acct.id, customerId: cust.id, number: '(510) 555-0100', addressSid: 'AD' + '1'.repeat(32) } })).json;
    assert.equal(phone.phoneNumber, '+15105550100', 'we keep the number we asked for');
    assert.equal(phone.phoneNumberSid, EXAMPLE_PN);
    assert.equal(phone.type, 'PhoneNumber');
    assert.match(phone.id, HEX24);
    faxE = (await call('POST', '/endpoints/phone-numbers', { body: { accountId: acct.id, customerId: cust.id, number: '+1 510 555 0101', isFaxNumber: true } })).json;
    assert.equal(faxE.type, 'FaxNumber');
    const b = (await call('POST', '/endpoints/phone-numbers', { body: { accountId: byoa.id, number: '+44 20 7946 0001' } })).json;
    assert.equal(b.phoneNumber, '+442079460001');
  });

  test('SyncPhoneNumbers: the carrier\'s list of numbers, and an unknown one imported and pointed at our webhooks', async () => {
    const EXAMPLE_NUMBER = '+18089255327'; // the one number of Prism's example list
    const r = (await call('POST', '/phone-numbers/sync', { body: { accountId: acct.id, importUnknown: true, customerId: cust.id } })).json;
    assert.equal(r.carrierNumberCount, 1, describeRes(answers.at(-1)));
    assert.deepEqual(r.unknownNumbers.map((n) => [n.phoneNumber, n.phoneNumberSid, n.state]), [[EXAMPLE_NUMBER, EXAMPLE_PN, 'Imported']]);
    assert.deepEqual(r.missingAtCarrier.map((n) => n.phoneNumber).sort(), ['+15105550100', '+15105550101'], 'ours, which the example list lacks');
    const updated = prismRequests(from).filter((x) => x.method === 'POST' && x.path.endsWith(`/IncomingPhoneNumbers/${EXAMPLE_PN}.json`));
    assert.ok(updated.length >= 1, 'the imported number was pointed at our webhooks');
    const lists = prismRequests(from).filter((x) => x.method === 'GET' && /\/IncomingPhoneNumbers\.json(\?|$)/.test(x.path));
    assert.ok(lists.length >= 1, `the list was asked for: ${prismRequests(from).map((x) => x.path).join(', ')}`);
    await call('POST', '/phone-numbers/sync', { body: { accountId: byoa.id } });
  });

  test('SIP users: the account\'s domain, list and mappings, a credential, a new password, its deletion', async () => {
    const user = (n) => call('POST', '/endpoints/users', { body: { customerId: cust.id, emailAddress: `sip${n}.contract@tests.evovoiced`, password: 'Contract-Pass-1', userMode: 'Sip' } });
    const u1 = (await user(1)).json;
    assert.match(u1.sipCredentialSid, /^CR[0-9a-f]{32}$/i, describeRes(answers.at(-1)));
    assert.ok(u1.sipPassword.length >= 12);
    const again = (await call('PATCH', `/endpoints/sip/${u1.id}/password`)).json;
    assert.notEqual(again.sipPassword, u1.sipPassword);
    const deletes = () => prismRequests(from).filter((x) => x.method === 'DELETE' && /\/SIP\/CredentialLists\/CL\w+\/Credentials\/CR\w+\.json$/.test(x.path)).length;
    const before = deletes();
    await call('PATCH', `/endpoints/${u1.id}`, { body: { userMode: 'SoftPhone' } });
    const t0 = Date.now();
    while (deletes() === before && Date.now() - t0 < 20000) await sleep(100);
    assert.equal(deletes(), before + 1, 'the worker deleted the credential of a user leaving Sip mode');
    const u2 = (await user(2)).json;
    await call('DELETE', `/endpoints/${u2.id}`);
    await sleep(200);
    assert.equal(deletes(), before + 2, 'deleting the endpoint deleted its credential');
  });

  test('SetPhoneNumberIsFax both ways', async () => {
    assert.equal((await call('PATCH', `/phone-numbers/${phone.id}/fax`, { body: { isFax: true } })).json.type, 'FaxNumber');
    assert.equal((await call('PATCH', `/phone-numbers/${phone.id}/fax`, { body: { isFax: false } })).json.type, 'PhoneNumber');
    assert.equal((await call('PATCH', `/phone-numbers/${faxE.id}/fax`, { body: { isFax: false } })).json.type, 'PhoneNumber');
  });

  test('SetCustomerStagingMode: the worker re-points both numbers', async () => {
    const updatesBefore = prismRequests(from).filter((r) => r.method === 'POST' && r.path.endsWith(`/IncomingPhoneNumbers/${EXAMPLE_PN}.json`)).length;
    const r = await call('POST', `/customers/${cust.id}/staging`, { body: { isStaging: true } });
    assert.equal(r.json.isStaging, true);
    const t0 = Date.now();
    let n = 0;
    while (Date.now() - t0 < 20000) {
      n = prismRequests(from).filter((x) => x.method === 'POST' && x.path.endsWith(`/IncomingPhoneNumbers/${EXAMPLE_PN}.json`)).length - updatesBefore;
      if (n >= 2) break;
      await sleep(100);
    }
    assert.ok(n >= 2, `the routing worker sent ${n} updates for the customer's 2 numbers`);
    await call('POST', `/customers/${cust.id}/staging`, { body: { isStaging: false } });
    await sleep(1000);
  });

  test('DeleteFile deletes a voicemail\'s recording; EndSession hangs up a live call', async () => {
    const callSid = 'CA' + '0123456789abcdef'.repeat(2), recordingSid = 'RE' + 'fedcba9876543210'.repeat(2);
    const { session, file } = addSession(srv, phone.id, { callSid, voicemail: true, recordingSid });
    const seen = (method, tail) => prismRequests(from).filter((x) => x.method === method && x.path.endsWith(tail)).length;
    await call('DELETE', `/files/${file.id}`);
    await call('DELETE', `/sessions/${session.id}`);
    await sleep(200);
    assert.equal(seen('DELETE', `/Recordings/${recordingSid}.json`), 1, 'the recording was deleted at the carrier');
    assert.equal(seen('POST', `/Calls/${callSid}.json`), 1, 'the call was hung up at the carrier');
    assert.equal((await srv.req('GET', `/files/${file.id}`, { as: srv.admin })).status, 404);
    assert.equal((await srv.ok('GET', `/sessions/${session.id}`, { as: srv.admin })).ended, true);
  });

  test('DeleteEndpoint releases the numbers', async () => {
    const before = prismRequests(from).filter((x) => x.method === 'DELETE' && x.path.includes('/IncomingPhoneNumbers/')).length;
    await call('DELETE', `/endpoints/${phone.id}`);
    await call('DELETE', `/endpoints/${faxE.id}`);
    await sleep(200);
    assert.equal(prismRequests(from).filter((x) => x.method === 'DELETE' && x.path.includes('/IncomingPhoneNumbers/')).length - before, 2, 'two releases');
  });

  test('every server answer was 2xx and Prism flagged none of the server\'s requests', async () => {
    await sleep(300);
    const bad = answers.filter((r) => r.status < 200 || r.status >= 300);
    assert.deepEqual(bad.map(describeRes), []);
    const reqs = prismRequests(from);
    const kinds = new Set(reqs.map((r) => `${r.method} ${r.path.replace(/AC[0-9a-f]{32}/gi, '{AC}').replace(/PN[0-9a-f]{32}/gi, '{PN}').replace(/RE[0-9a-f]{32}/gi, '{RE}').replace(/CA[0-9a-f]{32}/gi, '{CA}').replace(/(SD|CL|CR)[0-9a-f]{32}/gi, '{$1}').replace(/\?.*$/, '')}`));
    for (const k of [
      'POST /2010-04-01/Accounts.json',
      'GET /2010-04-01/Accounts/{AC}.json',
      'GET /2010-04-01/Accounts/{AC}/AvailablePhoneNumbers/US/Local.json',
      'GET /2010-04-01/Accounts/{AC}/AvailablePhoneNumbers/GB/Local.json',
      'POST /2010-04-01/Accounts/{AC}/IncomingPhoneNumbers.json',
      'GET /2010-04-01/Accounts/{AC}/IncomingPhoneNumbers.json',
      'POST /2010-04-01/Accounts/{AC}/IncomingPhoneNumbers/{PN}.json',
      'DELETE /2010-04-01/Accounts/{AC}/IncomingPhoneNumbers/{PN}.json',
      'DELETE /2010-04-01/Accounts/{AC}/Recordings/{RE}.json',
      'POST /2010-04-01/Accounts/{AC}/Calls/{CA}.json',
      'GET /2010-04-01/Accounts/{AC}/SIP/Domains.json',
      'POST /2010-04-01/Accounts/{AC}/SIP/Domains.json',
      'GET /2010-04-01/Accounts/{AC}/SIP/CredentialLists.json',
      'POST /2010-04-01/Accounts/{AC}/SIP/CredentialLists.json',
      'GET /2010-04-01/Accounts/{AC}/SIP/Domains/{SD}/Auth/Calls/CredentialListMappings.json',
      'POST /2010-04-01/Accounts/{AC}/SIP/Domains/{SD}/Auth/Calls/CredentialListMappings.json',
      'GET /2010-04-01/Accounts/{AC}/SIP/Domains/{SD}/Auth/Registrations/CredentialListMappings.json',
      'POST /2010-04-01/Accounts/{AC}/SIP/Domains/{SD}/Auth/Registrations/CredentialListMappings.json',
      'GET /2010-04-01/Accounts/{AC}/SIP/CredentialLists/{CL}/Credentials.json',
      'POST /2010-04-01/Accounts/{AC}/SIP/CredentialLists/{CL}/Credentials.json',
      'POST /2010-04-01/Accounts/{AC}/SIP/CredentialLists/{CL}/Credentials/{CR}.json',
      'DELETE /2010-04-01/Accounts/{AC}/SIP/CredentialLists/{CL}/Credentials/{CR}.json',
    ]) assert.ok(kinds.has(k), `Prism saw ${k}; it saw: ${[...kinds].join(', ')}`);
    const f = flagged(reqs);
    assert.deepEqual(f.map((r) => `${r.method} ${r.path}\n  ${r.lines.filter(requestProblem).join('\n  ')}`), [], 'requests Prism flagged');
    assert.ok(!/did not pass the validation/.test(prismLog.slice(from)));
  });
});
