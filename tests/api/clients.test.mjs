// clients.test.mjs — what clients of the original rely on: a 404 that says there is no
// such route (and 405 only for a path served with another verb), the administrator's
// accounts in the auth status, list filters that are applied or refused (never ignored),
// partial flowParams updates, and the account extras (check, duplicates).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeWorld, randomHex24, expectStatus, expectError, describeRes } from './harness.mjs';

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
      ['GET', '/endpoints/duplicates'], ['GET', '/endpoints/dup'], ['GET', '/accounts/not-an-id'],
      ['GET', '/customers/12345'], ['GET', `/accounts/${randomHex24()}/nothing`], ['GET', '/endpointz'],
      ['GET', `/endpoints/${randomHex24().toUpperCase()}`], ['DELETE', '/flows/available'],
    ]) noRoute(await srv.req(m, p, { as: w.sa }));
  });

  test('a POST to a path we do not serve is 404, never 405', async () => {
    for (const p of ['/endpoints/duplicates', '/phone-numbers/sync-all', '/accounts/abc/check', '/nothing/here', '/endpoints/users/x'])
      noRoute(await srv.req('POST', p, { as: w.sa, body: {} }));
  });

  test('the 404 comes in the format asked for', async () => {
    const r = await srv.req('GET', '/endpoints/duplicates.xml', { as: w.sa });
    expectStatus(r, 404);
    assert.match(r.text, /<ErrorCode>NotFound<\/ErrorCode><Message>There is no such route: GET \/endpoints\/duplicates\.xml<\/Message>/);
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
