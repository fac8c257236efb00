// security.test.mjs — the tenant-isolation findings, each pinned: lists that leak the
// other tenant, Managers raising their own access, password guessing without back-off,
// session cookies without SameSite/Secure, and passwords in URLs.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, makeWorld, basic, PASSWORD, expectStatus, expectError, expectForbidden, describeRes, u,
} from './harness.mjs';

function cookies(res) {
  const map = {};
  for (const c of res.headers.getSetCookie()) {
    const [nv, ...attrs] = c.split(';').map((x) => x.trim());
    const eq = nv.indexOf('=');
    map[nv.slice(0, eq)] = { value: nv.slice(eq + 1), attrs: attrs.map((a) => a.toLowerCase()), raw: c };
  }
  return map;
}

describe('tenants and Managers', () => {
  let srv, w, both;
  before(async () => {
    srv = await startServer();
    w = await makeWorld(srv, 'sec');
    // a user the administrator placed in both tenants
    const email = `${u('both')}@tests.evovoiced`;
    both = await srv.ok('POST', '/users', { as: srv.admin, body: { accountId: w.A.id, emailAddress: email, password: PASSWORD, roles: ['Customer'] } });
    both = await srv.ok('PATCH', `/users/${both.id}`, { as: srv.admin, body: { accountIds: [w.A.id, w.B.id] } });
  });
  after(() => srv && srv.cleanup());

  test('ListUsers shows a user in two tenants to neither tenant\'s Manager, in every format, filter and page', async () => {
    // what a Manager of A may not act on, it may not see in a list either
    expectForbidden(await srv.req('PATCH', `/users/${both.id}`, { as: w.mgrA, body: {} }));
    const queries = [{}, { accountIds: w.A.id }, { accountIds: [w.A.id, w.B.id] }, { emailFilter: 'both' }, { all: true },
      { countPerPage: 1, page: 0 }, { countPerPage: 1, page: 3 }, { simplifiedPaging: true }, { specificIds: both.id }];
    for (const who of [w.mgrA, w.mgrB]) {
      for (const q of queries) {
        for (const format of ['json', 'jsv', 'xml', 'csv']) {
          const r = await srv.req('GET', '/users', { as: who, query: { ...q, format } });
          expectStatus(r, 200, `${who.email} ${JSON.stringify(q)} ${format}`);
          assert.ok(!r.text.includes(both.id), `${who.email} must not list ${both.id}: ${describeRes(r)}`);
          const other = who === w.mgrA ? w.B : w.A;
          assert.ok(!r.text.includes(other.id) && !r.text.includes(other.name), `no other tenant in ${describeRes(r)}`);
        }
      }
    }
    // the administrator sees it; a Manager of A still lists A's own users
    const sa = await srv.ok('GET', '/users', { as: srv.admin, query: { all: true } });
    assert.ok(sa.items.some((x) => x.id === both.id));
    const mine = await srv.ok('GET', '/users', { as: w.mgrA, query: { all: true } });
    assert.ok(mine.items.some((x) => x.id === w.custA.id) && mine.items.every((x) => x.accountIds.every((a) => [w.A.id, w.A1.id].includes(a))));
    assert.equal(mine.totalCount, mine.items.length, 'totalCount counts only what is listed');
  });

  test('every list applies the read rule: each item listed can be read by the same login', async () => {
    const reads = { '/accounts': (x) => `/accounts/${x.id}`, '/customers': (x) => `/customers/${x.id}`, '/endpoints': (x) => `/endpoints/${x.id}` };
    for (const who of [w.mgrA, w.mgrRO, w.mgrB, w.custA, w.custB]) {
      for (const [list, read] of Object.entries(reads)) {
        const r = await srv.ok('GET', list, { as: who, query: { all: true } });
        for (const item of r.items) expectStatus(await srv.req('GET', read(item), { as: who }), 200, `${who.email} lists ${item.id} so may read it`);
      }
    }
  });

  test('a ReadWrite Manager cannot raise its own access, nor give more than its own', async () => {
    const self = await srv.req('PATCH', `/users/${w.mgrRW.id}`, { as: w.mgrRW, body: { managerAccess: 'ReadWriteDelete' } });
    expectError(self, 403, 'Forbidden', { message: /own manager access/ });
    const ro = await srv.req('PATCH', `/users/${w.mgrRO.id}`, { as: w.mgrRO, body: { managerAccess: 'ReadWrite' } });
    expectStatus(ro, 403, 'a ReadOnly Manager cannot write at all');
    const after = await srv.ok('GET', '/users', { as: srv.admin, query: { specificIds: w.mgrRW.id } });
    assert.equal(after.items[0].managerAccess, 'ReadWrite', 'nothing stored');
    // its own other fields it may still change
    expectStatus(await srv.req('PATCH', `/users/${w.mgrRW.id}`, { as: w.mgrRW, body: { firstName: 'Rita' } }), 200);
    expectStatus(await srv.req('PATCH', `/users/${w.mgrRW.id}`, { as: w.mgrRW, body: { managerAccess: 'ReadWrite' } }), 200, 'the same level is no change');

    const mk = (as, body) => srv.req('POST', '/users', { as, body: { accountId: w.A.id, emailAddress: `${u('m')}@tests.evovoiced`, password: PASSWORD, roles: ['Manager'], ...body } });
    expectError(await mk(w.mgrRW, { managerAccess: 'ReadWriteDelete' }), 403, 'Forbidden', { message: /more manager access than your own/ });
    const made = await mk(w.mgrRW, {});
    expectStatus(made, 200);
    assert.equal(made.json.managerAccess, 'ReadWrite', 'a Manager\'s new login gets its own access, not more');
    expectStatus(await mk(w.mgrRW, { managerAccess: 'ReadOnly' }), 200);
    const byAdmin = await mk(srv.admin, {});
    assert.equal(byAdmin.json.managerAccess, 'ReadWriteDelete');

    // a Manager with more access than the caller is the administrator's to change
    expectError(await srv.req('PATCH', `/users/${w.mgrA.id}`, { as: w.mgrRW, body: { newPassword: 'taken-over-1' } }), 403, 'Forbidden', { message: /more access than yours/ });
    expectError(await srv.req('PATCH', `/users/${w.mgrA.id}`, { as: w.mgrRW, body: { managerAccess: 'ReadOnly' } }), 403, 'Forbidden');
    expectStatus(await srv.req('GET', '/accounts', { as: { email: w.mgrA.email, password: PASSWORD, basic: true } }), 200, 'password unchanged');
    // a full Manager may lower another's access, and give up to its own
    expectStatus(await srv.req('PATCH', `/users/${made.json.id}`, { as: w.mgrA, body: { managerAccess: 'ReadWriteDelete' } }), 200);
    expectStatus(await srv.req('PATCH', `/users/${made.json.id}`, { as: w.mgrA, body: { managerAccess: 'ReadOnly' } }), 200);
    // roles stay the administrator's
    expectForbidden(await srv.req('PATCH', `/users/${w.custA.id}`, { as: w.mgrA, body: { roles: ['Manager'] } }));
  });
});

describe('failed sign-ins back off', () => {
  let srv, user;
  before(async () => {
    // short waits so the test can see them pass; --trust-proxy lets each test be its own client address
    srv = await startServer({ args: ['--trust-proxy', '--login-backoff-ms', '400', '--login-max-backoff-ms', '1500'] });
    const a = await srv.ok('POST', '/accounts', { as: { ...srv.admin, basic: true }, body: { name: 'Throttle Acct' } });
    user = { email: 'victim@tests.evovoiced', password: PASSWORD };
    await srv.ok('POST', '/users', { as: { ...srv.admin, basic: true }, body: { accountId: a.id, emailAddress: user.email, password: PASSWORD } });
  });
  after(() => srv && srv.cleanup());
  const from = (ip) => ({ 'x-forwarded-for': `198.51.100.7, ${ip}` });
  const login = (body, ip) => srv.req('POST', '/auth/credentials', { body, headers: from(ip) });
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  function expect429(r) {
    const rs = expectError(r, 429, 'TooManyRequests', { message: /try again in \d+ seconds/ });
    const ra = Number(r.headers.get('retry-after'));
    assert.ok(Number.isInteger(ra) && ra >= 1 && ra <= 2, `Retry-After in whole seconds within the ceiling: ${r.headers.get('retry-after')}`);
    return rs;
  }

  test('40 wrong passwords on /auth/credentials meet 429; the right one works after the wait and resets the count', async () => {
    const seen = [];
    for (let i = 0; i < 40; i++) seen.push((await login({ userName: user.email, password: `wrong-${i}-pass` }, '203.0.113.1')).status);
    assert.deepEqual(seen.slice(0, 5), [401, 401, 401, 401, 401], 'the first five are checked');
    assert.equal(seen[5], 429, `the sixth waits: ${seen}`);
    assert.ok(seen.filter((s) => s === 429).length >= 30, `most are refused unchecked: ${seen}`);
    expect429(await login({ userName: user.email, password: `wrong-again` }, '203.0.113.1'));
    // during the wait even the right password waits (the wait is short: nobody is locked out for long)
    expect429(await login({ userName: user.email, password: user.password }, '203.0.113.1'));
    await sleep(1600);
    const ok = await login({ userName: user.email, password: user.password }, '203.0.113.1');
    expectStatus(ok, 200, 'the right password after the wait');
    // a success reset the name's count: five more failures are checked again
    for (let i = 0; i < 5; i++) expectStatus(await login({ userName: user.email, password: `wrong-${i}` }, '203.0.113.1'), 401);
    expect429(await login({ userName: user.email, password: 'wrong-6' }, '203.0.113.1'));
    await sleep(1600);
    expectStatus(await login({ userName: user.email, password: user.password }, '203.0.113.1'), 200);
  });

  test('the name is throttled whatever address guesses, and Basic counts the same', async () => {
    const name = 'victim2@tests.evovoiced';
    const seen = [];
    for (let i = 0; i < 40; i++) {
      const r = await srv.req('GET', '/accounts', { headers: { authorization: basic(name, `bad-${i}-pw`), ...from(`203.0.113.${10 + i}`) } });
      seen.push(r.status);
      if (r.status === 429) expect429(r);
      else assert.equal(r.status, 401, describeRes(r));
    }
    assert.deepEqual(seen.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.ok(seen.filter((s) => s === 429).length >= 30, `${seen}`);
  });

  test('25 unknown e-mails from one address meet 429 (per address)', async () => {
    const seen = [];
    for (let i = 0; i < 25; i++) {
      const r = await login({ userName: `nobody${i}@tests.evovoiced`, password: 'whatever-pw' }, '203.0.113.99');
      seen.push(r.status);
    }
    assert.deepEqual(seen.slice(0, 20), Array(20).fill(401), `${seen}`);
    assert.ok(seen.slice(20).every((s) => s === 429), `${seen}`);
    // another address is not affected, and a known good login from the throttled one still works once its wait is over
    expectStatus(await login({ userName: user.email, password: user.password }, '203.0.113.98'), 200);
    await sleep(1600);
    expectStatus(await login({ userName: user.email, password: user.password }, '203.0.113.99'), 200);
  });

  test('a Basic header verified before the attack keeps working (no lock-out of a working client)', async () => {
    const victim = { email: 'victim3@tests.evovoiced', password: PASSWORD };
    const a = await srv.ok('GET', '/accounts', { as: { ...srv.admin, basic: true } });
    await srv.ok('POST', '/users', { as: { ...srv.admin, basic: true }, body: { accountId: a.items[0].id, emailAddress: victim.email, password: PASSWORD } });
    const hdr = { authorization: basic(victim.email, victim.password), ...from('203.0.113.50') };
    expectStatus(await srv.req('GET', '/auth/status', { headers: hdr }), 200);
    for (let i = 0; i < 10; i++) await login({ userName: victim.email, password: `guess-${i}-pw` }, '203.0.113.51');
    expect429(await login({ userName: victim.email, password: 'guess-x' }, '203.0.113.51'));
    expectStatus(await srv.req('GET', '/auth/status', { headers: hdr }), 200);
  });
});

describe('without --trust-proxy', () => {
  let srv;
  before(async () => { srv = await startServer({ args: ['--login-free-attempts-per-address', '3', '--login-max-backoff-ms', '1000'] }); });
  after(() => srv && srv.cleanup());

  test('X-Forwarded-For does not change the client address, nor X-Forwarded-Proto the cookies', async () => {
    const seen = [];
    for (let i = 0; i < 5; i++) {
      const r = await srv.req('POST', '/auth/credentials', { body: { userName: `x${i}@tests.evovoiced`, password: 'whatever-pw' }, headers: { 'x-forwarded-for': `192.0.2.${i}` } });
      seen.push(r.status);
    }
    assert.deepEqual(seen, [401, 401, 401, 429, 429]);
    await new Promise((r) => setTimeout(r, 1100));
    const r = await srv.req('POST', '/auth/credentials', { body: { userName: srv.admin.email, password: srv.admin.password }, headers: { 'x-forwarded-proto': 'https' } });
    expectStatus(r, 200);
    for (const c of Object.values(cookies(r))) assert.ok(!c.attrs.includes('secure'), c.raw);
  });
});

describe('cookies and credentials in URLs', () => {
  let srv, lax;
  before(async () => {
    srv = await startServer({ args: ['--trust-proxy'] });
    lax = await startServer({ args: ['--allow-query-credentials'] });
  });
  after(async () => { await srv?.cleanup(); await lax?.cleanup(); });
  const creds = () => ({ userName: srv.admin.email, password: srv.admin.password, rememberMe: true });

  test('session cookies are HttpOnly and SameSite=Lax; Secure when the proxy says HTTPS', async () => {
    const plain = cookies(await srv.req('POST', '/auth/credentials', { body: creds() }));
    const https = cookies(await srv.req('POST', '/auth/credentials', { body: creds(), headers: { 'x-forwarded-proto': 'https' } }));
    for (const name of ['ss-id', 'ss-pid', 'ss-opt']) {
      for (const c of [plain[name], https[name]]) {
        assert.ok(c, `${name} set`);
        assert.ok(c.attrs.includes('httponly') && c.attrs.includes('samesite=lax') && c.attrs.includes('path=/'), c.raw);
      }
      assert.ok(!plain[name].attrs.includes('secure'), `plain HTTP: ${plain[name].raw}`);
      assert.ok(https[name].attrs.includes('secure'), `HTTPS: ${https[name].raw}`);
    }
  });

  test('logout expires ss-id, ss-pid and ss-opt', async () => {
    const l = await srv.req('POST', '/auth/credentials', { body: creds() });
    const out = await srv.req('POST', '/auth/logout', { headers: { 'x-ss-id': l.json.sessionId } });
    expectStatus(out, [200, 204]);
    const c = cookies(out);
    for (const name of ['ss-id', 'ss-pid', 'ss-opt']) {
      assert.ok(c[name], `logout clears ${name}`);
      assert.equal(c[name].value, '');
      const exp = c[name].attrs.find((a) => a.startsWith('expires='));
      assert.ok(exp && Date.parse(exp.slice(8)) < Date.now(), c[name].raw);
      assert.ok(c[name].attrs.includes('samesite=lax'), c[name].raw);
    }
  });

  test('passwords and tokens in a query string are refused (400), wherever they are sent', async () => {
    const q = { userName: srv.admin.email, password: srv.admin.password };
    for (const [method, path] of [['GET', '/auth'], ['GET', '/auth/credentials'], ['POST', '/auth/credentials'], ['GET', '/api/Authenticate'], ['GET', '/json/reply/Authenticate']]) {
      const r = await srv.req(method, path, { query: q });
      expectError(r, 400, 'ArgumentException', { fieldName: 'Password', message: 'Password is not accepted in the query string: send it in the request body' });
      assert.ok(!r.headers.get('set-cookie'), `${method} ${path}: no session`);
    }
    expectError(await srv.req('POST', '/users', { as: srv.admin, query: { password: 'in-the-url-1' }, body: {} }), 400, 'ArgumentException', { fieldName: 'Password' });
    expectError(await srv.req('PATCH', '/users/0123456789abcdef01234567', { as: srv.admin, query: { NewPassword: 'in-the-url-1' }, body: {} }), 400, 'ArgumentException', { fieldName: 'NewPassword' });
    expectError(await srv.req('POST', '/accounts', { as: srv.admin, query: { twilioAuthToken: 'tok' }, body: { name: 'x' } }), 400, 'ArgumentException', { fieldName: 'TwilioAuthToken' });
    // GET /auth without credentials stays the status call
    const st = await srv.req('GET', '/auth', { as: srv.admin });
    expectStatus(st, 200);
    assert.equal(st.json.userName, srv.admin.email);
  });

  test('--allow-query-credentials accepts them for old clients', async () => {
    const r = await lax.req('GET', '/auth/credentials', { query: { userName: lax.admin.email, password: lax.admin.password } });
    expectStatus(r, 200);
    assert.equal(r.json.userName, lax.admin.email);
  });
});
