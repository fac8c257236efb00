// seed-shapes.test.mjs — acceptance: the JSON key order of CustomerInfo and AccountInfo
// (recursively) equals the seeds'.
//
// CustomerInfo: the JSON sample in SetCustomerStagingMode...json.txt. The seed's metadata
// tables list every member in the same order; the sample body leaves out the two
// Struct-typed members (`data`, rule `flowParams`), which this API does return when set, so
// the expected order is the table order (= sample order with those two in place). The
// sample's `integrationData` cannot be set through the API and may be absent.
// AccountInfo: the JS class listing in PatchAccount...xml.txt (own members in order, then
// EntityInfo's); `trustHubProfileSid` and `twilioAccountSid` (no carrier configured) cannot
// be set and may be absent.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, customerShapes, accountShapes, isSubsequence, camel, seedResponseJson,
  STAGING_SEED, expectStatus,
} from './harness.mjs';

let srv, S, A, account, parentAccount, customer, parent, tagIds, tagsA;
const sa = () => srv.admin;

const OPTIONAL_CUSTOMER = ['integrationData'];
const OPTIONAL_ACCOUNT = ['trustHubProfileSid', 'twilioAccountSid'];

function expectKeys(obj, expected, where, optional = []) {
  assert.ok(obj && typeof obj === 'object' && !Array.isArray(obj), `${where} is an object: ${JSON.stringify(obj)}`);
  const want = expected.filter((k) => !optional.includes(k) || k in obj);
  assert.deepEqual(Object.keys(obj), want, `key order of ${where}`);
}

/** Same JSON type as the seed sample value, recursively over the sample's keys. */
function expectTypesLike(v, sample, where) {
  if (sample === null || sample === undefined) return;
  if (Array.isArray(sample)) {
    assert.ok(Array.isArray(v), `${where} is a list`);
    if (sample.length && v.length) v.forEach((x, i) => expectTypesLike(x, sample[0], `${where}[${i}]`));
    return;
  }
  if (typeof sample === 'object') {
    assert.ok(v && typeof v === 'object' && !Array.isArray(v), `${where} is an object`);
    if (where.endsWith('integrationData')) return; // a map: keys are data
    for (const k of Object.keys(sample)) if (k in v) expectTypesLike(v[k], sample[k], `${where}.${k}`);
    return;
  }
  assert.equal(typeof v, typeof sample, `${where}: ${JSON.stringify(v)} has the sample's type ${typeof sample}`);
}

function billing(n) {
  return Object.fromEntries(S.billing.map((k, i) => [k, { baseCost: n + i, rawUnitMultiplier: 1.5, unitCost: 0.5, allowance: i }]));
}

S = customerShapes();
A = accountShapes();

async function setup() {
  srv = await startServer();
  parentAccount = await srv.ok('POST', '/accounts', { as: sa(), body: { name: 'Shapes Parent' } });
  account = await srv.ok('POST', '/accounts', { as: sa(), body: { name: 'Shapes Account', parentAccountId: parentAccount.id } });
  account = await srv.ok('PATCH', `/accounts/${account.id}`, { as: sa(), body: { maxPhoneNumbers: 5, logoId: 'logo-file-1', billingSettings: billing(1) } });
  const st = await srv.ok('PATCH', '/system/settings', { as: sa(), body: { accountId: account.id, tags: [{ name: 'VIP', color: 'Gold' }, { name: 'Beta', color: 'Cyan' }] } });
  tagsA = st.tags;
  tagIds = st.tags.map((t) => t.id);
  parent = await srv.ok('POST', '/customers', { as: sa(), body: { accountId: account.id, name: 'Shapes Parent Co' } });
  customer = await srv.ok('POST', '/customers', {
    as: sa(), body: { accountId: account.id, name: 'Shapes Co', parentCustomerId: parent.id, referenceId: 'ref-1', data: { plan: { stringValue: 'gold' } } },
  });
  const rule = {
    id: 'r1', name: 'Hours', priority: 1, state: 'Open', source: 'manual', condition: 'c', simpleRuleType: 'Time',
    customerState: 'Open', flowId: 'f1', flowParams: { greeting: { stringValue: 'hi' } }, isAllDay: false,
    startDate: '2026-01-05', startTime: '09:00', endTime: '17:00', bySetPosition: [1], byMonth: [1], byWeekNo: [1],
    byYearDay: [1], byMonthDay: [1], byDay: [{ offset: 1, dayOfWeek: 'Monday' }], byHour: [9], byMinute: [30],
    interval: 1, count: 5, untilDate: '2027-01-01', frequency: 'Weekly',
  };
  const app = {
    enablePhoneNumberManagement: true, enableDeviceManagement: true, enableDialer: true, enableCallHistory: true,
    enableAssistants: true, showFileNameInMessageCenter: true, chakraTheme: 'dark', customCss: 'body{}', pageTitle: 'P',
    stringMappings: 's', logoutUrl: 'https://example.test/out', portMyNumberUrl: 'https://example.test/port',
  };
  await srv.ok('PATCH', `/customers/${customer.id}`, {
    as: sa(), body: {
      tagIds, schedule: { timeZoneId: 'America/Chicago', inherit: false, forceClosed: false, rules: [rule], defaultState: 'Closed' },
      overrideBillingSettings: true, billingSettings: billing(2), overrideAppSettings: true, appSettings: app,
    },
  });
}

describe('the seeds themselves (sanity of the derivation)', () => {
  test('CustomerInfo sample keys = table order minus the Struct members', () => {
    const sample = S.sample;
    assert.deepEqual(Object.keys(sample), S.customer.filter((k) => k !== 'data'));
    assert.deepEqual(Object.keys(sample.schedule), S.schedule);
    assert.deepEqual(Object.keys(sample.schedule.rules[0]), S.rule.filter((k) => k !== 'flowParams'));
    assert.deepEqual(Object.keys(sample.billingSettings), S.billing);
    assert.deepEqual(Object.keys(sample.appSettings), S.app);
    assert.deepEqual(Object.keys(sample.breadcrumb[0]), S.breadcrumb);
    assert.deepEqual(Object.keys(sample.tags[0]), S.tag);
    assert.equal(S.billing.length, 12);
    assert.ok(isSubsequence(Object.keys(sample), S.customer));
  });
  test('AccountInfo JS listing agrees with the XML sample members', () => {
    assert.deepEqual([...A.xmlMembers.map(camel)].sort(), [...A.account].sort());
    assert.deepEqual(A.entity, ['id', 'dateCreated', 'dateLastModified', 'createdBy', 'lastModifiedBy']);
    // the PatchAccount seed predates aiMessages; the customer seeds (and API.md) have 12 items
    assert.deepEqual([...A.jsBilling, 'aiMessages'], S.billing);
  });
});

describe('against the server', () => {
  before(setup);
  after(() => srv && srv.cleanup());

  describe('CustomerInfo key order (GetCustomer)', () => {
    let got;
    before(async () => { got = await srv.ok('GET', `/customers/${customer.id}`, { as: sa() }); });

    test('top level', () => { expectKeys(got, S.customer, 'CustomerInfo', OPTIONAL_CUSTOMER); });
    test('value types match the sample', () => { expectTypesLike(got, S.sample, 'CustomerInfo'); });
    test('breadcrumb[0]', () => {
      assert.equal(got.breadcrumb.length, 2);
      got.breadcrumb.forEach((b, i) => expectKeys(b, S.breadcrumb, `breadcrumb[${i}]`));
    });
    test('tags[0]', () => {
      assert.equal(got.tags.length, 2);
      got.tags.forEach((t, i) => expectKeys(t, S.tag, `tags[${i}]`));
    });
    test('schedule', () => { expectKeys(got.schedule, S.schedule, 'schedule'); });
    test('schedule.rules[0]', () => { expectKeys(got.schedule.rules[0], S.rule, 'schedule.rules[0]'); });
    test('schedule.rules[0].byDay[0]', () => { expectKeys(got.schedule.rules[0].byDay[0], S.byDay, 'byDay[0]'); });
    test('billingSettings and every item', () => {
      expectKeys(got.billingSettings, S.billing, 'billingSettings');
      for (const k of S.billing) expectKeys(got.billingSettings[k], S.billingItem, `billingSettings.${k}`);
    });
    test('appSettings', () => { expectKeys(got.appSettings, S.app, 'appSettings'); });
    test('integrationData, if present, is a map of {thirdPartyId}', () => {
      if (!('integrationData' in got)) return;
      for (const [k, v] of Object.entries(got.integrationData)) expectKeys(v, S.integration, `integrationData.${k}`);
    });
    test('values are what was set', () => {
      assert.equal(got.parentCustomerId, parent.id);
      assert.equal(got.accountName, 'Shapes Account');
      assert.equal(got.referenceId, 'ref-1');
      assert.deepEqual(got.data, { plan: { stringValue: 'gold' } });
      assert.deepEqual(got.schedule.rules[0].flowParams, { greeting: { stringValue: 'hi' } });
      assert.deepEqual(got.billingSettings, billing(2));
      assert.deepEqual([...got.tags].sort((a, b) => a.id.localeCompare(b.id)), [...tagsA].sort((a, b) => a.id.localeCompare(b.id)));
    });
  });

  describe('CustomerInfo key order in every operation that returns it', () => {
    const ops = {
      PatchCustomer: () => srv.ok('PATCH', `/customers/${customer.id}`, { as: sa(), body: { name: 'Shapes Co' } }),
      SetCustomerStagingMode: () => srv.ok('POST', `/customers/${customer.id}/staging`, { as: sa(), body: { isStaging: false } }),
      'ListCustomers item': async () => (await srv.ok('GET', '/customers', { as: sa(), query: { specificIds: customer.id } })).items[0],
      'GetCustomer via /api': () => srv.ok('GET', '/api/GetCustomer', { as: sa(), query: { customerId: customer.id } }),
    };
    for (const [name, run] of Object.entries(ops)) {
      test(name, async () => {
        const c = await run();
        expectKeys(c, S.customer, `${name} CustomerInfo`, OPTIONAL_CUSTOMER);
        expectKeys(c.schedule, S.schedule, `${name} schedule`);
        expectKeys(c.schedule.rules[0], S.rule, `${name} rules[0]`);
        expectKeys(c.billingSettings, S.billing, `${name} billingSettings`);
        expectKeys(c.appSettings, S.app, `${name} appSettings`);
      });
    }
    test('NewCustomer (defaults: no billing/app settings objects required, order still the seed order)', async () => {
      const c = await srv.ok('POST', '/customers', { as: sa(), body: { accountId: account.id, name: 'Plain', parentCustomerId: parent.id, referenceId: 'p' } });
      const optional = [...OPTIONAL_CUSTOMER, 'billingSettings', 'appSettings'];
      expectKeys(c, S.customer, 'NewCustomer CustomerInfo', optional);
      expectKeys(c.schedule, S.schedule.filter((k) => k in c.schedule), 'default schedule');
    });
  });

  describe('AccountInfo key order', () => {
    let got;
    before(async () => { got = await srv.ok('GET', `/accounts/${account.id}`, { as: sa() }); });
    test('GetAccount top level', () => { expectKeys(got, A.account, 'AccountInfo', OPTIONAL_ACCOUNT); });
    test('billingSettings and items', () => {
      expectKeys(got.billingSettings, S.billing, 'AccountInfo.billingSettings');
      for (const k of S.billing) expectKeys(got.billingSettings[k], A.billingItem, `AccountInfo.billingSettings.${k}`);
    });
    test('values', () => {
      assert.equal(got.parentAccountId, parentAccount.id);
      assert.deepEqual(got.ancestorIds, [parentAccount.id]);
      assert.equal(got.maxPhoneNumbers, 5);
      assert.equal(got.isBYOA, false);
      assert.equal(got.logoId, 'logo-file-1');
      assert.equal(typeof got.logoUri, 'string');
    });
    test('PatchAccount, NewAccount and ListAccounts answer in the same order', async () => {
      const p = await srv.ok('PATCH', `/accounts/${account.id}`, { as: sa(), body: { name: 'Shapes Account' } });
      expectKeys(p, A.account, 'PatchAccount AccountInfo', OPTIONAL_ACCOUNT);
      const l = await srv.ok('GET', '/accounts', { as: sa(), query: { specificIds: account.id } });
      expectKeys(l.items[0], A.account, 'ListAccounts item', OPTIONAL_ACCOUNT);
      const n = await srv.ok('POST', '/accounts', { as: sa(), body: { name: 'Shapes New', parentAccountId: parentAccount.id } });
      // a new account has no logo and maybe no billing settings yet
      expectKeys(n, A.account, 'NewAccount AccountInfo', [...OPTIONAL_ACCOUNT, 'logoId', 'logoUri', 'billingSettings']);
    });
  });

  describe('ListResponse key order', () => {
    test('items, totalCount, totalPages, hasMorePages', async () => {
      const r = await srv.req('GET', '/customers', { as: sa(), query: { accountIds: account.id } });
      expectStatus(r, 200);
      assert.deepEqual(Object.keys(r.json), ['items', 'totalCount', 'totalPages', 'hasMorePages']);
    });
  });
});

test('seed file is where the brief says', () => {
  assert.ok(seedResponseJson(STAGING_SEED).accountId === 'String');
});
