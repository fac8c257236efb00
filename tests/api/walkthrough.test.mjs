// walkthrough.test.mjs — acceptance walk-through, in order, as one client session:
// NewAccount, NewCustomer x3 in a tree, PatchCustomer with every field of the seed,
// re-parenting, PatchAccount with every field of the seed, SetCustomerStagingMode; each
// response carrying the seed's fields (and the values sent).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, customerShapes, accountShapes, seedTableFields, seedJsClassMembers, camel, HEX24, ISO_MS,
  PATCH_CUSTOMER_SEED, PATCH_ACCOUNT_SEED, STAGING_SEED, seedRequestJson,
} from './harness.mjs';

let srv, S, A, sid;
const st = {};
before(async () => {
  S = customerShapes();
  A = accountShapes();
  srv = await startServer();
  // one logged-in session for the whole walk (cookie-less: X-ss-id)
  sid = await srv.login(srv.admin);
});
after(() => srv && srv.cleanup());

const as = () => srv.admin; // harness reuses the cached session id
const OPTIONAL_CUSTOMER = ['integrationData'];

/** Every key of the seed sample is present (except the optional ones), in seed order. */
function carriesSeedFields(obj, expectedOrder, where, optional = []) {
  const want = expectedOrder.filter((k) => !optional.includes(k));
  for (const k of want) assert.ok(k in obj, `${where} carries ${k}; got keys ${JSON.stringify(Object.keys(obj))}`);
  const present = expectedOrder.filter((k) => k in obj);
  assert.deepEqual(Object.keys(obj), present, `${where}: only documented keys, in seed order`);
}

const entityOk = (x, where) => {
  assert.match(x.id, HEX24, `${where}.id`);
  assert.match(x.dateCreated, ISO_MS, `${where}.dateCreated`);
  assert.match(x.dateLastModified, ISO_MS, `${where}.dateLastModified`);
  assert.equal(x.createdBy, srv.admin.email, `${where}.createdBy`);
  assert.equal(x.lastModifiedBy, srv.admin.email, `${where}.lastModifiedBy`);
};

test('1. NewAccount', async () => {
  st.account = await srv.ok('POST', '/accounts', { as: as(), body: { name: 'Walk Telecom' } });
  entityOk(st.account, 'AccountInfo');
  assert.equal(st.account.name, 'Walk Telecom');
  assert.deepEqual(st.account.ancestorIds, []);
  assert.equal(st.account.isBYOA, false);
  assert.equal(st.account.maxPhoneNumbers, 0);
  carriesSeedFields(st.account, A.account, 'NewAccount', ['trustHubProfileSid', 'twilioAccountSid', 'parentAccountId', 'logoId', 'logoUri', 'billingSettings']);
  st.settings = await srv.ok('PATCH', '/system/settings', { as: as(), body: { accountId: st.account.id, tags: [{ name: 'Gold', color: 'Gold' }, { name: 'Trial', color: 'Lime' }] } });
});

test('2. NewCustomer x3 in a tree (root > branch > leaf)', async () => {
  const mk = (name, parentCustomerId) => srv.ok('POST', '/customers', { as: as(), body: { accountId: st.account.id, name, ...(parentCustomerId ? { parentCustomerId } : {}) } });
  st.root = await mk('Walk Root');
  st.branch = await mk('Walk Branch', st.root.id);
  st.leaf = await mk('Walk Leaf', st.branch.id);
  for (const [k, c] of Object.entries({ root: st.root, branch: st.branch, leaf: st.leaf })) {
    entityOk(c, k);
    assert.equal(c.accountId, st.account.id);
    assert.equal(c.accountName, 'Walk Telecom');
    assert.equal(c.isStaging, false);
    carriesSeedFields(c, S.customer, `NewCustomer ${k}`, [...OPTIONAL_CUSTOMER, 'parentCustomerId', 'referenceId', 'billingSettings', 'appSettings']);
  }
  assert.deepEqual(st.leaf.breadcrumb, [{ id: st.root.id, name: 'Walk Root' }, { id: st.branch.id, name: 'Walk Branch' }, { id: st.leaf.id, name: 'Walk Leaf' }]);
  assert.equal(st.leaf.parentCustomerId, st.branch.id);
});

test('3. PatchCustomer with every field of the seed', async () => {
  // the seed's request fields (path + query table), all of which this body sets
  const fields = seedTableFields(PATCH_CUSTOMER_SEED, 'CustomerId', 'Name').map(camel);
  const rule = {
    id: 'open-hours', name: 'Open hours', priority: 10, state: 'Open', source: 'walk', condition: 'always',
    simpleRuleType: 'Time', customerState: 'Open', flowId: 'flow-1', flowParams: { lang: { stringValue: 'en' } }, isAllDay: false,
    startDate: '2026-01-05', startTime: '08:30', endTime: '18:00', bySetPosition: [1], byMonth: [1, 6], byWeekNo: [3],
    byYearDay: [100], byMonthDay: [15], byDay: [{ offset: 0, dayOfWeek: 'Tuesday' }, { offset: -1, dayOfWeek: 'Friday' }],
    byHour: [8], byMinute: [30], interval: 2, count: 12, untilDate: '2027-06-30', frequency: 'Monthly',
  };
  const billingSettings = Object.fromEntries(S.billing.map((k, i) => [k, { baseCost: 10 + i, rawUnitMultiplier: 1.1, unitCost: 0.02, allowance: 100 * i }]));
  const appSettings = {
    enablePhoneNumberManagement: true, enableDeviceManagement: false, enableDialer: true, enableCallHistory: false,
    enableAssistants: true, showFileNameInMessageCenter: true, chakraTheme: 'teal', customCss: '.x{color:red}', pageTitle: 'Walk Portal',
    stringMappings: 'Customer=Client', logoutUrl: 'https://walk.test/logout', portMyNumberUrl: 'https://walk.test/port',
  };
  const body = {
    customerId: st.branch.id, name: 'Walk Branch Renamed', parentCustomerId: st.root.id, referenceId: 'WALK-42',
    data: { tier: { stringValue: 'gold' }, seats: { numberValue: 25 } }, tagIds: st.settings.tags.map((t) => t.id),
    schedule: { timeZoneId: 'Europe/Berlin', inherit: false, forceClosed: false, rules: [rule], defaultState: 'Closed' },
    overrideBillingSettings: true, billingSettings, overrideAppSettings: true, appSettings,
  };
  assert.deepEqual(Object.keys(body), fields, 'the request sets every field the seed documents, in its order');
  // the seed's JSV request sample names the same fields (less the Struct `data`)
  const p = await srv.ok('PATCH', `/customers/${st.branch.id}`, { as: as(), body });
  st.branch = p;
  carriesSeedFields(p, S.customer, 'PatchCustomer', OPTIONAL_CUSTOMER);
  assert.equal(p.name, 'Walk Branch Renamed');
  assert.equal(p.parentCustomerId, st.root.id);
  assert.equal(p.referenceId, 'WALK-42');
  assert.deepEqual(p.data, body.data);
  assert.deepEqual([...p.tags].sort((a, b) => a.id.localeCompare(b.id)), [...st.settings.tags].sort((a, b) => a.id.localeCompare(b.id)));
  assert.deepEqual(p.schedule, body.schedule);
  assert.equal(p.overrideBillingSettings, true);
  assert.deepEqual(p.billingSettings, billingSettings);
  assert.equal(p.overrideAppSettings, true);
  assert.deepEqual(p.appSettings, appSettings);
  carriesSeedFields(p.schedule, S.schedule, 'schedule');
  carriesSeedFields(p.schedule.rules[0], S.rule, 'schedule.rules[0]');
  carriesSeedFields(p.billingSettings, S.billing, 'billingSettings');
  carriesSeedFields(p.appSettings, S.app, 'appSettings');
  // rename shows in the leaf's breadcrumb
  const leaf = await srv.ok('GET', `/customers/${st.leaf.id}`, { as: as() });
  assert.deepEqual(leaf.breadcrumb.map((b) => b.name), ['Walk Root', 'Walk Branch Renamed', 'Walk Leaf']);
});

test('4. Re-parenting: leaf to the root, branch to the top level', async () => {
  const l = await srv.ok('PATCH', `/customers/${st.leaf.id}`, { as: as(), body: { parentCustomerId: st.root.id } });
  assert.equal(l.parentCustomerId, st.root.id);
  assert.deepEqual(l.breadcrumb.map((b) => b.id), [st.root.id, st.leaf.id]);
  carriesSeedFields(l, S.customer, 'PatchCustomer (leaf)', [...OPTIONAL_CUSTOMER, 'referenceId', 'billingSettings', 'appSettings']);
  // move the leaf back under the branch, then the branch (with the leaf) to the top level
  await srv.ok('PATCH', `/customers/${st.leaf.id}`, { as: as(), body: { parentCustomerId: st.branch.id } });
  const b = await srv.ok('PATCH', `/customers/${st.branch.id}`, { as: as(), body: { parentCustomerId: '' } });
  assert.ok(!b.parentCustomerId);
  assert.deepEqual(b.breadcrumb, [{ id: st.branch.id, name: 'Walk Branch Renamed' }]);
  const leaf = await srv.ok('GET', `/customers/${st.leaf.id}`, { as: as() });
  assert.deepEqual(leaf.breadcrumb.map((x) => x.id), [st.branch.id, st.leaf.id]);
  // the branch kept every other field
  assert.equal(b.referenceId, 'WALK-42');
  assert.equal(b.schedule.rules.length, 1);
  // a cycle is refused
  const r = await srv.req('PATCH', `/customers/${st.branch.id}`, { as: as(), body: { parentCustomerId: st.leaf.id } });
  assert.equal(r.status, 400);
});

test('5. PatchAccount with every field of the seed', async () => {
  const fields = seedJsClassMembers(PATCH_ACCOUNT_SEED, 'PatchAccount');
  const billingSettings = Object.fromEntries(S.billing.map((k, i) => [k, { baseCost: 1 + i, rawUnitMultiplier: 2.5, unitCost: 0.75, allowance: 7 * i }]));
  const body = { accountId: st.account.id, name: 'Walk Telecom Ltd', maxPhoneNumbers: 50, logoId: 'logo-walk', billingSettings };
  assert.deepEqual(Object.keys(body), fields, 'the request sets every field the seed documents');
  const p = await srv.ok('PATCH', `/accounts/${st.account.id}`, { as: as(), body });
  carriesSeedFields(p, A.account, 'PatchAccount', ['trustHubProfileSid', 'twilioAccountSid', 'parentAccountId']);
  assert.equal(p.name, 'Walk Telecom Ltd');
  assert.equal(p.maxPhoneNumbers, 50);
  assert.equal(p.logoId, 'logo-walk');
  assert.deepEqual(p.billingSettings, billingSettings);
  assert.equal(p.id, st.account.id);
  assert.equal(p.dateCreated, st.account.dateCreated);
  // the customers show the new account name
  assert.equal((await srv.ok('GET', `/customers/${st.root.id}`, { as: as() })).accountName, 'Walk Telecom Ltd');
});

test('6. SetCustomerStagingMode', async () => {
  const body = seedRequestJson(STAGING_SEED); // {"customerId":"String","isStaging":false}
  assert.deepEqual(Object.keys(body), ['customerId', 'isStaging']);
  const p = await srv.ok('POST', `/customers/${st.branch.id}/staging`, { as: as(), body: { ...body, customerId: st.branch.id, isStaging: true } });
  carriesSeedFields(p, S.customer, 'SetCustomerStagingMode', [...OPTIONAL_CUSTOMER, 'parentCustomerId']); // top level since step 4
  assert.equal(p.isStaging, true);
  assert.equal(p.accountName, 'Walk Telecom Ltd');
  assert.equal(p.name, 'Walk Branch Renamed');
  assert.deepEqual(p.billingSettings, st.branch.billingSettings, 'staging leaves the rest alone');
  assert.equal((await srv.ok('GET', `/customers/${st.branch.id}`, { as: as() })).isStaging, true);
  assert.equal((await srv.ok('GET', `/customers/${st.leaf.id}`, { as: as() })).isStaging, false, 'children keep their own flag');
});

test('7. the walk used one session throughout', async () => {
  const r = await srv.req('GET', '/auth/status', { headers: { 'X-ss-id': sid } });
  assert.equal(r.status, 200);
  assert.equal(r.json.emailAddress, srv.admin.email);
});
