// clients.test.mjs — what clients of the original rely on: a 404 that says there is no
// such route (and 405 only for a path served with another verb), the administrator's
// accounts in the auth status, list filters that are applied or refused (never ignored),
// partial flowParams updates, and the account extras (check, duplicates).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, makeWorld, randomHex24, expectStatus, expectError, describeRes, REPO } from './harness.mjs';
import { startFakeTwilio } from './fake-twilio.mjs';

let srv, w;
before(async () => { srv = await startServer(); w = await makeWorld(srv, 'cli'); });
after(() => srv && srv.cleanup());

describe('honest 404s', () => {
  const noRoute = (r, format = 'json') => {
    expectStatus(r, 404);
    if (format === 'json') {
      expectError(r, 404, 'NotFound', { message: /^There is no such route: / });
      assert.doesNotMatch(r.json.responseStatus.message, /Endpoint|Customer|Account/);
    }
  };

  test('near-miss paths answer 404 "no such route", not a missing entity', async () => {
    for (const [m, p] of [
      ['GET', '/endpoints/duplicate'], ['GET', '/endpoints/dup'], ['GET', '/accounts/not-an-id'],
      ['GET', '/customers/12345'], ['GET', `/accounts/${randomHex24()}/nothing`], ['GET', '/endpointz'],
      ['GET', `/endpoints/${randomHex24().toUpperCase()}`], ['DELETE', '/flows/available'],
    ]) noRoute(await srv.req(m, p, { as: w.sa }));
  });

  test('a POST to a path we do not serve is 404, never 405', async () => {
    for (const p of ['/endpoints/duplicate', '/phone-numbers/sync-all', '/accounts/abc/check', '/nothing/here', '/endpoints/users/x'])
      noRoute(await srv.req('POST', p, { as: w.sa, body: {} }));
  });

  test('the 404 comes in the format asked for', async () => {
    const r = await srv.req('GET', '/endpoints/duplicate.xml', { as: w.sa });
    expectStatus(r, 404);
    assert.match(r.text, /<ErrorCode>NotFound<\/ErrorCode><Message>There is no such route: GET \/endpoints\/duplicate\.xml<\/Message>/);
    const j = await srv.req('GET', '/endpoints/nope', { as: w.sa, query: { format: 'jsv' } });
    expectStatus(j, 404);
    assert.match(j.text, /errorCode:NotFound/);
  });

  test('a missing entity at a real route still names the entity', async () => {
    const r = await srv.req('GET', `/endpoints/${randomHex24()}`, { as: w.sa });
    expectError(r, 404, 'NotFound', { message: /endpoint/i });
  });

  test('405 stays for a path served with another verb, with Allow', async () => {
    const r = await srv.req('PUT', `/accounts/${w.A.id}`, { as: w.sa, body: { name: 'x' } });
    expectError(r, 405, 'MethodNotAllowed');
    const allow = (r.headers.get('allow') || '').split(/,\s*/).sort();
    assert.deepEqual(allow, ['DELETE', 'GET', 'PATCH'], describeRes(r));
    const r2 = await srv.req('DELETE', '/accounts', { as: w.sa });
    expectStatus(r2, 405);
    assert.deepEqual((r2.headers.get('allow') || '').split(/,\s*/).sort(), ['GET', 'POST']);
    const r3 = await srv.req('POST', '/endpoints/duplicates', { as: w.sa, body: {} });
    expectError(r3, 405, 'MethodNotAllowed');
    assert.equal(r3.headers.get('allow'), 'GET', 'a literal route wins over /endpoints/{endpointId}');
  });
});

describe("the administrator's view", () => {
  test('GET /auth/status lists every account to a SystemAdministrator, by name then id', async () => {
    const st = await srv.ok('GET', '/auth/status', { as: w.sa });
    const all = (await srv.ok('GET', '/accounts', { as: w.sa, query: { all: true } })).items;
    const want = [...all].sort((a, b) => a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : a.id < b.id ? -1 : 1);
    assert.ok(all.length >= 3);
    assert.deepEqual(st.accountIds, want.map((a) => a.id));
    assert.deepEqual(st.accountNames, want.map((a) => a.name));
    // a new account shows at once, in its place
    const z = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'cli 0 first by name' } });
    const st2 = await srv.ok('GET', '/auth/status', { as: w.sa });
    assert.equal(st2.accountIds.length, st.accountIds.length + 1);
    assert.equal(st2.accountNames[st2.accountIds.indexOf(z.id)], 'cli 0 first by name');
    assert.ok(st2.accountIds.indexOf(z.id) <= st2.accountIds.indexOf(w.A.id));
    expectStatus(await srv.req('DELETE', `/accounts/${z.id}`, { as: w.sa }), 204);
  });

  test('a Manager keeps its own accounts; a Customer its own', async () => {
    const m = await srv.ok('GET', '/auth/status', { as: w.mgrB });
    assert.deepEqual(m.accountIds, [w.B.id]);
    assert.deepEqual(m.accountNames, [w.B.name]);
    const cu = await srv.ok('GET', '/auth/status', { as: w.custA });
    assert.deepEqual(cu.accountIds, [w.A.id]);
  });
});

describe('list filters: applied, or refused naming the field', () => {
  let L, E, F;
  const list = (query, as = w.sa) => srv.ok('GET', '/endpoints', { as, query: { accountIds: [L.id], all: true, ...query } });
  const ids = async (query, as) => (await list(query, as)).items.map((e) => e.id).sort();
  const of = (...keys) => keys.map((k) => E[k].id).sort();

  before(async () => {
    L = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'cli filters' } });
    F = {};
    for (const n of ['open', 'closed', 'main']) F[n] = (await srv.ok('POST', '/flows', { as: w.sa, body: { accountId: L.id, name: `cli ${n}` } })).id;
    E = {};
    let n = 0;
    const mk = async (key, patch, raw) => {
      E[key] = await srv.ok('POST', '/endpoints/phone-numbers', { as: w.sa, body: { accountId: L.id, number: `+1312555${String(7000 + ++n)}`, isVirtualPhoneNumber: true } });
      if (patch) E[key] = await srv.ok('PATCH', `/endpoints/${E[key].id}`, { as: w.sa, body: patch });
      if (raw) srv.setDocFields('endpoints', E[key].id, raw);
    };
    await mk('always', { flowId: F.main, flowParams: { greeting: { stringValue: 'hi' }, rings: { numberValue: 4 } } });
    await mk('sched', { flowSchedule: 'Scheduled', flowId: F.main, scheduledFlows: [{ stateName: 'Open', flowId: F.open }, { stateName: 'Closed', flowId: F.closed }], flowParams: { greeting: { stringValue: 'hello' }, rings: { numberValue: 4 }, vip: { boolValue: true } } });
    await mk('schedOpenOnly', { flowSchedule: 'Scheduled', scheduledFlows: [{ stateName: 'Open', flowId: F.closed }] });
    await mk('sip', null, { type: 'User', userMode: 'Sip', sipUserName: 'alice.cli' });
    await mk('soft', null, { type: 'User', userMode: 'SoftPhone', sipUserName: 'bob.cli' });
  });

  test('userMode and sipUserName (exact)', async () => {
    assert.deepEqual(await ids({ userMode: 'Sip' }), of('sip'));
    assert.deepEqual(await ids({ userMode: 'SoftPhone' }), of('soft'));
    assert.deepEqual(await ids({ userMode: 'Flow' }), []);
    assert.deepEqual(await ids({ sipUserName: 'alice.cli' }), of('sip'));
    assert.deepEqual(await ids({ sipUserName: 'alice' }), [], 'exact, not a substring');
    expectError(await srv.req('GET', '/endpoints', { as: w.sa, query: { userMode: 'Walkie' } }), 400, 'SerializationException', { fieldName: 'UserMode' });
  });

  test('flowIds: flowId or a scheduled flow; flowState: the flow for that state', async () => {
    assert.deepEqual(await ids({ flowIds: [F.main] }), of('always', 'sched'));
    assert.deepEqual(await ids({ flowIds: [F.closed] }), of('sched', 'schedOpenOnly'));
    assert.deepEqual(await ids({ flowIds: [F.open] }), of('sched'));
    assert.deepEqual(await ids({ flowIds: [F.closed], flowState: 'Closed' }), of('sched'));
    assert.deepEqual(await ids({ flowIds: [F.closed], flowState: 'Open' }), of('schedOpenOnly'));
    assert.deepEqual(await ids({ flowIds: [F.open, F.closed], flowState: 'Open' }), of('sched', 'schedOpenOnly'));
    assert.deepEqual(await ids({ flowIds: [F.main], flowState: 'Open' }), [], 'flowId alone does not apply in a state');
    assert.deepEqual(await ids({ flowState: 'Open' }), of('sched', 'schedOpenOnly'));
    assert.deepEqual(await ids({ flowState: 'Holiday' }), []);
  });

  test('flowParametersFilter: every value given, held in flowParams', async () => {
    assert.deepEqual(await ids({ flowParametersFilter: JSON.stringify({ rings: 4 }) }), of('always', 'sched'));
    assert.deepEqual(await ids({ flowParametersFilter: JSON.stringify({ rings: 4, greeting: 'hi' }) }), of('always'));
    assert.deepEqual(await ids({ flowParametersFilter: JSON.stringify({ vip: true }) }), of('sched'));
    assert.deepEqual(await ids({ flowParametersFilter: JSON.stringify({ greeting: { stringValue: 'hello' } }) }), of('sched'));
    assert.deepEqual(await ids({ flowParametersFilter: JSON.stringify({ greeting: 'bye' }) }), []);
    for (const bad of ['not json', '[1,2]', JSON.stringify({ 'a.b': 1 }), JSON.stringify({ x: null })])
      expectError(await srv.req('GET', '/endpoints', { as: w.sa, query: { flowParametersFilter: bad } }), 400, 'ArgumentException', { fieldName: 'FlowParametersFilter' });
  });

  test('reach still applies with the new filters', async () => {
    assert.deepEqual(await ids({ userMode: 'Sip', accountIds: [] }, w.mgrA), []);
    assert.deepEqual((await srv.ok('GET', '/endpoints', { as: w.mgrA, query: { sipUserName: 'alice.cli' } })).items, []);
  });

  test('every List operation of /types/metadata refuses a name that is none of its fields', async () => {
    const meta = await srv.ok('GET', '/types/metadata');
    const lists = meta.operations.filter((o) => o.request.inherits && o.request.inherits.name === 'ListRequest');
    assert.ok(lists.length >= 7, `list operations: ${lists.map((o) => o.request.name)}`);
    for (const o of lists) {
      const route = o.routes.find((r) => r.verbs.includes('GET')) || o.routes[0];
      const r = await srv.req('GET', route.path, { as: w.sa, query: { accountId: w.A.id } });
      expectError(r, 400, 'ArgumentException', { fieldName: 'accountId' });
      assert.match(r.json.responseStatus.message, new RegExp(`not a filter ${o.request.name} applies`));
      const body = await srv.req('POST', `/api/${o.request.name}`, { as: w.sa, body: { noSuchFilter: 'x' } });
      expectError(body, 400, 'ArgumentException', { fieldName: 'noSuchFilter' });
      // a field ops.c does not declare applied is refused naming it; a declared one is not
      const applied = FILTERS[o.request.name];
      assert.ok(applied, `${o.request.name} declares the filters it applies in src/api/ops.c`);
      for (const f of o.request.properties || []) {
        const res = await srv.req('POST', `/api/${o.request.name}`, { as: w.sa, body: { [camelName(f.name)]: sample(f) } });
        const refused = res.status === 400 && /is not a filter/.test(res.json?.responseStatus?.message);
        assert.equal(refused, !applied.includes(camelName(f.name)), `${o.request.name}.${f.name}: ${describeRes(res)}`);
        if (refused) expectError(res, 400, 'ArgumentException', { fieldName: f.name });
      }
      // transport names are no filter
      expectStatus(await srv.req('GET', route.path, { as: w.sa, query: { format: 'json', _: '123' } }), 200);
    }
  });
});

// The filters each List operation declares applied (src/api/ops.c, the op table's last member).
const FILTERS = (() => {
  const src = fs.readFileSync(path.join(REPO, 'src/api/ops.c'), 'utf8');
  const table = src.slice(src.indexOf('api_ops[] = {'), src.indexOf('\n};', src.indexOf('api_ops[] = {')));
  const out = {};
  for (const entry of table.split(/\n    \{"/).slice(1)) {
    const name = entry.slice(0, entry.indexOf('"'));
    const tail = entry.slice(entry.search(/op_\w+,/));
    const groups = [...tail.matchAll(/(?:"[^"]*"\s*)+/g)].map((g) => g[0].replace(/"\s*"/g, '').replace(/"/g, ''));
    if (groups.length === 2) out[name] = groups[1].split(/\s+/).filter(Boolean);
  }
  return out;
})();

function camelName(n) { return n[0].toLowerCase() + n.slice(1); }
function sample(f) {
  if (f.isValueType && /^bool/i.test(f.type)) return true;
  if (/List`1|\[\]/.test(f.type) || f.genericArgs) return ['x'];
  if (/^Int|^Double|^Long/.test(f.type)) return 1;
  return 'x';
}

describe('PatchEndpoint isPartialFlowUpdate', () => {
  test('flowParams merged key by key when true; replaced whole otherwise', async () => {
    const e = await srv.ok('POST', '/endpoints/phone-numbers', { as: w.sa, body: { accountId: w.A.id, number: '+13125558800', isVirtualPhoneNumber: true } });
    const patch = (body) => srv.ok('PATCH', `/endpoints/${e.id}`, { as: w.sa, body });
    let r = await patch({ flowParams: { a: { stringValue: '1' }, b: { numberValue: 2 } } });
    assert.deepEqual(r.flowParams, { a: { stringValue: '1' }, b: { numberValue: 2 } });
    r = await patch({ flowParams: { b: { numberValue: 3 }, c: { boolValue: true } }, isPartialFlowUpdate: true });
    assert.deepEqual(r.flowParams, { a: { stringValue: '1' }, b: { numberValue: 3 }, c: { boolValue: true } });
    assert.deepEqual((await srv.ok('GET', `/endpoints/${e.id}`, { as: w.sa })).flowParams, r.flowParams, 'stored so');
    r = await patch({ displayName: 'kept', isPartialFlowUpdate: true });
    assert.deepEqual(r.flowParams, { a: { stringValue: '1' }, b: { numberValue: 3 }, c: { boolValue: true } }, 'no flowParams: untouched');
    r = await patch({ flowParams: { z: { stringValue: 'only' } }, isPartialFlowUpdate: false });
    assert.deepEqual(r.flowParams, { z: { stringValue: 'only' } });
    r = await patch({ flowParams: { y: { stringValue: 'alone' } } });
    assert.deepEqual(r.flowParams, { y: { stringValue: 'alone' } }, 'absent means replace');
  });
});

describe('account extras', () => {
  let car, fake, cw;
  before(async () => {
    fake = await startFakeTwilio();
    car = await startServer({ args: ['--twilio-account-sid', fake.mainSid, '--twilio-auth-token', fake.mainToken, '--twilio-base-url', fake.url, '--carrier-timeout-ms', '3000', '--carrier-attempts', '1'] });
    cw = await makeWorld(car, 'cx');
  });
  after(async () => { await car?.cleanup(); await fake?.close(); });

  test('GET /accounts/{id}/check: carrier credentials asked of the carrier, numbers against the cap, settings', async () => {
    const before = fake.count('getAccount');
    const ok = await car.ok('GET', `/accounts/${cw.A.id}/check`, { as: cw.sa });
    assert.equal(fake.count('getAccount'), before + 1, 'one cheap carrier call');
    assert.deepEqual({ ...ok, problems: ok.problems || [] }, {
      accountId: cw.A.id, accountName: cw.A.name, carrierStatus: 'Valid', carrierCredentialsValid: true,
      phoneNumberCount: 0, maxPhoneNumbers: 0, phoneNumbersWithinCap: true, settingsPresent: true, problems: [], isHealthy: true,
    });
    // a Manager of the account may; of another, not; a Customer login not at all
    assert.equal((await car.ok('GET', `/accounts/${cw.A.id}/check`, { as: cw.mgrRO })).isHealthy, true);
    expectError(await car.req('GET', `/accounts/${cw.A.id}/check`, { as: cw.mgrB }), 403, 'Forbidden');
    expectError(await car.req('GET', `/accounts/${cw.A.id}/check`, { as: cw.custA }), 403, 'Forbidden');
    expectError(await car.req('GET', `/accounts/${randomHex24()}/check`, { as: cw.sa }), 404, 'NotFound');
  });

  test('check: numbers over the cap, the carrier refusing, no settings', async () => {
    const acct = await car.ok('POST', '/accounts', { as: cw.sa, body: { name: 'cx check' } });
    for (const n of ['+13125559101', '+13125559102']) await car.ok('POST', '/endpoints/phone-numbers', { as: cw.sa, body: { accountId: acct.id, number: n, isVirtualPhoneNumber: true } });
    car.setDocFields('accounts', acct.id, { maxPhoneNumbers: 1 }); // a cap lowered below what it holds
    fake.fail('getAccount', { status: 401, code: 20003, message: 'Authenticate' });
    const r = await car.ok('GET', `/accounts/${acct.id}/check`, { as: cw.sa });
    assert.equal(r.carrierStatus, 'Refused');
    assert.equal(r.carrierCredentialsValid, false);
    assert.match(r.carrierMessage, /Authenticate/);
    assert.equal(r.phoneNumberCount, 2);
    assert.equal(r.maxPhoneNumbers, 1);
    assert.equal(r.phoneNumbersWithinCap, false);
    assert.equal(r.isHealthy, false);
    assert.equal(r.problems.length, 2, JSON.stringify(r.problems));
    assert.ok(!JSON.stringify(r).includes(fake.mainToken), 'no token in the answer');
    fake.clearFaults();
  });

  test('check without a carrier: NotConfigured, not a problem', async () => {
    const r = await srv.ok('GET', `/accounts/${w.A.id}/check`, { as: w.sa });
    assert.equal(r.carrierStatus, 'NotConfigured');
    assert.equal(r.carrierCredentialsValid, false);
    assert.equal(r.isHealthy, true);
  });

  test('GET /endpoints/duplicates: groups of endpoints sharing a value, by value', async () => {
    const acct = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'cli dups' } });
    const mk = async (n, patch) => {
      const e = await srv.ok('POST', '/endpoints/phone-numbers', { as: w.sa, body: { accountId: acct.id, number: `+1312555${n}`, isVirtualPhoneNumber: true } });
      return patch ? srv.ok('PATCH', `/endpoints/${e.id}`, { as: w.sa, body: patch }) : e;
    };
    const a = await mk('9201', { displayName: 'Front', referenceId: 'r1' });
    const b = await mk('9202', { displayName: 'Front', referenceId: 'r1' });
    const c = await mk('9203', { displayName: 'Back', referenceId: 'r2' });
    const d = await mk('9204', { displayName: 'Back' });
    await mk('9205', { displayName: 'Side' });
    const other = await srv.ok('POST', '/endpoints/phone-numbers', { as: w.sa, body: { accountId: w.A.id, number: '+13125559206', isVirtualPhoneNumber: true } });
    await srv.ok('PATCH', `/endpoints/${other.id}`, { as: w.sa, body: { displayName: 'Front' } });
    const byId = (...es) => es.map((e) => e.id).sort();
    const r = await srv.ok('GET', '/endpoints/duplicates', { as: w.sa, query: { accountId: acct.id, endpointFieldName: 'displayName' } });
    assert.equal(r.fieldName, 'DisplayName');
    assert.deepEqual(r.items.map((g) => [g.value, g.count, g.endpointIds]), [['Back', 2, byId(c, d)], ['Front', 2, byId(a, b)]], 'another account\'s Front is not compared');
    assert.deepEqual(r.items[0].displayNames, ['Back', 'Back']);
    const refs = await srv.ok('GET', '/endpoints/duplicates', { as: w.sa, query: { accountId: acct.id, endpointFieldName: 'ReferenceId' } });
    assert.deepEqual(refs.items.map((g) => g.value), ['r1'], 'no value is no duplicate');
    const none = await srv.ok('GET', '/endpoints/duplicates', { as: w.sa, query: { accountId: acct.id, endpointFieldName: 'phoneNumber' } });
    assert.deepEqual(none.items || [], []);
    assert.equal((await srv.ok('GET', '/endpoints/duplicates', { as: w.sa, query: { accountId: acct.id } })).fieldName, 'PhoneNumber', 'the default');
    for (const bad of ['nope', 'sipPassword', 'tags', 'flowParams', 'accountName'])
      expectError(await srv.req('GET', '/endpoints/duplicates', { as: w.sa, query: { accountId: acct.id, endpointFieldName: bad } }), 400, 'ArgumentException', { fieldName: 'EndpointFieldName' });
    expectError(await srv.req('GET', '/endpoints/duplicates', { as: w.sa, query: { endpointFieldName: 'displayName' } }), 400, 'ArgumentException', { fieldName: 'AccountId' });
    expectError(await srv.req('GET', '/endpoints/duplicates', { as: w.mgrB, query: { accountId: acct.id, endpointFieldName: 'displayName' } }), 403, 'Forbidden');
    expectError(await srv.req('GET', '/endpoints/duplicates', { as: w.custA, query: { accountId: w.A.id, endpointFieldName: 'displayName' } }), 403, 'Forbidden');
  });
});
