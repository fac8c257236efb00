// concurrency.test.mjs — races between writes must never break the invariants: no cycles in
// the customer tree, no orphans under a deleted parent or account, unique e-mails; and
// HTTP-level robustness (chunked bodies, huge headers, odd paths).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  startServer, PASSWORD, u, basic, expectStatus, expectError, describeRes, rawTcp,
} from './harness.mjs';

let srv, sa, acct;
before(async () => {
  srv = await startServer();
  sa = { ...srv.admin };
  acct = await srv.ok('POST', '/accounts', { as: sa, body: { name: 'Race Acct' } });
});
after(() => srv && srv.cleanup());

const newC = (body) => srv.ok('POST', '/customers', { as: sa, body: { accountId: acct.id, ...body } });

const tcp = (bytes, timeoutMs) => rawTcp(srv.port, bytes, timeoutMs);
const statusOf = (raw) => Number((/^HTTP\/1\.1 (\d{3})/.exec(raw) || [])[1] || 0);
const bodyOf = (raw) => raw.slice(raw.indexOf('\r\n\r\n') + 4);
const auth = () => basic(sa.email, sa.password);

describe('races on the customer tree', () => {
  test('concurrent opposite moves never create a cycle', async () => {
    for (let i = 0; i < 12; i++) {
      const x = await newC({ name: `cyc x${i}` });
      const y = await newC({ name: `cyc y${i}` });
      const [rx, ry] = await Promise.all([
        srv.req('PATCH', `/customers/${x.id}`, { as: sa, body: { parentCustomerId: y.id } }),
        srv.req('PATCH', `/customers/${y.id}`, { as: sa, body: { parentCustomerId: x.id } }),
      ]);
      for (const r of [rx, ry]) assert.ok([200, 400, 409].includes(r.status), describeRes(r));
      assert.ok(!(rx.status === 200 && ry.status === 200), `both moves succeeded (cycle) in round ${i}`);
      const gx = await srv.ok('GET', `/customers/${x.id}`, { as: sa });
      const gy = await srv.ok('GET', `/customers/${y.id}`, { as: sa });
      assert.ok(!gx.parentCustomerId || !gy.parentCustomerId, `round ${i}: x and y are each other's parent`);
      for (const g of [gx, gy]) assert.equal(g.breadcrumb[g.breadcrumb.length - 1].id, g.id);
    }
  });

  test('deleting a parent while a child is being created under it leaves no orphan', async () => {
    for (let i = 0; i < 12; i++) {
      const p = await newC({ name: `orph p${i}` });
      const [del, kid] = await Promise.all([
        srv.req('DELETE', `/customers/${p.id}`, { as: sa }),
        srv.req('POST', '/customers', { as: sa, body: { accountId: acct.id, name: `orph k${i}`, parentCustomerId: p.id } }),
      ]);
      assert.ok([204, 409].includes(del.status), describeRes(del));
      assert.ok([200, 400, 404].includes(kid.status), describeRes(kid));
      assert.ok(!(del.status === 204 && kid.status === 200), `round ${i}: parent deleted and child created -> orphan`);
      if (kid.status === 200) {
        const g = await srv.ok('GET', `/customers/${kid.json.id}`, { as: sa });
        assert.deepEqual(g.breadcrumb.map((b) => b.id), [p.id, kid.json.id]);
      }
    }
  });

  test('deleting an account while a customer or user is being created in it leaves no orphan', async () => {
    for (let i = 0; i < 8; i++) {
      const a = await srv.ok('POST', '/accounts', { as: sa, body: { name: `orph acct ${i}` } });
      const [del, c, usr] = await Promise.all([
        srv.req('DELETE', `/accounts/${a.id}`, { as: sa }),
        srv.req('POST', '/customers', { as: sa, body: { accountId: a.id, name: 'x' } }),
        srv.req('POST', '/users', { as: sa, body: { accountId: a.id, emailAddress: `${u('orph')}@tests.evovoiced`, firstName: 'o', lastName: 'u', password: PASSWORD, roles: ['Manager'] } }),
      ]);
      assert.ok([204, 409].includes(del.status), describeRes(del));
      if (del.status === 204) {
        assert.notEqual(c.status, 200, `round ${i}: account deleted but customer created: ${describeRes(c)}`);
        assert.notEqual(usr.status, 200, `round ${i}: account deleted but user created: ${describeRes(usr)}`);
      }
    }
  });

  test('concurrent creates under one parent all land in the subtree', async () => {
    const p = await newC({ name: 'fan parent' });
    const rs = await Promise.all(Array.from({ length: 30 }, (_, i) => srv.ok('POST', '/customers', { as: sa, body: { accountId: acct.id, name: `fan ${i}`, parentCustomerId: p.id } })));
    const l = await srv.ok('GET', '/customers', { as: sa, query: { parentCustomerIds: p.id, shallowParent: true, all: true } });
    assert.deepEqual(l.items.map((c) => c.id).sort(), rs.map((c) => c.id).sort());
  });
});

describe('HTTP robustness', () => {
  test('chunked request body is accepted', async () => {
    const body = JSON.stringify({ accountId: acct.id, name: 'chunked one' });
    const half = Math.floor(body.length / 2);
    const chunk = (s) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
    const raw = await tcp([
      `POST /customers HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth()}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
      chunk(body.slice(0, half)), chunk(body.slice(half)), '0\r\n\r\n',
    ]);
    assert.equal(statusOf(raw), 200, raw.slice(0, 300));
    assert.equal(JSON.parse(bodyOf(raw)).name, 'chunked one');
  });

  test('chunked body over 1 MiB is 413', async () => {
    const piece = 'a'.repeat(64 * 1024);
    const parts = [`POST /customers HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth()}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
      `${(('{"accountId":"' + acct.id + '","name":"big","referenceId":"').length).toString(16)}\r\n{"accountId":"${acct.id}","name":"big","referenceId":"\r\n`];
    for (let i = 0; i < 18; i++) parts.push(`${piece.length.toString(16)}\r\n${piece}\r\n`);
    parts.push('2\r\n"}\r\n0\r\n\r\n');
    const raw = await tcp(parts, 10000);
    assert.equal(statusOf(raw), 413, raw.slice(0, 300));
    expectStatus(await srv.req('GET', `/accounts/${acct.id}`, { as: sa }), 200);
  });

  test('a huge header is refused cleanly (4xx or closed), server alive', async () => {
    const raw = await tcp(`GET /accounts HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(200 * 1024)}\r\nConnection: close\r\n\r\n`);
    const st = statusOf(raw);
    assert.ok(st === 0 || (st >= 400 && st < 500), `status ${st}`);
    expectStatus(await srv.req('GET', `/accounts/${acct.id}`, { as: sa }), 200);
  });

  test('pipelined requests on one connection are answered in order', async () => {
    const req = (p) => `GET ${p} HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth()}\r\nAccept: application/json\r\n\r\n`;
    const raw = await tcp(req(`/accounts/${acct.id}`) + req('/nope/nope') + req(`/accounts/${acct.id}`).replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'), 5000);
    const statuses = [...raw.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
    assert.deepEqual(statuses, [200, 404, 200], raw.slice(0, 500));
  });

  test('odd paths: encoded dots, double slashes, trailing junk -> 4xx, never 500 (raw, not normalised by a URL parser)', async () => {
    for (const p of ['/customers/%2e%2e/accounts', '/customers/../accounts', '/accounts/..%2f..%2fetc%2fpasswd', `/accounts/${acct.id}%00`, '//accounts//x', '/accounts/' + 'f'.repeat(5000)]) {
      const raw = await tcp(`GET ${p} HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth()}\r\nAccept: application/json\r\nConnection: close\r\n\r\n`);
      const st = statusOf(raw);
      assert.ok(st >= 400 && st < 500, `${p.slice(0, 60)}: ${raw.slice(0, 300)}`);
    }
    expectStatus(await srv.req('GET', `/accounts/${acct.id}`, { as: sa }), 200);
  });

  test('a path parameter that is not UTF-8 names nothing: the query cannot stand in for it', async () => {
    const raw = await tcp(`GET /accounts/%FF?accountId=${acct.id} HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth()}\r\nAccept: application/json\r\nConnection: close\r\n\r\n`);
    assert.equal(statusOf(raw), 404, raw.slice(0, 300));
  });

  test('a slow client does not block others', async () => {
    const s = net.connect(srv.port, '127.0.0.1');
    await new Promise((r) => s.on('connect', r));
    s.write('POST /customers HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"acc');
    const r = await srv.req('GET', `/accounts/${acct.id}`, { as: sa });
    expectStatus(r, 200);
    s.destroy();
  });
});

describe('kill -9 during a burst of concurrent writes', () => {
  test('every acknowledged write survives; the DB reopens', async () => {
    const a = await srv.ok('POST', '/accounts', { as: sa, body: { name: 'Burst Kill' } });
    const acked = [];
    let killed = false;
    const jobs = Array.from({ length: 80 }, (_, i) => srv.req('POST', '/customers', { as: { ...sa, basic: true }, body: { accountId: a.id, name: `bk ${i}` } })
      .then(async (r) => {
        if (r.status === 200) acked.push(r.json.id);
        if (acked.length >= 30 && !killed) { killed = true; await srv.kill9(); }
      }, () => { }));
    await Promise.allSettled(jobs);
    if (!killed) await srv.kill9();
    await srv.start();
    const l = await srv.ok('GET', '/customers', { as: { ...sa, basic: true }, query: { accountIds: a.id, all: true } });
    const have = new Set(l.items.map((c) => c.id));
    const lost = acked.filter((id) => !have.has(id));
    assert.deepEqual(lost, [], `acknowledged (${acked.length}) but lost after kill -9`);
  });
});
