// auth.test.mjs — login (credentials, cookies, X-ss-id, Basic), status, logout, bootstrap admin.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, Server, basic, HEX24, PASSWORD, expectStatus, expectError, expectUnauth,
  describeRes, u, ADMIN_EMAIL, ADMIN_PASSWORD,
} from './harness.mjs';

let srv, mgr, mgrInfo, acct;

before(async () => {
  srv = await startServer();
  acct = await srv.ok('POST', '/accounts', { as: { ...srv.admin, basic: true }, body: { name: 'Auth Acct' } });
  const email = 'manager.auth@tests.evovoiced';
  mgrInfo = await srv.ok('POST', '/users', {
    as: { ...srv.admin, basic: true },
    body: { accountId: acct.id, emailAddress: email, firstName: 'Mia', lastName: 'Manager', password: PASSWORD, roles: ['Manager'] },
  });
  mgr = { email, password: PASSWORD };
});
after(() => srv && srv.cleanup());

function cookies(res) {
  const list = typeof res.headers.getSetCookie === 'function' ? res.headers.getSetCookie() : [res.headers.get('set-cookie')].filter(Boolean);
  const map = {};
  for (const c of list) {
    const [nv, ...attrs] = c.split(';').map((x) => x.trim());
    const eq = nv.indexOf('=');
    map[nv.slice(0, eq)] = { value: nv.slice(eq + 1), attrs: attrs.map((a) => a.toLowerCase()), raw: c };
  }
  return map;
}

const login = (body, path = '/auth/credentials') => srv.req('POST', path, { body });

describe('POST /auth/credentials', () => {
  test('valid credentials: 200 AuthenticateResponse with session cookies', async () => {
    const r = await login({ userName: srv.admin.email, password: srv.admin.password, rememberMe: false });
    expectStatus(r, 200);
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
    const b = r.json;
    assert.match(b.userId, HEX24, 'userId is a 24-hex id');
    assert.equal(typeof b.sessionId, 'string');
    assert.match(b.sessionId, /^[A-Za-z0-9_-]{20}$/, 'sessionId: 20 URL-safe chars');
    assert.equal(b.userName, srv.admin.email);
    assert.equal(typeof b.displayName, 'string');
    assert.ok(Array.isArray(b.roles) && b.roles.includes('SystemAdministrator'), `roles ${JSON.stringify(b.roles)}`);
    assert.ok(Array.isArray(b.permissions), 'permissions is a list');
    assert.ok(!('password' in b) && !('passwordHash' in b));
    const c = cookies(r);
    assert.ok(c['ss-id'], `ss-id cookie set: ${JSON.stringify(Object.keys(c))}`);
    assert.equal(c['ss-id'].value, b.sessionId, 'ss-id cookie is the sessionId');
    assert.ok(c['ss-id'].attrs.includes('httponly'), `ss-id HttpOnly: ${c['ss-id'].raw}`);
    assert.ok(c['ss-pid'], 'ss-pid cookie set');
    assert.ok(c['ss-pid'].attrs.includes('httponly'), `ss-pid HttpOnly: ${c['ss-pid'].raw}`);
    assert.ok(c['ss-pid'].value.length > 0);
  });

  test('cookie attributes: Path=/, no Secure over plain HTTP, ss-pid long-lived', async () => {
    const r = await login({ userName: mgr.email, password: mgr.password, rememberMe: true });
    expectStatus(r, 200);
    const c = cookies(r);
    for (const name of ['ss-id', 'ss-pid', 'ss-opt']) {
      assert.ok(c[name], `${name} set`);
      assert.ok(c[name].attrs.includes('path=/'), `${name} has Path=/ (else browsers send it only under /auth): ${c[name].raw}`);
      assert.ok(!c[name].attrs.includes('secure'), `${name} not Secure over http: ${c[name].raw}`);
      assert.ok(c[name].attrs.includes('httponly'), `${name} HttpOnly: ${c[name].raw}`);
    }
    const exp = c['ss-pid'].attrs.find((a) => a.startsWith('expires='));
    const maxAge = c['ss-pid'].attrs.find((a) => a.startsWith('max-age='));
    const until = exp ? Date.parse(exp.slice(8)) : Date.now() + Number(maxAge?.slice(8)) * 1000;
    assert.ok(until - Date.now() > 19 * 365 * 24 * 3600 * 1000, `ss-pid lives ~20 years: ${c['ss-pid'].raw}`);
    assert.notEqual(c['ss-pid'].value, c['ss-id'].value, 'ss-pid is its own random id (ServiceStack creates two), not a 20-year copy of the session id');
  });

  test('a login ignores a pre-set ss-id cookie (no session fixation)', async () => {
    const r = await srv.req('POST', '/auth/credentials', { body: { userName: mgr.email, password: mgr.password }, headers: { cookie: 'ss-id=FIXEDFIXEDFIXEDFIXED' } });
    expectStatus(r, 200);
    assert.notEqual(r.json.sessionId, 'FIXEDFIXEDFIXEDFIXED');
    expectUnauth(await srv.req('GET', '/accounts', { headers: { 'X-ss-id': 'FIXEDFIXEDFIXEDFIXED' } }));
  });

  test('two logins give different session ids', async () => {
    const a = await login({ userName: mgr.email, password: mgr.password });
    const b = await login({ userName: mgr.email, password: mgr.password });
    expectStatus(a, 200); expectStatus(b, 200);
    assert.notEqual(a.json.sessionId, b.json.sessionId);
  });

  test('rememberMe sets ss-opt=perm', async () => {
    const r = await login({ userName: mgr.email, password: mgr.password, rememberMe: true });
    expectStatus(r, 200);
    const c = cookies(r);
    assert.ok(c['ss-opt'], `ss-opt cookie: ${JSON.stringify(Object.keys(c))}`);
    assert.equal(c['ss-opt'].value, 'perm');
  });

  test('manager login returns roles [Manager] and its userId', async () => {
    const r = await login({ userName: mgr.email, password: mgr.password, rememberMe: false });
    expectStatus(r, 200);
    assert.deepEqual(r.json.roles, ['Manager']);
    assert.equal(r.json.userId, mgrInfo.id);
    assert.equal(r.json.userName, mgr.email);
  });

  test('incoming keys are case-insensitive', async () => {
    const r = await login({ UserName: mgr.email, PASSWORD: mgr.password, RememberMe: false });
    expectStatus(r, 200);
    assert.equal(r.json.userName, mgr.email);
  });

  test('also POST /auth and POST /api/Authenticate', async () => {
    for (const p of ['/auth', '/api/Authenticate']) {
      const r = await login({ provider: 'credentials', userName: mgr.email, password: mgr.password, rememberMe: false }, p);
      expectStatus(r, 200, p);
      assert.equal(typeof r.json.sessionId, 'string', p);
      assert.equal(r.json.userId, mgrInfo.id, p);
    }
  });

  test('GET /auth/credentials?userName&password is refused: a password in a URL ends up in logs', async () => {
    const r = await srv.req('GET', '/auth/credentials', { query: { userName: mgr.email, password: mgr.password } });
    expectError(r, 400, 'ArgumentException', { fieldName: 'Password', message: /query string/ });
    assert.ok(!r.headers.get('set-cookie'), 'no session made');
  });

  test('form-urlencoded login body', async () => {
    const r = await srv.req('POST', '/auth/credentials', { body: new URLSearchParams({ userName: mgr.email, password: mgr.password }).toString(), contentType: 'application/x-www-form-urlencoded' });
    expectStatus(r, 200);
    assert.equal(r.json.userId, mgrInfo.id);
  });

  test('form-urlencoded body with a name and no "=": read as an empty value, the server keeps serving', async () => {
    const body = `userName=${encodeURIComponent(mgr.email)}&password=${encodeURIComponent(mgr.password)}&provider`;
    expectStatus(await srv.req('POST', '/auth/credentials', { body, contentType: 'application/x-www-form-urlencoded' }), 200);
    const r = await srv.req('POST', '/auth/credentials', { body: 'rememberMe', contentType: 'application/x-www-form-urlencoded' });
    expectError(r, 400, 'SerializationException', { fieldName: 'RememberMe' }); /* "" is not a bool */
  });

  test('JSON body with a charset parameter on Content-Type', async () => {
    const r = await srv.req('POST', '/auth/credentials', { body: JSON.stringify({ userName: mgr.email, password: mgr.password }), contentType: 'application/json; charset=utf-8' });
    expectStatus(r, 200);
  });

  test('wrong password: 401 Unauthorized with WWW-Authenticate', async () => {
    const r = await login({ userName: mgr.email, password: 'wrong-password', rememberMe: false });
    const rs = expectUnauth(r);
    assert.equal(rs.message, 'Invalid Username or Password');
    assert.ok(!cookies(r)['ss-id'] || cookies(r)['ss-id'].value === '' , 'no session cookie on failure');
  });

  test('unknown user: 401 Unauthorized', async () => {
    const r = await login({ userName: 'nobody@tests.evovoiced', password: 'whatever1!', rememberMe: false });
    expectUnauth(r);
  });

  test('missing password: 401 (or 400), never 200', async () => {
    const r = await login({ userName: mgr.email });
    assert.ok([400, 401].includes(r.status), describeRes(r));
  });
});

describe('using a session', () => {
  test('cookie ss-id authenticates; /auth/status returns the UserInfo', async () => {
    const l = await login({ userName: mgr.email, password: mgr.password });
    const sid = l.json.sessionId;
    const r = await srv.req('GET', '/auth/status', { headers: { cookie: `ss-id=${sid}` } });
    expectStatus(r, 200);
    assert.equal(r.json.id, mgrInfo.id);
    assert.equal(r.json.emailAddress, mgr.email);
    assert.equal(r.json.firstName, 'Mia');
    assert.equal(r.json.lastName, 'Manager');
    assert.deepEqual(r.json.roles, ['Manager']);
    assert.deepEqual(r.json.accountIds, [acct.id]);
    assert.equal(r.json.isAuthenticated, true);
    for (const k of Object.keys(r.json)) assert.ok(!/password|hash/i.test(k), `secret-looking key ${k}`);
    const a = await srv.req('GET', '/accounts', { headers: { cookie: `ss-id=${sid}` } });
    expectStatus(a, 200);
  });

  test('X-ss-id header authenticates', async () => {
    const l = await login({ userName: mgr.email, password: mgr.password });
    const r = await srv.req('GET', '/auth/status', { headers: { 'X-ss-id': l.json.sessionId } });
    expectStatus(r, 200);
    assert.equal(r.json.emailAddress, mgr.email);
    const a = await srv.req('GET', `/accounts/${acct.id}`, { headers: { 'X-ss-id': l.json.sessionId } });
    expectStatus(a, 200);
  });

  test('unknown session id is 401 on a protected route', async () => {
    const r = await srv.req('GET', '/accounts', { headers: { 'X-ss-id': 'AAAAAAAAAAAAAAAAAAAA' } });
    expectUnauth(r);
    const r2 = await srv.req('GET', '/accounts', { headers: { cookie: 'ss-id=BBBBBBBBBBBBBBBBBBBB' } });
    expectUnauth(r2);
  });

  test('GET /auth/logout ends the session; the old ss-id then gets 401', async () => {
    const l = await login({ userName: mgr.email, password: mgr.password });
    const sid = l.json.sessionId;
    expectStatus(await srv.req('GET', '/accounts', { headers: { 'X-ss-id': sid } }), 200);
    const out = await srv.req('GET', '/auth/logout', { headers: { cookie: `ss-id=${sid}` } });
    expectStatus(out, [200, 204]);
    expectUnauth(await srv.req('GET', '/accounts', { headers: { 'X-ss-id': sid } }));
    expectUnauth(await srv.req('GET', '/accounts', { headers: { cookie: `ss-id=${sid}` } }));
  });

  test('POST /auth/logout ends the session (X-ss-id) and clears the cookie', async () => {
    const l = await login({ userName: mgr.email, password: mgr.password });
    const sid = l.json.sessionId;
    const out = await srv.req('POST', '/auth/logout', { headers: { 'X-ss-id': sid } });
    expectStatus(out, [200, 204]);
    const c = cookies(out);
    assert.ok(c['ss-id'], 'logout sends a Set-Cookie for ss-id');
    assert.ok(c['ss-id'].value === '' || c['ss-id'].attrs.some((a) => a.startsWith('expires=') || a.startsWith('max-age=')), `ss-id cleared: ${c['ss-id'].raw}`);
    assert.notEqual(c['ss-id'].value, sid);
    assert.ok(c['ss-pid'], 'logout also clears ss-pid');
    expectUnauth(await srv.req('GET', '/accounts', { headers: { 'X-ss-id': sid } }));
    const st = await srv.req('GET', '/auth/status', { headers: { 'X-ss-id': sid } });
    expectStatus(st, [200, 204]);
    assert.ok(st.text.trim() === '' || st.text.trim() === 'null', `status after logout is empty: ${describeRes(st)}`);
  });

  test('logout of one session leaves another session of the same user working', async () => {
    const a = (await login({ userName: mgr.email, password: mgr.password })).json.sessionId;
    const b = (await login({ userName: mgr.email, password: mgr.password })).json.sessionId;
    expectStatus(await srv.req('POST', '/auth/logout', { headers: { 'X-ss-id': a } }), [200, 204]);
    expectStatus(await srv.req('GET', '/accounts', { headers: { 'X-ss-id': b } }), 200);
  });

  test('logout without a session does not fail', async () => {
    const r = await srv.req('GET', '/auth/logout');
    expectStatus(r, [200, 204]);
  });
});

describe('Basic auth and anonymous access', () => {
  test('GET /health and GET /ready answer without a login and say nothing more', async () => {
    const h = await srv.req('GET', '/health');
    expectStatus(h, 200);
    assert.deepEqual(h.json, { status: 'up' });
    const r = await srv.req('GET', '/ready');
    expectStatus(r, 200);
    assert.deepEqual(r.json, { status: 'ready' });
    expectStatus(await srv.req('POST', '/ready', { body: {} }), 405);
  });

  test('Authorization: Basic works on any request', async () => {
    const r = await srv.req('GET', '/accounts', { headers: { authorization: basic(mgr.email, mgr.password) } });
    expectStatus(r, 200);
    const s = await srv.req('GET', '/auth/status', { headers: { authorization: basic(mgr.email, mgr.password) } });
    expectStatus(s, 200);
    assert.equal(s.json.emailAddress, mgr.email);
  });

  test('Basic with a wrong password is 401 with WWW-Authenticate', async () => {
    const r = await srv.req('GET', '/accounts', { headers: { authorization: basic(mgr.email, 'nope-nope') } });
    expectUnauth(r);
  });

  test('Basic, repeated many times (credential cache) stays correct for a wrong password after a right one', async () => {
    for (let i = 0; i < 3; i++) expectStatus(await srv.req('GET', '/accounts', { headers: { authorization: basic(mgr.email, mgr.password) } }), 200);
    expectUnauth(await srv.req('GET', '/accounts', { headers: { authorization: basic(mgr.email, mgr.password + 'x') } }));
  });

  test('malformed Authorization header is 401, not a crash', async () => {
    for (const h of ['Basic', 'Basic !!!notbase64', 'Basic ' + Buffer.from('no-colon').toString('base64'), 'Weird xyz']) {
      const r = await srv.req('GET', '/accounts', { headers: { authorization: h } });
      assert.equal(r.status, 401, `${h}: ${describeRes(r)}`);
    }
    expectStatus(await srv.req('GET', '/accounts', { as: { ...srv.admin, basic: true } }), 200);
  });

  test('no credentials on a protected route: 401 "Not Authenticated"', async () => {
    for (const [m, p] of [['GET', '/accounts'], ['GET', `/accounts/${acct.id}`], ['GET', '/customers'], ['GET', '/users'], ['GET', `/system/settings?accountId=${acct.id}`]]) {
      const r = await srv.req(m, p);
      const rs = expectUnauth(r);
      assert.equal(rs.message, 'Not Authenticated', p);
    }
  });

  test('GET /auth/status without login: 200 with a null/empty body', async () => {
    const r = await srv.req('GET', '/auth/status');
    expectStatus(r, [200, 204]);
    assert.ok(r.text.trim() === '' || r.text.trim() === 'null', `expected empty/null body: ${describeRes(r)}`);
  });

  test('GET /auth/status as SA shows the SystemAdministrator role', async () => {
    const r = await srv.req('GET', '/auth/status', { as: srv.admin });
    expectStatus(r, 200);
    assert.equal(r.json.emailAddress, srv.admin.email);
    assert.ok(r.json.roles.includes('SystemAdministrator'));
    assert.match(r.json.id, HEX24);
  });
});

describe('bootstrap administrator', () => {
  test('env vars create the admin on an empty DB; it is a SystemAdministrator', async () => {
    const r = await srv.req('POST', '/auth/credentials', { body: { userName: srv.admin.email, password: srv.admin.password } });
    expectStatus(r, 200);
    assert.ok(r.json.roles.includes('SystemAdministrator'));
    assert.ok(!/password:/i.test(srv.stderr), `no generated password printed when env vars are set:\n${srv.stderr}`);
  });

  test('without env vars: a generated admin is printed once; restart prints no password', async () => {
    const s = new Server({ adminEnv: false });
    try {
      await s.start();
      await new Promise((r) => setTimeout(r, 200));
      const m = /bootstrap administrator:\s*(\S+)\s+password:\s*(\S+)/.exec(s.stderr);
      assert.ok(m, `stderr has "bootstrap administrator: EMAIL password: PW":\n${s.stderr}`);
      const [, email, pw] = m;
      assert.equal(email, 'admin@evovoiced.local');
      assert.ok(pw.length >= 12, `generated password is long enough (${pw.length})`);
      const l = await s.req('POST', '/auth/credentials', { body: { userName: email, password: pw, rememberMe: false } });
      expectStatus(l, 200);
      assert.ok(l.json.roles.includes('SystemAdministrator'));
      // it can act as SA
      expectStatus(await s.req('POST', '/accounts', { as: { email, password: pw, basic: true }, body: { name: 'made by generated admin' } }), 200);
      const code = await s.stop();
      assert.equal(code.code, 0, `SIGTERM exit code: ${JSON.stringify(code)}`);
      await s.start();
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(!s.stderr.includes(pw), `restart must not print the password again:\n${s.stderr}`);
      assert.ok(!/password:/i.test(s.stderr), `restart prints no password line:\n${s.stderr}`);
      expectStatus(await s.req('GET', '/accounts', { as: { email, password: pw, basic: true } }), 200);
    } finally { await s.cleanup(); }
  });

  test('on a non-empty DB the env vars do not create or reset an admin', async () => {
    const s = new Server();
    try {
      await s.start();
      expectStatus(await s.req('GET', '/accounts', { as: { ...s.admin, basic: true } }), 200);
      await s.stop();
      const newEmail = `other-${u()}@tests.evovoiced`;
      await s.restart({ adminEmail: newEmail, adminPassword: 'Another-Pass-123!' });
      expectStatus(await s.req('GET', '/accounts', { headers: { authorization: basic(ADMIN_EMAIL, ADMIN_PASSWORD) } }), 200, 'original admin still works');
      expectUnauth(await s.req('GET', '/accounts', { headers: { authorization: basic(newEmail, 'Another-Pass-123!') } }));
    } finally { await s.cleanup(); }
  });
});
