// errors.test.mjs — wire conventions common to every operation: content type, Vary, error
// bodies and statuses, /api/{Operation}, binding errors, body limits, robustness.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import {
  startServer, makeWorld, HEX24, randomHex24, expectStatus, expectError, expectNotFound,
  expectNoContent, expectUnauth, assertNoNulls, describeRes, rawTcp,
} from './harness.mjs';

let srv, w;
before(async () => { srv = await startServer(); w = await makeWorld(srv, 'err'); });
after(() => srv && srv.cleanup());

const alive = async () => expectStatus(await srv.req('GET', `/accounts/${w.A.id}`, { as: w.sa }), 200, 'server still alive');

/** Raw request with node:http (for bodies fetch will not send, or early responses). */
function raw(method, path, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const rq = http.request({ host: '127.0.0.1', port: srv.port, method, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json; try { json = JSON.parse(text); } catch { }
        resolve({ status: res.statusCode, headers: new Headers(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)])), text, json, method, path });
      });
    });
    rq.on('error', (e) => reject(e));
    if (body !== undefined) rq.end(body); else rq.end();
  });
}

const tcp = (bytes, timeoutMs) => rawTcp(srv.port, bytes, timeoutMs);

describe('content type and Vary', () => {
  test('JSON responses: application/json; charset=utf-8 and Vary: Accept', async () => {
    for (const r of [
      await srv.req('GET', '/accounts', { as: w.sa }),
      await srv.req('GET', `/customers/${w.cA1.id}`, { as: w.sa }),
      await srv.req('GET', `/customers/${randomHex24()}`, { as: w.sa }),
      await srv.req('GET', '/accounts'),
      await srv.req('POST', '/accounts', { as: w.mgrA, body: { name: 'x' } }),
    ]) {
      assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8', describeRes(r));
      assert.match(r.headers.get('vary') || '', /(^|,\s*)Accept(\s*,|$)/i, `Vary: Accept on ${describeRes(r)}`);
    }
  });

  test('Vary: Accept on 204, 401, 404 (unmatched path) and 405', async () => {
    const c = await srv.ok('POST', '/customers', { as: w.sa, body: { accountId: w.A.id, name: 'v' } });
    const list = [
      await srv.req('DELETE', `/customers/${c.id}`, { as: w.sa }),
      await srv.req('GET', '/no/such/path', { as: w.sa }),
      await srv.req('GET', '/api/NoSuchOperation', { as: w.sa }),
      await srv.req('GET', '/users'),
    ];
    for (const r of list) assert.match(r.headers.get('vary') || '', /Accept/i, `Vary: Accept on ${describeRes(r)}`);
  });

  test('Vary: Accept on every kind of response', async () => {
    const c = await srv.ok('POST', '/customers', { as: w.sa, body: { accountId: w.A.id, name: 'vary' } });
    const rs = [
      await srv.req('POST', '/auth/credentials', { body: { userName: w.sa.email, password: w.sa.password } }), // 200 login
      await srv.req('POST', '/auth/credentials', { body: { userName: w.sa.email, password: 'bad' } }), // 401 bad creds
      await srv.req('GET', '/auth/status'), // empty
      await srv.req('GET', '/auth/logout'),
      await srv.req('PATCH', `/customers/${c.id}`, { as: w.sa, body: { name: 'vary2' } }), // 200 patch
      await srv.req('PATCH', `/customers/${c.id}`, { as: w.sa, body: '{bad json' }), // 400
      await srv.req('GET', '/customers?countPerPage=abc', { as: w.sa }), // 400 bind
      await srv.req('GET', `/customers/${w.cB1.id}`, { as: w.mgrA }), // 403 tenant
      await srv.req('GET', '/users', { as: w.custA }), // 403 role
      await srv.req('DELETE', `/customers/${w.cA1.id}`, { as: w.sa }), // 409
      await srv.req('GET', `/accounts/${randomHex24()}`, { as: w.sa }), // 404
      await srv.req('POST', '/api/Nope', { as: w.sa, body: {} }), // 405
      await srv.req('DELETE', `/customers/${c.id}`, { as: w.sa }), // 204
    ];
    const missing = rs.filter((r) => !/(^|,\s*)Accept(\s*,|$)/i.test(r.headers.get('vary') || '')).map((r) => `${r.method} ${r.path} -> ${r.status}`);
    assert.deepEqual(missing, [], 'responses without Vary: Accept');
  });

  test('list parameters: bad sortOrder is 400; odd sortField/page never 500', async () => {
    expectError(await srv.req('GET', '/customers', { as: w.sa, query: { sortOrder: 'Sideways' } }), 400, undefined, { fieldName: 'SortOrder' });
    for (const q of [{ sortField: 'noSuchField' }, { sortField: 'breadcrumb' }, { page: -1 }, { countPerPage: 0 }, { countPerPage: -5 }, { specificIds: '' }, { accountIds: '[]' }, { nameFilter: "'; DROP TABLE customers; --" }, { nameFilter: '%' }, { nameFilter: '_' }]) {
      const r = await srv.req('GET', '/customers', { as: w.sa, query: q });
      assert.ok(r.status === 200 || r.status === 400, `${JSON.stringify(q)}: ${describeRes(r)}`);
      if (r.status === 200 && (q.nameFilter === '%' || q.nameFilter === '_')) assert.deepEqual(r.json.items, [], `nameFilter ${q.nameFilter} is a literal substring, not a LIKE pattern`);
    }
    await alive();
  });

  test('default format is JSON even without an Accept header', async () => {
    const r = await srv.req('GET', `/accounts/${w.A.id}`, { as: w.sa, headers: { accept: '' } });
    expectStatus(r, 200);
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(r.json.id, w.A.id);
  });

  test('camelCase keys and no null values in responses', async () => {
    for (const p of ['/accounts', `/accounts/${w.A1.id}`, `/customers/${w.cA1ai.id}`, '/customers', '/users', `/system/settings?accountId=${w.A.id}`]) {
      const r = await srv.ok('GET', p, { as: w.sa });
      assertNoNulls(r, p);
      const walk = (v) => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) {
          // map keys inside data (Struct) are user keys; skip those objects
          if (k !== 'data' && k !== 'integrationData') { assert.match(k, /^[a-z]/, `camelCase key ${k} in ${p}`); walk(x); }
        }
      };
      walk(r);
    }
  });
});

describe('error bodies and statuses', () => {
  test('401: responseStatus with errorCode, message and errors []', async () => {
    const r = await srv.req('GET', '/customers');
    const rs = expectUnauth(r);
    assert.deepEqual(rs.errors, []);
    assert.ok(!('stackTrace' in rs));
  });

  test('404 NotFound for a missing resource, with errors []', async () => {
    const rs = expectNotFound(await srv.req('GET', `/accounts/${randomHex24()}`, { as: w.sa }));
    assert.deepEqual(rs.errors, []);
  });

  test('404 for an id that is not hex', async () => {
    const r = await srv.req('GET', '/customers/not-an-id', { as: w.sa });
    expectStatus(r, [400, 404]);
  });

  test('unmatched path: 404', async () => {
    for (const p of ['/nope', '/accounts/x/y/z', '/customers/abc/nothing', '/api']) {
      const r = await srv.req('GET', p, { as: w.sa });
      expectStatus(r, 404, p);
    }
  });

  test('/api/{unknown}: 405 NotImplementedException', async () => {
    for (const m of ['GET', 'POST']) {
      const r = await srv.req(m, '/api/DoesNotExist', { as: w.sa, ...(m === 'POST' ? { body: {} } : {}) });
      expectError(r, 405, 'NotImplementedException', { message: 'The operation does not exist for this service' });
    }
  });

  test('a verb not allowed on a known route: 405', async () => {
    const r = await srv.req('PUT', `/accounts/${w.A.id}`, { as: w.sa, body: { name: 'x' } });
    expectStatus(r, [404, 405]);
    const r2 = await srv.req('DELETE', '/accounts', { as: w.sa });
    expectStatus(r2, [404, 405]);
  });

  test('403 Forbidden body', async () => {
    const rs = expectError(await srv.req('GET', `/customers/${w.cB1.id}`, { as: w.mgrA }), 403, 'Forbidden');
    assert.ok(typeof rs.message === 'string' && rs.message.length > 0);
    assert.deepEqual(rs.errors, []);
  });

  test('409 Conflict body', async () => {
    const rs = expectError(await srv.req('DELETE', `/customers/${w.cA1.id}`, { as: w.sa }), 409, 'Conflict');
    assert.ok(rs.message.length > 0);
  });

  test('malformed JSON body: 400, server alive', async () => {
    for (const body of ['{"name":', '{name: x}', '[1,2', '"just a string"', '{"name":"a"}}', '\u0000\u0001']) {
      const r = await srv.req('POST', '/customers', { as: w.sa, body, contentType: 'application/json' });
      expectStatus(r, 400, JSON.stringify(body));
      assert.ok(r.json?.responseStatus, `error body for ${JSON.stringify(body)}: ${describeRes(r)}`);
      assert.ok(Array.isArray(r.json.responseStatus.errors));
    }
    await alive();
  });

  test('wrong JSON types: 400 naming the field in PascalCase', async () => {
    expectError(await srv.req('POST', `/customers/${w.cA2.id}/staging`, { as: w.sa, body: { isStaging: 'abc' } }), 400, undefined, { fieldName: 'IsStaging' });
    expectError(await srv.req('PATCH', `/customers/${w.cA2.id}`, { as: w.sa, body: { overrideBillingSettings: 'yes please' } }), 400, undefined, { fieldName: 'OverrideBillingSettings' });
    expectError(await srv.req('PATCH', `/customers/${w.cA2.id}`, { as: w.sa, body: { schedule: 5 } }), 400, undefined, { fieldName: 'Schedule' });
    expectError(await srv.req('PATCH', `/accounts/${w.A.id}`, { as: w.sa, body: { billingSettings: { base: { allowance: 'many' } } } }), 400, undefined, { fieldName: 'BillingSettings.Base.Allowance' });
  });

  test('query-string bind error: SerializationException, "Unable to bind to request", per-field errors', async () => {
    const r = await srv.req('GET', '/customers?countPerPage=abc', { as: w.sa });
    const rs = expectError(r, 400, 'SerializationException', { message: "Unable to bind to request 'ListCustomers'", fieldName: 'CountPerPage' });
    const e = rs.errors.find((x) => x.fieldName === 'CountPerPage');
    assert.equal(e.errorCode, 'SerializationException');
    assert.equal(e.message, "'abc' is an Invalid value for 'CountPerPage'");
    const r2 = await srv.req('GET', '/accounts?page=x&all=maybe', { as: w.sa });
    const rs2 = expectError(r2, 400, 'SerializationException', { message: "Unable to bind to request 'ListAccounts'" });
    const names = rs2.errors.map((x) => x.fieldName).sort();
    assert.deepEqual(names, ['All', 'Page']);
  });

  test('invalid UTF-8 in a request body: 400, never a crash', async () => {
    const bad = Buffer.concat([Buffer.from('{"accountId":"' + w.A.id + '","name":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}')]);
    const r = await raw('POST', '/customers', { headers: { 'content-type': 'application/json', authorization: 'Basic ' + Buffer.from(`${w.sa.email}:${w.sa.password}`).toString('base64'), 'content-length': bad.length }, body: bad });
    assert.equal(r.status, 400, describeRes(r));
    await alive();
  });

  test('invalid UTF-8 in the query string: 400 or no match, never a crash', async () => {
    const r = await tcp(`GET /customers?nameFilter=%C3%28%FF HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${Buffer.from(`${w.sa.email}:${w.sa.password}`).toString('base64')}\r\nConnection: close\r\n\r\n`);
    assert.match(r, /^HTTP\/1\.1 (200|400) /, r.slice(0, 200));
    await alive();
  });

  test('body over 1 MiB: 413 RequestEntityTooLarge (with Vary: Accept)', async () => {
    const big = JSON.stringify({ accountId: w.A.id, name: 'big', referenceId: 'x'.repeat(1024 * 1024 + 100) });
    const auth = 'Basic ' + Buffer.from(`${w.sa.email}:${w.sa.password}`).toString('base64');
    const head = `POST /customers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: ${Buffer.byteLength(big)}\r\nConnection: close\r\n\r\n`;
    const out = await tcp(head + big, 10000);
    const m = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(out);
    assert.ok(m, `an HTTP response arrives (got ${JSON.stringify(out.slice(0, 200))})`);
    const status = Number(m[1]);
    const headers = new Headers(m[2].split('\r\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
    let json; try { json = JSON.parse(m[3]); } catch { }
    const r = { status, headers, text: m[3], json, method: 'POST', path: '/customers (1 MiB + 100 bytes)' };
    expectError(r, 413, 'RequestEntityTooLarge');
    assert.match(headers.get('vary') || '', /Accept/i, `Vary: Accept on the 413; headers: ${m[2]}`);
    await alive();
    const l = await srv.ok('GET', '/customers', { as: w.sa, query: { nameFilter: 'big', accountIds: w.A.id } });
    assert.ok(!l.items.some((c) => c.name === 'big'), 'nothing was created');
  });

  test('a body just under 1 MiB is accepted', async () => {
    const body = JSON.stringify({ accountId: w.A.id, name: 'almost big', referenceId: 'y'.repeat(1000 * 1000) });
    const r = await srv.req('POST', '/customers', { as: w.sa, body });
    expectStatus(r, 200);
    assert.equal(r.json.referenceId.length, 1000 * 1000);
  });

  test('request line and headers: 16 KiB in all; a larger one is refused whole, a 10 KiB header served', async () => {
    const pad = 'p'.repeat(10 * 1024);
    const ok = await srv.req('GET', `/accounts/${w.A.id}`, { as: w.sa, headers: { 'x-pad': pad } });
    expectStatus(ok, 200, 'a 10 KiB header');
    const auth = 'Basic ' + Buffer.from(`${w.sa.email}:${w.sa.password}`).toString('base64');
    const big = await tcp(`GET /accounts/${w.A.id} HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nX-Pad: ${'p'.repeat(20 * 1024)}\r\nConnection: close\r\n\r\n`, 3000);
    assert.match(big, /^HTTP\/1\.1 431 /, big.slice(0, 100));
    const long = await tcp(`GET /accounts/${w.A.id}?x=${'q'.repeat(20 * 1024)} HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nConnection: close\r\n\r\n`, 3000);
    assert.match(long, /^HTTP\/1\.1 414 /, long.slice(0, 100));
    await alive();
  });

  test('garbage on the socket does not crash the server', async () => {
    await tcp('\x00\x01\x02garbage\r\n\r\n', 1500);
    await tcp('GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n', 1500);
    await tcp('POST /customers HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{"a"', 500);
    await alive();
  });

  test('deeply nested JSON is refused cleanly', async () => {
    const deep = '{"accountId":"' + w.A.id + '","name":"deep","data":' + '{"a":{"structValue":'.repeat(5000) + '{}' + '}}'.repeat(5000) + '}';
    const r = await srv.req('POST', '/customers', { as: w.sa, body: deep });
    assert.ok([400, 413].includes(r.status), describeRes(r));
    await alive();
  });
});

describe('/api/{OperationName}', () => {
  test('fields come from body and query; any verb', async () => {
    const viaGet = await srv.ok('GET', `/api/GetCustomer?customerId=${w.cA1.id}`, { as: w.sa });
    assert.equal(viaGet.id, w.cA1.id);
    const viaPost = await srv.ok('POST', '/api/GetCustomer', { as: w.sa, body: { customerId: w.cA1.id } });
    assert.equal(viaPost.id, w.cA1.id);
    const l = await srv.ok('POST', '/api/ListCustomers', { as: w.sa, body: { accountIds: [w.B.id] } });
    assert.deepEqual(l.items.map((c) => c.id), [w.cB1.id]);
    const l2 = await srv.ok('GET', '/api/ListCustomers', { as: w.sa, query: { accountIds: w.B.id } });
    assert.deepEqual(l2.items.map((c) => c.id), [w.cB1.id]);
  });

  test('NewAccount, PatchAccount, DeleteAccount, SetCustomerStagingMode by name', async () => {
    const a = await srv.ok('POST', '/api/NewAccount', { as: w.sa, body: { name: 'api acct' } });
    assert.match(a.id, HEX24);
    const p = await srv.ok('PUT', '/api/PatchAccount', { as: w.sa, body: { accountId: a.id, maxPhoneNumbers: 3 } });
    assert.equal(p.maxPhoneNumbers, 3);
    expectNoContent(await srv.req('DELETE', `/api/DeleteAccount?accountId=${a.id}`, { as: w.sa }));
    expectNotFound(await srv.req('GET', `/accounts/${a.id}`, { as: w.sa }));
    const s = await srv.ok('POST', '/api/SetCustomerStagingMode', { as: w.sa, body: { customerId: w.cA2.id, isStaging: true } });
    assert.equal(s.isStaging, true);
    await srv.ok('POST', '/api/SetCustomerStagingMode', { as: w.sa, body: { customerId: w.cA2.id, isStaging: false } });
  });

  test('users and settings by name', async () => {
    const l = await srv.ok('GET', '/api/ListUsers', { as: w.sa, query: { accountIds: w.B.id } });
    assert.equal(l.items.length, 2);
    const s = await srv.ok('GET', '/api/GetSystemSettings', { as: w.sa, query: { accountId: w.A.id } });
    assert.ok(Array.isArray(s.tags ?? []));
    const st = await srv.ok('GET', '/api/GetAuthStatus', { as: w.sa });
    assert.equal(st.emailAddress, w.sa.email);
  });

  test('operation names are case-insensitive? at least the exact name works; unknown names 405', async () => {
    expectStatus(await srv.req('GET', '/api/ListAccounts', { as: w.sa }), 200);
    expectError(await srv.req('GET', '/api/ListAccountz', { as: w.sa }), 405, 'NotImplementedException');
  });

  test('path parameters win over body; body over query', async () => {
    const c = await srv.ok('POST', '/customers', { as: w.sa, body: { accountId: w.A.id, name: 'prec' } });
    const other = await srv.ok('POST', '/customers', { as: w.sa, body: { accountId: w.A.id, name: 'prec-other' } });
    const p = await srv.ok('PATCH', `/customers/${c.id}?name=fromQuery`, { as: w.sa, body: { customerId: other.id, name: 'fromBody' } });
    assert.equal(p.id, c.id);
    assert.equal(p.name, 'fromBody');
    assert.equal((await srv.ok('GET', `/customers/${other.id}`, { as: w.sa })).name, 'prec-other');
    const q = await srv.ok('PATCH', `/customers/${c.id}?referenceId=fromQuery`, { as: w.sa, body: {} });
    assert.equal(q.referenceId, 'fromQuery');
  });
});

describe('incoming keys are case-insensitive', () => {
  test('PascalCase and UPPER keys bind', async () => {
    const c = await srv.ok('POST', '/customers', { as: w.sa, body: { AccountId: w.A.id, NAME: 'Casey', ReferenceID: 'rid' } });
    assert.equal(c.name, 'Casey');
    assert.equal(c.referenceId, 'rid');
    const p = await srv.ok('PATCH', `/customers/${c.id}`, { as: w.sa, body: { Schedule: { TimeZoneId: 'UTC', Inherit: false, ForceClosed: true, Rules: [] } } });
    assert.equal(p.schedule.timeZoneId, 'UTC');
    assert.equal(p.schedule.forceClosed, true);
    const l = await srv.ok('GET', '/customers', { as: w.sa, query: { NameFilter: 'casey', AccountIds: w.A.id } });
    assert.deepEqual(l.items.map((x) => x.id), [c.id]);
  });

  test('unknown keys are ignored', async () => {
    const c = await srv.ok('POST', '/customers', { as: w.sa, body: { accountId: w.A.id, name: 'Ign', somethingElse: 1, isStaging: true } });
    assert.equal(c.name, 'Ign');
    assert.equal(c.isStaging, false, 'isStaging is not a NewCustomer field');
  });
});

describe('concurrency', () => {
  test('50 parallel creates and reads all succeed with distinct ids', async () => {
    const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => srv.req('POST', '/customers', { as: w.sa, body: { accountId: w.B.id, name: `par ${i}` } })));
    for (const r of rs) expectStatus(r, 200);
    const ids = rs.map((r) => r.json.id);
    assert.equal(new Set(ids).size, 50);
    const gets = await Promise.all(ids.map((id) => srv.req('GET', `/customers/${id}`, { as: w.mgrB })));
    for (const g of gets) expectStatus(g, 200);
  });

  test('parallel patches of one customer: the final state is one of the writes', async () => {
    const c = await srv.ok('POST', '/customers', { as: w.sa, body: { accountId: w.A.id, name: 'race' } });
    const names = Array.from({ length: 20 }, (_, i) => `race ${i}`);
    const rs = await Promise.all(names.map((n) => srv.req('PATCH', `/customers/${c.id}`, { as: w.sa, body: { name: n } })));
    for (const r of rs) expectStatus(r, [200, 409]);
    const g = await srv.ok('GET', `/customers/${c.id}`, { as: w.sa });
    assert.ok(names.includes(g.name));
  });
});
