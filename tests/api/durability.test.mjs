// durability.test.mjs — data survives a SIGTERM restart, and a kill -9 right after a 200
// response loses nothing.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import {
  startServer, BIN, tmpDir, PASSWORD, basic, expectStatus, expectNotFound, expectNoContent, expectUnauth,
} from './harness.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(() => srv && srv.cleanup());

const sa = () => ({ ...srv.admin, basic: true });

describe('graceful restart', () => {
  // A process signal goes to any thread that does not block it; a helper thread that took
  // SIGTERM would end the process at once (default action), with no graceful stop, whenever
  // the main thread was not yet in its sigwait (seen: a SIGTERM just after start-up).
  test('only the main thread can take SIGTERM or SIGINT', async () => {
    await srv.ok('GET', '/customers', { as: sa() }); // every thread started by now
    const pid = srv.proc.pid;
    const tids = fs.readdirSync(`/proc/${pid}/task`).map(Number);
    assert.ok(tids.length >= 4, `threads: ${tids}`); // the HTTP loops, slow threads and helpers
    const taking = tids.filter((tid) => tid !== pid).filter((tid) => {
      const status = fs.readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      const blocked = BigInt('0x' + status.match(/^SigBlk:\s*([0-9a-f]+)$/m)[1]);
      const bit = (sig) => (blocked >> BigInt(sig - 1)) & 1n;
      return bit(15) === 0n || bit(2) === 0n; // SIGTERM, SIGINT
    }).map((tid) => `${tid} (${fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()})`);
    assert.deepEqual(taking, [], 'threads other than the main one that do not block SIGTERM or SIGINT');
  });

  test('SIGTERM exits 0; everything is read back after restart', async () => {
    const a = await srv.ok('POST', '/accounts', { as: sa(), body: { name: 'Durable A' } });
    const child = await srv.ok('POST', '/accounts', { as: sa(), body: { name: 'Durable A child', parentAccountId: a.id } });
    await srv.ok('PATCH', `/accounts/${a.id}`, { as: sa(), body: { maxPhoneNumbers: 11, logoId: 'logo', billingSettings: { base: { baseCost: 1, rawUnitMultiplier: 2, unitCost: 3, allowance: 4 } } } });
    const st = await srv.ok('PATCH', '/system/settings', { as: sa(), body: { accountId: a.id, tags: [{ name: 'Keep', color: 'Cyan' }], documentation: 'persist me' } });
    const c1 = await srv.ok('POST', '/customers', { as: sa(), body: { accountId: a.id, name: 'D1', referenceId: 'ref', data: { k: { stringValue: 'v' } } } });
    const c2 = await srv.ok('POST', '/customers', { as: sa(), body: { accountId: a.id, name: 'D2', parentCustomerId: c1.id } });
    await srv.ok('PATCH', `/customers/${c2.id}`, { as: sa(), body: { tagIds: [st.tags[0].id], schedule: { timeZoneId: 'UTC', inherit: false, forceClosed: false, rules: [] } } });
    await srv.ok('POST', `/customers/${c2.id}/staging`, { as: sa(), body: { isStaging: true } });
    const email = 'durable.user@tests.evovoiced';
    const usr = await srv.ok('POST', '/users', { as: sa(), body: { accountId: a.id, emailAddress: email, firstName: 'D', lastName: 'U', password: PASSWORD, roles: ['Customer'], customerIds: [c1.id] } });

    const before = {
      a: await srv.ok('GET', `/accounts/${a.id}`, { as: sa() }),
      child: await srv.ok('GET', `/accounts/${child.id}`, { as: sa() }),
      c1: await srv.ok('GET', `/customers/${c1.id}`, { as: sa() }),
      c2: await srv.ok('GET', `/customers/${c2.id}`, { as: sa() }),
      settings: await srv.ok('GET', '/system/settings', { as: sa(), query: { accountId: a.id } }),
      users: await srv.ok('GET', '/users', { as: sa(), query: { accountIds: a.id } }),
    };
    const res = await srv.stop();
    assert.equal(res.code, 0, `SIGTERM exit: ${JSON.stringify(res)}\n${srv.stderr}`);
    await srv.start();
    assert.deepEqual(await srv.ok('GET', `/accounts/${a.id}`, { as: sa() }), before.a);
    assert.deepEqual(await srv.ok('GET', `/accounts/${child.id}`, { as: sa() }), before.child);
    assert.deepEqual(await srv.ok('GET', `/customers/${c1.id}`, { as: sa() }), before.c1);
    assert.deepEqual(await srv.ok('GET', `/customers/${c2.id}`, { as: sa() }), before.c2);
    assert.equal(before.c2.isStaging, true);
    assert.equal(before.c2.tags[0].name, 'Keep');
    assert.deepEqual(await srv.ok('GET', '/system/settings', { as: sa(), query: { accountId: a.id } }), before.settings);
    assert.deepEqual(await srv.ok('GET', '/users', { as: sa(), query: { accountIds: a.id } }), before.users);
    // the user's password still works; its tenancy too
    const me = { email, password: PASSWORD, basic: true };
    expectStatus(await srv.req('GET', `/customers/${c2.id}`, { as: me }), 200);
    assert.equal(usr.emailAddress, email);
  });

  test('SIGTERM while requests are in flight still exits 0 and keeps acknowledged writes', async () => {
    const a = await srv.ok('POST', '/accounts', { as: sa(), body: { name: 'Inflight' } });
    const acked = [];
    const pending = [];
    for (let i = 0; i < 30; i++) {
      pending.push(srv.req('POST', '/customers', { as: sa(), body: { accountId: a.id, name: `inflight ${i}` } })
        .then((r) => { if (r.status === 200) acked.push(r.json.id); }, () => { }));
    }
    await new Promise((r) => setTimeout(r, 5));
    const res = await srv.stop();
    await Promise.allSettled(pending);
    assert.equal(res.code, 0, `exit ${JSON.stringify(res)}`);
    await srv.start();
    const l = await srv.ok('GET', '/customers', { as: sa(), query: { accountIds: a.id, all: true } });
    const have = new Set(l.items.map((c) => c.id));
    for (const id of acked) assert.ok(have.has(id), `acknowledged customer ${id} survived`);
  });

  test('SIGTERM after clients left while their writes waited for the commit still exits 0 promptly', async () => {
    // a write's answer is held (its connection suspended) until its batch commits; a client
    // that goes meanwhile must not leave the server waiting for that answer at its stop
    const a = await srv.ok('POST', '/accounts', { as: sa(), body: { name: 'Left' } });
    const { authorization } = await srv.authHeaders(sa());
    for (let round = 0; round < 10; round++) {
      const gone = [];
      for (let i = 0; i < 64; i++) {
        const body = JSON.stringify({ accountId: a.id, name: `left ${round} ${i}` });
        const s = net.connect(srv.port, '127.0.0.1');
        s.on('error', () => { });
        gone.push(new Promise((r) => s.on('close', r)));
        s.on('connect', () => {
          s.write(`POST /customers HTTP/1.1\r\nHost: x\r\nAuthorization: ${authorization}\r\n`
            + `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
          setTimeout(() => s.destroy(), i % 4); // some go before their answer, some after
        });
      }
      await Promise.all(gone);
    }
    const t0 = Date.now();
    const res = await srv.stop(10000);
    assert.equal(res.code, 0, `exit after SIGTERM: ${JSON.stringify(res)} after ${Date.now() - t0} ms`);
    await srv.start();
  });

  test('SIGTERM with an idle keep-alive and a half-sent request still exits 0 promptly', async () => {
    const s1 = net.connect(srv.port, '127.0.0.1');
    await new Promise((r) => s1.on('connect', r));
    s1.write('POST /customers HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"acc');
    const s2 = net.connect(srv.port, '127.0.0.1');
    await new Promise((r) => s2.on('connect', r));
    s1.on('error', () => { }); s2.on('error', () => { });
    const t0 = Date.now();
    const res = await srv.stop(12000);
    s1.destroy(); s2.destroy();
    assert.equal(res.code, 0, `exit after SIGTERM with open connections: ${JSON.stringify(res)} after ${Date.now() - t0} ms`);
    await srv.start();
  });

  test('listening on a port in use: exits non-zero with a message', async () => {
    const blocker = net.createServer();
    await new Promise((r) => blocker.listen(0, '127.0.0.1', r));
    const port = blocker.address().port;
    const dir = tmpDir();
    const p = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--db', `${dir}/x.db`], { env: { ...process.env, EVOVOICED_ADMIN_EMAIL: 'a@b.c', EVOVOICED_ADMIN_PASSWORD: 'Some-Pass-123!' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    const code = await new Promise((resolve) => {
      const t = setTimeout(() => { p.kill('SIGKILL'); resolve('still running'); }, 8000);
      p.on('exit', (c) => { clearTimeout(t); resolve(c); });
    });
    blocker.close();
    fs.rmSync(dir, { recursive: true, force: true });
    assert.ok(typeof code === 'number' && code !== 0, `exit code ${code}; stderr: ${err}`);
    assert.ok(err.trim().length > 0, 'an error message on stderr');
  });

  test('sessions: after a restart an old session is either still valid or a clean 401', async () => {
    const sid = await srv.login(srv.admin);
    await srv.restart();
    const r = await srv.req('GET', '/accounts', { headers: { 'X-ss-id': sid } });
    if (r.status !== 200) expectUnauth(r);
  });
});

describe('kill -9 right after a 200', () => {
  // Each write: perform it, SIGKILL as soon as the response arrives, restart, read back.
  async function crashAfter(fn) {
    const out = await fn();
    await srv.kill9();
    await srv.start();
    return out;
  }

  test('NewAccount', async () => {
    const a = await crashAfter(() => srv.ok('POST', '/accounts', { as: sa(), body: { name: 'Crash Acct' } }));
    const g = await srv.ok('GET', `/accounts/${a.id}`, { as: sa() });
    assert.deepEqual(g, a);
  });

  test('PatchAccount', async () => {
    const a = await srv.ok('POST', '/accounts', { as: sa(), body: { name: 'Crash Patch' } });
    const p = await crashAfter(() => srv.ok('PATCH', `/accounts/${a.id}`, { as: sa(), body: { name: 'Crash Patched', maxPhoneNumbers: 9 } }));
    assert.deepEqual(await srv.ok('GET', `/accounts/${a.id}`, { as: sa() }), p);
  });

  test('NewCustomer and PatchCustomer (re-parent updates descendants)', async () => {
    const a = await srv.ok('POST', '/accounts', { as: sa(), body: { name: 'Crash Cust' } });
    const top = await srv.ok('POST', '/customers', { as: sa(), body: { accountId: a.id, name: 'top' } });
    const mid = await srv.ok('POST', '/customers', { as: sa(), body: { accountId: a.id, name: 'mid' } });
    const leaf = await crashAfter(() => srv.ok('POST', '/customers', { as: sa(), body: { accountId: a.id, name: 'leaf', parentCustomerId: mid.id, data: { x: { numberValue: 1 } } } }));
    assert.deepEqual(await srv.ok('GET', `/customers/${leaf.id}`, { as: sa() }), leaf);
    await crashAfter(() => srv.ok('PATCH', `/customers/${mid.id}`, { as: sa(), body: { parentCustomerId: top.id, referenceId: 'moved' } }));
    const g = await srv.ok('GET', `/customers/${leaf.id}`, { as: sa() });
    assert.deepEqual(g.breadcrumb.map((b) => b.id), [top.id, mid.id, leaf.id]);
    assert.equal((await srv.ok('GET', `/customers/${mid.id}`, { as: sa() })).referenceId, 'moved');
  });

  test('SetCustomerStagingMode', async () => {
    const a = await srv.ok('POST', '/accounts', { as: sa(), body: { name: 'Crash Stage' } });
    const c = await srv.ok('POST', '/customers', { as: sa(), body: { accountId: a.id, name: 'st' } });
    await crashAfter(() => srv.ok('POST', `/customers/${c.id}/staging`, { as: sa(), body: { isStaging: true } }));
    assert.equal((await srv.ok('GET', `/customers/${c.id}`, { as: sa() })).isStaging, true);
  });

  test('DeleteCustomer', async () => {
    const a = await srv.ok('POST', '/accounts', { as: sa(), body: { name: 'Crash Del' } });
    const c = await srv.ok('POST', '/customers', { as: sa(), body: { accountId: a.id, name: 'gone' } });
    await crashAfter(async () => expectNoContent(await srv.req('DELETE', `/customers/${c.id}`, { as: sa() })));
    expectNotFound(await srv.req('GET', `/customers/${c.id}`, { as: sa() }));
  });

  test('NewUser, PatchUser (password), DeleteUser', async () => {
    const a = await srv.ok('POST', '/accounts', { as: sa(), body: { name: 'Crash Users' } });
    const email = 'crash.user@tests.evovoiced';
    const x = await crashAfter(() => srv.ok('POST', '/users', { as: sa(), body: { accountId: a.id, emailAddress: email, firstName: 'C', lastName: 'U', password: PASSWORD, roles: ['Manager'] } }));
    expectStatus(await srv.req('GET', '/accounts', { headers: { authorization: basic(email, PASSWORD) } }), 200);
    await crashAfter(() => srv.ok('PATCH', `/users/${x.id}`, { as: sa(), body: { newPassword: 'After-Crash-Pass-1!' } }));
    expectUnauth(await srv.req('GET', '/accounts', { headers: { authorization: basic(email, PASSWORD) } }));
    expectStatus(await srv.req('GET', '/accounts', { headers: { authorization: basic(email, 'After-Crash-Pass-1!') } }), 200);
    await crashAfter(async () => expectNoContent(await srv.req('DELETE', `/users/${x.id}`, { as: sa() })));
    expectUnauth(await srv.req('GET', '/accounts', { headers: { authorization: basic(email, 'After-Crash-Pass-1!') } }));
  });

  test('PatchSystemSettings (tags)', async () => {
    const a = await srv.ok('POST', '/accounts', { as: sa(), body: { name: 'Crash Settings' } });
    const s = await crashAfter(() => srv.ok('PATCH', '/system/settings', { as: sa(), body: { accountId: a.id, tags: [{ name: 'T1', color: 'Orange' }] } }));
    assert.deepEqual((await srv.ok('GET', '/system/settings', { as: sa(), query: { accountId: a.id } })).tags, s.tags);
  });

  test('a burst of 40 writes, kill -9 after the last 200: all present', async () => {
    const a = await srv.ok('POST', '/accounts', { as: sa(), body: { name: 'Crash Burst' } });
    const ids = [];
    for (let i = 0; i < 40; i++) ids.push((await srv.ok('POST', '/customers', { as: sa(), body: { accountId: a.id, name: `b${String(i).padStart(2, '0')}` } })).id);
    await srv.kill9();
    await srv.start();
    const l = await srv.ok('GET', '/customers', { as: sa(), query: { accountIds: a.id, all: true } });
    assert.deepEqual(l.items.map((c) => c.id).sort(), [...ids].sort());
  });

  test('concurrent writes, kill -9 after all 200s: all present', async () => {
    const a = await srv.ok('POST', '/accounts', { as: sa(), body: { name: 'Crash Par' } });
    const rs = await Promise.all(Array.from({ length: 25 }, (_, i) => srv.ok('POST', '/customers', { as: sa(), body: { accountId: a.id, name: `p${i}` } })));
    await srv.kill9();
    await srv.start();
    const l = await srv.ok('GET', '/customers', { as: sa(), query: { accountIds: a.id, all: true } });
    assert.equal(l.items.length, 25);
    assert.deepEqual(l.items.map((c) => c.id).sort(), rs.map((c) => c.id).sort());
  });

  // Concurrent writes are committed in batches: a kill -9 while writers are still sending
  // must find every acknowledged write, and no request half-kept: a new customer and its
  // audit entry are written by one request, so each is there with the other or not at all.
  test('many concurrent writers, kill -9 mid-stream: every acknowledged write, no half request', async (t) => {
    const a = await srv.ok('POST', '/accounts', { as: sa(), body: { name: 'Crash Batch' } });
    // large customers, so that the server, not this process, is the slower side: requests
    // are queued in it when it dies
    const data = JSON.stringify(Object.fromEntries(Array.from({ length: 1500 }, (_, k) => [`k${k}`, { stringValue: `v${k}`.repeat(8) }])));
    const acked = [];
    let killed = null, sent = 0;
    const writer = async (w) => {
      for (let i = 0; !killed; i++) {
        sent++;
        try {
          const body = `{"accountId":"${a.id}","name":"w${w}-${i}","data":${data}}`;
          const r = await srv.req('POST', '/customers', { as: sa(), body });
          if (r.status === 200) acked.push(r.json.id);
          else if (!killed) expectStatus(r, 200);
        } catch (e) {
          if (!killed) throw e; // the connection died with the server: not acknowledged
        }
        // killed at once from here, while the other writers' requests are in the server
        if (acked.length >= 60 && !killed) killed = srv.kill9();
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, w) => writer(w)));
    await killed;
    t.diagnostic(`${acked.length} acknowledged of ${sent} sent`);
    await srv.start();
    const kept = (await srv.ok('GET', '/customers', { as: sa(), query: { accountIds: a.id, all: true } })).items.map((c) => c.id);
    const missing = acked.filter((id) => !kept.includes(id));
    assert.deepEqual(missing, [], 'every acknowledged customer is there after the restart');
    const logged = (await srv.ok('GET', '/log-entries', { as: sa(), query: { accountIds: a.id, entityType: 'Customer', all: true } })).items
      .filter((e) => e.operation === 'NewCustomer').map((e) => e.entityId);
    assert.deepEqual([...logged].sort(), [...kept].sort(), 'each kept customer has its audit entry, and each entry its customer');
  });

  test('after kill -9 the bootstrap admin is not re-created with a new password', async () => {
    await srv.kill9();
    await srv.start();
    assert.ok(!/password:/i.test(srv.stderr), srv.stderr);
    expectStatus(await srv.req('GET', '/accounts', { as: sa() }), 200);
  });
});
