// multiserver.test.mjs — three evovoiced servers on one PostgreSQL database, as behind a
// load balancer: sessions and credentials are the database's, not a process's; the
// phone-number cap, "never bought twice", Idempotency-Key and routing jobs hold across
// servers; a server killed with -9 loses nothing it acknowledged; a database outage is
// answered 503 and service resumes by itself.  Runs when EVOVOICED_TEST_PG names a cluster
// (scripts/run-tests starts one).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import os from 'node:os';
import {
  Server, PG, pgDatabase, pgSql, REPO, PASSWORD, basic, expectStatus, expectError, expectUnauth, describeRes, sleep, waitFor} from './harness.mjs';
import { startFakeTwilio } from './fake-twilio.mjs';

const PROD = 'https://prod.hooks.test/evo';
const STAGE = 'https://staging.hooks.test/evo';
let seq = 0;
const fresh = (area = '415') => { seq++; return `+1${area}6${String(100000 + seq).slice(-6)}`; };

describe('three servers on one PostgreSQL', { skip: !PG && 'EVOVOICED_TEST_PG is not set' }, () => {
  let fake, db, servers, acct, cust;
  const carrierArgs = () => ['--twilio-account-sid', fake.mainSid, '--twilio-auth-token', fake.mainToken, '--twilio-base-url', fake.url,
    '--webhook-url', PROD, '--staging-webhook-url', STAGE, '--carrier-timeout-ms', '1500', '--carrier-attempts', '3',
    '--carrier-backoff-ms', '50', '--routing-retry-ms', '100', '--reconcile-after-ms', '60000'];
  const sa = () => ({ ...servers[0].admin, basic: true });
  before(async () => {
    fake = await startFakeTwilio();
    db = pgDatabase();
    servers = [];
    for (let i = 0; i < 3; i++) {
      const s = new Server({ db: db.url, args: carrierArgs() });
      await s.start();
      servers.push(s);
    }
    acct = await servers[0].ok('POST', '/accounts', { as: sa(), body: { name: 'multi acct' } });
    cust = await servers[1].ok('POST', '/customers', { as: sa(), body: { accountId: acct.id, name: 'multi cust' } });
  });
  after(async () => {
    for (const s of servers || []) await s.cleanup();
    if (db) pgSql(`DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`);
    if (fake) await fake.close();
  });

  test('a session made on one server is valid on the others; logout on one ends it on all', async () => {
    const l = await servers[0].req('POST', '/auth/credentials', { body: { userName: servers[0].admin.email, password: servers[0].admin.password } });
    expectStatus(l, 200);
    const sid = l.json.sessionId;
    for (const s of servers) expectStatus(await s.req('GET', '/accounts', { headers: { 'x-ss-id': sid } }), 200, s.base);
    expectStatus(await servers[1].req('POST', '/auth/logout', { headers: { 'x-ss-id': sid } }), [200, 204]);
    for (const s of servers) expectUnauth(await s.req('GET', '/accounts', { headers: { 'x-ss-id': sid } }));
  });

  test('a password changed on server 1 refuses the old Basic credential on server 2 at once', async () => {
    const email = `multi.${Date.now()}@tests.evovoiced`;
    const u = await servers[0].ok('POST', '/users', { as: sa(), body: { accountId: acct.id, emailAddress: email, password: PASSWORD, roles: ['Manager'] } });
    const old = { authorization: basic(email, PASSWORD) };
    for (const s of servers) expectStatus(await s.req('GET', '/accounts', { headers: old }), 200, 'the credential is cached on every server');
    await servers[0].ok('PATCH', `/users/${u.id}`, { as: sa(), body: { newPassword: 'N3w-Secret-Pass!' } });
    for (const s of servers) expectUnauth(await s.req('GET', '/accounts', { headers: old }));
    for (const s of servers) expectStatus(await s.req('GET', '/accounts', { headers: { authorization: basic(email, 'N3w-Secret-Pass!') } }), 200);
  });

  test('30 concurrent purchases over three servers against maxPhoneNumbers 5 leave exactly 5', async () => {
    const capped = await servers[0].ok('POST', '/accounts', { as: sa(), body: { name: 'capped multi' } });
    await servers[0].ok('PATCH', `/accounts/${capped.id}`, { as: sa(), body: { maxPhoneNumbers: 5 } });
    const nums = Array.from({ length: 30 }, () => fresh());
    const rs = await Promise.all(nums.map((n, i) => servers[i % 3].req('POST', '/endpoints/phone-numbers', { as: sa(), body: { accountId: capped.id, number: n } })));
    const ok = rs.filter((r) => r.status === 200);
    assert.equal(ok.length, 5, rs.map((r) => r.status).join(','));
    for (const r of rs) if (r.status !== 200) assert.ok([400, 409, 503].includes(r.status) && r.json?.responseStatus, describeRes(r));
    const stored = await servers[2].ok('GET', '/endpoints', { as: sa(), query: { accountIds: capped.id, all: true } });
    assert.equal(stored.items.length, 5);
    const bought = fake.log.filter((l) => l.kind === 'buy' && nums.includes(l.form.PhoneNumber));
    assert.equal(new Set(bought.map((l) => l.form.PhoneNumber)).size, 5, 'five numbers bought at the carrier');
  });

  test('opposite moves on two servers at once never make a cycle; each answer is read back at once on the third', async () => {
    // the parent-cycle check is a read-then-write rule: the writers' lock makes the second
    // move see the first, although each commits without waiting for the disk under the lock
    for (let i = 0; i < 10; i++) {
      const x = await servers[0].ok('POST', '/customers', { as: sa(), body: { accountId: acct.id, name: `ms cyc x${i}` } });
      const y = await servers[1].ok('POST', '/customers', { as: sa(), body: { accountId: acct.id, name: `ms cyc y${i}` } });
      const [rx, ry] = await Promise.all([
        servers[0].req('PATCH', `/customers/${x.id}`, { as: sa(), body: { parentCustomerId: y.id } }),
        servers[1].req('PATCH', `/customers/${y.id}`, { as: sa(), body: { parentCustomerId: x.id } }),
      ]);
      for (const r of [rx, ry]) assert.ok([200, 400].includes(r.status), describeRes(r));
      assert.equal([rx, ry].filter((r) => r.status === 200).length, 1, `round ${i}: ${rx.status} ${ry.status}`);
      const moved = rx.status === 200 ? rx.json : ry.json;
      const seen = await servers[2].ok('GET', `/customers/${moved.id}`, { as: sa() });
      assert.equal(seen.parentCustomerId, moved.parentCustomerId, 'the acknowledged move is what the third server reads');
      assert.deepEqual(seen.breadcrumb, moved.breadcrumb);
    }
  });

  test('the same number bought on three servers at once is bought once', async () => {
    const n = fresh();
    const rs = await Promise.all(servers.map((s) => s.req('POST', '/endpoints/phone-numbers', { as: sa(), body: { accountId: acct.id, customerId: cust.id, number: n } })));
    assert.equal(rs.filter((r) => r.status === 200).length, 1, rs.map(describeRes).join('\n'));
    for (const r of rs) if (r.status !== 200) expectError(r, 409, 'Conflict');
    assert.equal(fake.log.filter((l) => l.kind === 'buy' && l.form.PhoneNumber === n).length, 1);
  });

  test('an Idempotency-Key retried on another server gets the first answer', async () => {
    const n = fresh();
    const key = `multi-${Date.now()}`;
    const first = await servers[0].req('POST', '/endpoints/phone-numbers', { as: sa(), headers: { 'idempotency-key': key }, body: { accountId: acct.id, number: n } });
    expectStatus(first, 200);
    for (const s of servers.slice(1)) {
      const again = await s.req('POST', '/endpoints/phone-numbers', { as: sa(), headers: { 'idempotency-key': key }, body: { accountId: acct.id, number: n } });
      expectStatus(again, 200);
      assert.equal(again.json.id, first.json.id);
    }
    assert.equal(fake.log.filter((l) => l.kind === 'buy' && l.form.PhoneNumber === n).length, 1);
  });

  test('a staging flip on one server: each routing update is applied once although every server runs a worker', async () => {
    const c = await servers[0].ok('POST', '/customers', { as: sa(), body: { accountId: acct.id, name: 'staging multi' } });
    const nums = [];
    for (let i = 0; i < 12; i++) nums.push(await servers[i % 3].ok('POST', '/endpoints/phone-numbers', { as: sa(), body: { accountId: acct.id, customerId: c.id, number: fresh('628') } }));
    const sids = new Set(nums.map((e) => e.phoneNumberSid));
    const mark = fake.log.length;
    await servers[1].ok('POST', `/customers/${c.id}/staging`, { as: sa(), body: { isStaging: true } });
    const updates = () => fake.log.slice(mark).filter((l) => l.kind === 'update' && sids.has(path.basename(l.path, '.json')));
    await waitFor('every number routed to staging', () => updates().length >= 12, 20000);
    await sleep(1500); // time for a second application, were there one
    const per = new Map();
    for (const l of updates()) per.set(l.path, (per.get(l.path) || 0) + 1);
    assert.equal(per.size, 12);
    assert.deepEqual([...per.values()].filter((n) => n !== 1), [], 'each number updated exactly once');
    for (const l of updates()) assert.equal(l.form.VoiceUrl, `${STAGE}/voice`);
  });

  test('kill -9 of one server under concurrent writes: nothing it acknowledged is lost, the others keep serving', async () => {
    const acked = [];
    let stop = false;
    const writer = async (s, tag) => {
      for (let i = 0; !stop && i < 400; i++) {
        const r = await s.req('POST', '/customers', { as: sa(), body: { accountId: acct.id, name: `k9 ${tag} ${i}` } }).catch(() => null);
        if (r && r.status === 200) acked.push(r.json.id);
      }
    };
    const runs = servers.map((s, i) => writer(s, i));
    await sleep(700);
    await servers[2].kill9();
    await sleep(700);
    stop = true;
    await Promise.all(runs);
    assert.ok(acked.length > 20, `writes were acknowledged (${acked.length})`);
    for (const s of servers.slice(0, 2)) expectStatus(await s.req('GET', '/accounts', { as: sa() }), 200);
    const all = await servers[0].ok('GET', '/customers', { as: sa(), query: { accountIds: acct.id, all: true } });
    const have = new Set(all.items.map((x) => x.id));
    assert.deepEqual(acked.filter((id) => !have.has(id)), [], 'every acknowledged customer is stored');
    await servers[2].start();
  });
});

describe('a database outage', { skip: !PG && 'EVOVOICED_TEST_PG is not set' }, () => {
  // a cluster of its own, so stopping it stops nobody else's tests
  const dir = path.join(os.tmpdir(), `evovoiced-pg-${process.pid}`); // where the unprivileged cluster owner can reach it
  const cluster = (...a) => execFileSync(path.join(REPO, 'scripts/pg-cluster'), a, { encoding: 'utf8' }).trim();
  let srv;
  before(async () => {
    const url = cluster('start', dir);
    srv = new Server({ db: url });
    await srv.start();
  });
  after(async () => { if (srv) await srv.cleanup(); cluster('stop', dir); });

  test('requests during the outage get 503 with a ResponseStatus, quickly; service resumes by itself', async () => {
    const sa = { ...srv.admin, basic: true };
    const a = await srv.ok('POST', '/accounts', { as: sa, body: { name: 'before the outage' } });
    expectStatus(await srv.req('GET', '/ready'), 200);
    cluster('halt', dir);
    expectError(await srv.req('GET', '/ready'), 503, 'ServiceUnavailable');
    expectStatus(await srv.req('GET', '/health'), 200, 'the process is up');
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      for (const [m, p, body] of [['GET', `/accounts/${a.id}`], ['POST', '/accounts', { name: 'during' }]]) {
        const r = await srv.req(m, p, { as: sa, body });
        expectError(r, 503, 'ServiceUnavailable');
      }
      assert.ok(Date.now() - t0 < 15000, 'answered within the timeout');
      assert.ok(srv.running, 'the server is still up');
    }
    cluster('resume', dir);
    await waitFor('service resumes', async () => (await srv.req('GET', `/accounts/${a.id}`, { as: sa })).status === 200, 20000, 200);
    expectStatus(await srv.req('GET', '/ready'), 200);
    expectStatus(await srv.req('POST', '/accounts', { as: sa, body: { name: 'after the outage' } }), 200);
    const list = await srv.ok('GET', '/accounts', { as: sa, query: { all: true } });
    assert.deepEqual(list.items.map((x) => x.name).sort(), ['after the outage', 'before the outage']);
  });
});
