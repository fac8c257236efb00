// users.test.mjs — NewUser, ListUsers, PatchUser, DeleteUser; UserInfo shape; tenancy.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, makeWorld, HEX24, PASSWORD, randomHex24, u, basic, expectStatus, expectError,
  expectForbidden, expectInvalidRole, expectNotFound, expectNoContent, expectUnauth, assertNoNulls,
  describeRes, rawTcp,
} from './harness.mjs';

let srv, w;
before(async () => { srv = await startServer(); w = await makeWorld(srv, 'usr'); });
after(() => srv && srv.cleanup());

const email = (p = 'user') => `${u(p)}@tests.evovoiced`;
const newUser = (body, as = w.sa) => srv.req('POST', '/users', { as, body: { firstName: 'Ann', lastName: 'Lee', password: PASSWORD, ...body } });
const USERINFO_ORDER = ['id', 'isAuthenticated', 'firstName', 'lastName', 'name', 'avatarUrl', 'emailAddress', 'roles', 'accountIds',
  'accountNames', 'managerAccess', 'dashboardPermissions', 'customerIds'];

describe('NewUser', () => {
  test('SA creates a Manager: UserInfo with every documented field, in documented order', async () => {
    const e = email('mgr');
    const r = await newUser({ accountId: w.A.id, emailAddress: e, firstName: 'Grace', lastName: 'Hopper', roles: ['Manager'], managerAccess: 'ReadWrite' });
    expectStatus(r, 200);
    const x = r.json;
    assertNoNulls(x);
    assert.match(x.id, HEX24);
    assert.equal(typeof x.isAuthenticated, 'boolean');
    assert.equal(x.firstName, 'Grace');
    assert.equal(x.lastName, 'Hopper');
    assert.equal(x.name, 'Grace Hopper');
    assert.equal(x.emailAddress, e);
    assert.deepEqual(x.roles, ['Manager']);
    assert.deepEqual(x.accountIds, [w.A.id]);
    assert.deepEqual(x.accountNames, [w.A.name]);
    assert.equal(x.managerAccess, 'ReadWrite');
    assert.ok(Array.isArray(x.dashboardPermissions));
    assert.deepEqual(x.customerIds, []);
    for (const k of Object.keys(x)) assert.ok(!/pass|hash|secret/i.test(k), `no secret key ${k}`);
    assert.ok(!r.text.includes(PASSWORD), 'password not echoed');
    const order = USERINFO_ORDER.filter((k) => k in x);
    assert.deepEqual(Object.keys(x), order, 'UserInfo keys in documented order (only documented keys)');
  });

  test('the new user can log in with its password', async () => {
    const e = email('login');
    await srv.ok('POST', '/users', { as: w.sa, body: { accountId: w.A.id, emailAddress: e, firstName: 'L', lastName: 'I', password: 'Fresh-Login-99!', roles: ['Manager'] } });
    const l = await srv.req('POST', '/auth/credentials', { body: { userName: e, password: 'Fresh-Login-99!' } });
    expectStatus(l, 200);
    assert.deepEqual(l.json.roles, ['Manager']);
    expectUnauth(await srv.req('POST', '/auth/credentials', { body: { userName: e, password: PASSWORD } }));
  });

  test('Customer-role user with customerIds', async () => {
    const r = await newUser({ accountId: w.A.id, emailAddress: email('cu'), roles: ['Customer'], customerIds: [w.cA1.id, w.cA2.id] });
    expectStatus(r, 200);
    assert.deepEqual(r.json.roles, ['Customer']);
    assert.deepEqual([...r.json.customerIds].sort(), [w.cA1.id, w.cA2.id].sort());
  });

  test('duplicate e-mail: 409 Conflict (system-wide, across accounts)', async () => {
    const e = email('dup');
    expectStatus(await newUser({ accountId: w.A.id, emailAddress: e, roles: ['Manager'] }), 200);
    expectError(await newUser({ accountId: w.B.id, emailAddress: e, roles: ['Manager'] }), 409, 'Conflict');
    expectError(await newUser({ accountId: w.A.id, emailAddress: e, roles: ['Customer'] }), 409, 'Conflict');
    expectError(await newUser({ accountId: w.A.id, emailAddress: w.sa.email, roles: ['Manager'] }), 409, 'Conflict');
  });

  test('concurrent creates of the same e-mail: exactly one 200', async () => {
    const e = email('race');
    const rs = await Promise.all(Array.from({ length: 6 }, () => newUser({ accountId: w.A.id, emailAddress: e, roles: ['Manager'] })));
    const codes = rs.map((r) => r.status).sort();
    assert.deepEqual(codes, [200, 409, 409, 409, 409, 409], `statuses ${codes}`);
  });

  test('SA may create a SystemAdministrator', async () => {
    const r = await newUser({ accountId: w.A.id, emailAddress: email('sa2'), roles: ['SystemAdministrator'] });
    expectStatus(r, 200);
    assert.deepEqual(r.json.roles, ['SystemAdministrator']);
  });

  test('Manager creates users in its account (and child account); not in another account', async () => {
    const r = await newUser({ accountId: w.A.id, emailAddress: email('bym'), roles: ['Customer'], customerIds: [w.cA1.id] }, w.mgrA);
    expectStatus(r, 200);
    expectStatus(await newUser({ accountId: w.A1.id, emailAddress: email('bym1'), roles: ['Manager'] }, w.mgrA), 200);
    expectForbidden(await newUser({ accountId: w.B.id, emailAddress: email('bymB'), roles: ['Manager'] }, w.mgrA));
  });

  test('Manager may not give the SystemAdministrator role: 403', async () => {
    const e = email('esc');
    const r = await newUser({ accountId: w.A.id, emailAddress: e, roles: ['SystemAdministrator'] }, w.mgrA);
    expectStatus(r, 403);
    assert.equal(r.json?.responseStatus?.errorCode, 'Forbidden');
    expectStatus(await newUser({ accountId: w.A.id, emailAddress: e, roles: ['Manager', 'SystemAdministrator'] }, w.mgrA), 403);
    // not created
    const l = await srv.ok('GET', '/users', { as: w.sa, query: { emailFilter: e } });
    assert.equal(l.items.length, 0);
  });

  test('Manager giving customerIds of another account is refused', async () => {
    const r = await newUser({ accountId: w.A.id, emailAddress: email('xcid'), roles: ['Customer'], customerIds: [w.cB1.id] }, w.mgrA);
    assert.ok([400, 403].includes(r.status), describeRes(r));
  });

  test('an unknown role name is 400', async () => {
    const r = await newUser({ accountId: w.A.id, emailAddress: email('badrole'), roles: ['Overlord'] });
    expectStatus(r, 400);
  });

  test('Customer and ReadOnly manager may not create users', async () => {
    expectInvalidRole(await newUser({ accountId: w.A.id, emailAddress: email('c'), roles: ['Customer'] }, w.custA));
    expectForbidden(await newUser({ accountId: w.A.id, emailAddress: email('ro'), roles: ['Customer'] }, w.mgrRO));
  });
});

describe('ListUsers', () => {
  test('SA sees every user, including SAs', async () => {
    const r = await srv.ok('GET', '/users', { as: w.sa, query: { all: true } });
    const emails = r.items.map((x) => x.emailAddress);
    for (const k of ['mgrA', 'mgrB', 'custA', 'custB']) assert.ok(emails.includes(w[k].email), k);
    assert.ok(emails.includes(w.sa.email));
    for (const it of r.items) for (const key of Object.keys(it)) assert.ok(!/pass|hash/i.test(key), key);
  });

  test('Manager of A sees users of A and A1 only, never SA users', async () => {
    const a1user = email('a1u');
    await srv.ok('POST', '/users', { as: w.sa, body: { accountId: w.A1.id, emailAddress: a1user, firstName: 'A', lastName: '1', password: PASSWORD, roles: ['Manager'] } });
    const saInA = email('sainA');
    await srv.ok('POST', '/users', { as: w.sa, body: { accountId: w.A.id, emailAddress: saInA, firstName: 'S', lastName: 'A', password: PASSWORD, roles: ['SystemAdministrator'] } });
    const r = await srv.ok('GET', '/users', { as: w.mgrA, query: { all: true } });
    const emails = r.items.map((x) => x.emailAddress);
    for (const k of ['mgrA', 'mgrRO', 'mgrRW', 'custA']) assert.ok(emails.includes(w[k].email), `${k} visible`);
    assert.ok(emails.includes(a1user), 'user of child account visible');
    assert.ok(!emails.includes(w.mgrB.email) && !emails.includes(w.custB.email), 'B users hidden');
    assert.ok(!emails.includes(w.sa.email) && !emails.includes(saInA), 'SA users hidden');
    assert.ok(r.items.every((x) => !x.roles.includes('SystemAdministrator')));
  });

  test('default order by emailAddress; paging', async () => {
    const r = await srv.ok('GET', '/users', { as: w.sa, query: { all: true } });
    const emails = r.items.map((x) => x.emailAddress);
    const sorted = [...emails].sort();
    const ci = [...emails].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
    assert.ok(JSON.stringify(emails) === JSON.stringify(sorted) || JSON.stringify(emails) === JSON.stringify(ci), `sorted by email: ${emails}`);
    const p0 = await srv.ok('GET', '/users', { as: w.sa, query: { countPerPage: 2, page: 0 } });
    const p1 = await srv.ok('GET', '/users', { as: w.sa, query: { countPerPage: 2, page: 1 } });
    assert.deepEqual([...p0.items, ...p1.items].map((x) => x.emailAddress), emails.slice(0, 4));
    assert.equal(p0.totalCount, emails.length);
    assert.equal(p0.totalPages, Math.ceil(emails.length / 2));
    assert.equal(p0.hasMorePages, true);
  });

  test('emailFilter and accountIds', async () => {
    const r = await srv.ok('GET', '/users', { as: w.sa, query: { emailFilter: 'mgrb.usr' } });
    assert.deepEqual(r.items.map((x) => x.emailAddress), [w.mgrB.email]);
    const b = await srv.ok('GET', '/users', { as: w.sa, query: { accountIds: w.B.id, all: true } });
    assert.deepEqual(b.items.map((x) => x.emailAddress).sort(), [w.custB.email, w.mgrB.email].sort());
  });

  test('sortField emailAddress Descend', async () => {
    const r = await srv.ok('GET', '/users', { as: w.sa, query: { accountIds: w.B.id, sortField: 'EmailAddress', sortOrder: 'Descend' } });
    assert.deepEqual(r.items.map((x) => x.emailAddress), [w.mgrB.email, w.custB.email].sort().reverse());
  });

  test('Customer: 403 Invalid Role', async () => {
    expectInvalidRole(await srv.req('GET', '/users', { as: w.custA }));
  });
});

describe('PatchUser', () => {
  const mk = async (extra = {}, acct = w.A.id) => (await srv.ok('POST', '/users', { as: w.sa, body: { accountId: acct, emailAddress: email('p'), firstName: 'Pat', lastName: 'Old', password: PASSWORD, roles: ['Manager'], ...extra } }));

  test('firstName/lastName update name; absent fields unchanged', async () => {
    const x = await mk({ managerAccess: 'ReadWrite' });
    const p = await srv.ok('PATCH', `/users/${x.id}`, { as: w.sa, body: { lastName: 'New' } });
    assert.equal(p.firstName, 'Pat'); assert.equal(p.lastName, 'New'); assert.equal(p.name, 'Pat New');
    assert.equal(p.managerAccess, 'ReadWrite'); assert.deepEqual(p.roles, ['Manager']); assert.deepEqual(p.accountIds, [w.A.id]);
    assert.equal(p.emailAddress, x.emailAddress);
  });

  test('newPassword: old password stops working, new one works (Basic and login)', async () => {
    const x = await mk();
    expectStatus(await srv.req('GET', '/accounts', { headers: { authorization: basic(x.emailAddress, PASSWORD) } }), 200);
    await srv.ok('PATCH', `/users/${x.id}`, { as: w.sa, body: { newPassword: 'Brand-New-Pass-1!' } });
    expectUnauth(await srv.req('GET', '/accounts', { headers: { authorization: basic(x.emailAddress, PASSWORD) } }));
    expectStatus(await srv.req('GET', '/accounts', { headers: { authorization: basic(x.emailAddress, 'Brand-New-Pass-1!') } }), 200);
    expectUnauth(await srv.req('POST', '/auth/credentials', { body: { userName: x.emailAddress, password: PASSWORD } }));
    expectStatus(await srv.req('POST', '/auth/credentials', { body: { userName: x.emailAddress, password: 'Brand-New-Pass-1!' } }), 200);
  });

  test('SA changes roles, accountIds, customerIds, managerAccess', async () => {
    const x = await mk();
    const p = await srv.ok('PATCH', `/users/${x.id}`, { as: w.sa, body: { roles: ['Customer'], customerIds: [w.cB1.id], accountIds: [w.B.id], managerAccess: 'ReadOnly' } });
    assert.deepEqual(p.roles, ['Customer']);
    assert.deepEqual(p.customerIds, [w.cB1.id]);
    assert.deepEqual(p.accountIds, [w.B.id]);
    assert.deepEqual(p.accountNames, [w.B.name]);
    assert.equal(p.managerAccess, 'ReadOnly');
    // effective immediately: now a Customer of cB1
    const me = { email: x.emailAddress, password: PASSWORD, basic: true };
    expectStatus(await srv.req('GET', `/customers/${w.cB1.id}`, { as: me }), 200);
    expectForbidden(await srv.req('GET', `/customers/${w.cA1.id}`, { as: me }));
    expectInvalidRole(await srv.req('GET', '/users', { as: me }));
  });

  test('Manager patches users of its account; not of B; never SA users', async () => {
    const x = await mk();
    const p = await srv.req('PATCH', `/users/${x.id}`, { as: w.mgrA, body: { firstName: 'ByMgr' } });
    expectStatus(p, 200);
    assert.equal(p.json.firstName, 'ByMgr');
    expectForbidden(await srv.req('PATCH', `/users/${w.mgrB.id}`, { as: w.mgrA, body: { firstName: 'hack' } }));
    const saUser = await mk({ roles: ['SystemAdministrator'] });
    expectForbidden(await srv.req('PATCH', `/users/${saUser.id}`, { as: w.mgrA, body: { firstName: 'hack' } }));
    const me = await srv.ok('GET', '/auth/status', { as: w.sa });
    expectForbidden(await srv.req('PATCH', `/users/${me.id}`, { as: w.mgrA, body: { newPassword: 'Takeover-123!' } }));
    expectStatus(await srv.req('GET', '/accounts', { headers: { authorization: basic(w.sa.email, w.sa.password) } }), 200);
  });

  test('Manager may not grant SystemAdministrator (403), even to itself', async () => {
    const x = await mk();
    expectStatus(await srv.req('PATCH', `/users/${x.id}`, { as: w.mgrA, body: { roles: ['SystemAdministrator'] } }), 403);
    expectStatus(await srv.req('PATCH', `/users/${w.mgrA.id}`, { as: w.mgrA, body: { roles: ['Manager', 'SystemAdministrator'] } }), 403);
    const l = await srv.ok('GET', '/users', { as: w.sa, query: { emailFilter: x.emailAddress } });
    assert.deepEqual(l.items[0].roles, ['Manager']);
    const s = await srv.ok('GET', '/auth/status', { as: { ...w.mgrA, basic: true } });
    assert.deepEqual(s.roles, ['Manager']);
  });

  test('Manager may not move a user into an account outside its reach', async () => {
    const x = await mk();
    const r = await srv.req('PATCH', `/users/${x.id}`, { as: w.mgrA, body: { accountIds: [w.B.id] } });
    expectStatus(r, 403);
  });

  test('missing user: 404; ReadOnly manager: 403; Customer: Invalid Role', async () => {
    expectNotFound(await srv.req('PATCH', `/users/${randomHex24()}`, { as: w.sa, body: { firstName: 'x' } }));
    expectNotFound(await srv.req('PATCH', `/users/${randomHex24()}`, { as: w.mgrA, body: { firstName: 'x' } }));
    const x = await mk();
    expectForbidden(await srv.req('PATCH', `/users/${x.id}`, { as: w.mgrRO, body: { firstName: 'x' } }));
    expectInvalidRole(await srv.req('PATCH', `/users/${x.id}`, { as: w.custA, body: { firstName: 'x' } }));
  });
});

describe('DeleteUser', () => {
  const mk = async (extra = {}, acct = w.A.id) => srv.ok('POST', '/users', { as: w.sa, body: { accountId: acct, emailAddress: email('d'), firstName: 'Del', lastName: 'Me', password: PASSWORD, roles: ['Manager'], ...extra } });

  test('204 empty body; the user can no longer authenticate (Basic or session); e-mail reusable', async () => {
    const x = await mk();
    const l = await srv.req('POST', '/auth/credentials', { body: { userName: x.emailAddress, password: PASSWORD } });
    const sid = l.json.sessionId;
    expectNoContent(await srv.req('DELETE', `/users/${x.id}`, { as: w.sa }));
    expectUnauth(await srv.req('GET', '/accounts', { headers: { authorization: basic(x.emailAddress, PASSWORD) } }));
    expectUnauth(await srv.req('GET', '/accounts', { headers: { 'X-ss-id': sid } }));
    const l2 = await srv.ok('GET', '/users', { as: w.sa, query: { emailFilter: x.emailAddress } });
    assert.equal(l2.items.length, 0);
    expectNotFound(await srv.req('DELETE', `/users/${x.id}`, { as: w.sa }));
    expectStatus(await newUser({ accountId: w.A.id, emailAddress: x.emailAddress, roles: ['Manager'] }), 200);
  });

  test('Manager deletes users of its account; not of B; not SA users', async () => {
    const x = await mk();
    expectNoContent(await srv.req('DELETE', `/users/${x.id}`, { as: w.mgrA }));
    const b = await mk({}, w.B.id);
    expectForbidden(await srv.req('DELETE', `/users/${b.id}`, { as: w.mgrA }));
    const s = await mk({ roles: ['SystemAdministrator'] });
    expectForbidden(await srv.req('DELETE', `/users/${s.id}`, { as: w.mgrA }));
    const all = (await srv.ok('GET', '/users', { as: w.sa, query: { all: true } })).items.map((y) => y.id);
    assert.ok(all.includes(b.id) && all.includes(s.id));
  });

  test('ReadWrite manager: 403; Customer: Invalid Role; missing: 404', async () => {
    const x = await mk();
    expectForbidden(await srv.req('DELETE', `/users/${x.id}`, { as: w.mgrRW }));
    expectInvalidRole(await srv.req('DELETE', `/users/${x.id}`, { as: w.custA }));
    expectNotFound(await srv.req('DELETE', `/users/${randomHex24()}`, { as: w.mgrA }));
  });
});

describe('manager privilege boundaries', () => {
  test('Manager may not widen its own accountIds or role', async () => {
    expectStatus(await srv.req('PATCH', `/users/${w.mgrRW.id}`, { as: w.mgrRW, body: { accountIds: [w.A.id, w.B.id] } }), 403);
    const me = (await srv.ok('GET', '/users', { as: w.sa, query: { emailFilter: w.mgrRW.email } })).items[0];
    assert.deepEqual(me.accountIds, [w.A.id]);
  });

  test('Manager may not attach customers of another account to a user', async () => {
    const x = await srv.ok('POST', '/users', { as: w.sa, body: { accountId: w.A.id, emailAddress: email('cids'), firstName: 'C', lastName: 'I', password: PASSWORD, roles: ['Customer'], customerIds: [w.cA1.id] } });
    const r = await srv.req('PATCH', `/users/${x.id}`, { as: w.mgrA, body: { customerIds: [w.cB1.id] } });
    assert.ok([400, 403].includes(r.status), describeRes(r));
    const after = (await srv.ok('GET', '/users', { as: w.sa, query: { emailFilter: x.emailAddress } })).items[0];
    assert.deepEqual(after.customerIds, [w.cA1.id]);
  });

  test('ListUsers filters never reveal users out of reach', async () => {
    for (const query of [{ accountIds: w.B.id }, { emailFilter: 'mgrb' }, { specificIds: `${w.mgrB.id},${w.custB.id}` }, { emailFilter: w.sa.email }]) {
      const r = await srv.req('GET', '/users', { as: w.mgrA, query: { ...query, all: true } });
      if (r.status === 403) continue;
      expectStatus(r, 200);
      for (const x of r.json.items) {
        assert.ok(!x.roles.includes('SystemAdministrator'), `SA leaked for ${JSON.stringify(query)}`);
        assert.ok(x.accountIds.every((a) => [w.A.id, w.A1.id].includes(a)), `${x.emailAddress} leaked for ${JSON.stringify(query)}`);
      }
    }
  });
});

describe('identity under concurrency', () => {
  test('parallel requests of different users (sessions and Basic) never mix identities', async () => {
    const users = [w.mgrA, w.mgrB, w.custA, w.custB, w.mgrRO];
    const jobs = [];
    for (let i = 0; i < 60; i++) {
      const x = users[i % users.length];
      const as = i % 2 ? x : { ...x, basic: true };
      jobs.push(srv.req('GET', '/auth/status', { as }).then((r) => [x.email, r]));
    }
    for (const [e, r] of await Promise.all(jobs)) {
      expectStatus(r, 200);
      assert.equal(r.json.emailAddress, e);
    }
  });
});

describe('credentials edge cases', () => {
  test('a password containing colons and non-ASCII works with Basic and login', async () => {
    const e = email('colon');
    const pw = 'pa:ss:wörd-123 ✓';
    await srv.ok('POST', '/users', { as: w.sa, body: { accountId: w.A.id, emailAddress: e, firstName: 'C', lastName: 'P', password: pw, roles: ['Manager'] } });
    expectStatus(await srv.req('GET', '/auth/status', { headers: { authorization: basic(e, pw) } }), 200);
    expectStatus(await srv.req('POST', '/auth/credentials', { body: { userName: e, password: pw } }), 200);
    expectUnauth(await srv.req('GET', '/accounts', { headers: { authorization: basic(e, 'pa') } }));
  });

  test('GET /auth/status of a Customer user carries its customerIds and accountIds', async () => {
    const s = await srv.ok('GET', '/auth/status', { as: w.custA });
    assert.deepEqual(s.customerIds, [w.cA1.id]);
    assert.deepEqual(s.accountIds, [w.A.id]);
    assert.deepEqual(s.roles, ['Customer']);
  });
});

// Each server thread keeps its own table of verified Basic headers in front of the shared
// one: a change to a user must reach every thread's table.  Fresh connections (one request
// each) land on every thread of the pool; all of them warm their tables first.  A server of
// its own, whose sign-in throttle does not step in after the first refusals.
describe('the Basic-credential cache of every thread', () => {
  const WIDE = 24;
  let s, acct;
  before(async () => {
    s = await startServer({ args: ['--login-free-attempts', '100000', '--login-free-attempts-per-address', '100000'] });
    acct = await s.ok('POST', '/accounts', { as: s.admin, body: { name: 'Thread caches' } });
  });
  after(() => s && s.cleanup());
  const statuses = async (header, path = '/accounts') => {
    const req = `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${header}\r\nConnection: close\r\n\r\n`;
    const raws = await Promise.all(Array.from({ length: WIDE }, () => rawTcp(s.port, req, 10000)));
    return raws.map((raw) => Number((/^HTTP\/1\.1 (\d{3})/.exec(raw) || [])[1] || 0));
  };
  const all = (list, status, what) => assert.deepEqual(list, list.map(() => status), what);

  test('a new password, a lost role and a deletion each take effect on every thread at once', async () => {
    const x = await s.ok('POST', '/users', { as: s.admin, body: { accountId: acct.id, emailAddress: email('tc'), firstName: 'T', lastName: 'C', password: PASSWORD, roles: ['Manager'] } });
    const old = basic(x.emailAddress, PASSWORD);
    all(await statuses(old), 200, 'warm: every connection is let in');
    await s.ok('PATCH', `/users/${x.id}`, { as: s.admin, body: { newPassword: 'Thread-New-Pass-1!' } });
    all(await statuses(old), 401, 'the old password, on every thread');
    const now = basic(x.emailAddress, 'Thread-New-Pass-1!');
    all(await statuses(now), 200, 'the new password, on every thread');
    await s.ok('PATCH', `/users/${x.id}`, { as: s.admin, body: { roles: ['Customer'] } });
    all(await statuses(now, '/users'), 403, 'no longer a Manager, on every thread');
    expectNoContent(await s.req('DELETE', `/users/${x.id}`, { as: s.admin }));
    all(await statuses(now), 401, 'deleted, on every thread');
  });
});
