// endpoints.test.mjs — ListEndpoints, GetEndpoint, PatchEndpoint, DeleteEndpoint,
// BuyPhoneNumber, SetPhoneNumberIsFax: virtual numbers on a server without a carrier, and
// bought numbers on a second server talking to the scripted fake Twilio. Tenancy and roles,
// E.164 normalisation, uniqueness, maxPhoneNumbers, list filters and paging, the EndpointInfo
// key order of the SetPhoneNumberIsFax seed, sipPassword only for SystemAdministrators.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, makeWorld, HEX24, ISO_MS, randomHex24, expectStatus, expectError,
  expectForbidden, expectNotFound, expectNoContent, assertNoNulls, describeRes,
  readSeed, balancedObject, seedTableFields, camel, isSubsequence,
} from './harness.mjs';
import { startFakeTwilio } from './fake-twilio.mjs';

const FAX_SEED = 'SetPhoneNumberIsFax.PATCH.phone-numbers.fax.jsv.txt';
const PROD = 'https://prod.hooks.test/evo';
const STAGE = 'https://staging.hooks.test/evo';

let srv, w;
// flows the endpoints name (a flowId must be a flow of the endpoint's account), by name
const FL = {};
const mkFlow = async (accountId, name) => { FL[name] = (await srv.ok('POST', '/flows', { as: w.sa, body: { accountId, name } })).id; };
before(async () => {
  srv = await startServer(); w = await makeWorld(srv, 'ep');
  for (const n of ['flow-1', 'flow-x', 'flow-open', 'f']) await mkFlow(w.A.id, n);
});
after(() => srv && srv.cleanup());

// fresh +1 numbers: area code per caller, 7 digits from a counter
let seq = 0;
const fresh = (area = '212') => { seq++; return `${area}55${String(10000 + seq).slice(-5)}`; };
const e164 = (ten) => `+1${ten}`;
const national = (ten) => `(${ten.slice(0, 3)}) ${ten.slice(3, 6)}-${ten.slice(6)}`;

const buy = (body, as = w.sa, headers) => srv.req('POST', '/endpoints/phone-numbers', { as, body, headers });
const buyV = async (body, as = w.sa) => {
  const r = await buy({ isVirtualPhoneNumber: true, ...body }, as);
  expectStatus(r, 200);
  return r.json;
};
const getE = (id, as = w.sa) => srv.req('GET', `/endpoints/${id}`, { as });
const patchE = (id, body, as = w.sa) => srv.req('PATCH', `/endpoints/${id}`, { as, body });
const delE = (id, as = w.sa) => srv.req('DELETE', `/endpoints/${id}`, { as });
const fax = (id, isFax, as = w.sa) => srv.req('PATCH', `/phone-numbers/${id}/fax`, { as, body: { isFax } });
const list = (query, as = w.sa) => srv.ok('GET', '/endpoints', { as, query });

function fieldNames(r) { return (r.json?.responseStatus?.errors || []).map((e) => e.fieldName); }

// ---------------------------------------------------------------------------------------
// JSV sample of the seed -> a JS object whose keys keep the sample's order.
function parseJsv(text) {
  let i = 0;
  const ws = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  const word = () => { ws(); const m = /^[^\s,:{}\[\]]+/.exec(text.slice(i)); if (!m) throw new Error(`JSV: word expected at ${i}`); i += m[0].length; return m[0]; };
  const value = () => {
    ws();
    if (text[i] === '{') {
      i++; const o = {};
      for (;;) {
        ws(); if (text[i] === '}') { i++; return o; }
        const k = word(); ws(); if (text[i] !== ':') throw new Error(`JSV: ':' expected at ${i}`); i++;
        o[k] = value(); ws(); if (text[i] === ',') i++;
      }
    }
    if (text[i] === '[') {
      i++; const a = [];
      for (;;) { ws(); if (text[i] === ']') { i++; return a; } a.push(value()); ws(); if (text[i] === ',') i++; }
    }
    return word();
  };
  return value();
}
function seedJsvSample() {
  const s = readSeed(FAX_SEED);
  const at = s.lastIndexOf('HTTP/1.1 200 OK');
  return parseJsv(balancedObject(s, s.indexOf('{', at)));
}

// ---------------------------------------------------------------------------------------
describe('BuyPhoneNumber (virtual, no carrier configured)', () => {
  test('SA buys a virtual number: normalised, national displayName, customer, data, flow, tags', async () => {
    const settings = await srv.ok('PATCH', '/system/settings', { as: w.sa, body: { accountId: w.A.id, tags: [{ name: 'Sales', color: 'Gold' }, { name: 'Support', color: 'Blue' }] } });
    const [t1, t2] = settings.tags;
    const data = { plan: { stringValue: 'gold' }, seats: { numberValue: 3 }, vip: { boolValue: true } };
    const flowParams = { greeting: { stringValue: 'hello' } };
    const t0 = Date.now();
    const r = await buy({ accountId: w.A.id, customerId: w.cA1a.id, number: '(312) 555-0100', isVirtualPhoneNumber: true, tagIds: [t2.id, t1.id], data, flowId: FL['flow-1'], flowParams });
    expectStatus(r, 200);
    const e = r.json;
    assertNoNulls(e);
    assert.match(e.id, HEX24);
    assert.equal(e.accountId, w.A.id);
    assert.equal(e.accountName, w.A.name);
    assert.equal(e.customerId, w.cA1a.id);
    assert.equal(e.customerName, w.cA1a.name);
    assert.deepEqual(e.customerBreadcrumb, [{ id: w.cA1.id, name: w.cA1.name }, { id: w.cA1a.id, name: w.cA1a.name }]);
    assert.equal(e.phoneNumber, '+13125550100');
    assert.equal(e.displayName, '(312) 555-0100');
    assert.equal(e.type, 'PhoneNumber');
    assert.equal(e.isVirtualPhoneNumber, true);
    assert.ok(!('phoneNumberSid' in e), `a virtual number has no carrier sid: ${JSON.stringify(e)}`);
    assert.deepEqual(e.data, data);
    assert.equal(e.flowId, FL['flow-1']);
    assert.deepEqual(e.flowParams, flowParams);
    assert.deepEqual(e.tags.map((t) => t.id).sort(), [t1.id, t2.id].sort());
    for (const t of e.tags) assert.deepEqual(t, [t1, t2].find((x) => x.id === t.id));
    assert.match(e.dateCreated, ISO_MS);
    assert.ok(Math.abs(Date.parse(e.dateCreated) - t0) < 60000);
    assert.equal(e.createdBy, w.sa.email);
    assert.equal(e.lastModifiedBy, w.sa.email);
    const g = await getE(e.id);
    expectStatus(g, 200);
    assert.deepEqual(g.json, e, 'GET returns what the purchase answered');
  });

  test('isFaxNumber makes a FaxNumber endpoint', async () => {
    const n = fresh('213');
    const e = await buyV({ accountId: w.A.id, number: n, isFaxNumber: true });
    assert.equal(e.type, 'FaxNumber');
    assert.equal(e.phoneNumber, e164(n));
    assert.equal(e.displayName, national(n));
    assert.ok(!('customerId' in e), 'no customer given: none stored');
  });

  test('number formats are normalised to E.164', async () => {
    const cases = [
      ['(415) 555-0101', '+14155550101'],
      ['415-555-0102', '+14155550102'],
      ['415.555.0103', '+14155550103'],
      ['415 555 0104', '+14155550104'],
      ['14155550105', '+14155550105'],
      ['1 (415) 555-0106', '+14155550106'],
      ['+1 415 555 0107', '+14155550107'],
      ['+1-415-555-0108', '+14155550108'],
      ['+44 20 7946 0958', '+442079460958'],
      ['+4930123456', '+4930123456'],
      ['+12345678', '+12345678'], // 8 digits: the shortest allowed
      ['+123456789012345', '+123456789012345'], // 15 digits: the longest
    ];
    const got = [];
    for (const [input, want] of cases) {
      const r = await buy({ accountId: w.A.id, number: input, isVirtualPhoneNumber: true });
      got.push([input, r.status === 200 ? r.json.phoneNumber : `${r.status} ${r.text.slice(0, 120)}`, want]);
    }
    assert.deepEqual(got.map(([i, g]) => [i, g]), cases.map(([i, ww]) => [i, ww]));
  });

  test('+1 numbers get the national display name; others their E.164 form', async () => {
    const r = await list({ phoneNumberFilter: '4155550101' });
    assert.equal(r.items.length, 1);
    assert.equal(r.items[0].displayName, '(415) 555-0101');
    const uk = (await list({ phoneNumberFilter: '442079460958' })).items[0];
    assert.ok(uk, 'the UK number is listed');
    assert.ok(uk.displayName && /\d/.test(uk.displayName), `a display name for a non-+1 number: ${uk.displayName}`);
  });

  test('bad numbers: 400 naming Number', async () => {
    const bad = ['', 'abc', '555-0100', '+1234567', '+1234567890123456', '22345678901', '3125550100x', '312555010', '+1 (312) 555-01a0', '++13125550100', '312+5550100', '+0123456789'];
    for (const number of bad) {
      const r = await buy({ accountId: w.A.id, number, isVirtualPhoneNumber: true });
      expectError(r, 400, undefined, { fieldName: 'Number' });
    }
    expectError(await buy({ accountId: w.A.id, isVirtualPhoneNumber: true }), 400, undefined, { fieldName: 'Number' });
    const after = await list({ accountIds: [w.A.id], phoneNumberFilter: '5550100' });
    assert.deepEqual(after.items.map((x) => x.phoneNumber), ['+13125550100'], 'nothing stored by the refused purchases');
  });

  test('a number exists once in the system: 409, also in another format or account', async () => {
    const n = fresh('214');
    await buyV({ accountId: w.A.id, number: n });
    for (const [account, number] of [[w.A.id, n], [w.A.id, `+1 ${n}`], [w.A.id, national(n)], [w.A.id, `1-${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}`], [w.B.id, e164(n)], [w.A1.id, `1${n}`]]) {
      const r = await buy({ accountId: account, number, isVirtualPhoneNumber: true });
      expectError(r, 409, 'Conflict');
    }
    const r = await list({ phoneNumberFilter: n, all: true });
    assert.equal(r.items.length, 1, 'still one endpoint for the number');
  });

  test('a real number without a carrier: 400 "No carrier is configured"', async () => {
    const n = fresh('215');
    for (const extra of [{}, { isVirtualPhoneNumber: false }, { isFaxNumber: true }]) {
      const r = await buy({ accountId: w.A.id, number: n, ...extra });
      expectError(r, 400, undefined, { message: /No carrier is configured/ });
    }
    assert.equal((await list({ phoneNumberFilter: n })).items.length, 0, 'nothing stored');
    // and the number is still free
    await buyV({ accountId: w.A.id, number: n });
  });

  test('account: required, 404 when missing; derived from the customer when only customerId is given', async () => {
    expectError(await buy({ number: fresh('216'), isVirtualPhoneNumber: true }), 400, undefined, { fieldName: 'AccountId' });
    expectNotFound(await buy({ accountId: randomHex24(), number: fresh('216'), isVirtualPhoneNumber: true }));
    const e = await buyV({ customerId: w.cA2.id, number: fresh('216') });
    assert.equal(e.accountId, w.A.id);
    assert.equal(e.customerId, w.cA2.id);
  });

  test('customer of another account or missing: 400 naming CustomerId', async () => {
    expectError(await buy({ accountId: w.A.id, customerId: w.cB1.id, number: fresh('217'), isVirtualPhoneNumber: true }), 400, undefined, { fieldName: 'CustomerId' });
    expectError(await buy({ accountId: w.A.id, customerId: w.cX1.id, number: fresh('217'), isVirtualPhoneNumber: true }), 400, undefined, { fieldName: 'CustomerId' });
    expectError(await buy({ accountId: w.A.id, customerId: randomHex24(), number: fresh('217'), isVirtualPhoneNumber: true }), 400, undefined, { fieldName: 'CustomerId' });
  });

  test('tagIds must be tags of the account: 400 naming TagIds', async () => {
    const r = await buy({ accountId: w.A.id, number: fresh('218'), isVirtualPhoneNumber: true, tagIds: [randomHex24()] });
    expectError(r, 400, undefined, { fieldName: 'TagIds' });
    const tb = (await srv.ok('PATCH', '/system/settings', { as: w.sa, body: { accountId: w.B.id, tags: [{ name: 'B only', color: 'Red' }] } })).tags[0];
    expectError(await buy({ accountId: w.A.id, number: fresh('218'), isVirtualPhoneNumber: true, tagIds: [tb.id] }), 400, undefined, { fieldName: 'TagIds' });
  });

  test('Manager: its account and child accounts; another account 403; ReadOnly 403; ReadWrite allowed', async () => {
    const a = await buyV({ accountId: w.A.id, number: fresh('219') }, w.mgrA);
    assert.equal(a.createdBy, w.mgrA.email);
    await buyV({ accountId: w.A1.id, customerId: w.cX1.id, number: fresh('219') }, w.mgrA);
    await buyV({ accountId: w.A.id, number: fresh('219') }, w.mgrRW);
    const n = fresh('219');
    expectForbidden(await buy({ accountId: w.B.id, number: n, isVirtualPhoneNumber: true }, w.mgrA));
    expectForbidden(await buy({ accountId: w.A.id, number: n, isVirtualPhoneNumber: true }, w.mgrRO));
    expectForbidden(await buy({ accountId: w.A.id, number: n, isVirtualPhoneNumber: true }, w.mgrB));
    expectForbidden(await buy({ customerId: w.cB1.id, number: n, isVirtualPhoneNumber: true }, w.mgrA));
    assert.equal((await list({ phoneNumberFilter: n })).items.length, 0, 'refused purchases store nothing');
  });

  test('Customer: must name a reachable customer (itself or a descendant)', async () => {
    const n = fresh('220');
    expectError(await buy({ accountId: w.A.id, number: n, isVirtualPhoneNumber: true }, w.custA), 400, undefined, { fieldName: 'CustomerId' });
    const e1 = await buyV({ accountId: w.A.id, customerId: w.cA1.id, number: n }, w.custA);
    assert.equal(e1.customerId, w.cA1.id);
    const e2 = await buyV({ customerId: w.cA1ai.id, number: fresh('220') }, w.custA);
    assert.equal(e2.accountId, w.A.id);
    expectForbidden(await buy({ accountId: w.A.id, customerId: w.cA2.id, number: fresh('220'), isVirtualPhoneNumber: true }, w.custA));
    expectForbidden(await buy({ customerId: w.cB1.id, number: fresh('220'), isVirtualPhoneNumber: true }, w.custA));
    const r = await buy({ accountId: w.B.id, customerId: w.cB1.id, number: fresh('220'), isVirtualPhoneNumber: true }, w.custA);
    expectForbidden(r);
  });

  test('Idempotency-Key: a repeat returns the first answer and stores one endpoint', async () => {
    const n = fresh('221');
    const key = `idem-${n}`;
    const r1 = await buy({ accountId: w.A.id, number: n, isVirtualPhoneNumber: true }, w.sa, { 'Idempotency-Key': key });
    expectStatus(r1, 200);
    const r2 = await buy({ accountId: w.A.id, number: n, isVirtualPhoneNumber: true }, w.sa, { 'Idempotency-Key': key });
    expectStatus(r2, 200, 'a replay is answered like the first request, not 409');
    assert.equal(r2.json.id, r1.json.id);
    assert.equal((await list({ phoneNumberFilter: n })).items.length, 1);
    expectError(await buy({ accountId: w.A.id, number: n, isVirtualPhoneNumber: true }), 409, 'Conflict');
  });
});

// ---------------------------------------------------------------------------------------
describe('maxPhoneNumbers', () => {
  test('caps PhoneNumber + FaxNumber endpoints; 0 means no cap; deleting frees a slot', async () => {
    const acct = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'ep capped' } });
    const p = await srv.ok('PATCH', `/accounts/${acct.id}`, { as: w.sa, body: { maxPhoneNumbers: 2 } });
    assert.equal(p.maxPhoneNumbers, 2);
    const a = await buyV({ accountId: acct.id, number: fresh('222') });
    await buyV({ accountId: acct.id, number: fresh('222'), isFaxNumber: true });
    const n3 = fresh('222');
    expectError(await buy({ accountId: acct.id, number: n3, isVirtualPhoneNumber: true }), 409, 'Conflict');
    expectError(await buy({ accountId: acct.id, number: n3, isVirtualPhoneNumber: true, isFaxNumber: true }), 409, 'Conflict');
    assert.equal((await list({ accountIds: [acct.id] })).totalCount, 2);
    // the cap is per account: another account is not affected
    await buyV({ accountId: w.B.id, number: fresh('222') });
    expectNoContent(await delE(a.id));
    await buyV({ accountId: acct.id, number: n3 });
    expectError(await buy({ accountId: acct.id, number: fresh('222'), isVirtualPhoneNumber: true }), 409, 'Conflict');
    await srv.ok('PATCH', `/accounts/${acct.id}`, { as: w.sa, body: { maxPhoneNumbers: 0 } });
    for (let i = 0; i < 3; i++) await buyV({ accountId: acct.id, number: fresh('222') });
    assert.equal((await list({ accountIds: [acct.id] })).totalCount, 5);
    // lowering the cap below the count refuses new numbers, keeps the old ones
    await srv.ok('PATCH', `/accounts/${acct.id}`, { as: w.sa, body: { maxPhoneNumbers: 1 } });
    expectError(await buy({ accountId: acct.id, number: fresh('222'), isVirtualPhoneNumber: true }), 409, 'Conflict');
    assert.equal((await list({ accountIds: [acct.id] })).totalCount, 5);
  });
});

// ---------------------------------------------------------------------------------------
describe('GetEndpoint / DeleteEndpoint tenancy', () => {
  let eA1, eA1ai, eA2, eAnone, eX1, eB1;
  before(async () => {
    eA1 = await buyV({ accountId: w.A.id, customerId: w.cA1.id, number: fresh('223') });
    eA1ai = await buyV({ accountId: w.A.id, customerId: w.cA1ai.id, number: fresh('223') });
    eA2 = await buyV({ accountId: w.A.id, customerId: w.cA2.id, number: fresh('223') });
    eAnone = await buyV({ accountId: w.A.id, number: fresh('223') });
    eX1 = await buyV({ accountId: w.A1.id, customerId: w.cX1.id, number: fresh('223') });
    eB1 = await buyV({ accountId: w.B.id, customerId: w.cB1.id, number: fresh('223') });
  });

  test('SA reads every endpoint; missing id 404', async () => {
    for (const e of [eA1, eA1ai, eA2, eAnone, eX1, eB1]) assert.equal((await getE(e.id)).json?.id, e.id);
    expectNotFound(await getE(randomHex24()));
  });

  test('Manager of A: A and A1 endpoints; B 403; missing 404; ReadOnly reads', async () => {
    for (const e of [eA1, eA1ai, eA2, eAnone, eX1]) {
      expectStatus(await getE(e.id, w.mgrA), 200);
      expectStatus(await getE(e.id, w.mgrRO), 200);
    }
    expectForbidden(await getE(eB1.id, w.mgrA));
    expectForbidden(await getE(eA1.id, w.mgrB));
    expectNotFound(await getE(randomHex24(), w.mgrA));
  });

  test('Customer: endpoints of its customers and descendants only', async () => {
    expectStatus(await getE(eA1.id, w.custA), 200);
    expectStatus(await getE(eA1ai.id, w.custA), 200);
    expectForbidden(await getE(eA2.id, w.custA));
    expectForbidden(await getE(eAnone.id, w.custA));
    expectForbidden(await getE(eX1.id, w.custA));
    expectForbidden(await getE(eB1.id, w.custA));
    expectNotFound(await getE(randomHex24(), w.custA));
    expectStatus(await getE(eB1.id, w.custB), 200);
  });

  test('DeleteEndpoint: refused outside reach and to ReadOnly/ReadWrite managers; 204 then 404', async () => {
    const e = await buyV({ accountId: w.A.id, customerId: w.cA1.id, number: fresh('224') });
    expectForbidden(await delE(e.id, w.mgrRO));
    expectForbidden(await delE(e.id, w.mgrRW)); // ReadWrite has no delete
    expectForbidden(await delE(e.id, w.mgrB));
    expectForbidden(await delE(e.id, w.custB));
    expectForbidden(await delE(eA2.id, w.custA));
    expectStatus(await getE(e.id), 200, 'refused deletes leave it');
    expectNoContent(await delE(e.id, w.mgrA));
    expectNotFound(await getE(e.id));
    expectNotFound(await delE(e.id));
    expectNotFound(await delE(randomHex24(), w.mgrA));
    // the number is free again
    await buyV({ accountId: w.A.id, number: e.phoneNumber });
  });

  test('Customer deletes an endpoint of its subtree', async () => {
    const e = await buyV({ accountId: w.A.id, customerId: w.cA1a.id, number: fresh('224') }, w.custA);
    expectNoContent(await delE(e.id, w.custA));
    expectNotFound(await getE(e.id, w.custA));
  });
});

// ---------------------------------------------------------------------------------------
describe('PatchEndpoint', () => {
  const RULE = {
    id: 'r1', name: 'Hours', priority: 1, state: 'Open', source: 's', condition: 'c', simpleRuleType: 'Time',
    customerState: 'Open', flowId: 'f1', isAllDay: false, startDate: '2026-01-05', startTime: '09:00', endTime: '17:00',
    bySetPosition: [1], byMonth: [1], byWeekNo: [2], byYearDay: [5], byMonthDay: [5], byDay: [{ offset: 0, dayOfWeek: 'Monday' }],
    byHour: [9], byMinute: [0], interval: 1, count: 3, untilDate: '2027-01-01', frequency: 'Weekly',
  };
  const SCHEDULE = { timeZoneId: 'America/Chicago', inherit: false, forceClosed: false, rules: [RULE], defaultState: 'Closed' };
  let tags;
  before(async () => { tags = (await srv.ok('GET', '/system/settings', { as: w.sa, query: { accountId: w.A.id } })).tags; });

  test('every writable field is stored and returned; absent fields stay', async () => {
    const e = await buyV({ accountId: w.A.id, customerId: w.cA1.id, number: fresh('225') });
    const body = {
      displayName: 'Front desk', referenceId: 'ext-9', extraInformation: 'floor 2', flowId: FL['flow-x'],
      flowParams: { p: { numberValue: 2 } }, flowSchedule: 'Scheduled', schedule: SCHEDULE,
      scheduledFlows: [{ stateName: 'Open', flowId: FL['flow-open'] }], disableSms: true, useExternal10DlcCampaign: true,
      callerIdName: 'ACME', enableCallerIdLookup: true, data: { k: { stringValue: 'v' } }, tagIds: [tags[0].id], customerId: w.cA2.id,
    };
    await new Promise((r) => setTimeout(r, 5));
    const r = await patchE(e.id, body, w.mgrA);
    expectStatus(r, 200);
    const p = r.json;
    assertNoNulls(p);
    for (const k of ['displayName', 'referenceId', 'extraInformation', 'flowId', 'flowParams', 'flowSchedule', 'schedule', 'disableSms', 'useExternal10DlcCampaign', 'callerIdName', 'enableCallerIdLookup', 'data', 'customerId']) {
      assert.deepEqual(p[k], body[k], `${k} after PATCH`);
    }
    assert.deepEqual(p.scheduledFlows.map(({ stateName, flowId }) => ({ stateName, flowId })), body.scheduledFlows);
    assert.deepEqual(p.tags, [tags[0]]);
    assert.equal(p.customerName, w.cA2.name);
    assert.deepEqual(p.customerBreadcrumb, [{ id: w.cA2.id, name: w.cA2.name }]);
    assert.equal(p.phoneNumber, e.phoneNumber);
    assert.equal(p.type, 'PhoneNumber');
    assert.equal(p.dateCreated, e.dateCreated);
    assert.equal(p.createdBy, w.sa.email);
    assert.equal(p.lastModifiedBy, w.mgrA.email);
    assert.ok(Date.parse(p.dateLastModified) >= Date.parse(e.dateLastModified));
    assert.deepEqual((await getE(e.id)).json, p);
    // absent = unchanged
    const p2 = await srv.ok('PATCH', `/endpoints/${e.id}`, { as: w.sa, body: { extraInformation: 'floor 3' } });
    assert.equal(p2.extraInformation, 'floor 3');
    for (const k of ['displayName', 'referenceId', 'flowId', 'flowParams', 'schedule', 'data', 'callerIdName', 'customerId', 'tags']) assert.deepEqual(p2[k], p[k], `${k} untouched`);
    // "" clears a string field; tagIds [] clears tags; nested objects are replaced whole
    const p3 = await srv.ok('PATCH', `/endpoints/${e.id}`, { as: w.sa, body: { referenceId: '', tagIds: [], data: { other: { boolValue: false } } } });
    assert.ok(!p3.referenceId, `referenceId cleared: ${JSON.stringify(p3.referenceId)}`);
    assert.deepEqual(p3.tags, []);
    assert.deepEqual(p3.data, { other: { boolValue: false } });
  });

  test('fields the API does not let clients set are ignored', async () => {
    const e = await buyV({ accountId: w.A.id, number: fresh('226') });
    const r = await patchE(e.id, { phoneNumber: '+19999999999', type: 'User', isVirtualPhoneNumber: false, phoneNumberSid: 'PN' + 'a'.repeat(32), accountId: w.B.id, id: randomHex24(), displayName: 'ok' });
    if (r.status === 200) {
      assert.equal(r.json.phoneNumber, e.phoneNumber);
      assert.equal(r.json.type, 'PhoneNumber');
      assert.equal(r.json.isVirtualPhoneNumber, true);
      assert.ok(!('phoneNumberSid' in r.json));
      assert.equal(r.json.accountId, w.A.id);
      assert.equal(r.json.id, e.id);
    } else expectStatus(r, 400);
    const g = (await getE(e.id)).json;
    assert.equal(g.phoneNumber, e.phoneNumber);
    assert.equal(g.accountId, w.A.id);
    assert.equal(g.type, 'PhoneNumber');
  });

  test('validation: schedule, tagIds, customerId, empty displayName', async () => {
    const e = await buyV({ accountId: w.A.id, customerId: w.cA1.id, number: fresh('227') });
    let r = await patchE(e.id, { schedule: { ...SCHEDULE, timeZoneId: 'Mars/Olympus' } });
    expectError(r, 400);
    assert.ok(fieldNames(r).some((f) => /^Schedule/.test(f)), `a Schedule field named: ${fieldNames(r)}`);
    r = await patchE(e.id, { schedule: { ...SCHEDULE, rules: [{ ...RULE, startTime: '25:00' }] } });
    expectError(r, 400);
    assert.ok(fieldNames(r).some((f) => /^Schedule.*StartTime/.test(f)), `Schedule...StartTime named: ${fieldNames(r)}`);
    expectError(await patchE(e.id, { tagIds: [randomHex24()] }), 400, undefined, { fieldName: 'TagIds' });
    expectError(await patchE(e.id, { customerId: w.cB1.id }), 400, undefined, { fieldName: 'CustomerId' });
    expectError(await patchE(e.id, { customerId: w.cX1.id }), 400, undefined, { fieldName: 'CustomerId' });
    expectError(await patchE(e.id, { customerId: randomHex24() }), 400, undefined, { fieldName: 'CustomerId' });
    expectError(await patchE(e.id, { displayName: '' }), 400, undefined, { fieldName: 'DisplayName' });
    const g = (await getE(e.id)).json;
    assert.deepEqual(g, e, 'refused patches change nothing');
  });

  test('customerId "" unassigns (SA, Manager); a Customer login may not', async () => {
    const e = await buyV({ accountId: w.A.id, customerId: w.cA1.id, number: fresh('228') });
    expectForbidden(await patchE(e.id, { customerId: '' }, w.custA));
    expectForbidden(await patchE(e.id, { customerId: w.cA2.id }, w.custA)); // outside its subtree
    const moved = await srv.ok('PATCH', `/endpoints/${e.id}`, { as: w.custA, body: { customerId: w.cA1ai.id } });
    assert.equal(moved.customerId, w.cA1ai.id);
    const un = await srv.ok('PATCH', `/endpoints/${e.id}`, { as: w.mgrA, body: { customerId: '' } });
    assert.ok(!('customerId' in un) || un.customerId === '', `unassigned: ${JSON.stringify(un.customerId)}`);
    assert.ok(!('customerName' in un));
    assert.ok(!(un.customerBreadcrumb || []).length);
    expectForbidden(await getE(e.id, w.custA)); // no longer the customer's
  });

  test('roles and tenants: ReadOnly 403, other account 403, customer outside 403, missing 404', async () => {
    const e = await buyV({ accountId: w.A.id, customerId: w.cA2.id, number: fresh('229') });
    expectForbidden(await patchE(e.id, { displayName: 'x' }, w.mgrRO));
    expectForbidden(await patchE(e.id, { displayName: 'x' }, w.mgrB));
    expectForbidden(await patchE(e.id, { displayName: 'x' }, w.custA));
    expectNotFound(await patchE(randomHex24(), { displayName: 'x' }));
    expectNotFound(await patchE(randomHex24(), { displayName: 'x' }, w.mgrA));
    assert.equal((await srv.ok('PATCH', `/endpoints/${e.id}`, { as: w.mgrRW, body: { displayName: 'by RW' } })).displayName, 'by RW');
    assert.equal((await getE(e.id)).json.displayName, 'by RW');
  });
});

// ---------------------------------------------------------------------------------------
describe('SetPhoneNumberIsFax (virtual)', () => {
  test('switches both ways; stamps lastModifiedBy', async () => {
    const e = await buyV({ accountId: w.A.id, customerId: w.cA1.id, number: fresh('230') });
    let r = await fax(e.id, true, w.mgrA);
    expectStatus(r, 200);
    assert.equal(r.json.type, 'FaxNumber');
    assert.equal(r.json.id, e.id);
    assert.equal(r.json.phoneNumber, e.phoneNumber);
    assert.equal(r.json.lastModifiedBy, w.mgrA.email);
    assert.equal((await getE(e.id)).json.type, 'FaxNumber');
    assert.deepEqual((await list({ specificIds: [e.id], type: 'FaxNumber' })).items.map((x) => x.id), [e.id]);
    r = await fax(e.id, false, w.custA);
    expectStatus(r, 200);
    assert.equal(r.json.type, 'PhoneNumber');
    assert.equal((await getE(e.id)).json.type, 'PhoneNumber');
    // idempotent
    expectStatus(await fax(e.id, false), 200);
    assert.equal((await getE(e.id)).json.type, 'PhoneNumber');
  });

  test('isFax as a query parameter (the seed lists it as query)', async () => {
    const e = await buyV({ accountId: w.A.id, number: fresh('231') });
    const r = await srv.req('PATCH', `/phone-numbers/${e.id}/fax?isFax=true`, { as: w.sa });
    expectStatus(r, 200);
    assert.equal(r.json.type, 'FaxNumber');
  });

  test('roles and tenants', async () => {
    const e = await buyV({ accountId: w.A.id, customerId: w.cA2.id, number: fresh('232') });
    expectForbidden(await fax(e.id, true, w.mgrRO));
    expectForbidden(await fax(e.id, true, w.mgrB));
    expectForbidden(await fax(e.id, true, w.custA));
    expectNotFound(await fax(randomHex24(), true));
    assert.equal((await getE(e.id)).json.type, 'PhoneNumber', 'unchanged by the refusals');
    expectStatus(await fax(e.id, true, w.mgrRW), 200);
  });
});

// ---------------------------------------------------------------------------------------
describe('ListEndpoints', () => {
  let L, L1, L1a, L2, T1, T2, mgrL;
  const eps = {};
  before(async () => {
    L = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'ep list account' } });
    const cust = (name, parentCustomerId) => srv.ok('POST', '/customers', { as: w.sa, body: { accountId: L.id, name, ...(parentCustomerId ? { parentCustomerId } : {}) } });
    L1 = await cust('L1'); L1a = await cust('L1a', L1.id); L2 = await cust('L2');
    await mkFlow(L.id, 'flow-a'); await mkFlow(L.id, 'flow-b');
    [T1, T2] = (await srv.ok('PATCH', '/system/settings', { as: w.sa, body: { accountId: L.id, tags: [{ name: 'T1', color: 'Red' }, { name: 'T2', color: 'Cyan' }] } })).tags;
    const mk = async (key, body) => { eps[key] = await buyV({ accountId: L.id, ...body }); };
    await mk('e1', { number: '6465550001', customerId: L1.id, tagIds: [T1.id, T2.id], flowId: FL['flow-a'], data: { plan: { stringValue: 'gold' }, seats: { numberValue: 5 }, vip: { boolValue: true } } });
    await mk('e2', { number: '6465550002', customerId: L1a.id, tagIds: [T1.id], flowId: FL['flow-b'], isFaxNumber: true, data: { plan: { stringValue: 'silver' }, seats: { numberValue: 10 }, vip: { boolValue: false } } });
    await mk('e3', { number: '6465550003', customerId: L2.id, tagIds: [T2.id], flowId: FL['flow-a'], data: { plan: { stringValue: 'gold' } } });
    await mk('e4', { number: '+44 20 7123 0004', isFaxNumber: true });
    for (let i = 5; i <= 11; i++) await mk(`e${i}`, { number: `64655500${String(i).padStart(2, '0')}`, customerId: L2.id });
    await srv.ok('PATCH', `/endpoints/${eps.e1.id}`, { as: w.sa, body: { referenceId: 'ref-1', displayName: 'Main line' } });
    await srv.ok('PATCH', `/endpoints/${eps.e2.id}`, { as: w.sa, body: { referenceId: 'ref-2', displayName: 'Fax room' } });
    await srv.ok('PATCH', `/endpoints/${eps.e3.id}`, { as: w.sa, body: { referenceId: 'ref-3', displayName: 'Lobby' } });
    for (const k of Object.keys(eps)) eps[k] = (await getE(eps[k].id)).json;
    const email = `mgrl.${Date.now()}@tests.evovoiced`;
    await srv.ok('POST', '/users', { as: w.sa, body: { accountId: L.id, emailAddress: email, firstName: 'M', lastName: 'L', password: 'Us3r-Secret-Pass!', roles: ['Manager'] } });
    mgrL = { email, password: 'Us3r-Secret-Pass!' };
  });
  const ids = (r) => r.items.map((x) => x.id).sort();
  const idsOf = (...keys) => keys.map((k) => eps[k].id).sort();
  const q = (extra) => list({ accountIds: [L.id], all: true, ...extra });

  test('default order: displayName, then id; totalCount', async () => {
    const r = await list({ accountIds: [L.id] });
    assert.equal(r.totalCount, 11);
    assert.equal(r.items.length, 11);
    const want = Object.values(eps).sort((a, b) => a.displayName.toLowerCase().localeCompare(b.displayName.toLowerCase(), 'en') || (a.id < b.id ? -1 : 1));
    const byCodepoint = Object.values(eps).sort((a, b) => (a.displayName.toLowerCase() < b.displayName.toLowerCase() ? -1 : a.displayName.toLowerCase() > b.displayName.toLowerCase() ? 1 : a.id < b.id ? -1 : 1));
    const got = r.items.map((x) => x.displayName);
    assert.ok(JSON.stringify(got) === JSON.stringify(want.map((x) => x.displayName)) || JSON.stringify(got) === JSON.stringify(byCodepoint.map((x) => x.displayName)), `order by displayName: ${JSON.stringify(got)}`);
    for (const it of r.items) assertNoNulls(it);
    assert.deepEqual(r.items.find((x) => x.id === eps.e1.id), eps.e1, 'list items equal GetEndpoint');
  });

  test('paging: countPerPage, page, totalPages, hasMorePages; simplifiedPaging', async () => {
    const all = (await list({ accountIds: [L.id] })).items.map((x) => x.id);
    const pages = [];
    for (let page = 0; page < 3; page++) {
      const r = await list({ accountIds: [L.id], countPerPage: 4, page });
      assert.equal(r.totalCount, 11);
      assert.equal(r.totalPages, 3);
      assert.equal(r.hasMorePages, page < 2, `hasMorePages on page ${page}`);
      pages.push(...r.items.map((x) => x.id));
    }
    assert.deepEqual(pages, all);
    const beyond = await list({ accountIds: [L.id], countPerPage: 4, page: 3 });
    assert.deepEqual(beyond.items, []);
    const s = await list({ accountIds: [L.id], countPerPage: 4, page: 1, simplifiedPaging: true });
    assert.equal(s.totalCount, 0);
    assert.equal(s.totalPages, 0);
    assert.equal(s.hasMorePages, true);
    assert.deepEqual(s.items.map((x) => x.id), all.slice(4, 8));
    const sorted = await list({ accountIds: [L.id], sortField: 'phoneNumber', sortOrder: 'Descend', countPerPage: 3 });
    const phones = Object.values(eps).map((x) => x.phoneNumber).sort().reverse();
    assert.deepEqual(sorted.items.map((x) => x.phoneNumber), phones.slice(0, 3));
    const spec = await list({ specificIds: [eps.e3.id, eps.e5.id] });
    assert.deepEqual(ids(spec), idsOf('e3', 'e5'));
  });

  test('customerIds include descendants unless shallowParent', async () => {
    assert.deepEqual(ids(await q({ customerIds: [L1.id] })), idsOf('e1', 'e2'));
    assert.deepEqual(ids(await q({ customerIds: [L1.id], shallowParent: true })), idsOf('e1'));
    assert.deepEqual(ids(await q({ customerIds: [L1a.id, L2.id] })).length, 9);
  });

  test('referenceIds, flowIds, type, types', async () => {
    assert.deepEqual(ids(await q({ referenceIds: ['ref-1', 'ref-3'] })), idsOf('e1', 'e3'));
    assert.deepEqual(ids(await q({ flowIds: [FL['flow-a']] })), idsOf('e1', 'e3'));
    assert.deepEqual(ids(await q({ flowIds: [FL['flow-b'], FL['flow-a']] })), idsOf('e1', 'e2', 'e3'));
    assert.deepEqual(ids(await q({ type: 'FaxNumber' })), idsOf('e2', 'e4'));
    assert.equal((await q({ type: 'PhoneNumber' })).items.length, 9);
    assert.equal((await q({ types: ['PhoneNumber', 'FaxNumber'] })).items.length, 11);
    assert.deepEqual(ids(await q({ types: ['FaxNumber', 'User'] })), idsOf('e2', 'e4'));
    assert.deepEqual((await q({ type: 'User' })).items, []);
  });

  test('tagIds: endpoints having all of them', async () => {
    assert.deepEqual(ids(await q({ tagIds: [T1.id] })), idsOf('e1', 'e2'));
    assert.deepEqual(ids(await q({ tagIds: [T2.id] })), idsOf('e1', 'e3'));
    assert.deepEqual(ids(await q({ tagIds: [T1.id, T2.id] })), idsOf('e1'));
  });

  test('nameFilter (displayName substring) and phoneNumberFilter (digits)', async () => {
    assert.deepEqual(ids(await q({ nameFilter: 'line' })), idsOf('e1'));
    assert.deepEqual(ids(await q({ nameFilter: 'o' })).length >= 2, true);
    assert.deepEqual(ids(await q({ nameFilter: 'Lobby' })), idsOf('e3'));
    assert.deepEqual(ids(await q({ phoneNumberFilter: '(646) 555-0001' })), idsOf('e1'));
    assert.deepEqual(ids(await q({ phoneNumberFilter: '555000' })).length, 8); // 0001-0003, 0005-0009
    assert.deepEqual(ids(await q({ phoneNumberFilter: '1 646 555 0' })).length, 10);
    assert.deepEqual(ids(await q({ phoneNumberFilter: '20 7123' })), idsOf('e4'));
    assert.deepEqual(ids(await q({ phoneNumberFilter: '99999' })), []);
  });

  test('dataFilters: string, number and bool values, combined', async () => {
    assert.deepEqual(ids(await q({ dataFilters: ['plan=gold'] })), idsOf('e1', 'e3'));
    assert.deepEqual(ids(await q({ dataFilters: ['seats=10'] })), idsOf('e2'));
    assert.deepEqual(ids(await q({ dataFilters: ['vip=true'] })), idsOf('e1'));
    assert.deepEqual(ids(await q({ dataFilters: ['vip=false'] })), idsOf('e2'));
    assert.deepEqual(ids(await q({ dataFilters: ['plan=gold', 'seats=5'] })), idsOf('e1'));
    assert.deepEqual(ids(await q({ dataFilters: ['plan=bronze'] })), []);
    expectError(await srv.req('GET', '/endpoints', { as: w.sa, query: { dataFilters: 'noequals' } }), 400, undefined, { fieldName: 'DataFilters' });
  });

  test('reach: Manager sees its accounts only; Customer its subtree; filters cannot widen it', async () => {
    const m = await list({ all: true }, mgrL);
    assert.deepEqual(ids(m), Object.values(eps).map((x) => x.id).sort());
    const mB = await list({ all: true, accountIds: [L.id] }, w.mgrB);
    assert.deepEqual(mB.items, [], 'another account\'s endpoints never listed');
    const allA = await list({ all: true }, w.mgrA);
    assert.ok(allA.items.length > 0);
    assert.ok(allA.items.every((x) => x.accountId === w.A.id || x.accountId === w.A1.id), 'Manager of A: A and A1 only');
    const c = await list({ all: true }, w.custA);
    const reach = new Set([w.cA1.id, w.cA1a.id, w.cA1ai.id]);
    assert.ok(c.items.length > 0);
    assert.ok(c.items.every((x) => reach.has(x.customerId)), `Customer: its subtree only: ${JSON.stringify(c.items.map((x) => x.customerName))}`);
    const c2 = await list({ all: true, customerIds: [w.cA2.id] }, w.custA);
    assert.deepEqual(c2.items, []);
    assert.deepEqual((await list({ all: true, accountIds: [L.id] }, w.custA)).items, []);
  });
});

// ---------------------------------------------------------------------------------------
describe('EndpointInfo shape (SetPhoneNumberIsFax seed)', () => {
  // what a client cannot set through BuyPhoneNumber / PatchEndpoint (user, team, SIP,
  // assistant fields and the other endpoint types' settings), and flowName (resolved from a
  // flow; this API has no flows)
  const UNSETTABLE = new Set([
    'flowName', 'isCallerIdVerified', 'callerIdVerificationCode', 'doNotTouchPhoneNumber', 'isEnrolledIn10DlcService',
    'userEmailAddress', 'sipRegion', 'sipCredentialSid', 'sipUserName', 'sipPassword', 'sipDomain', 'enableEmergencyCalling',
    'emergencyAddressSid', 'emergencyPhoneNumberId', 'agentState', 'agentStateReason', 'userMode', 'voicemailGreetingId',
    'emailAddress', 'userFirstName', 'userLastName', 'avatarUrl', 'managerRole', 'managerAccess', 'dashboardPermissions',
    'myFieldPermissions', 'customerFieldPermissions', 'otherUserFieldPermissions', 'otherEndpointFieldPermissions', 'name',
    'actionUrls', 'teamMemberIds', 'contactListVisibility', 'contacts', 'documoId', 'integrationData',
    'thirdPartyPhoneSystemSettings', 'overrideAppSettings', 'appSettings', 'assistantSettings', 'embedSettings',
  ]);
  const table = () => [
    ...seedTableFields(FAX_SEED, 'AccountId', 'AccountName', 'CustomerId').map(camel),
    ...seedTableFields(FAX_SEED, 'Id', 'DateCreated', 'DateLastModified').map(camel),
  ];

  test('the seed\'s JSV sample is its metadata table minus the Struct members', () => {
    const sample = Object.keys(seedJsvSample());
    assert.deepEqual(sample, table().filter((k) => k !== 'flowParams' && k !== 'data'));
  });

  test('our keys are the seed\'s keys in the seed\'s order; only unsettable ones missing', async (t) => {
    const tag = (await srv.ok('GET', '/system/settings', { as: w.sa, query: { accountId: w.A.id } })).tags[0];
    const e = await buyV({ accountId: w.A.id, customerId: w.cA1.id, number: fresh('233'), tagIds: [tag.id], flowId: FL.f, flowParams: { a: { stringValue: 'b' } }, data: { x: { numberValue: 1 } }, addressSid: 'AD' + '0'.repeat(32) });
    const full = await srv.ok('PATCH', `/endpoints/${e.id}`, {
      as: w.sa,
      body: {
        referenceId: 'r', extraInformation: 'x', flowSchedule: 'Scheduled', callerIdName: 'CN', enableCallerIdLookup: true, disableSms: true,
        schedule: { timeZoneId: 'UTC', inherit: false, forceClosed: false, rules: [{ id: 'r', name: 'n', priority: 1, state: 'Open', simpleRuleType: 'Always', flowId: 'f' }], defaultState: 'Closed' },
        scheduledFlows: [{ stateName: 'Open', flowId: FL.f }],
      },
    });
    const r = await fax(e.id, true);
    expectStatus(r, 200);
    const seed = seedJsvSample();
    const expected = table();
    for (const [what, doc] of [['PatchEndpoint', full], ['SetPhoneNumberIsFax', r.json], ['GetEndpoint', (await getE(e.id)).json]]) {
      const ours = Object.keys(doc);
      const unknown = ours.filter((k) => !expected.includes(k));
      assert.deepEqual(unknown, [], `${what}: keys not in the seed`);
      assert.ok(isSubsequence(ours, expected), `${what}: key order differs from the seed: ${ours.join(',')}`);
      const missing = expected.filter((k) => !ours.includes(k));
      const wrongly = missing.filter((k) => !UNSETTABLE.has(k) && k !== 'phoneNumberSid');
      assert.deepEqual(wrongly, [], `${what}: settable keys missing`);
      if (what === 'SetPhoneNumberIsFax') t.diagnostic(`EndpointInfo keys absent (unsettable): ${missing.join(', ')}`);
    }
    // nested shapes, in the sample's order (Struct members aside)
    const d = r.json;
    assert.deepEqual(Object.keys(d.customerBreadcrumb[0]), Object.keys(seed.customerBreadcrumb[0]));
    assert.deepEqual(Object.keys(d.tags[0]), Object.keys(seed.tags[0]));
    assert.ok(isSubsequence(Object.keys(d.schedule), Object.keys(seed.schedule)), `schedule keys: ${Object.keys(d.schedule)}`);
    const ruleKeys = Object.keys(d.schedule.rules[0]).filter((k) => k !== 'flowParams');
    assert.ok(isSubsequence(ruleKeys, Object.keys(seed.schedule.rules[0])), `rule keys: ${ruleKeys}`);
    assert.deepEqual(Object.keys(d.scheduledFlows[0]).filter((k) => k !== 'flowParams'), Object.keys(seed.scheduledFlows[0]));
    // enum-typed values use the seed's enum names
    assert.equal(d.type, 'FaxNumber');
    assert.equal(d.flowSchedule, 'Scheduled');
  });

  test('the JSV response of SetPhoneNumberIsFax has the seed sample\'s key order', async () => {
    const e = await buyV({ accountId: w.A.id, customerId: w.cA1.id, number: fresh('234'), flowId: FL.f });
    const r = await srv.req('PATCH', `/phone-numbers/${e.id}/fax`, { as: w.sa, body: { isFax: true }, headers: { accept: 'text/jsv' } });
    expectStatus(r, 200);
    assert.match(r.headers.get('content-type') || '', /jsv/);
    const top = [];
    let depth = 0, inStr = false;
    const s = r.text;
    // top-level keys of a compact JSV object: {k:v,k:v}
    let key = '', reading = true;
    for (let i = 1; i < s.length - 1; i++) {
      const c = s[i];
      if (inStr) { if (c === '"') { if (s[i + 1] === '"') i++; else inStr = false; } continue; }
      if (c === '"') { inStr = true; continue; }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') depth--;
      else if (depth === 0 && c === ':' && reading) { top.push(key); key = ''; reading = false; continue; }
      else if (depth === 0 && c === ',') { reading = true; key = ''; continue; }
      if (reading && depth === 0) key += c;
    }
    const sample = Object.keys(seedJsvSample());
    const ours = top.filter((k) => k !== 'data' && k !== 'flowParams');
    assert.ok(isSubsequence(ours, sample), `JSV key order: ${top.join(',')}`);
    assert.ok(top.includes('type') && top.includes('phoneNumber') && top.includes('id'), `JSV keys: ${top.join(',')}`);
  });
});

// ---------------------------------------------------------------------------------------
describe('sipPassword is shown only to SystemAdministrators', () => {
  test('a stored sipPassword: SA sees it, Manager and Customer never (get, list, patch, fax)', async () => {
    const e = await buyV({ accountId: w.A.id, customerId: w.cA1.id, number: fresh('235') });
    // PatchEndpoint does not take it
    const p = await patchE(e.id, { sipPassword: 'via-patch', displayName: 'sip test' });
    expectStatus(p, [200, 400]);
    // put one into the stored document (the API has no way to set it), then restart
    await srv.stop();
    srv.setDocFields('endpoints', e.id, { sipPassword: 'S1p-Secret', sipUserName: 'sipuser' });
    await srv.start();
    const sa = (await getE(e.id)).json;
    assert.equal(sa.sipPassword, 'S1p-Secret', 'SA sees sipPassword');
    assert.equal(sa.sipUserName, 'sipuser');
    for (const who of [w.mgrA, w.mgrRO, w.custA]) {
      const views = [
        (await getE(e.id, who)).json,
        (await list({ specificIds: [e.id] }, who)).items[0],
      ];
      if (who !== w.mgrRO) {
        views.push((await srv.ok('PATCH', `/endpoints/${e.id}`, { as: who, body: { extraInformation: who.email } })));
        views.push((await srv.ok('PATCH', `/phone-numbers/${e.id}/fax`, { as: who, body: { isFax: false } })));
      }
      for (const v of views) {
        assert.ok(v && v.id === e.id, `${who.email} sees the endpoint`);
        assert.ok(!('sipPassword' in v), `sipPassword shown to ${who.email}: ${JSON.stringify(v.sipPassword)}`);
        assert.equal(v.sipUserName, 'sipuser', 'other SIP fields still shown');
      }
      for (const accept of ['text/jsv', 'application/xml', 'text/csv']) {
        const r = await srv.req('GET', `/endpoints/${e.id}`, { as: who, headers: { accept } });
        if (r.status === 200) assert.ok(!/S1p-Secret/.test(r.text), `sipPassword in ${accept} for ${who.email}`);
      }
    }
    const r = await srv.req('GET', '/endpoints', { as: w.mgrA, query: { specificIds: e.id } });
    assert.ok(!r.text.includes('S1p-Secret'));
    assert.equal((await list({ specificIds: [e.id] })).items[0].sipPassword, 'S1p-Secret', 'SA sees it in lists');
  });
});

// ---------------------------------------------------------------------------------------
describe('bought numbers (fake carrier)', () => {
  let fake, car, cw;
  before(async () => {
    fake = await startFakeTwilio();
    car = await startServer({
      args: ['--twilio-account-sid', fake.mainSid, '--twilio-auth-token', fake.mainToken, '--twilio-base-url', fake.url,
        '--webhook-url', PROD, '--staging-webhook-url', STAGE, '--carrier-backoff-ms', '20', '--carrier-timeout-ms', '3000'],
    });
    cw = await makeWorld(car, 'epc');
  });
  after(async () => { if (car) await car.cleanup(); if (fake) await fake.close(); });
  const cbuy = (body, as = cw.sa) => car.req('POST', '/endpoints/phone-numbers', { as, body });
  const atFake = (phone) => [...fake.numbers.values()].filter((n) => n.phone_number === phone);

  test('a purchase: bought on the account\'s sub-account with the production webhooks; sid stored', async () => {
    assert.match(cw.A.twilioAccountSid || '', /^AC/, 'NewAccount created a sub-account');
    const n = fresh('312');
    const r = await cbuy({ accountId: cw.A.id, customerId: cw.cA1.id, number: national(n), addressSid: 'AD' + 'b'.repeat(32) });
    expectStatus(r, 200);
    const [num] = atFake(e164(n));
    assert.ok(num, 'the number is at the carrier');
    assert.equal(num.account_sid, cw.A.twilioAccountSid);
    assert.equal(num.voice_url, `${PROD}/voice`);
    assert.equal(num.sms_url, `${PROD}/sms`);
    assert.equal(num.voice_receive_mode, 'voice');
    assert.equal(num.address_sid, 'AD' + 'b'.repeat(32));
    const form = fake.log.filter((l) => l.kind === 'buy' && l.form.PhoneNumber === e164(n)).at(-1).form;
    assert.equal(form.VoiceMethod, 'POST');
    assert.equal(form.SmsMethod, 'POST');
    assert.ok(!form.FriendlyName || form.FriendlyName.length <= 64);
    assert.equal(r.json.phoneNumberSid, num.sid);
    assert.equal(r.json.isVirtualPhoneNumber, false);
    assert.equal(r.json.type, 'PhoneNumber');
    assert.equal(r.json.displayName, national(n));
    assert.equal(r.json.addressSid, 'AD' + 'b'.repeat(32));
  });

  test('a fax purchase: VoiceReceiveMode=fax, type FaxNumber; a staging customer gets the staging webhooks', async () => {
    await car.ok('POST', `/customers/${cw.cA2.id}/staging`, { as: cw.sa, body: { isStaging: true } });
    const n = fresh('312');
    const e = await car.ok('POST', '/endpoints/phone-numbers', { as: cw.sa, body: { accountId: cw.A.id, customerId: cw.cA2.id, number: n, isFaxNumber: true } });
    assert.equal(e.type, 'FaxNumber');
    const [num] = atFake(e164(n));
    assert.equal(num.voice_receive_mode, 'fax');
    assert.equal(num.voice_url, `${STAGE}/voice`);
    assert.equal(num.sms_url, `${STAGE}/sms`);
  });

  test('SetPhoneNumberIsFax on a bought number: the carrier first, both ways', async () => {
    const n = fresh('312');
    const e = await car.ok('POST', '/endpoints/phone-numbers', { as: cw.sa, body: { accountId: cw.A.id, number: n } });
    const before = fake.count('update');
    let r = await car.req('PATCH', `/phone-numbers/${e.id}/fax`, { as: cw.mgrA, body: { isFax: true } });
    expectStatus(r, 200);
    assert.equal(r.json.type, 'FaxNumber');
    assert.equal(atFake(e164(n))[0].voice_receive_mode, 'fax');
    const upd = fake.log.filter((l) => l.kind === 'update').slice(before);
    assert.equal(upd.length, 1);
    assert.equal(upd[0].form.VoiceReceiveMode, 'fax');
    assert.ok(upd[0].path.includes(e.phoneNumberSid) && upd[0].path.includes(cw.A.twilioAccountSid), upd[0].path);
    r = await car.req('PATCH', `/phone-numbers/${e.id}/fax`, { as: cw.mgrA, body: { isFax: false } });
    expectStatus(r, 200);
    assert.equal(r.json.type, 'PhoneNumber');
    assert.equal(atFake(e164(n))[0].voice_receive_mode, 'voice');
    // a refusal leaves the type as it was
    fake.fail('update', { status: 400, code: 21421, message: 'VoiceReceiveMode cannot be changed' });
    r = await car.req('PATCH', `/phone-numbers/${e.id}/fax`, { as: cw.sa, body: { isFax: true } });
    expectError(r, 502, 'ProviderError', { message: /VoiceReceiveMode cannot be changed/ });
    assert.equal((await car.ok('GET', `/endpoints/${e.id}`, { as: cw.sa })).type, 'PhoneNumber');
    assert.equal(atFake(e164(n))[0].voice_receive_mode, 'voice');
  });

  test('virtual numbers on a carrier server never touch the carrier', async () => {
    const before = fake.log.length;
    const e = await car.ok('POST', '/endpoints/phone-numbers', { as: cw.sa, body: { accountId: cw.A.id, number: fresh('313'), isVirtualPhoneNumber: true } });
    expectStatus(await car.req('PATCH', `/phone-numbers/${e.id}/fax`, { as: cw.sa, body: { isFax: true } }), 200);
    expectNoContent(await car.req('DELETE', `/endpoints/${e.id}`, { as: cw.sa }));
    assert.deepEqual(fake.log.slice(before).map((l) => l.kind), []);
  });

  test('DeleteEndpoint releases the number at the carrier, then forgets it', async () => {
    const n = fresh('312');
    const e = await car.ok('POST', '/endpoints/phone-numbers', { as: cw.sa, body: { accountId: cw.A.id, customerId: cw.cA1.id, number: n } });
    assert.equal(atFake(e164(n)).length, 1);
    expectForbidden(await car.req('DELETE', `/endpoints/${e.id}`, { as: cw.mgrRW }));
    expectForbidden(await car.req('DELETE', `/endpoints/${e.id}`, { as: cw.mgrB }));
    assert.equal(atFake(e164(n)).length, 1, 'a refused delete releases nothing');
    const rel0 = fake.count('release');
    expectNoContent(await car.req('DELETE', `/endpoints/${e.id}`, { as: cw.custA }));
    assert.equal(fake.count('release'), rel0 + 1);
    const rel = fake.log.filter((l) => l.kind === 'release').at(-1);
    assert.ok(rel.path.endsWith(`/Accounts/${cw.A.twilioAccountSid}/IncomingPhoneNumbers/${e.phoneNumberSid}.json`), rel.path);
    assert.equal(atFake(e164(n)).length, 0, 'released');
    expectNotFound(await car.req('GET', `/endpoints/${e.id}`, { as: cw.sa }));
    // the number can be bought again
    expectStatus(await cbuy({ accountId: cw.A.id, number: n }), 200);
  });

  test('SearchPhoneNumbers: the carrier\'s list, mapped; roles', async () => {
    const r = await car.req('GET', '/endpoints/phone-numbers/search', { as: cw.mgrA, query: { accountId: cw.A.id, areaCode: '312', contains: '55', region: 'IL', postalCode: '62701', distance: 10 } });
    expectStatus(r, 200);
    assert.equal(r.json.items.length, 5);
    for (const it of r.json.items) {
      assert.deepEqual(Object.keys(it), ['phoneNumber', 'friendlyName', 'locality', 'region', 'postalCode', 'isoCountry']);
      assert.match(it.phoneNumber, /^\+1312\d{7}$/);
      assert.equal(it.isoCountry, 'US');
    }
    const s = fake.log.filter((l) => l.kind === 'search').at(-1);
    assert.ok(s.path.endsWith(`/Accounts/${cw.A.twilioAccountSid}/AvailablePhoneNumbers/US/Local.json`), s.path);
    assert.equal(s.query.AreaCode, '312');
    assert.equal(s.query.Contains, '55');
    assert.equal(s.query.InRegion, 'IL');
    assert.equal(s.query.InPostalCode, '62701');
    assert.equal(s.query.Distance, '10');
    const ca = await car.req('GET', '/endpoints/phone-numbers/search', { as: cw.sa, query: { accountId: cw.A.id, countryCode: 'ca' } });
    expectStatus(ca, 200);
    assert.ok(fake.log.filter((l) => l.kind === 'search').at(-1).path.includes('/AvailablePhoneNumbers/CA/'));
    expectForbidden(await car.req('GET', '/endpoints/phone-numbers/search', { as: cw.mgrB, query: { accountId: cw.A.id } }));
    expectNotFound(await car.req('GET', '/endpoints/phone-numbers/search', { as: cw.sa, query: { accountId: randomHex24() } }));
    expectStatus(await car.req('GET', '/endpoints/phone-numbers/search', { as: cw.mgrRO, query: { accountId: cw.A.id } }), 200, 'search is a read');
  });

  test('maxPhoneNumbers counts bought numbers too', async () => {
    const acct = await car.ok('POST', '/accounts', { as: cw.sa, body: { name: 'epc capped' } });
    await car.ok('PATCH', `/accounts/${acct.id}`, { as: cw.sa, body: { maxPhoneNumbers: 2 } });
    await car.ok('POST', '/endpoints/phone-numbers', { as: cw.sa, body: { accountId: acct.id, number: fresh('314') } });
    await car.ok('POST', '/endpoints/phone-numbers', { as: cw.sa, body: { accountId: acct.id, number: fresh('314'), isVirtualPhoneNumber: true, isFaxNumber: true } });
    const n = fresh('314');
    const buys = fake.count('buy');
    expectError(await cbuy({ accountId: acct.id, number: n }), 409, 'Conflict');
    assert.equal(fake.count('buy'), buys, 'nothing bought over the cap');
  });
});
