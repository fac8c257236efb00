// carrier.test.mjs — the server against the scripted fake Twilio: carrier errors become 502
// with the carrier's message; 429 (with and without Retry-After) and 503 are retried; a
// purchase whose answer never came is never bought twice and ends up stored (at once or via
// the reconciler); the maxPhoneNumbers cap under concurrent purchases; Idempotency-Key;
// release failures; bring-your-own-account; staging re-routing across a carrier outage and
// server restarts.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, Server, PG, randomHex24, u, expectStatus, expectError, expectNotFound, expectNoContent, describeRes, sleep, waitFor} from './harness.mjs';
import { startFakeTwilio } from './fake-twilio.mjs';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';

const PROD = 'https://prod.hooks.test/evo';
const STAGE = 'https://staging.hooks.test/evo';
const TIMEOUT_MS = 1000;
const RECONCILE_MS = 2000;
const ATTEMPTS = 4;

const carrierArgs = (fake, extra = []) => [
  '--twilio-account-sid', fake.mainSid, '--twilio-auth-token', fake.mainToken, '--twilio-base-url', fake.url,
  '--webhook-url', PROD, '--staging-webhook-url', STAGE, '--carrier-timeout-ms', String(TIMEOUT_MS),
  '--carrier-attempts', String(ATTEMPTS), '--carrier-backoff-ms', '50', '--routing-retry-ms', '100',
  '--reconcile-after-ms', String(RECONCILE_MS), ...extra,
];


let seq = 0;
const fresh = (area = '312') => { seq++; return `+1${area}7${String(100000 + seq).slice(-6)}`; };

let fake, srv, acct, cust;
before(async () => {
  fake = await startFakeTwilio();
  srv = await startServer({ args: carrierArgs(fake) });
  acct = await srv.ok('POST', '/accounts', { as: srv.admin, body: { name: 'carrier acct' } });
  cust = await srv.ok('POST', '/customers', { as: srv.admin, body: { accountId: acct.id, name: 'carrier cust' } });
});
after(async () => { if (srv) await srv.cleanup(); if (fake) await fake.close(); });

const buy = (body, headers) => srv.req('POST', '/endpoints/phone-numbers', { as: srv.admin, body: { accountId: acct.id, ...body }, headers });
const atFake = (phone) => [...fake.numbers.values()].filter((n) => n.phone_number === phone);
const buysOf = (phone) => fake.log.filter((l) => l.kind === 'buy' && l.form.PhoneNumber === phone);
const stored = async (phone) => (await srv.ok('GET', '/endpoints', { as: srv.admin, query: { phoneNumberFilter: phone, all: true } })).items;

describe('carrier errors become 502 with the carrier\'s message', () => {
  test('a refused purchase: 502 ProviderError, nothing stored, the number stays free', async () => {
    const n = fresh();
    fake.fail('buy', { status: 400, code: 21422, message: `PhoneNumber ${n} is not available` });
    const r = await buy({ number: n, customerId: cust.id });
    expectError(r, 502, 'ProviderError', { message: `PhoneNumber ${n} is not available` });
    assert.deepEqual(await stored(n), []);
    assert.equal(atFake(n).length, 0);
    assert.equal(buysOf(n).length, 1, 'a 400 is not retried');
    expectStatus(await buy({ number: n }), 200, 'the reservation was dropped');
  });

  test('a number someone else owns at the carrier: the carrier\'s own refusal', async () => {
    const n = fresh();
    fake.numbers.set('PN' + 'f'.repeat(32), { sid: 'PN' + 'f'.repeat(32), account_sid: 'AC' + 'e'.repeat(32), phone_number: n, status: 'in-use' });
    const r = await buy({ number: n });
    expectError(r, 502, 'ProviderError', { message: `PhoneNumber ${n} is not available` });
    assert.deepEqual(await stored(n), []);
  });

  test('search errors: 502 with the message', async () => {
    fake.fail('search', { status: 400, code: 21452, message: 'No phone numbers found in AreaCode 999' });
    const r = await srv.req('GET', '/endpoints/phone-numbers/search', { as: srv.admin, query: { accountId: acct.id, areaCode: '999' } });
    expectError(r, 502, 'ProviderError', { message: 'No phone numbers found in AreaCode 999' });
  });

  test('NewAccount when the carrier cannot create the sub-account: 502, no account', async () => {
    const name = u('no-sub-');
    fake.fail('createAccount', { status: 400, code: 20008, message: 'Subaccount limit reached' });
    const r = await srv.req('POST', '/accounts', { as: srv.admin, body: { name } });
    expectError(r, 502, 'ProviderError', { message: /Subaccount limit reached/ });
    const l = await srv.ok('GET', '/accounts', { as: srv.admin, query: { nameFilter: name } });
    assert.deepEqual(l.items, []);
  });

  test('429 on every attempt: the server gives up after --carrier-attempts with the carrier\'s message', async () => {
    const c0 = fake.count('search');
    fake.fail('search', { status: 429, times: ATTEMPTS + 5 });
    const r = await srv.req('GET', '/endpoints/phone-numbers/search', { as: srv.admin, query: { accountId: acct.id } });
    expectError(r, 502, 'ProviderError', { message: 'Too Many Requests' });
    assert.equal(fake.count('search') - c0, ATTEMPTS);
    fake.clearFaults();
  });

  test('a purchase refused with 429 every time: 502, nothing bought or stored; then it works', async () => {
    const n = fresh();
    fake.fail('buy', { status: 429, times: ATTEMPTS });
    expectError(await buy({ number: n }), 502, 'ProviderError', { message: 'Too Many Requests' });
    assert.equal(buysOf(n).length, ATTEMPTS);
    assert.equal(atFake(n).length, 0);
    assert.deepEqual(await stored(n), []);
    expectStatus(await buy({ number: n }), 200);
    assert.equal(atFake(n).length, 1);
  });
});

describe('retries', () => {
  test('429 without Retry-After, twice: retried, bought once', async () => {
    const n = fresh();
    fake.fail('buy', { status: 429, times: 2 });
    const r = await buy({ number: n });
    expectStatus(r, 200);
    assert.equal(buysOf(n).length, 3, 'three attempts');
    assert.equal(atFake(n).length, 1);
    assert.equal(r.json.phoneNumberSid, atFake(n)[0].sid);
  });

  test('429 with Retry-After: 1: the server waits about a second before the retry', async () => {
    const n = fresh();
    fake.fail('buy', { status: 429, retryAfter: 1 });
    const r = await buy({ number: n });
    expectStatus(r, 200);
    const attempts = buysOf(n);
    assert.equal(attempts.length, 2);
    const gap = attempts[1].at - attempts[0].at;
    assert.ok(gap >= 900 && gap < 6000, `retry after ${gap} ms (Retry-After: 1)`);
    assert.equal(atFake(n).length, 1);
  });

  test('503 on search: retried and succeeds', async () => {
    const c0 = fake.count('search');
    fake.fail('search', { status: 503, times: 2 });
    const r = await srv.req('GET', '/endpoints/phone-numbers/search', { as: srv.admin, query: { accountId: acct.id, areaCode: '415' } });
    expectStatus(r, 200);
    assert.equal(r.json.items.length, 5);
    assert.equal(fake.count('search') - c0, 3);
  });

  test('503 and 429 (Retry-After: 1) on a fax switch: retried and succeeds', async () => {
    const n = fresh();
    const e = await srv.ok('POST', '/endpoints/phone-numbers', { as: srv.admin, body: { accountId: acct.id, number: n } });
    const c0 = fake.count('update');
    fake.fail('update', { status: 503, times: 2 });
    let r = await srv.req('PATCH', `/phone-numbers/${e.id}/fax`, { as: srv.admin, body: { isFax: true } });
    expectStatus(r, 200);
    assert.equal(r.json.type, 'FaxNumber');
    assert.equal(fake.count('update') - c0, 3);
    assert.equal(atFake(n)[0].voice_receive_mode, 'fax');
    const t0 = Date.now();
    fake.fail('update', { status: 429, retryAfter: 1 });
    r = await srv.req('PATCH', `/phone-numbers/${e.id}/fax`, { as: srv.admin, body: { isFax: false } });
    expectStatus(r, 200);
    assert.ok(Date.now() - t0 >= 900, 'waited for Retry-After');
    assert.equal(atFake(n)[0].voice_receive_mode, 'voice');
    // 503 on every attempt: 502, and the type stays
    fake.fail('update', { status: 503, times: ATTEMPTS, message: 'Service unavailable (test)' });
    r = await srv.req('PATCH', `/phone-numbers/${e.id}/fax`, { as: srv.admin, body: { isFax: true } });
    expectError(r, 502, 'ProviderError', { message: 'Service unavailable (test)' });
    assert.equal((await srv.ok('GET', `/endpoints/${e.id}`, { as: srv.admin })).type, 'PhoneNumber');
    assert.equal(atFake(n)[0].voice_receive_mode, 'voice');
  });

  test('503 on a purchase: looked up before buying again; bought once', async () => {
    const n = fresh();
    fake.fail('buy', { status: 503 });
    const r = await buy({ number: n });
    expectStatus(r, 200);
    assert.equal(atFake(n).length, 1);
    assert.equal(buysOf(n).length, 2, 'the 503 was not carried out, so a second buy');
    const order = fake.log.filter((l) => (l.kind === 'find' && l.query.PhoneNumber === n) || (l.kind === 'buy' && l.form.PhoneNumber === n)).map((l) => l.kind);
    assert.deepEqual(order, ['buy', 'find', 'buy'], 'looked the number up between the two purchases');
  });
});

describe('a purchase whose answer never came', () => {
  test('carried out but answered too late: not bought twice; stored', async () => {
    const n = fresh();
    fake.slow('buy', TIMEOUT_MS * 2.5);
    const r = await buy({ number: n, customerId: cust.id });
    expectStatus(r, [200, 502]);
    const eps = await waitFor('the endpoint to be stored', async () => { const s = await stored(n); return s.length ? s : null; }, RECONCILE_MS + 15000);
    assert.equal(eps.length, 1);
    assert.equal(buysOf(n).length, 1, 'bought once');
    assert.equal(atFake(n).length, 1);
    assert.equal(eps[0].phoneNumberSid, atFake(n)[0].sid);
    assert.equal(eps[0].customerId, cust.id);
    if (r.status === 200) assert.equal(r.json.id, eps[0].id);
  });

  test('carried out, answered too late, and the lookup fails: 502 now, the reconciler stores it later', async () => {
    const n = fresh();
    fake.slow('buy', TIMEOUT_MS * 2.5);
    fake.fail('find', { status: 503, times: ATTEMPTS + 2 });
    const t0 = Date.now();
    const key = `key-r-${n}`;
    const r = await buy({ number: n, customerId: cust.id, isFaxNumber: true }, { 'Idempotency-Key': key });
    expectError(r, 502, 'ProviderError');
    assert.equal(atFake(n).length, 1, 'the carrier has it');
    assert.deepEqual(await stored(n), [], 'not stored before it is confirmed');
    // meanwhile the number is reserved: a second purchase is refused, not bought
    expectError(await buy({ number: n }), 409, 'Conflict');
    const eps = await waitFor('the reconciler to store the endpoint', async () => { const s = await stored(n); return s.length ? s : null; }, RECONCILE_MS + 20000);
    assert.ok(Date.now() - t0 >= RECONCILE_MS - 200, 'confirmed by the reconciler, after --reconcile-after-ms');
    assert.equal(eps.length, 1);
    assert.equal(eps[0].type, 'FaxNumber');
    assert.equal(eps[0].phoneNumberSid, atFake(n)[0].sid);
    assert.equal(buysOf(n).length, 1, 'never bought twice');
    assert.equal(atFake(n).length, 1);
    // a replay with the key now gets the confirmed endpoint
    const again = await buy({ number: n, customerId: cust.id, isFaxNumber: true }, { 'Idempotency-Key': key });
    expectStatus(again, 200);
    assert.equal(again.json.id, eps[0].id);
    assert.equal(buysOf(n).length, 1);
  });

  test('not carried out and answered too late: looked up, then bought once', async () => {
    const n = fresh();
    fake.slow('buy', TIMEOUT_MS * 2.5, { process: false });
    const r = await buy({ number: n });
    expectStatus(r, [200, 502]);
    const eps = await waitFor('the endpoint', async () => { const s = await stored(n); return s.length ? s : null; }, RECONCILE_MS + 15000);
    assert.equal(eps.length, 1);
    assert.equal(atFake(n).length, 1, 'exactly one number at the carrier');
    await sleep(TIMEOUT_MS * 2);
    assert.equal(atFake(n).length, 1, 'still one');
  });

  test('a reservation the carrier never made is dropped by the reconciler; the number can be bought again', async () => {
    const n = fresh();
    fake.slow('buy', TIMEOUT_MS * 2.5, { process: false });
    fake.fail('find', { status: 503, times: ATTEMPTS });
    const r = await buy({ number: n });
    expectError(r, 502, 'ProviderError');
    expectError(await buy({ number: n }), 409, 'Conflict');
    await waitFor('the reservation to be dropped', async () => (await buy({ number: n })).status === 200, RECONCILE_MS + 20000, 500);
    assert.equal(atFake(n).length, 1);
    assert.equal((await stored(n)).length, 1);
  });
});

describe('maxPhoneNumbers under concurrent purchases', () => {
  test('20 concurrent purchases against a cap of 5: exactly 5 bought and stored, 15 × 409', async () => {
    const a = await srv.ok('POST', '/accounts', { as: srv.admin, body: { name: 'cap5' } });
    await srv.ok('PATCH', `/accounts/${a.id}`, { as: srv.admin, body: { maxPhoneNumbers: 5 } });
    fake.slow('buy', 150, { times: 20 });
    const nums = Array.from({ length: 20 }, () => fresh('646'));
    const rs = await Promise.all(nums.map((number) => srv.req('POST', '/endpoints/phone-numbers', { as: srv.admin, body: { accountId: a.id, number } })));
    fake.clearFaults();
    const ok = rs.filter((r) => r.status === 200);
    const conflict = rs.filter((r) => r.status === 409);
    assert.equal(ok.length, 5, rs.map((r) => r.status).join(','));
    assert.equal(conflict.length, 15);
    for (const r of conflict) expectError(r, 409, 'Conflict');
    const atCarrier = [...fake.numbers.values()].filter((x) => x.account_sid === a.twilioAccountSid);
    assert.equal(atCarrier.length, 5, 'exactly 5 numbers at the carrier');
    const l = await srv.ok('GET', '/endpoints', { as: srv.admin, query: { accountIds: a.id } });
    assert.equal(l.totalCount, 5);
    assert.deepEqual(l.items.map((x) => x.phoneNumber).sort(), atCarrier.map((x) => x.phone_number).sort());
    assert.deepEqual(ok.map((r) => r.json.id).sort(), l.items.map((x) => x.id).sort());
  });

  test('10 concurrent purchases of one number in different formats: one bought, the rest 409', async () => {
    const n = fresh('647');
    const d = n.slice(2);
    const forms = [n, d, `1${d}`, `(${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`, `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6)}`, `+1 ${d}`, `1-${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`, n, d, `+1-${d}`];
    fake.slow('buy', 150, { times: 10 });
    const rs = await Promise.all(forms.map((number) => buy({ number })));
    fake.clearFaults();
    assert.deepEqual(rs.map((r) => r.status).sort(), [200, ...Array(9).fill(409)], rs.map((r) => r.status).join(','));
    assert.equal(buysOf(n).length, 1);
    assert.equal(atFake(n).length, 1);
    assert.equal((await stored(n)).length, 1);
  });
});

describe('Idempotency-Key', () => {
  test('a replay returns the same endpoint and buys once', async () => {
    const n = fresh();
    const key = `key-${n}`;
    const r1 = await buy({ number: n }, { 'Idempotency-Key': key });
    expectStatus(r1, 200);
    const r2 = await buy({ number: n }, { 'Idempotency-Key': key });
    expectStatus(r2, 200);
    assert.equal(r2.json.id, r1.json.id);
    assert.deepEqual(r2.json, r1.json);
    assert.equal(buysOf(n).length, 1);
    assert.equal(atFake(n).length, 1);
    // without the key: the number exists
    expectError(await buy({ number: n }), 409, 'Conflict');
  });

  test('concurrent requests with one key while the carrier is slow: bought once; later replays agree', async () => {
    const n = fresh();
    const key = `key-c-${n}`;
    fake.slow('buy', 600, { times: 3 });
    const rs = await Promise.all([0, 1, 2].map(() => buy({ number: n }, { 'Idempotency-Key': key })));
    fake.clearFaults();
    const ok = rs.filter((r) => r.status === 200);
    assert.ok(ok.length >= 1, rs.map(describeRes).join('\n'));
    for (const r of rs) assert.ok([200, 409].includes(r.status), describeRes(r));
    assert.equal(new Set(ok.map((r) => r.json.id)).size, 1, 'one endpoint id');
    const again = await buy({ number: n }, { 'Idempotency-Key': key });
    expectStatus(again, 200);
    assert.equal(again.json.id, ok[0].json.id);
    assert.equal(buysOf(n).length, 1);
    assert.equal((await stored(n)).length, 1);
  });

  test('a failed request may be tried again with the same key', async () => {
    const n = fresh();
    const key = `key-f-${n}`;
    fake.fail('buy', { status: 400, code: 21421, message: 'Temporarily refused (test)' });
    expectError(await buy({ number: n }, { 'Idempotency-Key': key }), 502, 'ProviderError', { message: 'Temporarily refused (test)' });
    const r = await buy({ number: n }, { 'Idempotency-Key': key });
    expectStatus(r, 200);
    assert.equal(atFake(n).length, 1);
  });
});

describe('DeleteEndpoint and the carrier', () => {
  test('a refused release: 502 with the carrier\'s message; the endpoint and the number stay', async () => {
    const n = fresh();
    const e = await srv.ok('POST', '/endpoints/phone-numbers', { as: srv.admin, body: { accountId: acct.id, number: n } });
    fake.fail('release', { status: 400, code: 21450, message: 'Number is locked (test)' });
    expectError(await srv.req('DELETE', `/endpoints/${e.id}`, { as: srv.admin }), 502, 'ProviderError', { message: 'Number is locked (test)' });
    expectStatus(await srv.req('GET', `/endpoints/${e.id}`, { as: srv.admin }), 200);
    assert.equal(atFake(n).length, 1);
    // 5xx on every attempt: retried, then 502; still there
    const c0 = fake.count('release');
    fake.fail('release', { status: 500, times: ATTEMPTS, message: 'Internal error (test)' });
    expectError(await srv.req('DELETE', `/endpoints/${e.id}`, { as: srv.admin }), 502, 'ProviderError', { message: 'Internal error (test)' });
    assert.equal(fake.count('release') - c0, ATTEMPTS);
    expectStatus(await srv.req('GET', `/endpoints/${e.id}`, { as: srv.admin }), 200);
    assert.equal(atFake(n).length, 1);
    // a 503 then success: released and deleted
    fake.fail('release', { status: 503 });
    expectNoContent(await srv.req('DELETE', `/endpoints/${e.id}`, { as: srv.admin }));
    assert.equal(atFake(n).length, 0);
    expectNotFound(await srv.req('GET', `/endpoints/${e.id}`, { as: srv.admin }));
  });

  test('a number already gone at the carrier (404) is deleted', async () => {
    const n = fresh();
    const e = await srv.ok('POST', '/endpoints/phone-numbers', { as: srv.admin, body: { accountId: acct.id, number: n } });
    fake.numbers.delete(e.phoneNumberSid);
    expectNoContent(await srv.req('DELETE', `/endpoints/${e.id}`, { as: srv.admin }));
    expectNotFound(await srv.req('GET', `/endpoints/${e.id}`, { as: srv.admin }));
  });
});

describe('bring your own account', () => {
  test('good credentials: isBYOA, checked with the carrier, token never returned; numbers bought with them', async () => {
    const sid = 'AC' + randomHex24() + 'abcdef01';
    const token = 'tok' + randomHex24();
    fake.accounts.set(sid, { sid, auth_token: token, friendly_name: 'byoa', owner: null });
    const g0 = fake.count('getAccount');
    const c0 = fake.count('createAccount');
    const r = await srv.req('POST', '/accounts', { as: srv.admin, body: { name: u('byoa-'), twilioAccountSid: sid, twilioAuthToken: token } });
    expectStatus(r, 200);
    assert.equal(r.json.isBYOA, true);
    assert.equal(r.json.twilioAccountSid, sid);
    assert.ok(!r.text.includes(token), 'the token is never returned');
    assert.ok(fake.count('getAccount') > g0, 'checked with the carrier');
    assert.equal(fake.count('createAccount'), c0, 'no sub-account created');
    const got = await srv.req('GET', `/accounts/${r.json.id}`, { as: srv.admin });
    assert.ok(!got.text.includes(token));
    const n = fresh();
    const e = await srv.ok('POST', '/endpoints/phone-numbers', { as: srv.admin, body: { accountId: r.json.id, number: n } });
    assert.equal(atFake(n)[0].account_sid, sid, 'bought on the own account (the fake only lets its own token in)');
    expectNoContent(await srv.req('DELETE', `/endpoints/${e.id}`, { as: srv.admin }));
    assert.equal(atFake(n).length, 0);
  });

  test('bad credentials: 400 naming TwilioAuthToken; no account', async () => {
    const sid = 'AC' + randomHex24() + 'abcdef02';
    fake.accounts.set(sid, { sid, auth_token: 'right', friendly_name: 'byoa2', owner: null });
    const name = u('byoa-bad-');
    const r = await srv.req('POST', '/accounts', { as: srv.admin, body: { name, twilioAccountSid: sid, twilioAuthToken: 'wrong' } });
    expectError(r, 400, undefined, { fieldName: 'TwilioAuthToken' });
    assert.deepEqual((await srv.ok('GET', '/accounts', { as: srv.admin, query: { nameFilter: name } })).items, []);
    const r2 = await srv.req('POST', '/accounts', { as: srv.admin, body: { name, twilioAccountSid: 'AC' + '9'.repeat(32), twilioAuthToken: 'x' } });
    expectError(r2, 400, undefined, { fieldName: 'TwilioAuthToken' });
  });
});

describe('carrier tokens at rest', () => {
  test('sealed in the store: neither a bring-your-own token nor a sub-account token is there in plaintext', { skip: !!PG }, async () => {
    const sid = 'AC' + randomHex24() + 'abcdef03';
    const token = 'tok' + randomHex24();
    fake.accounts.set(sid, { sid, auth_token: token, friendly_name: 'byoa3', owner: null });
    await srv.ok('POST', '/accounts', { as: srv.admin, body: { name: u('byoa-sealed-'), twilioAccountSid: sid, twilioAuthToken: token } });
    const sub = await srv.ok('POST', '/accounts', { as: srv.admin, body: { name: u('sub-sealed-') } });
    const subToken = fake.accounts.get(sub.twilioAccountSid).auth_token;
    await waitFor('the store file to hold the account', () => {
      const raw = ['', '-wal'].map((x) => { try { return fs.readFileSync(srv.db + x).toString('latin1'); } catch { return ''; } }).join('');
      return raw.includes(sub.twilioAccountSid) && raw.includes('sbox1:');
    });
    const raw = ['', '-wal'].map((x) => { try { return fs.readFileSync(srv.db + x).toString('latin1'); } catch { return ''; } }).join('');
    assert.ok(!raw.includes(token), 'no plaintext bring-your-own token');
    assert.ok(!raw.includes(subToken), 'no plaintext sub-account token');
    assert.ok(!srv.stderr.includes(token) && !srv.stderr.includes(subToken), 'never logged');
  });

  test('a token stored in plaintext before sealing is still used, and sealed when its account is next written', { skip: !!PG }, async () => {
    const sid = 'AC' + randomHex24() + 'abcdef04';
    const token = 'tok' + randomHex24();
    fake.accounts.set(sid, { sid, auth_token: token, friendly_name: 'byoa4', owner: null });
    const a = await srv.ok('POST', '/accounts', { as: srv.admin, body: { name: u('byoa-old-'), twilioAccountSid: sid, twilioAuthToken: token } });
    const sql = (q) => execFileSync('sqlite3', ['-cmd', '.timeout 5000', srv.db, q], { encoding: 'utf8' }).trim();
    const stored = () => sql(`SELECT json_extract(doc, '$.twilioAuthToken') FROM accounts WHERE id = '${a.id}'`);
    assert.match(stored(), /^sbox1:/);
    sql(`UPDATE accounts SET doc = json_set(doc, '$.twilioAuthToken', '${token}') WHERE id = '${a.id}'`); // as an older version left it
    assert.equal(stored(), token);
    const n = fresh();
    const e = await srv.ok('POST', '/endpoints/phone-numbers', { as: srv.admin, body: { accountId: a.id, number: n } });
    assert.equal(atFake(n)[0].account_sid, sid, 'bought with the plaintext token (the fake only lets its own token in)');
    await srv.ok('PATCH', `/accounts/${a.id}`, { as: srv.admin, body: { name: u('byoa-old-renamed-') } });
    assert.match(stored(), /^sbox1:/, 'sealed on the next write');
    expectNoContent(await srv.req('DELETE', `/endpoints/${e.id}`, { as: srv.admin }));
    assert.equal(atFake(n).length, 0, 'released with the sealed token');
  });

  test('with carrier credentials and no secret key the server refuses to start', async () => {
    const s = new Server({ args: carrierArgs(fake), env: { EVOVOICED_SECRET_KEY: '' } });
    await assert.rejects(s.start(), /secret key/);
    await s.cleanup();
  });
});

describe('a purchase in flight when the server dies', () => {
  test('kill -9 during a slow purchase: after the restart the reconciler stores it; bought once', async () => {
    const n = fresh();
    fake.slow('buy', 1500);
    const pending = buy({ number: n, customerId: cust.id }).catch((e) => e);
    await waitFor('the purchase to reach the carrier', () => buysOf(n).length === 1, 5000, 20);
    await srv.kill9();
    await pending;
    assert.equal(atFake(n).length, 1, 'the carrier has it');
    await srv.start();
    const eps = await waitFor('the reconciler to store it after the restart', async () => { const s = await stored(n); return s.length ? s : null; }, RECONCILE_MS + 20000, 200);
    assert.equal(eps.length, 1);
    assert.equal(eps[0].phoneNumberSid, atFake(n)[0].sid);
    assert.equal(eps[0].customerId, cust.id);
    assert.equal(buysOf(n).length, 1, 'never bought twice');
    assert.equal(atFake(n).length, 1);
  });
});

// ---------------------------------------------------------------------------------------
describe('staging re-routing', () => {
  let f2, s2, a2, cS, cO, nums, others;
  const sa = () => s2.admin;
  const routed = (list) => list.map((n) => { const x = [...f2.numbers.values()].find((y) => y.phone_number === n); return x ? `${x.voice_url}|${x.sms_url}` : 'missing'; });
  const allAt = (list, base) => routed(list).every((v) => v === `${base}/voice|${base}/sms`);
  const summary = (list) => { const m = {}; for (const v of routed(list)) m[v] = (m[v] || 0) + 1; return JSON.stringify(m); };
  const flip = (isStaging) => s2.ok('POST', `/customers/${cS.id}/staging`, { as: sa(), body: { isStaging } });

  before(async () => {
    f2 = await startFakeTwilio();
    s2 = await startServer({ args: carrierArgs(f2) });
    a2 = await s2.ok('POST', '/accounts', { as: s2.admin, body: { name: 'staging acct' } });
    cS = await s2.ok('POST', '/customers', { as: s2.admin, body: { accountId: a2.id, name: 'staged' } });
    cO = await s2.ok('POST', '/customers', { as: s2.admin, body: { accountId: a2.id, name: 'other' } });
    nums = Array.from({ length: 50 }, () => fresh('718'));
    others = [fresh('719'), fresh('719')];
    for (let i = 0; i < nums.length; i += 10) {
      const rs = await Promise.all(nums.slice(i, i + 10).map((number, k) => s2.req('POST', '/endpoints/phone-numbers', { as: s2.admin, body: { accountId: a2.id, customerId: cS.id, number, isFaxNumber: k % 3 === 0 } })));
      for (const r of rs) expectStatus(r, 200);
    }
    for (const number of others) await s2.ok('POST', '/endpoints/phone-numbers', { as: s2.admin, body: { accountId: a2.id, customerId: cO.id, number } });
    await s2.ok('POST', '/endpoints/phone-numbers', { as: s2.admin, body: { accountId: a2.id, customerId: cS.id, number: fresh('719'), isVirtualPhoneNumber: true } });
  });
  after(async () => { if (s2) await s2.cleanup(); if (f2) await f2.close(); });

  test('across a carrier outage and a kill -9: all 50 end at the staging base', async () => {
    assert.ok(allAt(nums, PROD), `bought at production: ${summary(nums)}`);
    f2.fail('update', { status: 503, times: 1e9 });
    const c = await flip(true);
    assert.equal(c.isStaging, true);
    assert.equal(c.id, cS.id);
    await waitFor('the worker to try (and fail) updates', () => f2.count('update') >= 10, 10000, 50);
    assert.ok(allAt(nums, PROD), 'nothing changed during the outage');
    await s2.kill9();
    f2.clearFaults();
    const u0 = f2.count('update');
    await s2.start();
    assert.equal((await s2.ok('GET', `/customers/${cS.id}`, { as: sa() })).isStaging, true, 'the flag survived');
    await waitFor(`all 50 at staging (${summary(nums)})`, () => allAt(nums, STAGE), 30000);
    assert.ok(allAt(others, PROD), 'another customer\'s numbers are untouched');
    const fresh50 = f2.log.slice(u0).filter((l) => l.kind === 'update');
    assert.ok(fresh50.length >= 50, 'the restarted server applied the queued updates');
    for (const l of fresh50) assert.ok(!('VoiceReceiveMode' in l.form), 'routing does not touch VoiceReceiveMode');
    const faxes = [...f2.numbers.values()].filter((x) => nums.includes(x.phone_number) && x.voice_receive_mode === 'fax');
    assert.equal(faxes.length, nums.filter((_, i) => (i % 10) % 3 === 0).length, 'fax numbers stay fax');
  });

  test('an outage, true then false quickly, SIGTERM, restart: all 50 end at production', async () => {
    f2.fail('update', { status: 503, times: 1e9 });
    await flip(false);
    await flip(true);
    await flip(false);
    await sleep(300);
    const t0 = Date.now();
    const stop = await s2.stop(60000);
    const took = Date.now() - t0;
    assert.equal(stop.code, 0, `clean exit on SIGTERM: ${JSON.stringify(stop)}`);
    f2.clearFaults();
    await s2.start();
    assert.equal((await s2.ok('GET', `/customers/${cS.id}`, { as: sa() })).isStaging, false, 'the last flip won');
    await waitFor(`all 50 at production (${summary(nums)})`, () => allAt(nums, PROD), 30000);
    await sleep(1500);
    assert.ok(allAt(nums, PROD), `still at production after the queue drained: ${summary(nums)}`);
    // checked last, so that a slow shutdown does not hide the routing outcome
    assert.ok(took < 5000, `SIGTERM during a carrier outage with queued routing jobs took ${took} ms to exit (the worker drains due jobs, each retried by the carrier client, before it looks at the stop flag)`);
  });

  test('no outage: true then false quickly ends with all at production, each number\'s last update production', async () => {
    const u0 = f2.log.length;
    await flip(true);
    await flip(false);
    await waitFor(`all 50 at production (${summary(nums)})`, () => allAt(nums, PROD), 20000);
    await sleep(1500);
    assert.ok(allAt(nums, PROD), `still at production: ${summary(nums)}`);
    const last = new Map();
    for (const l of f2.log.slice(u0)) if (l.kind === 'update') last.set(l.path, l.form.VoiceUrl);
    for (const [p, v] of last) assert.equal(v, `${PROD}/voice`, `last update of ${p}`);
    // and one more real flip works
    await flip(true);
    await waitFor(`all 50 at staging (${summary(nums)})`, () => allAt(nums, STAGE), 20000);
    assert.ok(allAt(others, PROD));
  });

  test('roles: Customer of the customer may flip; ReadOnly manager and other tenants may not', async () => {
    const pw = 'Us3r-Secret-Pass!';
    const mk = async (key, roles, extra) => {
      const email = `${key}.${Date.now()}@tests.evovoiced`;
      await s2.ok('POST', '/users', { as: sa(), body: { accountId: a2.id, emailAddress: email, firstName: key, lastName: 'T', password: pw, roles, ...extra } });
      return { email, password: pw };
    };
    const ro = await mk('ro', ['Manager'], { managerAccess: 'ReadOnly' });
    const cuO = await mk('cuo', ['Customer'], { customerIds: [cO.id] });
    const cuS = await mk('cus', ['Customer'], { customerIds: [cS.id] });
    expectError(await s2.req('POST', `/customers/${cS.id}/staging`, { as: ro, body: { isStaging: false } }), 403, 'Forbidden');
    expectError(await s2.req('POST', `/customers/${cS.id}/staging`, { as: cuO, body: { isStaging: false } }), 403, 'Forbidden');
    expectNotFound(await s2.req('POST', `/customers/${randomHex24()}/staging`, { as: sa(), body: { isStaging: false } }));
    assert.equal((await s2.ok('GET', `/customers/${cS.id}`, { as: sa() })).isStaging, true);
    const r = await s2.ok('POST', `/customers/${cS.id}/staging`, { as: cuS, body: { isStaging: false } });
    assert.equal(r.isStaging, false);
    await waitFor(`all 50 at production (${summary(nums)})`, () => allAt(nums, PROD), 20000);
  });

  test('a number being bought while the flag flips ends at the customer\'s new base', async () => {
    assert.equal((await s2.ok('GET', `/customers/${cS.id}`, { as: sa() })).isStaging, false);
    const n = fresh('720');
    f2.slow('buy', 1000);
    const pending = s2.req('POST', '/endpoints/phone-numbers', { as: sa(), body: { accountId: a2.id, customerId: cS.id, number: n } });
    await waitFor('the purchase to reach the carrier', () => f2.log.some((l) => l.kind === 'buy' && l.form.PhoneNumber === n), 5000, 10);
    await flip(true);
    expectStatus(await pending, 200);
    await waitFor(`the 50 at staging (${summary(nums)})`, () => allAt(nums, STAGE), 20000);
    await sleep(1500);
    assert.deepEqual(routed([n]), [`${STAGE}/voice|${STAGE}/sms`], 'the number bought during the flip follows the customer to staging');
  });
});

// ---------------------------------------------------------------------------------------
describe('slow carrier calls and the HTTP threads', () => {
  let f3, s3, a3;
  before(async () => {
    f3 = await startFakeTwilio();
    // as many HTTP threads as a two-core machine gets by default: four purchases waiting on
    // the carrier would hold both of them if they ran there
    s3 = await startServer({ args: carrierArgs(f3, ['--threads', '2']) });
    a3 = await s3.ok('POST', '/accounts', { as: s3.admin, body: { name: 'slow carrier' } });
  });
  after(async () => { if (s3) await s3.cleanup(); if (f3) await f3.close(); });

  test('reads and writes are answered while purchases wait on the carrier', async () => {
    f3.slow('buy', 3000, { times: 4 });
    let answered = 0;
    const nums = Array.from({ length: 4 }, () => fresh('650'));
    const buys = nums.map((number) => s3.req('POST', '/endpoints/phone-numbers', { as: s3.admin, body: { accountId: a3.id, number } })
      .then((r) => { answered++; return r; }));
    // the carrier holds all four (it has them, and answers late)
    await waitFor('the four purchases at the carrier', () => nums.every((n) => [...f3.numbers.values()].some((x) => x.phone_number === n)), 5000);
    for (let i = 0; i < 10; i++) {
      const c = await s3.ok('POST', '/customers', { as: s3.admin, body: { accountId: a3.id, name: `while buying ${i}` } });
      await s3.ok('GET', `/customers/${c.id}`, { as: s3.admin });
    }
    assert.equal(answered, 0, 'every read and write above was answered while the purchases still waited');
    for (const r of await Promise.all(buys)) expectStatus(r, 200);
    f3.clearFaults();
  });
});

// ---------------------------------------------------------------------------------------
describe('the threads the options ask for', () => {
  let f4, s4, a4;
  before(async () => {
    f4 = await startFakeTwilio();
    s4 = await startServer({ args: carrierArgs(f4, ['--threads', '2', '--slow-threads', '1']) });
    a4 = await s4.ok('POST', '/accounts', { as: s4.admin, body: { name: 'one slow thread' } });
  });
  after(async () => { if (s4) await s4.cleanup(); if (f4) await f4.close(); });

  test('--slow-threads 1: a second purchase waits for the first; the HTTP threads serve meanwhile', async () => {
    assert.match(s4.stderr, /\(2 HTTP threads, 1 slow threads\)/);
    f4.slow('buy', 1500, { times: 2 });
    const [n1, n2] = [fresh('651'), fresh('652')];
    const atCarrier = (n) => f4.log.some((l) => l.kind === 'buy' && l.form.PhoneNumber === n);
    const b1 = s4.req('POST', '/endpoints/phone-numbers', { as: s4.admin, body: { accountId: a4.id, number: n1 } });
    await waitFor('the first purchase at the carrier', () => atCarrier(n1), 5000, 10);
    const b2 = s4.req('POST', '/endpoints/phone-numbers', { as: s4.admin, body: { accountId: a4.id, number: n2 } });
    const c = await s4.ok('POST', '/customers', { as: s4.admin, body: { accountId: a4.id, name: 'while one buys' } });
    await s4.ok('GET', `/customers/${c.id}`, { as: s4.admin });
    assert.equal(atCarrier(n2), false, 'the second purchase waits for the one slow thread the first holds');
    expectStatus(await b1, 200);
    expectStatus(await b2, 200);
    assert.equal(atCarrier(n2), true);
    f4.clearFaults();
  });

  test('--threads 0, the default: one HTTP thread per core (at least 2), two per core on PostgreSQL', async () => {
    const cores = os.cpus().length;
    const want = (cores > 0 && cores <= 64 ? Math.max(cores, 2) : 2) * (PG ? 2 : 1);
    const s = await startServer();
    try {
      assert.match(s.stderr, new RegExp(`\\(${want} HTTP threads, 8 slow threads\\)`));
    } finally {
      await s.cleanup();
    }
    const t = await startServer({ args: ['--threads', '3', '--slow-threads', '2'] });
    try {
      assert.match(t.stderr, /\(3 HTTP threads, 2 slow threads\)/);
    } finally {
      await t.cleanup();
    }
  });
});
