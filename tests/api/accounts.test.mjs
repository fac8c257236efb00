// accounts.test.mjs — NewAccount, GetAccount, ListAccounts, PatchAccount, DeleteAccount.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, makeWorld, HEX24, ISO_MS, PASSWORD, randomHex24, u, expectStatus, expectError,
  expectForbidden, expectNotFound, expectNoContent, assertNoNulls, describeRes,
} from './harness.mjs';

let srv, w;
before(async () => { srv = await startServer(); w = await makeWorld(srv, 'acc'); });
after(() => srv && srv.cleanup());

const BILLING_KEYS = ['base', 'localNumbers', 'tollFreeNumbers', 'inboundVoiceCalls', 'outboundVoiceCalls', 'inboundFaxes',
  'outboundFaxes', 'inboundSmsMessages', 'outboundSmsMessages', 'aiInsights', 'aiLiveMinutes', 'aiMessages'];
function billing(seed) {
  const b = {};
  BILLING_KEYS.forEach((k, i) => { b[k] = { baseCost: seed + i + 0.5, rawUnitMultiplier: 1.25, unitCost: 0.01 * (i + 1), allowance: 10 * i }; });
  return b;
}

describe('NewAccount', () => {
  test('SA creates a root account: AccountInfo with defaults and EntityInfo fields', async () => {
    const t0 = Date.now();
    const r = await srv.req('POST', '/accounts', { as: w.sa, body: { name: 'Root Co' } });
    expectStatus(r, 200);
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
    const a = r.json;
    assertNoNulls(a);
    assert.match(a.id, HEX24);
    assert.equal(a.name, 'Root Co');
    assert.deepEqual(a.ancestorIds, []);
    assert.equal(a.maxPhoneNumbers, 0);
    assert.equal(a.isBYOA, false);
    assert.ok(!('parentAccountId' in a), 'no parent: key omitted');
    assert.ok(!('twilioAuthToken' in a), 'auth token never returned');
    assert.match(a.dateCreated, ISO_MS);
    assert.match(a.dateLastModified, ISO_MS);
    assert.ok(Math.abs(Date.parse(a.dateCreated) - t0) < 60000, `dateCreated near now: ${a.dateCreated}`);
    assert.equal(a.createdBy, w.sa.email);
    assert.equal(a.lastModifiedBy, w.sa.email);
    // the id starts with 4 bytes of creation time
    const secs = parseInt(a.id.slice(0, 8), 16);
    assert.ok(Math.abs(secs * 1000 - t0) < 120000, `id time prefix ${secs} near now`);
  });

  test('child and grandchild accounts: parentAccountId and ancestorIds root-first', async () => {
    const root = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'Tree Root' } });
    const mid = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'Tree Mid', parentAccountId: root.id } });
    const leaf = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'Tree Leaf', parentAccountId: mid.id } });
    assert.equal(mid.parentAccountId, root.id);
    assert.deepEqual(mid.ancestorIds, [root.id]);
    assert.equal(leaf.parentAccountId, mid.id);
    assert.deepEqual(leaf.ancestorIds, [root.id, mid.id]);
    const got = await srv.ok('GET', `/accounts/${leaf.id}`, { as: w.sa });
    assert.deepEqual(got.ancestorIds, [root.id, mid.id]);
  });

  test('parentAccountId that does not exist is refused (400 or 404)', async () => {
    const r = await srv.req('POST', '/accounts', { as: w.sa, body: { name: 'Orphan', parentAccountId: randomHex24() } });
    assert.ok([400, 404].includes(r.status), describeRes(r));
  });

  test('ids are distinct across concurrent creates', async () => {
    const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => srv.ok('POST', '/accounts', { as: w.sa, body: { name: `Conc ${i}` } })));
    assert.equal(new Set(rs.map((a) => a.id)).size, 10);
  });

  test('Manager and Customer may not create accounts', async () => {
    const r = await srv.req('POST', '/accounts', { as: w.mgrA, body: { name: 'nope', parentAccountId: w.A.id } });
    expectError(r, 403, 'Forbidden', { message: 'Invalid Role' });
    expectError(await srv.req('POST', '/accounts', { as: w.custA, body: { name: 'nope' } }), 403, 'Forbidden');
  });
});

describe('GetAccount', () => {
  test('SA gets any account', async () => {
    const a = await srv.ok('GET', `/accounts/${w.B.id}`, { as: w.sa });
    assert.equal(a.id, w.B.id);
    assert.equal(a.name, w.B.name);
  });
  test('Manager of A gets A and its child A1', async () => {
    assert.equal((await srv.ok('GET', `/accounts/${w.A.id}`, { as: w.mgrA })).id, w.A.id);
    assert.equal((await srv.ok('GET', `/accounts/${w.A1.id}`, { as: w.mgrA })).id, w.A1.id);
  });
  test('Manager of A gets B: 403', async () => {
    expectForbidden(await srv.req('GET', `/accounts/${w.B.id}`, { as: w.mgrA }));
  });
  test('Manager of B gets A (its sibling) and A1: 403', async () => {
    expectForbidden(await srv.req('GET', `/accounts/${w.A.id}`, { as: w.mgrB }));
    expectForbidden(await srv.req('GET', `/accounts/${w.A1.id}`, { as: w.mgrB }));
  });
  test('Customer of A gets B: 403', async () => {
    expectForbidden(await srv.req('GET', `/accounts/${w.B.id}`, { as: w.custA }));
  });
  test('a Manager of the child account A1 does not reach the parent A', async () => {
    const email = `${u('a1mgr')}@tests.evovoiced`;
    await srv.ok('POST', '/users', { as: w.sa, body: { accountId: w.A1.id, emailAddress: email, firstName: 'C', lastName: 'M', password: PASSWORD, roles: ['Manager'] } });
    const me = { email, password: PASSWORD };
    expectForbidden(await srv.req('GET', `/accounts/${w.A.id}`, { as: me }));
    await srv.ok('GET', `/accounts/${w.A1.id}`, { as: me });
    const l = await srv.ok('GET', '/accounts', { as: me, query: { all: true } });
    assert.ok(l.items.some((a) => a.id === w.A1.id), 'sees A1');
    assert.ok(!l.items.some((a) => a.id === w.A.id || a.id === w.B.id), 'does not see A or B');
    const c = await srv.ok('GET', '/customers', { as: me, query: { all: true } });
    assert.ok(c.items.length >= 1 && c.items.every((x) => x.accountId === w.A1.id), 'customers of A1 only');
    expectForbidden(await srv.req('GET', `/customers/${w.cA1.id}`, { as: me }));
    const us = await srv.req('GET', '/users', { as: me, query: { all: true } });
    expectStatus(us, 200);
    assert.ok(!us.json.items.some((x) => x.emailAddress === w.mgrA.email), 'users of A hidden');
    expectForbidden(await srv.req('POST', '/users', { as: me, body: { accountId: w.A.id, emailAddress: `${u('up')}@tests.evovoiced`, firstName: 'a', lastName: 'b', password: PASSWORD, roles: ['Manager'] } }));
    expectForbidden(await srv.req('GET', '/system/settings', { as: me, query: { accountId: w.A.id } }));
  });

  test('a Manager of a root reaches grandchild accounts and their customers', async () => {
    const g = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'A grandchild', parentAccountId: w.A1.id } });
    const c = await srv.ok('POST', '/customers', { as: w.sa, body: { accountId: g.id, name: 'grand cust' } });
    assert.deepEqual(g.ancestorIds, [w.A.id, w.A1.id]);
    await srv.ok('GET', `/accounts/${g.id}`, { as: w.mgrA });
    await srv.ok('GET', `/customers/${c.id}`, { as: w.mgrA });
    const p = await srv.ok('PATCH', `/customers/${c.id}`, { as: w.mgrA, body: { referenceId: 'gc' } });
    assert.equal(p.referenceId, 'gc');
    const l = await srv.ok('GET', '/accounts', { as: w.mgrA, query: { all: true } });
    assert.ok(l.items.some((a) => a.id === g.id));
    expectForbidden(await srv.req('GET', `/accounts/${g.id}`, { as: w.mgrB }));
    expectNoContent(await srv.req('DELETE', `/customers/${c.id}`, { as: w.mgrA }));
    expectNoContent(await srv.req('DELETE', `/accounts/${g.id}`, { as: w.sa }));
  });

  test('missing account: 404 for SA and for a Manager', async () => {
    expectNotFound(await srv.req('GET', `/accounts/${randomHex24()}`, { as: w.sa }));
    expectNotFound(await srv.req('GET', `/accounts/${randomHex24()}`, { as: w.mgrA }));
  });
  test('GET /api/GetAccount?accountId= works', async () => {
    const a = await srv.ok('GET', '/api/GetAccount', { as: w.sa, query: { accountId: w.A.id } });
    assert.equal(a.id, w.A.id);
  });
});

describe('ListAccounts', () => {
  let L; // a private subtree to page over
  before(async () => {
    L = { root: await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'zzList Root' } }) };
    L.kids = [];
    for (const n of ['zzList E', 'zzList C', 'zzList A', 'zzList D', 'zzList B']) {
      L.kids.push(await srv.ok('POST', '/accounts', { as: w.sa, body: { name: n, parentAccountId: L.root.id } }));
    }
    L.email = `${u('listmgr')}@tests.evovoiced`;
    await srv.ok('POST', '/users', { as: w.sa, body: { accountId: L.root.id, emailAddress: L.email, firstName: 'L', lastName: 'M', password: PASSWORD, roles: ['Manager'] } });
    L.mgr = { email: L.email, password: PASSWORD };
  });

  test('ListResponse shape; SA sees every account', async () => {
    const r = await srv.ok('GET', '/accounts', { as: w.sa, query: { all: true } });
    assert.ok(Array.isArray(r.items));
    for (const k of ['totalCount', 'totalPages', 'hasMorePages']) assert.ok(k in r, `ListResponse has ${k}`);
    const ids = r.items.map((a) => a.id);
    for (const a of [w.A, w.A1, w.B, L.root, ...L.kids]) assert.ok(ids.includes(a.id), `SA sees ${a.name}`);
  });

  test('Manager of A sees A and A1 only', async () => {
    const r = await srv.ok('GET', '/accounts', { as: w.mgrA, query: { all: true } });
    assert.deepEqual(r.items.map((a) => a.id).sort(), [w.A.id, w.A1.id].sort());
  });

  test('Manager of a root sees the root and its 5 children, ordered by name', async () => {
    const r = await srv.ok('GET', '/accounts', { as: L.mgr });
    assert.deepEqual(r.items.map((a) => a.name), ['zzList A', 'zzList B', 'zzList C', 'zzList D', 'zzList E', 'zzList Root']);
    assert.equal(r.totalCount, 6);
    assert.equal(r.totalPages, 1);
    assert.equal(r.hasMorePages, false);
  });

  test('Customer never sees accounts outside its tenant', async () => {
    const r = await srv.req('GET', '/accounts', { as: w.custA, query: { all: true } });
    expectStatus(r, 200);
    const ids = r.json.items.map((a) => a.id);
    for (const x of [w.B.id, L.root.id]) assert.ok(!ids.includes(x), 'customer of A does not see B / others');
  });

  test('nameFilter is a case-insensitive substring', async () => {
    const r = await srv.ok('GET', '/accounts', { as: w.sa, query: { nameFilter: 'ZZLIST r', all: true } });
    assert.deepEqual(r.items.map((a) => a.id), [L.root.id]);
  });

  test('paging: page/countPerPage/totalCount/totalPages/hasMorePages', async () => {
    const p0 = await srv.ok('GET', '/accounts', { as: L.mgr, query: { countPerPage: 4, page: 0 } });
    assert.deepEqual(p0.items.map((a) => a.name), ['zzList A', 'zzList B', 'zzList C', 'zzList D']);
    assert.equal(p0.totalCount, 6); assert.equal(p0.totalPages, 2); assert.equal(p0.hasMorePages, true);
    const p1 = await srv.ok('GET', '/accounts', { as: L.mgr, query: { countPerPage: 4, page: 1 } });
    assert.deepEqual(p1.items.map((a) => a.name), ['zzList E', 'zzList Root']);
    assert.equal(p1.hasMorePages, false);
    const p9 = await srv.ok('GET', '/accounts', { as: L.mgr, query: { countPerPage: 4, page: 9 } });
    assert.deepEqual(p9.items, []);
  });

  test('sortField (either case) and sortOrder Descend', async () => {
    const a = await srv.ok('GET', '/accounts', { as: L.mgr, query: { sortField: 'Name', sortOrder: 'Descend' } });
    assert.deepEqual(a.items.map((x) => x.name), ['zzList Root', 'zzList E', 'zzList D', 'zzList C', 'zzList B', 'zzList A']);
    const b = await srv.ok('GET', '/accounts', { as: L.mgr, query: { sortField: 'name', sortOrder: 'Descend' } });
    assert.deepEqual(b.items.map((x) => x.id), a.items.map((x) => x.id));
    const c = await srv.ok('GET', '/accounts', { as: L.mgr, query: { sortField: 'dateCreated', sortOrder: 'Ascend' } });
    assert.equal(c.items[0].id, L.root.id, 'root was created first');
  });

  test('sortField on a numeric field (maxPhoneNumbers)', async () => {
    const caps = [30, 10, 50, 20, 40];
    for (let i = 0; i < 5; i++) await srv.ok('PATCH', `/accounts/${L.kids[i].id}`, { as: w.sa, body: { maxPhoneNumbers: caps[i] } });
    const r = await srv.ok('GET', '/accounts', { as: w.sa, query: { specificIds: L.kids.map((k) => k.id).join(','), sortField: 'MaxPhoneNumbers', sortOrder: 'Descend' } });
    assert.deepEqual(r.items.map((a) => a.maxPhoneNumbers), [50, 40, 30, 20, 10]);
    const r2 = await srv.ok('GET', '/accounts', { as: w.sa, query: { specificIds: L.kids.map((k) => k.id).join(','), sortField: 'maxPhoneNumbers' } });
    assert.deepEqual(r2.items.map((a) => a.maxPhoneNumbers), [10, 20, 30, 40, 50], 'numeric, not lexicographic, and Ascend by default');
  });

  test('specificIds', async () => {
    const r = await srv.ok('GET', '/accounts', { as: w.sa, query: { specificIds: `${L.kids[0].id},${L.kids[2].id}` } });
    assert.deepEqual(r.items.map((a) => a.id).sort(), [L.kids[0].id, L.kids[2].id].sort());
    const r2 = await srv.ok('GET', '/accounts', { as: w.sa, query: { specificIds: `[${L.kids[1].id},${L.kids[3].id}]` } });
    assert.deepEqual(r2.items.map((a) => a.id).sort(), [L.kids[1].id, L.kids[3].id].sort());
  });

  test('simplifiedPaging', async () => {
    const r = await srv.ok('GET', '/accounts', { as: L.mgr, query: { countPerPage: 4, simplifiedPaging: true } });
    assert.equal(r.items.length, 4);
    assert.equal(r.totalCount, 0); assert.equal(r.totalPages, 0); assert.equal(r.hasMorePages, true);
    const r1 = await srv.ok('GET', '/accounts', { as: L.mgr, query: { countPerPage: 4, page: 1, simplifiedPaging: true } });
    assert.equal(r1.items.length, 2); assert.equal(r1.hasMorePages, false);
  });

  test('countPerPage above 1000 is 400; 1000 is fine', async () => {
    const r = await srv.req('GET', '/accounts', { as: w.sa, query: { countPerPage: 1001 } });
    expectStatus(r, 400);
    expectStatus(await srv.req('GET', '/accounts', { as: w.sa, query: { countPerPage: 1000 } }), 200);
  });

  test('default countPerPage is 25', async () => {
    for (let i = 0; i < 26; i++) await srv.ok('POST', '/accounts', { as: w.sa, body: { name: `Bulk ${String(i).padStart(2, '0')}` } });
    const r = await srv.ok('GET', '/accounts', { as: w.sa });
    assert.equal(r.items.length, 25);
    assert.equal(r.hasMorePages, true);
    assert.ok(r.totalCount > 25);
    assert.equal(r.totalPages, Math.ceil(r.totalCount / 25));
  });
});

describe('PatchAccount', () => {
  test('SA sets name, maxPhoneNumbers, logoId and billingSettings (12 items incl. aiMessages)', async () => {
    const a = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'Patch Me' } });
    await new Promise((r) => setTimeout(r, 15));
    const bs = billing(1);
    const p = await srv.ok('PATCH', `/accounts/${a.id}`, { as: w.sa, body: { name: 'Patched', maxPhoneNumbers: 42, logoId: 'logo-123', billingSettings: bs } });
    assert.equal(p.id, a.id);
    assert.equal(p.name, 'Patched');
    assert.equal(p.maxPhoneNumbers, 42);
    assert.equal(p.logoId, 'logo-123');
    assert.deepEqual(Object.keys(p.billingSettings), BILLING_KEYS);
    assert.deepEqual(p.billingSettings, bs);
    assert.equal(p.dateCreated, a.dateCreated);
    assert.ok(p.dateLastModified > a.dateLastModified, `dateLastModified advanced: ${a.dateLastModified} -> ${p.dateLastModified}`);
    assert.equal(p.lastModifiedBy, w.sa.email);
    const g = await srv.ok('GET', `/accounts/${a.id}`, { as: w.sa });
    assert.deepEqual(g, p, 'GET equals the PATCH response');
  });

  test('absent or null fields are left unchanged', async () => {
    const a = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'Keep' } });
    await srv.ok('PATCH', `/accounts/${a.id}`, { as: w.sa, body: { maxPhoneNumbers: 5, logoId: 'L1', billingSettings: billing(2) } });
    const p = await srv.ok('PATCH', `/accounts/${a.id}`, { as: w.sa, body: { name: 'Keep 2' } });
    assert.equal(p.maxPhoneNumbers, 5); assert.equal(p.logoId, 'L1'); assert.deepEqual(p.billingSettings, billing(2));
    const q = await srv.ok('PATCH', `/accounts/${a.id}`, { as: w.sa, body: { name: null, maxPhoneNumbers: null, logoId: null, billingSettings: null } });
    assert.equal(q.name, 'Keep 2'); assert.equal(q.maxPhoneNumbers, 5); assert.equal(q.logoId, 'L1'); assert.deepEqual(q.billingSettings, billing(2));
  });

  test('maxPhoneNumbers 0 is written (0 means no cap)', async () => {
    const a = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'Zero' } });
    await srv.ok('PATCH', `/accounts/${a.id}`, { as: w.sa, body: { maxPhoneNumbers: 3 } });
    const p = await srv.ok('PATCH', `/accounts/${a.id}`, { as: w.sa, body: { maxPhoneNumbers: 0 } });
    assert.equal(p.maxPhoneNumbers, 0);
  });

  test('billingSettings given is replaced whole', async () => {
    const a = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'Bill' } });
    await srv.ok('PATCH', `/accounts/${a.id}`, { as: w.sa, body: { billingSettings: billing(3) } });
    const p = await srv.ok('PATCH', `/accounts/${a.id}`, { as: w.sa, body: { billingSettings: { base: { baseCost: 9, rawUnitMultiplier: 1, unitCost: 2, allowance: 3 } } } });
    assert.deepEqual(p.billingSettings.base, { baseCost: 9, rawUnitMultiplier: 1, unitCost: 2, allowance: 3 });
    const ln = p.billingSettings.localNumbers;
    assert.ok(ln === undefined || ln.baseCost !== billing(3).localNumbers.baseCost, `localNumbers not kept from before: ${JSON.stringify(ln)}`);
  });

  test('maxPhoneNumbers beyond int32 or fractional is 400 naming MaxPhoneNumbers', async () => {
    const a = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'Int32' } });
    expectStatus(await srv.req('PATCH', `/accounts/${a.id}`, { as: w.sa, body: { maxPhoneNumbers: 2147483647 } }), 200);
    expectError(await srv.req('PATCH', `/accounts/${a.id}`, { as: w.sa, body: { maxPhoneNumbers: 2147483648 } }), 400, undefined, { fieldName: 'MaxPhoneNumbers' });
    expectError(await srv.req('PATCH', `/accounts/${a.id}`, { as: w.sa, body: { maxPhoneNumbers: 1.5 } }), 400, undefined, { fieldName: 'MaxPhoneNumbers' });
    assert.equal((await srv.ok('GET', `/accounts/${a.id}`, { as: w.sa })).maxPhoneNumbers, 2147483647);
  });

  test('a string for maxPhoneNumbers is 400 naming MaxPhoneNumbers', async () => {
    const r = await srv.req('PATCH', `/accounts/${w.A.id}`, { as: w.sa, body: { maxPhoneNumbers: 'abc' } });
    expectError(r, 400, undefined, { fieldName: 'MaxPhoneNumbers' });
  });

  test('Manager (even of the account) and Customer get 403 Invalid Role', async () => {
    expectError(await srv.req('PATCH', `/accounts/${w.A.id}`, { as: w.mgrA, body: { name: 'x' } }), 403, 'Forbidden', { message: 'Invalid Role' });
    expectError(await srv.req('PATCH', `/accounts/${w.A.id}`, { as: w.custA, body: { name: 'x' } }), 403, 'Forbidden', { message: 'Invalid Role' });
    assert.equal((await srv.ok('GET', `/accounts/${w.A.id}`, { as: w.sa })).name, w.A.name);
  });

  test('missing account: 404', async () => {
    expectNotFound(await srv.req('PATCH', `/accounts/${randomHex24()}`, { as: w.sa, body: { name: 'x' } }));
  });

  test('renaming an account shows in accountName of its customers and accountNames of its users', async () => {
    const a = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'Before Rename' } });
    const c = await srv.ok('POST', '/customers', { as: w.sa, body: { accountId: a.id, name: 'rc' } });
    assert.equal(c.accountName, 'Before Rename');
    await srv.ok('PATCH', `/accounts/${a.id}`, { as: w.sa, body: { name: 'After Rename' } });
    assert.equal((await srv.ok('GET', `/customers/${c.id}`, { as: w.sa })).accountName, 'After Rename');
  });
});

describe('DeleteAccount', () => {
  test('SA deletes an empty account: 204 empty body; then 404', async () => {
    const a = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'Doomed' } });
    const r = await srv.req('DELETE', `/accounts/${a.id}`, { as: w.sa });
    expectNoContent(r);
    expectNotFound(await srv.req('GET', `/accounts/${a.id}`, { as: w.sa }));
    const l = await srv.ok('GET', '/accounts', { as: w.sa, query: { all: true } });
    assert.ok(!l.items.some((x) => x.id === a.id));
    expectNotFound(await srv.req('DELETE', `/accounts/${a.id}`, { as: w.sa }));
    expectNotFound(await srv.req('GET', '/system/settings', { as: w.sa, query: { accountId: a.id } }));
    expectNotFound(await srv.req('PATCH', `/accounts/${a.id}`, { as: w.sa, body: { name: 'ghost' } }));
  });

  test('an account with customers: 409 Conflict', async () => {
    const a = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'Has Customers' } });
    const c = await srv.ok('POST', '/customers', { as: w.sa, body: { accountId: a.id, name: 'c' } });
    expectError(await srv.req('DELETE', `/accounts/${a.id}`, { as: w.sa }), 409, 'Conflict');
    await srv.ok('GET', `/accounts/${a.id}`, { as: w.sa });
    expectNoContent(await srv.req('DELETE', `/customers/${c.id}`, { as: w.sa }));
    expectNoContent(await srv.req('DELETE', `/accounts/${a.id}`, { as: w.sa }));
  });

  test('an account with users: 409 Conflict', async () => {
    const a = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'Has Users' } });
    const usr = await srv.ok('POST', '/users', { as: w.sa, body: { accountId: a.id, emailAddress: `${u('du')}@tests.evovoiced`, firstName: 'a', lastName: 'b', password: PASSWORD, roles: ['Manager'] } });
    expectError(await srv.req('DELETE', `/accounts/${a.id}`, { as: w.sa }), 409, 'Conflict');
    expectNoContent(await srv.req('DELETE', `/users/${usr.id}`, { as: w.sa }));
    expectNoContent(await srv.req('DELETE', `/accounts/${a.id}`, { as: w.sa }));
  });

  test('missing account: 404', async () => {
    expectNotFound(await srv.req('DELETE', `/accounts/${randomHex24()}`, { as: w.sa }));
  });

  test('Manager and Customer: 403 Invalid Role', async () => {
    const a = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'Safe', parentAccountId: w.A.id } });
    expectError(await srv.req('DELETE', `/accounts/${a.id}`, { as: w.mgrA }), 403, 'Forbidden', { message: 'Invalid Role' });
    expectError(await srv.req('DELETE', `/accounts/${a.id}`, { as: w.custA }), 403, 'Forbidden', { message: 'Invalid Role' });
    await srv.ok('GET', `/accounts/${a.id}`, { as: w.sa });
  });
});
