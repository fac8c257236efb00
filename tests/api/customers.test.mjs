// customers.test.mjs — NewCustomer, GetCustomer, ListCustomers, PatchCustomer,
// DeleteCustomer, SetCustomerStagingMode; tenancy, tree, tags, schedule validation.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, makeWorld, HEX24, ISO_MS, randomHex24, u, expectStatus, expectError,
  expectForbidden, expectNotFound, expectNoContent, assertNoNulls, describeRes, RULE,
} from './harness.mjs';

let srv, w;
before(async () => { srv = await startServer(); w = await makeWorld(srv, 'cus'); });
after(() => srv && srv.cleanup());

const newC = (body, as = w.sa) => srv.ok('POST', '/customers', { as, body });
const getC = (id, as = w.sa) => srv.ok('GET', `/customers/${id}`, { as });
const patchC = (id, body, as = w.sa) => srv.req('PATCH', `/customers/${id}`, { as, body });
const crumbs = (c) => c.breadcrumb.map((b) => b.id);

const SCHEDULE = { timeZoneId: 'America/New_York', inherit: false, forceClosed: false, rules: [RULE], defaultState: 'Closed' };

describe('NewCustomer', () => {
  test('SA creates a top-level customer with the documented defaults', async () => {
    const t0 = Date.now();
    const r = await srv.req('POST', '/customers', { as: w.sa, body: { accountId: w.A.id, name: 'Fresh Top' } });
    expectStatus(r, 200);
    const c = r.json;
    assertNoNulls(c);
    assert.match(c.id, HEX24);
    assert.equal(c.accountId, w.A.id);
    assert.equal(c.accountName, w.A.name);
    assert.equal(c.name, 'Fresh Top');
    assert.ok(!('parentCustomerId' in c), 'no parent: key omitted');
    assert.ok(!('referenceId' in c), 'no referenceId: key omitted');
    assert.deepEqual(c.breadcrumb, [{ id: c.id, name: 'Fresh Top' }]);
    assert.equal(c.isStaging, false);
    assert.deepEqual(c.tags, []);
    assert.deepEqual(c.schedule, { inherit: true, forceClosed: false, rules: [] });
    assert.equal(c.overrideBillingSettings, false);
    assert.equal(c.overrideAppSettings, false);
    assert.deepEqual(c.data, {});
    assert.match(c.dateCreated, ISO_MS);
    assert.ok(Math.abs(Date.parse(c.dateCreated) - t0) < 60000);
    assert.equal(c.createdBy, w.sa.email);
    assert.equal(c.lastModifiedBy, w.sa.email);
    assert.deepEqual(await getC(c.id), c, 'GET returns the same document');
  });

  test('referenceId and data (Struct) are stored as given', async () => {
    const data = { plan: { stringValue: 'gold' }, seats: { numberValue: 12 }, vip: { boolValue: true }, nested: { structValue: { a: { stringValue: 'b' } } }, list: { listValue: [{ x: { numberValue: 1 } }] } };
    const c = await newC({ accountId: w.A.id, name: 'With Data', referenceId: 'ext-42', data });
    assert.equal(c.referenceId, 'ext-42');
    assert.deepEqual(c.data, data);
    assert.deepEqual((await getC(c.id)).data, data);
  });

  test('child and grandchild: breadcrumb root-first ending with itself', async () => {
    assert.deepEqual(w.cA1a.breadcrumb, [{ id: w.cA1.id, name: w.cA1.name }, { id: w.cA1a.id, name: w.cA1a.name }]);
    assert.equal(w.cA1a.parentCustomerId, w.cA1.id);
    assert.deepEqual(crumbs(w.cA1ai), [w.cA1.id, w.cA1a.id, w.cA1ai.id]);
    assert.deepEqual(crumbs(await getC(w.cA1ai.id)), [w.cA1.id, w.cA1a.id, w.cA1ai.id]);
  });

  test('parent in another account: 400 naming ParentCustomerId', async () => {
    const r = await srv.req('POST', '/customers', { as: w.sa, body: { accountId: w.A.id, name: 'x', parentCustomerId: w.cB1.id } });
    expectError(r, 400, undefined, { fieldName: 'ParentCustomerId' });
  });

  test('parent that does not exist: 400 naming ParentCustomerId', async () => {
    const r = await srv.req('POST', '/customers', { as: w.sa, body: { accountId: w.A.id, name: 'x', parentCustomerId: randomHex24() } });
    expectError(r, 400, undefined, { fieldName: 'ParentCustomerId' });
  });

  test('account that does not exist is refused', async () => {
    const r = await srv.req('POST', '/customers', { as: w.sa, body: { accountId: randomHex24(), name: 'x' } });
    assert.ok([400, 404].includes(r.status), describeRes(r));
  });

  test('Manager creates in its account and its child account, not in another', async () => {
    const c = await newC({ accountId: w.A.id, name: 'by mgrA' }, w.mgrA);
    assert.equal(c.createdBy, w.mgrA.email);
    await newC({ accountId: w.A1.id, name: 'by mgrA in A1' }, w.mgrA);
    expectForbidden(await srv.req('POST', '/customers', { as: w.mgrA, body: { accountId: w.B.id, name: 'x' } }));
    expectForbidden(await srv.req('POST', '/customers', { as: w.mgrB, body: { accountId: w.A.id, name: 'x' } }));
  });

  test('Customer user: no top-level customers (403); children in its subtree only', async () => {
    expectForbidden(await srv.req('POST', '/customers', { as: w.custA, body: { accountId: w.A.id, name: 'top by cust' } }));
    const c = await newC({ accountId: w.A.id, name: 'child by cust', parentCustomerId: w.cA1a.id }, w.custA);
    assert.deepEqual(crumbs(c), [w.cA1.id, w.cA1a.id, c.id]);
    expectForbidden(await srv.req('POST', '/customers', { as: w.custA, body: { accountId: w.A.id, name: 'x', parentCustomerId: w.cA2.id } }));
    expectForbidden(await srv.req('POST', '/customers', { as: w.custA, body: { accountId: w.B.id, name: 'x', parentCustomerId: w.cB1.id } }));
  });

  test('accountId and parent of different accounts are refused', async () => {
    const r = await srv.req('POST', '/customers', { as: w.mgrA, body: { accountId: w.A.id, name: 'x', parentCustomerId: w.cX1.id } });
    expectError(r, 400, undefined, { fieldName: 'ParentCustomerId' });
    const r2 = await srv.req('POST', '/customers', { as: w.custA, body: { accountId: w.B.id, name: 'x', parentCustomerId: w.cA1a.id } });
    assert.ok([400, 403].includes(r2.status), describeRes(r2));
  });

  test('/api/NewCustomer works like POST /customers', async () => {
    const c = await srv.ok('POST', '/api/NewCustomer', { as: w.sa, body: { accountId: w.A.id, name: 'via api' } });
    assert.equal(c.name, 'via api');
    assert.match(c.id, HEX24);
  });
});

describe('GetCustomer tenancy', () => {
  test('Manager of A: own 200, child account 200, account B 403, random id 404', async () => {
    assert.equal((await getC(w.cA1ai.id, w.mgrA)).id, w.cA1ai.id);
    assert.equal((await getC(w.cX1.id, w.mgrA)).id, w.cX1.id);
    expectForbidden(await srv.req('GET', `/customers/${w.cB1.id}`, { as: w.mgrA }));
    expectNotFound(await srv.req('GET', `/customers/${randomHex24()}`, { as: w.mgrA }));
  });
  test('Manager of B gets a customer of A: 403', async () => {
    expectForbidden(await srv.req('GET', `/customers/${w.cA1.id}`, { as: w.mgrB }));
  });
  test('Customer user: its customer and descendants 200; siblings/others 403; random 404', async () => {
    await getC(w.cA1.id, w.custA);
    await getC(w.cA1a.id, w.custA);
    await getC(w.cA1ai.id, w.custA);
    expectForbidden(await srv.req('GET', `/customers/${w.cA2.id}`, { as: w.custA }));
    expectForbidden(await srv.req('GET', `/customers/${w.cX1.id}`, { as: w.custA }));
    expectForbidden(await srv.req('GET', `/customers/${w.cB1.id}`, { as: w.custA }));
    expectNotFound(await srv.req('GET', `/customers/${randomHex24()}`, { as: w.custA }));
  });
  test('a Customer user of a child customer cannot reach the parent', async () => {
    const email = `${u('deep')}@tests.evovoiced`;
    await srv.ok('POST', '/users', { as: w.sa, body: { accountId: w.A.id, emailAddress: email, firstName: 'D', lastName: 'C', password: 'Deep-Pass-123!', roles: ['Customer'], customerIds: [w.cA1a.id] } });
    const me = { email, password: 'Deep-Pass-123!' };
    await getC(w.cA1ai.id, me);
    expectForbidden(await srv.req('GET', `/customers/${w.cA1.id}`, { as: me }));
  });
});

describe('PatchCustomer', () => {
  test('name only: other fields unchanged; lastModifiedBy the caller', async () => {
    const c = await newC({ accountId: w.A.id, name: 'P1', referenceId: 'r1', data: { k: { stringValue: 'v' } } });
    await new Promise((r) => setTimeout(r, 15));
    const r = await patchC(c.id, { name: 'P1 renamed' }, w.mgrA);
    expectStatus(r, 200);
    const p = r.json;
    assert.equal(p.name, 'P1 renamed');
    assert.equal(p.referenceId, 'r1');
    assert.deepEqual(p.data, { k: { stringValue: 'v' } });
    assert.deepEqual(p.schedule, c.schedule);
    assert.equal(p.dateCreated, c.dateCreated);
    assert.ok(p.dateLastModified > c.dateLastModified);
    assert.equal(p.createdBy, w.sa.email);
    assert.equal(p.lastModifiedBy, w.mgrA.email);
    assert.deepEqual(p.breadcrumb, [{ id: c.id, name: 'P1 renamed' }]);
  });

  test('an empty body {} changes nothing; a JSON array body is 400', async () => {
    const c = await newC({ accountId: w.A.id, name: 'Empty', referenceId: 'e1', data: { a: { boolValue: false } } });
    const p = await patchC(c.id, {});
    expectStatus(p, 200);
    for (const k of ['name', 'referenceId', 'data', 'schedule', 'tags', 'breadcrumb', 'isStaging', 'dateCreated', 'createdBy']) assert.deepEqual(p.json[k], c[k], k);
    expectStatus(await srv.req('PATCH', `/customers/${c.id}`, { as: w.sa, body: '[]' }), 400);
    expectStatus(await srv.req('POST', '/customers', { as: w.sa, body: '[{"name":"x"}]' }), 400);
  });

  test('null fields leave values unchanged; "" clears a string field', async () => {
    const c = await newC({ accountId: w.A.id, name: 'P2', referenceId: 'r2' });
    const p = (await patchC(c.id, { name: null, referenceId: null, data: null, schedule: null, tagIds: null })).json;
    assert.equal(p.name, 'P2'); assert.equal(p.referenceId, 'r2');
    const q = (await patchC(c.id, { referenceId: '' })).json;
    assert.ok(!q.referenceId, `referenceId cleared: ${JSON.stringify(q.referenceId)}`);
  });

  test('data, schedule, billingSettings, appSettings are replaced whole', async () => {
    const c = await newC({ accountId: w.A.id, name: 'P3', data: { a: { stringValue: '1' }, b: { stringValue: '2' } } });
    let p = (await patchC(c.id, { data: { c: { numberValue: 3 } } })).json;
    assert.deepEqual(p.data, { c: { numberValue: 3 } });
    p = (await patchC(c.id, { schedule: SCHEDULE })).json;
    assert.deepEqual(p.schedule, SCHEDULE);
    p = (await patchC(c.id, { schedule: { timeZoneId: 'Europe/Paris', inherit: false, forceClosed: true, rules: [] } })).json;
    assert.equal(p.schedule.rules.length, 0);
    assert.equal(p.schedule.forceClosed, true);
    assert.ok(!p.schedule.defaultState, 'defaultState not kept from the previous schedule');
    const app = { enablePhoneNumberManagement: true, enableDeviceManagement: false, enableDialer: true, enableCallHistory: false, enableAssistants: true, showFileNameInMessageCenter: false, chakraTheme: 'dark', customCss: 'a{}', pageTitle: 'T', stringMappings: 'm', logoutUrl: 'https://x/out', portMyNumberUrl: 'https://x/port' };
    p = (await patchC(c.id, { overrideAppSettings: true, appSettings: app })).json;
    assert.equal(p.overrideAppSettings, true);
    assert.deepEqual(p.appSettings, app);
    p = (await patchC(c.id, { appSettings: { pageTitle: 'Only' } })).json;
    assert.equal(p.appSettings.pageTitle, 'Only');
    assert.ok(!p.appSettings.chakraTheme, 'chakraTheme not kept');
    assert.equal(p.overrideAppSettings, true, 'overrideAppSettings unchanged when absent');
    const item = { baseCost: 1.5, rawUnitMultiplier: 2, unitCost: 0.25, allowance: 100 };
    p = (await patchC(c.id, { overrideBillingSettings: true, billingSettings: { base: item, aiMessages: item } })).json;
    assert.equal(p.overrideBillingSettings, true);
    assert.deepEqual(p.billingSettings.base, item);
    assert.deepEqual(p.billingSettings.aiMessages, item);
    p = (await patchC(c.id, { overrideBillingSettings: false })).json;
    assert.equal(p.overrideBillingSettings, false);
    assert.deepEqual(p.billingSettings.base, item, 'billingSettings unchanged when absent');
    assert.deepEqual((await getC(c.id)).billingSettings.base, item);
  });

  test('re-parenting: move a subtree; every descendant breadcrumb follows', async () => {
    const r = await newC({ accountId: w.A.id, name: 'MvRoot' });
    const a = await newC({ accountId: w.A.id, name: 'MvA', parentCustomerId: r.id });
    const b = await newC({ accountId: w.A.id, name: 'MvB', parentCustomerId: a.id });
    const c = await newC({ accountId: w.A.id, name: 'MvC', parentCustomerId: b.id });
    const other = await newC({ accountId: w.A.id, name: 'MvOther' });
    const p = (await patchC(a.id, { parentCustomerId: other.id })).json;
    assert.equal(p.parentCustomerId, other.id);
    assert.deepEqual(crumbs(p), [other.id, a.id]);
    assert.deepEqual(crumbs(await getC(b.id)), [other.id, a.id, b.id]);
    assert.deepEqual((await getC(c.id)).breadcrumb, [
      { id: other.id, name: 'MvOther' }, { id: a.id, name: 'MvA' }, { id: b.id, name: 'MvB' }, { id: c.id, name: 'MvC' }]);
    // to the top level with ""
    const t = (await patchC(b.id, { parentCustomerId: '' })).json;
    assert.ok(!t.parentCustomerId, `parentCustomerId cleared: ${JSON.stringify(t.parentCustomerId)}`);
    assert.deepEqual(crumbs(t), [b.id]);
    assert.deepEqual(crumbs(await getC(c.id)), [b.id, c.id]);
    // list by parent reflects the move
    const kids = await srv.ok('GET', '/customers', { as: w.sa, query: { parentCustomerIds: other.id, shallowParent: true } });
    assert.deepEqual(kids.items.map((x) => x.id), [a.id]);
  });

  test('deep chain: moving a middle node rewrites every breadcrumb below; deep parent filters follow', async () => {
    const rootX = await newC({ accountId: w.A.id, name: 'ChainX' });
    const rootY = await newC({ accountId: w.A.id, name: 'ChainY' });
    const chain = [];
    let parentId = rootX.id;
    for (let i = 0; i < 8; i++) { const c = await newC({ accountId: w.A.id, name: `Chain ${i}`, parentCustomerId: parentId }); chain.push(c); parentId = c.id; }
    assert.equal((await getC(chain[7].id)).breadcrumb.length, 9);
    await patchC(chain[2].id, { parentCustomerId: rootY.id });
    const deepest = await getC(chain[7].id);
    assert.deepEqual(crumbs(deepest), [rootY.id, ...chain.slice(2).map((c) => c.id)]);
    const underY = await srv.ok('GET', '/customers', { as: w.sa, query: { parentCustomerIds: rootY.id, all: true } });
    assert.deepEqual(underY.items.map((c) => c.id).sort(), chain.slice(2).map((c) => c.id).sort());
    const underX = await srv.ok('GET', '/customers', { as: w.sa, query: { parentCustomerIds: rootX.id, all: true } });
    assert.deepEqual(underX.items.map((c) => c.id).sort(), chain.slice(0, 2).map((c) => c.id).sort());
  });

  test('a list page\'s breadcrumbs (read for the whole page at once) are each customer\'s own, after moves and renames', async () => {
    const top = await newC({ accountId: w.A.id, name: 'PageTop' });
    const other = await newC({ accountId: w.A.id, name: 'PageOther' });
    const made = [top, other];
    let parentId = top.id;
    for (let i = 0; i < 5; i++) { // a chain, and a sibling under each link
      const c = await newC({ accountId: w.A.id, name: `PageChain ${i}`, parentCustomerId: parentId });
      made.push(c, await newC({ accountId: w.A.id, name: `PageLeaf ${i}`, parentCustomerId: c.id }));
      parentId = c.id;
    }
    await patchC(made[4].id, { parentCustomerId: other.id }); // PageChain 1 and all below it move
    await patchC(other.id, { name: 'PageOther renamed' });
    const page = await srv.ok('GET', '/customers', { as: w.sa, query: { specificIds: made.map((c) => c.id).join(','), all: true } });
    assert.equal(page.items.length, made.length);
    for (const item of page.items) assert.deepEqual(item.breadcrumb, (await getC(item.id)).breadcrumb, item.name);
    const leaf4 = page.items.find((c) => c.name === 'PageLeaf 4');
    assert.deepEqual(leaf4.breadcrumb.map((b) => b.name),
      ['PageOther renamed', 'PageChain 1', 'PageChain 2', 'PageChain 3', 'PageChain 4', 'PageLeaf 4']);
  });

  test('a Customer user\'s reach follows moves made by others', async () => {
    const r = await newC({ accountId: w.A.id, name: 'ReachRoot' });
    const x = await newC({ accountId: w.A.id, name: 'ReachX' });
    const email = `${u('reach')}@tests.evovoiced`;
    await srv.ok('POST', '/users', { as: w.sa, body: { accountId: w.A.id, emailAddress: email, firstName: 'R', lastName: 'U', password: 'Reach-Pass-123!', roles: ['Customer'], customerIds: [r.id] } });
    const me = { email, password: 'Reach-Pass-123!' };
    expectForbidden(await srv.req('GET', `/customers/${x.id}`, { as: me }));
    await patchC(x.id, { parentCustomerId: r.id });
    expectStatus(await srv.req('GET', `/customers/${x.id}`, { as: me }), 200);
    assert.ok((await srv.ok('GET', '/customers', { as: me, query: { all: true } })).items.some((c) => c.id === x.id));
    await patchC(x.id, { parentCustomerId: '' });
    expectForbidden(await srv.req('GET', `/customers/${x.id}`, { as: me }));
    assert.ok(!(await srv.ok('GET', '/customers', { as: me, query: { all: true } })).items.some((c) => c.id === x.id));
  });

  test('renaming a customer shows in its descendants breadcrumbs', async () => {
    const r = await newC({ accountId: w.A.id, name: 'RnRoot' });
    const k = await newC({ accountId: w.A.id, name: 'RnKid', parentCustomerId: r.id });
    await patchC(r.id, { name: 'RnRoot2' });
    assert.deepEqual((await getC(k.id)).breadcrumb[0], { id: r.id, name: 'RnRoot2' });
  });

  test('cycles are refused with 400; nothing changes', async () => {
    const r = await newC({ accountId: w.A.id, name: 'CyRoot' });
    const a = await newC({ accountId: w.A.id, name: 'CyA', parentCustomerId: r.id });
    const b = await newC({ accountId: w.A.id, name: 'CyB', parentCustomerId: a.id });
    expectStatus(await patchC(r.id, { parentCustomerId: b.id }), 400, 'grandchild as parent');
    expectStatus(await patchC(a.id, { parentCustomerId: a.id }), 400, 'itself as parent');
    expectStatus(await patchC(r.id, { parentCustomerId: a.id }), 400, 'child as parent');
    assert.ok(!(await getC(r.id)).parentCustomerId);
    assert.deepEqual(crumbs(await getC(b.id)), [r.id, a.id, b.id]);
  });

  test('parent in another account or missing: 400 naming ParentCustomerId', async () => {
    const c = await newC({ accountId: w.A.id, name: 'Pp' });
    expectError(await patchC(c.id, { parentCustomerId: w.cB1.id }), 400, undefined, { fieldName: 'ParentCustomerId' });
    expectError(await patchC(c.id, { parentCustomerId: w.cX1.id }), 400, undefined, { fieldName: 'ParentCustomerId' });
    expectError(await patchC(c.id, { parentCustomerId: randomHex24() }), 400, undefined, { fieldName: 'ParentCustomerId' });
  });

  test('Customer user: patches in its subtree; cannot move outside it; cannot touch others', async () => {
    const k = await newC({ accountId: w.A.id, name: 'CuKid', parentCustomerId: w.cA1a.id });
    const p = await patchC(k.id, { name: 'CuKid2' }, w.custA);
    expectStatus(p, 200);
    assert.equal(p.json.lastModifiedBy, w.custA.email);
    // within subtree: allowed
    expectStatus(await patchC(k.id, { parentCustomerId: w.cA1.id }, w.custA), 200);
    // outside: to another top-level customer, or to the top level
    expectForbidden(await patchC(k.id, { parentCustomerId: w.cA2.id }, w.custA));
    expectForbidden(await patchC(k.id, { parentCustomerId: '' }, w.custA));
    expectForbidden(await patchC(w.cA1.id, { parentCustomerId: w.cA2.id }, w.custA));
    assert.equal((await getC(k.id)).parentCustomerId, w.cA1.id);
    expectForbidden(await patchC(w.cA2.id, { name: 'hack' }, w.custA));
    expectForbidden(await patchC(w.cB1.id, { name: 'hack' }, w.custA));
    expectNotFound(await patchC(randomHex24(), { name: 'x' }, w.custA));
  });

  test('Manager: other account 403, missing 404', async () => {
    expectForbidden(await patchC(w.cB1.id, { name: 'hack' }, w.mgrA));
    expectNotFound(await patchC(randomHex24(), { name: 'x' }, w.mgrA));
    assert.equal((await getC(w.cB1.id)).name, w.cB1.name);
  });

  test('/api/PatchCustomer with POST and customerId in the body', async () => {
    const c = await newC({ accountId: w.A.id, name: 'ApiP' });
    const p = await srv.ok('POST', '/api/PatchCustomer', { as: w.sa, body: { customerId: c.id, name: 'ApiP2' } });
    assert.equal(p.name, 'ApiP2');
    const q = await srv.ok('PATCH', `/api/PatchCustomer?customerId=${c.id}`, { as: w.sa, body: { referenceId: 'q' } });
    assert.equal(q.referenceId, 'q'); assert.equal(q.name, 'ApiP2');
  });
});

describe('schedule validation (400 naming the field)', () => {
  let c;
  before(async () => { c = await newC({ accountId: w.A.id, name: 'Sched' }); await patchC(c.id, { schedule: SCHEDULE }); });
  const bad = (mut) => { const s = structuredClone(SCHEDULE); mut(s); return s; };
  const cases = [
    ['Schedule.TimeZoneId', (s) => { s.timeZoneId = 'Mars/Olympus_Mons'; }],
    ['Schedule.Rules[0].StartTime', (s) => { s.rules[0].startTime = '25:00'; }],
    ['Schedule.Rules[0].StartTime', (s) => { s.rules[0].startTime = '9am'; }],
    ['Schedule.Rules[0].EndTime', (s) => { s.rules[0].endTime = '17:60'; }],
    ['Schedule.Rules[0].StartDate', (s) => { s.rules[0].startDate = '2026-13-01'; }],
    ['Schedule.Rules[0].StartDate', (s) => { s.rules[0].startDate = '05/01/2026'; }],
    ['Schedule.Rules[0].UntilDate', (s) => { s.rules[0].untilDate = '20270101'; }],
    ['Schedule.Rules[0].SimpleRuleType', (s) => { s.rules[0].simpleRuleType = 'Sometimes'; }],
    ['Schedule.Rules[0].Frequency', (s) => { s.rules[0].frequency = 'Fortnightly'; }],
    ['Schedule.Rules[0].Priority', (s) => { s.rules[0].priority = 'abc'; }],
    ['Schedule.Rules[0].ByDay[0].DayOfWeek', (s) => { s.rules[0].byDay = [{ offset: 0, dayOfWeek: 'Funday' }]; }],
    ['Schedule.Rules[1].StartTime', (s) => { s.rules.push({ ...RULE, id: 'rule-2', startTime: '7:5' }); }],
  ];
  cases.forEach(([field, mut], i) => {
    test(`#${i} bad ${field} -> 400 naming it`, async () => {
      const r = await patchC(c.id, { schedule: bad(mut) });
      expectError(r, 400, undefined, { fieldName: field });
      const rs = r.json.responseStatus;
      assert.ok(typeof rs.errorCode === 'string' && rs.errorCode.length > 0);
      assert.deepEqual((await getC(c.id)).schedule, SCHEDULE, 'schedule unchanged after a refused patch');
    });
  });
  test('validation errors repeat the first field error at the top (WIRE.md)', async () => {
    for (const [, mut] of cases) {
      const r = await patchC(c.id, { schedule: bad(mut) });
      const rs = r.json.responseStatus;
      if (rs.errorCode === 'SerializationException') {
        assert.match(rs.message, /^Unable to bind to request 'PatchCustomer'$/, describeRes(r));
      } else {
        assert.equal(rs.errorCode, rs.errors[0].errorCode, `top errorCode repeats errors[0]: ${describeRes(r)}`);
        assert.equal(rs.message, rs.errors[0].message, `top message repeats errors[0]: ${describeRes(r)}`);
      }
    }
  });

  test('valid IANA zones, times and enums are accepted', async () => {
    for (const tz of ['UTC', 'Europe/London', 'Asia/Kolkata', 'America/Argentina/Buenos_Aires']) {
      const s = bad((x) => { x.timeZoneId = tz; });
      const r = await patchC(c.id, { schedule: s });
      expectStatus(r, 200, tz);
      assert.equal(r.json.schedule.timeZoneId, tz);
    }
    const s = bad((x) => { x.rules[0].simpleRuleType = 'Always'; x.rules[0].frequency = 'Yearly'; x.rules[0].startTime = '00:00'; x.rules[0].endTime = '23:59'; });
    expectStatus(await patchC(c.id, { schedule: s }), 200);
    await patchC(c.id, { schedule: SCHEDULE });
  });
});

describe('tags', () => {
  let tags, tagsB;
  before(async () => {
    const s = await srv.ok('PATCH', '/system/settings', { as: w.sa, body: { accountId: w.A.id, tags: [{ name: 'VIP', color: 'Gold' }, { name: 'Late', color: 'Red' }, { name: 'New', color: 'Green' }] } });
    tags = Object.fromEntries(s.tags.map((t) => [t.name, t]));
    const sb = await srv.ok('PATCH', '/system/settings', { as: w.sa, body: { accountId: w.B.id, tags: [{ name: 'B-only', color: 'Blue' }] } });
    tagsB = sb.tags;
  });
  const byId = (list) => [...list].sort((a, b) => a.id.localeCompare(b.id));

  test('tagIds sets resolved tags {id,name,color}; replaces the set', async () => {
    const c = await newC({ accountId: w.A.id, name: 'Tagged' });
    let p = (await patchC(c.id, { tagIds: [tags.VIP.id, tags.Late.id] })).json;
    assert.deepEqual(byId(p.tags), byId([{ id: tags.VIP.id, name: 'VIP', color: 'Gold' }, { id: tags.Late.id, name: 'Late', color: 'Red' }]));
    p = (await patchC(c.id, { tagIds: [tags.New.id] })).json;
    assert.deepEqual(p.tags, [{ id: tags.New.id, name: 'New', color: 'Green' }]);
    p = (await patchC(c.id, { name: 'Tagged2' })).json;
    assert.equal(p.tags.length, 1, 'absent tagIds leaves tags');
    p = (await patchC(c.id, { tagIds: [] })).json;
    assert.deepEqual(p.tags, []);
  });

  test('unknown tag id or a tag of another account: 400 naming TagIds', async () => {
    const c = await newC({ accountId: w.A.id, name: 'BadTag' });
    expectError(await patchC(c.id, { tagIds: [randomHex24()] }), 400, undefined, { fieldName: 'TagIds' });
    expectError(await patchC(c.id, { tagIds: [tags.VIP.id, tagsB[0].id] }), 400, undefined, { fieldName: 'TagIds' });
    assert.deepEqual((await getC(c.id)).tags, []);
  });

  test('renaming a tag in settings shows on the customer; removing it removes it', async () => {
    const c = await newC({ accountId: w.A.id, name: 'TagFollow' });
    await patchC(c.id, { tagIds: [tags.VIP.id, tags.Late.id] });
    const s = await srv.ok('GET', '/system/settings', { as: w.sa, query: { accountId: w.A.id } });
    const renamed = s.tags.map((t) => (t.id === tags.VIP.id ? { ...t, name: 'Very Important', color: 'Purple' } : t));
    await srv.ok('PATCH', '/system/settings', { as: w.sa, body: { accountId: w.A.id, tags: renamed } });
    let g = await getC(c.id);
    assert.deepEqual(byId(g.tags), byId([{ id: tags.VIP.id, name: 'Very Important', color: 'Purple' }, { id: tags.Late.id, name: 'Late', color: 'Red' }]));
    await srv.ok('PATCH', '/system/settings', { as: w.sa, body: { accountId: w.A.id, tags: renamed.filter((t) => t.id !== tags.Late.id) } });
    g = await getC(c.id);
    assert.deepEqual(g.tags, [{ id: tags.VIP.id, name: 'Very Important', color: 'Purple' }]);
    // the removed tag can no longer be assigned
    expectError(await patchC(c.id, { tagIds: [tags.Late.id] }), 400, undefined, { fieldName: 'TagIds' });
    // restore
    const back = await srv.ok('PATCH', '/system/settings', { as: w.sa, body: { accountId: w.A.id, tags: [{ id: tags.VIP.id, name: 'VIP', color: 'Gold' }, { name: 'Late', color: 'Red' }, { id: tags.New.id, name: 'New', color: 'Green' }] } });
    tags = Object.fromEntries(back.tags.map((t) => [t.name, t]));
  });

  test('ListCustomers tagIds: must contain all', async () => {
    const x = await newC({ accountId: w.A.id, name: 'TL x' });
    const y = await newC({ accountId: w.A.id, name: 'TL y' });
    await patchC(x.id, { tagIds: [tags.VIP.id, tags.New.id] });
    await patchC(y.id, { tagIds: [tags.VIP.id] });
    const one = await srv.ok('GET', '/customers', { as: w.sa, query: { tagIds: tags.VIP.id, nameFilter: 'TL ', all: true } });
    assert.deepEqual(one.items.map((c) => c.id).sort(), [x.id, y.id].sort());
    const both = await srv.ok('GET', '/customers', { as: w.sa, query: { tagIds: `${tags.VIP.id},${tags.New.id}`, nameFilter: 'TL ', all: true } });
    assert.deepEqual(both.items.map((c) => c.id), [x.id]);
    const both2 = await srv.ok('GET', '/customers', { as: w.sa, query: { tagIds: `[${tags.New.id},${tags.VIP.id}]`, nameFilter: 'TL ', all: true } });
    assert.deepEqual(both2.items.map((c) => c.id), [x.id]);
  });
});

describe('DeleteCustomer', () => {
  test('leaf: 204 empty body; then 404 on GET, PATCH and DELETE', async () => {
    const c = await newC({ accountId: w.A.id, name: 'Del' });
    expectNoContent(await srv.req('DELETE', `/customers/${c.id}`, { as: w.sa }));
    expectNotFound(await srv.req('GET', `/customers/${c.id}`, { as: w.sa }));
    expectNotFound(await patchC(c.id, { name: 'x' }));
    expectNotFound(await srv.req('DELETE', `/customers/${c.id}`, { as: w.sa }));
  });
  test('with children: 409 Conflict; deleting bottom-up works', async () => {
    const p = await newC({ accountId: w.A.id, name: 'DelP' });
    const k = await newC({ accountId: w.A.id, name: 'DelK', parentCustomerId: p.id });
    expectError(await srv.req('DELETE', `/customers/${p.id}`, { as: w.sa }), 409, 'Conflict');
    await getC(p.id);
    expectNoContent(await srv.req('DELETE', `/customers/${k.id}`, { as: w.sa }));
    expectNoContent(await srv.req('DELETE', `/customers/${p.id}`, { as: w.sa }));
  });
  test('tenancy: Manager of B 403; Customer outside its subtree 403; random 404', async () => {
    const c = await newC({ accountId: w.A.id, name: 'DelT' });
    expectForbidden(await srv.req('DELETE', `/customers/${c.id}`, { as: w.mgrB }));
    expectForbidden(await srv.req('DELETE', `/customers/${c.id}`, { as: w.custA }));
    expectNotFound(await srv.req('DELETE', `/customers/${randomHex24()}`, { as: w.mgrA }));
    await getC(c.id);
  });
  test('Customer user deletes a leaf in its subtree', async () => {
    const c = await newC({ accountId: w.A.id, name: 'DelCu', parentCustomerId: w.cA1a.id });
    expectNoContent(await srv.req('DELETE', `/customers/${c.id}`, { as: w.custA }));
  });
});

describe('SetCustomerStagingMode', () => {
  test('{isStaging:true} -> CustomerInfo with isStaging true; persists; back to false', async () => {
    const c = await newC({ accountId: w.A.id, name: 'Stage', referenceId: 'st' });
    const r = await srv.req('POST', `/customers/${c.id}/staging`, { as: w.mgrA, body: { isStaging: true } });
    expectStatus(r, 200);
    assert.equal(r.json.isStaging, true);
    assert.equal(r.json.id, c.id);
    assert.equal(r.json.name, 'Stage');
    assert.equal(r.json.referenceId, 'st');
    assert.equal(r.json.lastModifiedBy, w.mgrA.email);
    assert.equal((await getC(c.id)).isStaging, true);
    const f = await srv.ok('POST', `/customers/${c.id}/staging`, { as: w.sa, body: { isStaging: false } });
    assert.equal(f.isStaging, false);
    assert.equal((await getC(c.id)).isStaging, false);
  });
  test('tenancy and existence', async () => {
    expectForbidden(await srv.req('POST', `/customers/${w.cB1.id}/staging`, { as: w.mgrA, body: { isStaging: true } }));
    expectForbidden(await srv.req('POST', `/customers/${w.cA2.id}/staging`, { as: w.custA, body: { isStaging: true } }));
    expectNotFound(await srv.req('POST', `/customers/${randomHex24()}/staging`, { as: w.sa, body: { isStaging: true } }));
    assert.equal((await getC(w.cB1.id)).isStaging, false);
  });
  test('a non-boolean isStaging is 400 naming IsStaging', async () => {
    expectError(await srv.req('POST', `/customers/${w.cA2.id}/staging`, { as: w.sa, body: { isStaging: 'maybe' } }), 400, undefined, { fieldName: 'IsStaging' });
  });
});

describe('ListCustomers', () => {
  let L, acct;
  before(async () => {
    acct = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'List Acct' } });
    L = {};
    // names chosen so that name order != creation order; referenceIds in reverse name order
    const spec = [['delta', 'r1'], ['Alpha', 'r5'], ['charlie', 'r3'], ['Bravo', 'r4'], ['echo', 'r0']];
    for (const [n, ref] of spec) L[n] = await newC({ accountId: acct.id, name: `LC ${n}`, referenceId: ref });
    L.kid = await newC({ accountId: acct.id, name: 'LC zkid', parentCustomerId: L.delta.id, referenceId: 'r9' });
    L.grandkid = await newC({ accountId: acct.id, name: 'LC zgrandkid', parentCustomerId: L.kid.id, referenceId: 'r8' });
  });
  const list = (query, as = w.sa) => srv.ok('GET', '/customers', { as, query: { accountIds: acct.id, ...query } });
  const names = (r) => r.items.map((c) => c.name.slice(3));

  test('default order: by name (then id)', async () => {
    const r = await list({});
    const got = names(r);
    const sorted = [...got].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    assert.equal(r.totalCount, 7);
    assert.equal(r.items.length, 7);
    // accept either ordinal or case-insensitive name order, but it must be one of them
    const ci = [...got].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
    assert.ok(JSON.stringify(got) === JSON.stringify(sorted) || JSON.stringify(got) === JSON.stringify(ci), `ordered by name: ${got}`);
  });

  test('ties in name are ordered by id', async () => {
    const a2 = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'Tie Acct' } });
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await newC({ accountId: a2.id, name: 'Same' })).id);
    const r = await srv.ok('GET', '/customers', { as: w.sa, query: { accountIds: a2.id } });
    assert.deepEqual(r.items.map((c) => c.id), [...ids].sort());
  });

  test('nameFilter: case-insensitive substring', async () => {
    assert.deepEqual(names(await list({ nameFilter: 'ALPH' })), ['Alpha']);
    assert.deepEqual(names(await list({ nameFilter: 'harl' })), ['charlie']);
    assert.equal((await list({ nameFilter: 'no-such-name' })).items.length, 0);
  });

  test('parentCustomerIds: all descendants, or direct children with shallowParent', async () => {
    const deep = await list({ parentCustomerIds: L.delta.id });
    assert.deepEqual(deep.items.map((c) => c.id).sort(), [L.kid.id, L.grandkid.id].sort());
    const shallow = await list({ parentCustomerIds: L.delta.id, shallowParent: true });
    assert.deepEqual(shallow.items.map((c) => c.id), [L.kid.id]);
    const two = await list({ parentCustomerIds: `[${L.delta.id},${L.kid.id}]`, shallowParent: true });
    assert.deepEqual(two.items.map((c) => c.id).sort(), [L.kid.id, L.grandkid.id].sort());
  });

  test('accountIds: a,b and [a,b]; only those accounts', async () => {
    const one = async (id) => (await srv.ok('GET', '/customers', { as: w.sa, query: { accountIds: id, all: true } })).items.map((c) => c.id);
    const a1 = await one(w.A1.id); const b = await one(w.B.id);
    assert.ok(a1.includes(w.cX1.id) && b.includes(w.cB1.id) && !a1.includes(w.cB1.id));
    const want = [...a1, ...b].sort();
    const r1 = await srv.ok('GET', '/customers', { as: w.sa, query: { accountIds: `${w.A1.id},${w.B.id}`, all: true } });
    assert.deepEqual(r1.items.map((c) => c.id).sort(), want);
    const r2 = await srv.ok('GET', '/customers', { as: w.sa, query: { accountIds: `[${w.A1.id},${w.B.id}]`, all: true } });
    assert.deepEqual(r2.items.map((c) => c.id).sort(), want);
    assert.ok(r1.items.every((c) => c.accountId === w.A1.id || c.accountId === w.B.id));
  });

  test('paging with totals and hasMorePages', async () => {
    const p0 = await list({ countPerPage: 3, page: 0 });
    const p1 = await list({ countPerPage: 3, page: 1 });
    const p2 = await list({ countPerPage: 3, page: 2 });
    assert.equal(p0.items.length, 3); assert.equal(p1.items.length, 3); assert.equal(p2.items.length, 1);
    assert.equal(p0.totalCount, 7); assert.equal(p0.totalPages, 3);
    assert.equal(p0.hasMorePages, true); assert.equal(p1.hasMorePages, true); assert.equal(p2.hasMorePages, false);
    const all = [...p0.items, ...p1.items, ...p2.items].map((c) => c.id);
    assert.equal(new Set(all).size, 7, 'pages do not overlap');
    assert.deepEqual(all, (await list({ all: true })).items.map((c) => c.id));
  });

  test('all=true ignores countPerPage', async () => {
    const r = await list({ all: true, countPerPage: 2 });
    assert.equal(r.items.length, 7);
    assert.equal(r.hasMorePages, false);
  });

  test('simplifiedPaging', async () => {
    const r = await list({ countPerPage: 5, simplifiedPaging: true });
    assert.equal(r.items.length, 5); assert.equal(r.totalCount, 0); assert.equal(r.totalPages, 0); assert.equal(r.hasMorePages, true);
    const r1 = await list({ countPerPage: 5, page: 1, simplifiedPaging: true });
    assert.equal(r1.items.length, 2); assert.equal(r1.hasMorePages, false);
  });

  test('sortField any scalar field, either case; sortOrder', async () => {
    const asc = await list({ sortField: 'referenceId' });
    assert.deepEqual(asc.items.map((c) => c.referenceId), ['r0', 'r1', 'r3', 'r4', 'r5', 'r8', 'r9']);
    const desc = await list({ sortField: 'ReferenceId', sortOrder: 'Descend' });
    assert.deepEqual(desc.items.map((c) => c.referenceId), ['r9', 'r8', 'r5', 'r4', 'r3', 'r1', 'r0']);
    const byCreated = await list({ sortField: 'DateCreated', sortOrder: 'Descend' });
    assert.equal(byCreated.items[0].id, L.grandkid.id);
    const byName = await list({ sortField: 'name', sortOrder: 'Descend' });
    assert.equal(byName.items.length, 7);
  });

  test('specificIds', async () => {
    const r = await list({ specificIds: `${L.echo.id},${L.kid.id}` });
    assert.deepEqual(r.items.map((c) => c.id).sort(), [L.echo.id, L.kid.id].sort());
  });

  test('countPerPage > 1000: 400', async () => {
    expectStatus(await srv.req('GET', '/customers', { as: w.sa, query: { countPerPage: 1001 } }), 400);
  });

  test('returns only items in reach: Manager of A, Manager of B, Customer user', async () => {
    const a = await srv.ok('GET', '/customers', { as: w.mgrA, query: { all: true } });
    const aIds = a.items.map((c) => c.id);
    assert.ok(aIds.includes(w.cA1.id) && aIds.includes(w.cX1.id), 'A and child account A1');
    assert.ok(a.items.every((c) => c.accountId === w.A.id || c.accountId === w.A1.id), 'only accounts A and A1');
    const b = await srv.ok('GET', '/customers', { as: w.mgrB, query: { all: true } });
    assert.ok(b.items.every((c) => c.accountId === w.B.id));
    assert.ok(b.items.some((c) => c.id === w.cB1.id));
    const cu = await srv.ok('GET', '/customers', { as: w.custA, query: { all: true } });
    assert.ok(cu.items.length >= 3);
    for (const c of cu.items) assert.ok(crumbs(c).includes(w.cA1.id), `customer user sees only the cA1 subtree, got ${c.name}`);
    // asking for another account's customers never reveals them
    const r = await srv.req('GET', '/customers', { as: w.mgrA, query: { accountIds: w.B.id } });
    if (r.status === 200) assert.deepEqual(r.json.items, []); else expectStatus(r, 403);
    const r2 = await srv.req('GET', '/customers', { as: w.custA, query: { specificIds: w.cA2.id } });
    if (r2.status === 200) assert.deepEqual(r2.json.items, []); else expectStatus(r2, 403);
  });

  test('an empty result: totalCount 0, totalPages 0, hasMorePages false', async () => {
    const r = await list({ nameFilter: 'zz-nothing-matches-zz' });
    assert.deepEqual(r, { items: [], totalCount: 0, totalPages: 0, hasMorePages: false });
  });

  test('items carry the full CustomerInfo (breadcrumb, accountName)', async () => {
    const r = await list({ specificIds: L.grandkid.id });
    const c = r.items[0];
    assertNoNulls(r);
    assert.equal(c.accountName, 'List Acct');
    assert.deepEqual(crumbs(c), [L.delta.id, L.kid.id, L.grandkid.id]);
  });
});

describe('tenancy cannot be bypassed through filters or parameter sources', () => {
  test('list filters never reveal customers out of reach', async () => {
    for (const [who, query] of [
      ['mgrA', { parentCustomerIds: w.cB1.id }],
      ['mgrA', { specificIds: `${w.cB1.id},${w.cA1.id}` }],
      ['custA', { accountIds: w.A.id }],
      ['custA', { parentCustomerIds: w.cA2.id }],
      ['custA', { specificIds: `${w.cA2.id},${w.cX1.id},${w.cB1.id}` }],
      ['mgrB', { nameFilter: 'cus cA' }],
    ]) {
      const r = await srv.req('GET', '/customers', { as: w[who], query: { ...query, all: true } });
      if (r.status === 403) continue;
      expectStatus(r, 200, `${who} ${JSON.stringify(query)}`);
      for (const c of r.json.items) {
        if (who === 'mgrA') assert.ok([w.A.id, w.A1.id].includes(c.accountId), `${who} ${JSON.stringify(query)} leaked ${c.name}`);
        if (who === 'mgrB') assert.equal(c.accountId, w.B.id, `${who} leaked ${c.name}`);
        if (who === 'custA') assert.ok(crumbs(c).includes(w.cA1.id), `${who} ${JSON.stringify(query)} leaked ${c.name}`);
      }
    }
  });

  test('path id wins over a body id (no tenant bypass via body)', async () => {
    const before = await getC(w.cB1.id);
    const r = await srv.req('PATCH', `/customers/${w.cA2.id}`, { as: w.mgrA, body: { customerId: w.cB1.id, referenceId: 'path-wins' } });
    expectStatus(r, 200);
    assert.equal(r.json.id, w.cA2.id);
    const afterB = await getC(w.cB1.id);
    assert.equal(afterB.referenceId, before.referenceId);
    assert.equal(afterB.dateLastModified, before.dateLastModified);
    // and the other way round: an in-reach id in the body cannot unlock an out-of-reach path
    expectForbidden(await srv.req('PATCH', `/customers/${w.cB1.id}`, { as: w.mgrA, body: { customerId: w.cA2.id, referenceId: 'x' } }));
  });

  test('/api/{Op}: body over query, and the tenant check uses the bound id', async () => {
    const r = await srv.req('POST', `/api/GetCustomer?customerId=${w.cB1.id}`, { as: w.mgrA, body: { customerId: w.cA1.id } });
    expectStatus(r, 200);
    assert.equal(r.json.id, w.cA1.id);
    expectForbidden(await srv.req('POST', `/api/GetCustomer?customerId=${w.cA1.id}`, { as: w.mgrA, body: { customerId: w.cB1.id } }));
    expectForbidden(await srv.req('GET', `/api/GetCustomer?customerId=${w.cB1.id}`, { as: w.mgrA }));
    expectForbidden(await srv.req('POST', '/api/DeleteCustomer', { as: w.mgrA, body: { customerId: w.cB1.id } }));
    await getC(w.cB1.id);
  });
});

describe('values round-trip exactly', () => {
  test('names with quotes, backslashes, control characters, non-ASCII and emoji', async () => {
    const name = 'Ünïcødé "quoted" \\ back\\slash\nnew line\ttab \u0001 ctrl / slash <b>&amp; 日本語 😀';
    const c = await newC({ accountId: w.A.id, name, referenceId: '{"not":"json"}' });
    assert.equal(c.name, name);
    const g = await getC(c.id);
    assert.equal(g.name, name);
    assert.equal(g.referenceId, '{"not":"json"}');
    assert.equal(g.breadcrumb[0].name, name);
    const l = await srv.ok('GET', '/customers', { as: w.sa, query: { nameFilter: '日本語' } });
    assert.deepEqual(l.items.map((x) => x.id), [c.id]);
  });

  test('numbers in data keep their value (doubles)', async () => {
    const nums = [0, -1, 0.1, 1e-7, 123456789.123, 2 ** 53, -2.5e300, 1 / 3];
    const data = Object.fromEntries(nums.map((n, i) => [`n${i}`, { numberValue: n }]));
    const c = await newC({ accountId: w.A.id, name: 'Nums', data });
    assert.deepEqual((await getC(c.id)).data, data);
  });

  test('a data value that is not a Value object is 400 naming Data', async () => {
    const r = await srv.req('POST', '/customers', { as: w.sa, body: { accountId: w.A.id, name: 'BadData', data: { k: 'plain string' } } });
    expectStatus(r, 400);
    const names = r.json.responseStatus.errors.map((e) => e.fieldName);
    assert.ok(names.some((n) => /^Data/.test(n)), `a field error under Data: ${JSON.stringify(names)}`);
  });
});
