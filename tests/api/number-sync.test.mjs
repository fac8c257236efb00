// number-sync.test.mjs — SyncPhoneNumbers (POST /phone-numbers/sync) against the scripted
// fake Twilio: the carrier's numbers no endpoint has (every page of the list) and the
// bought endpoints the carrier no longer holds; importUnknown makes the first endpoints,
// pointed at our webhooks carrier first; a number another account has is never imported;
// the cap; carrier failures while listing and while importing leave nothing half-written;
// who may ask.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeWorld, expectError, expectInvalidRole, expectStatus, waitFor, HEX24 } from './harness.mjs';
import { startFakeTwilio } from './fake-twilio.mjs';

const PROD = 'https://prod.hooks.test/evo';
const STAGE = 'https://staging.hooks.test/evo';

let fake, srv, w, sa;
let seq = 0;
const fresh = () => `+1646${String(2000000 + ++seq * 7 + (process.pid % 1000) * 1000).slice(-7)}`;

before(async () => {
  fake = await startFakeTwilio();
  srv = await startServer({
    args: ['--twilio-account-sid', fake.mainSid, '--twilio-auth-token', fake.mainToken, '--twilio-base-url', fake.url,
      '--webhook-url', PROD, '--staging-webhook-url', STAGE, '--carrier-timeout-ms', '2000', '--carrier-attempts', '2',
      '--carrier-backoff-ms', '20'],
  });
  sa = srv.admin;
  w = await makeWorld(srv, 'ns');
});
after(async () => { if (srv) await srv.cleanup(); if (fake) await fake.close(); });

/** A fresh account with a sub-account at the carrier, and a customer of it. */
async function account(extra = {}) {
  const a = await srv.ok('POST', '/accounts', { as: sa, body: { name: `ns acct ${++seq}`, ...extra } });
  const c = await srv.ok('POST', '/customers', { as: sa, body: { accountId: a.id, name: `ns cust ${seq}` } });
  assert.match(a.twilioAccountSid, /^AC[0-9a-f]{32}$/);
  return { a, c, sid: a.twilioAccountSid };
}
const sync = (body, as = sa) => srv.req('POST', '/phone-numbers/sync', { as, body });
const endpointsOf = async (accountId) => (await srv.ok('GET', '/endpoints', { as: sa, query: { accountIds: [accountId], all: true } })).items;
const withNumber = async (phone) => (await srv.ok('GET', '/endpoints', { as: sa, query: { phoneNumberFilter: phone, all: true } })).items.filter((e) => e.phoneNumber === phone);

describe('the comparison', () => {
  test('unknown numbers with their sid, name and voice URL; bought numbers the carrier lost; nothing written', async () => {
    const { a, c, sid } = await account();
    const bought = await srv.ok('POST', '/endpoints/phone-numbers', { as: sa, body: { accountId: a.id, customerId: c.id, number: fresh() } });
    const lost = await srv.ok('POST', '/endpoints/phone-numbers', { as: sa, body: { accountId: a.id, customerId: c.id, number: fresh() } });
    fake.numbers.delete(lost.phoneNumberSid); // released at the carrier behind our back
    await srv.ok('POST', '/endpoints/phone-numbers', { as: sa, body: { accountId: a.id, customerId: c.id, number: fresh(), isVirtualPhoneNumber: true } });
    const x2 = fake.addNumber(sid, fresh(), { friendly_name: 'Front desk', voice_url: 'https://pbx.example/in' });
    const x1 = fake.addNumber(sid, fresh());
    fake.addNumber(w.B.twilioAccountSid, fresh()); // another carrier account's: not this one's business
    const before = await endpointsOf(a.id);
    const updates = fake.count('update');

    const r = await srv.ok('POST', '/phone-numbers/sync', { as: sa, body: { accountId: a.id } });
    assert.equal(r.accountId, a.id);
    assert.equal(r.carrierNumberCount, 3);
    assert.equal(r.knownCount, 1);
    assert.equal(r.importedCount, 0);
    const byNumber = [x1, x2].sort((p, q) => (p.phone_number < q.phone_number ? -1 : 1));
    assert.deepEqual(r.unknownNumbers, byNumber.map((n) => ({ phoneNumberSid: n.sid, phoneNumber: n.phone_number, friendlyName: n.friendly_name, voiceUrl: n.voice_url, state: 'NotImported' })));
    assert.deepEqual(r.missingAtCarrier, [{ endpointId: lost.id, phoneNumber: lost.phoneNumber, phoneNumberSid: lost.phoneNumberSid, displayName: lost.displayName, customerId: c.id }]);
    assert.ok(!r.unknownNumbers.some((n) => n.phoneNumber === bought.phoneNumber));
    assert.deepEqual((await endpointsOf(a.id)).map((e) => e.id).sort(), before.map((e) => e.id).sort(), 'nothing stored');
    assert.equal(fake.count('update'), updates, 'nothing changed at the carrier');
    assert.equal(x2.voice_url, 'https://pbx.example/in');
  });

  test('every page of the carrier\'s list is read, following next_page_uri', async () => {
    const { a, sid } = await account();
    const made = Array.from({ length: 5 }, () => fake.addNumber(sid, fresh()));
    fake.setMaxPageSize(2);
    const from = fake.log.length;
    try {
      const r = await srv.ok('POST', '/phone-numbers/sync', { as: sa, body: { accountId: a.id } });
      assert.equal(r.carrierNumberCount, 5);
      assert.deepEqual(r.unknownNumbers.map((n) => n.phoneNumber), made.map((n) => n.phone_number).sort());
      const pages = fake.log.slice(from).filter((l) => l.kind === 'find' && l.path.includes(sid));
      assert.deepEqual(pages.map((l) => l.query.Page || '0'), ['0', '1', '2'], 'three pages of two');
      assert.equal(pages[2].query.PageToken, 'PA2');
    } finally { fake.setMaxPageSize(1000); }
  });
});

describe('importing', () => {
  test('importUnknown needs a customer of the account', async () => {
    const { a } = await account();
    expectError(await sync({ accountId: a.id, importUnknown: true }), 400, 'ArgumentException', { fieldName: 'CustomerId' });
    expectError(await sync({ accountId: a.id, importUnknown: true, customerId: w.cB1.id }), 400, 'ArgumentException', { fieldName: 'CustomerId' });
    expectError(await sync({ accountId: '' }), 400, 'ArgumentException', { fieldName: 'AccountId' });
  });

  test('unknown numbers become endpoints, pointed at our webhooks first; a second sync finds nothing new', async () => {
    const { a, c, sid } = await account();
    const voice = fake.addNumber(sid, fresh(), { friendly_name: 'Old PBX' });
    const fax = fake.addNumber(sid, fresh(), { voice_receive_mode: 'fax' });
    const r = await srv.ok('POST', '/phone-numbers/sync', { as: sa, body: { accountId: a.id, importUnknown: true, customerId: c.id } });
    assert.equal(r.importedCount, 2);
    assert.deepEqual(r.unknownNumbers.map((n) => n.state), ['Imported', 'Imported']);
    for (const n of [voice, fax]) {
      const item = r.unknownNumbers.find((x) => x.phoneNumberSid === n.sid);
      assert.match(item.endpointId, HEX24);
      const ep = await srv.ok('GET', `/endpoints/${item.endpointId}`, { as: sa });
      assert.equal(ep.phoneNumber, n.phone_number);
      assert.equal(ep.phoneNumberSid, n.sid);
      assert.equal(ep.accountId, a.id);
      assert.equal(ep.customerId, c.id);
      assert.equal(ep.isVirtualPhoneNumber, false);
      assert.equal(ep.type, n === fax ? 'FaxNumber' : 'PhoneNumber');
      assert.equal(n.voice_url, `${PROD}/voice`);
      assert.equal(n.status_callback, `${PROD}/voice/status`);
      assert.equal(n.sms_url, `${PROD}/sms`);
    }
    const again = await srv.ok('POST', '/phone-numbers/sync', { as: sa, body: { accountId: a.id, importUnknown: true, customerId: c.id } });
    assert.equal(again.knownCount, 2);
    assert.deepEqual(again.unknownNumbers, []);
    assert.equal(again.importedCount, 0);
    assert.equal((await withNumber(voice.phone_number)).length, 1);
    // stored with its carrier account, as a bought number: deleting it releases it there
    await srv.ok('DELETE', `/endpoints/${r.unknownNumbers.find((x) => x.phoneNumberSid === voice.sid).endpointId}`, { as: sa }, 204);
    assert.equal(fake.numbers.has(voice.sid), false, 'released at the carrier');
    assert.equal(fake.log.filter((l) => l.kind === 'release' && l.path.includes(`/Accounts/${sid}/IncomingPhoneNumbers/${voice.sid}`)).length, 1);
  });

  test('a staging customer\'s numbers point at the staging webhooks', async () => {
    const { a, c, sid } = await account();
    await srv.ok('POST', `/customers/${c.id}/staging`, { as: sa, body: { isStaging: true } });
    const n = fake.addNumber(sid, fresh());
    await srv.ok('POST', '/phone-numbers/sync', { as: sa, body: { accountId: a.id, importUnknown: true, customerId: c.id } });
    assert.equal(n.voice_url, `${STAGE}/voice`);
    assert.equal(n.sms_url, `${STAGE}/sms`);
  });

  test('a number another account has (or is buying) is listed but never imported', async () => {
    const { a, c, sid } = await account();
    const other = await account();
    const phone = fresh();
    const theirs = await srv.ok('POST', '/endpoints/phone-numbers', { as: sa, body: { accountId: other.a.id, customerId: other.c.id, number: phone, isVirtualPhoneNumber: true } });
    const n = fake.addNumber(sid, phone);
    const r = await srv.ok('POST', '/phone-numbers/sync', { as: sa, body: { accountId: a.id, importUnknown: true, customerId: c.id } });
    assert.deepEqual(r.unknownNumbers, [{ phoneNumberSid: n.sid, phoneNumber: phone, friendlyName: phone, voiceUrl: n.voice_url, state: 'HeldByAnotherAccount' }]);
    assert.equal(r.importedCount, 0);
    assert.deepEqual((await withNumber(phone)).map((e) => e.id), [theirs.id]);
    assert.equal(n.voice_url, 'https://elsewhere.example/voice', 'not pointed at us either');
    assert.ok(!JSON.stringify(r).includes(other.a.id), 'the other account is not named');
  });

  test('the account\'s maxPhoneNumbers: imports stop at the cap, the rest are OverCap', async () => {
    const { a, c, sid } = await account();
    await srv.ok('PATCH', `/accounts/${a.id}`, { as: sa, body: { maxPhoneNumbers: 2 } });
    await srv.ok('POST', '/endpoints/phone-numbers', { as: sa, body: { accountId: a.id, customerId: c.id, number: fresh(), isVirtualPhoneNumber: true } });
    const made = [fake.addNumber(sid, fresh()), fake.addNumber(sid, fresh())];
    const r = await srv.ok('POST', '/phone-numbers/sync', { as: sa, body: { accountId: a.id, importUnknown: true, customerId: c.id } });
    assert.equal(r.importedCount, 1);
    assert.deepEqual(r.unknownNumbers.map((x) => x.state), ['Imported', 'OverCap']);
    const over = made.find((n) => n.sid === r.unknownNumbers[1].phoneNumberSid);
    assert.equal(over.voice_url, 'https://elsewhere.example/voice', 'a number over the cap is not pointed at us');
    assert.equal((await endpointsOf(a.id)).length, 2);
  });
});

describe('carrier failures', () => {
  test('the list fails on its second page: 502 in the ResponseStatus shape, nothing imported or pointed', async () => {
    const { a, c, sid } = await account();
    const made = [fake.addNumber(sid, fresh()), fake.addNumber(sid, fresh()), fake.addNumber(sid, fresh())];
    fake.setMaxPageSize(2);
    const updates = fake.count('update');
    try {
      fake.fail('find', { status: 400, code: 20001, message: 'Invalid PageToken', skip: 1 });
      const r = await sync({ accountId: a.id, importUnknown: true, customerId: c.id });
      expectError(r, 502, 'ProviderError', { message: 'Invalid PageToken' });
    } finally { fake.setMaxPageSize(1000); fake.clearFaults(); }
    assert.equal(fake.count('update'), updates);
    assert.deepEqual(await endpointsOf(a.id), []);
    for (const n of made) assert.equal(n.voice_url, 'https://elsewhere.example/voice');
  });

  test('the carrier refuses the second routing update: the first number is imported whole, the second not at all; again finishes it', async () => {
    const { a, c, sid } = await account();
    const made = [fake.addNumber(sid, fresh()), fake.addNumber(sid, fresh())].sort((p, q) => (p.phone_number < q.phone_number ? -1 : 1));
    fake.fail('update', { status: 400, code: 21404, message: 'Number is locked', skip: 1 });
    const r = await sync({ accountId: a.id, importUnknown: true, customerId: c.id });
    fake.clearFaults();
    expectError(r, 502, 'ProviderError', { message: `Number is locked (1 imported before the carrier failed on ${made[1].phone_number})` });
    assert.deepEqual((await endpointsOf(a.id)).map((e) => e.phoneNumber), [made[0].phone_number]);
    assert.equal(made[0].voice_url, `${PROD}/voice`);
    assert.equal(made[1].voice_url, 'https://elsewhere.example/voice');
    const again = await srv.ok('POST', '/phone-numbers/sync', { as: sa, body: { accountId: a.id, importUnknown: true, customerId: c.id } });
    assert.equal(again.importedCount, 1);
    assert.equal(again.knownCount, 1);
    assert.deepEqual((await endpointsOf(a.id)).map((e) => e.phoneNumber).sort(), made.map((n) => n.phone_number));
  });

  test('a next page elsewhere (another account\'s list, another host) is never followed: 502, nothing written', async () => {
    const { a, c, sid } = await account();
    fake.addNumber(sid, fresh());
    for (const next of [`/2010-04-01/Accounts/${w.B.twilioAccountSid}/IncomingPhoneNumbers.json?Page=1&PageToken=PA1`, 'https://evil.example/steal', `/2010-04-01/Accounts/${sid}/IncomingPhoneNumbers.jsonx`]) {
      const from = fake.log.length;
      fake.setNextPageUri(next);
      let r;
      try { r = await sync({ accountId: a.id, importUnknown: true, customerId: c.id }); } finally { fake.setNextPageUri(undefined); }
      expectError(r, 502, 'ProviderError', { message: /unexpected next page/ });
      assert.deepEqual(fake.log.slice(from).map((l) => l.path), [`/2010-04-01/Accounts/${sid}/IncomingPhoneNumbers.json`], 'only the first page was asked for');
    }
    assert.deepEqual(await endpointsOf(a.id), []);
  });

  test('the customer turns staging while its numbers are imported: the routing worker points them at staging', async () => {
    const { a, c, sid } = await account();
    const n = fake.addNumber(sid, fresh());
    fake.slow('update', 600); // the routing update is carried out, and answered late
    const r = sync({ accountId: a.id, importUnknown: true, customerId: c.id });
    await new Promise((res) => setTimeout(res, 200));
    await srv.ok('POST', `/customers/${c.id}/staging`, { as: sa, body: { isStaging: true } });
    expectStatus(await r, 200);
    await waitFor('the number to point at staging', () => n.voice_url === `${STAGE}/voice`);
    assert.equal((await endpointsOf(a.id)).length, 1);
  });

  test('the carrier refuses the account\'s credentials: 502, nothing written', async () => {
    const { a, c, sid } = await account();
    fake.addNumber(sid, fresh());
    fake.fail('find', { status: 401, code: 20003, message: 'Authenticate' });
    const r = await sync({ accountId: a.id, importUnknown: true, customerId: c.id });
    fake.clearFaults();
    expectError(r, 502, 'ProviderError', { message: 'Authenticate' });
    assert.deepEqual(await endpointsOf(a.id), []);
  });
});

describe('who may sync', () => {
  test('a Manager with write access in reach; not a read-only Manager, another tenant\'s Manager or a Customer login', async () => {
    fake.addNumber(w.A.twilioAccountSid, fresh());
    const r = await sync({ accountId: w.A.id }, w.mgrRW);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.unknownNumbers.length >= 1, true);
    expectError(await sync({ accountId: w.A.id }, w.mgrRO), 403, 'Forbidden');
    expectError(await sync({ accountId: w.A.id }, w.mgrB), 403, 'Forbidden');
    expectInvalidRole(await sync({ accountId: w.A.id }, w.custA));
    expectError(await sync({ accountId: w.A.id, importUnknown: true, customerId: w.cA1.id }, w.mgrB), 403, 'Forbidden');
  });
});
