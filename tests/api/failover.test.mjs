// failover.test.mjs — a primary with a synchronous streaming standby, and a server given
// both in one multi-host URL (target_session_attrs=read-write): the primary crashes under
// writes, the standby is promoted, the server finds it by itself, and no write it
// acknowledged is lost.  Runs when EVOVOICED_TEST_PG is set (PostgreSQL is installed and
// scripts/run-tests started a cluster); it makes two clusters of its own.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { Server, PG, REPO, expectStatus, sleep } from './harness.mjs';

const cluster = (...a) => execFileSync(path.join(REPO, 'scripts/pg-cluster'), a, { encoding: 'utf8' }).trim();

describe('failover to a promoted standby', { skip: !PG && 'EVOVOICED_TEST_PG is not set' }, () => {
  const primary = path.join(os.tmpdir(), `evovoiced-pgp-${process.pid}`);
  const standby = path.join(os.tmpdir(), `evovoiced-pgs-${process.pid}`);
  let srv;
  before(async () => {
    const p = new URL(cluster('start', primary));
    const s = new URL(cluster('standby', primary, standby));
    const url = `postgresql://postgres@${p.host},${s.host}/evovoiced?target_session_attrs=read-write`;
    srv = new Server({ db: url });
    await srv.start();
  });
  after(async () => {
    if (srv) await srv.cleanup();
    cluster('stop', standby);
    cluster('stop', primary);
  });

  test('the primary crashes under writes; after promotion every acknowledged write is there', async () => {
    const sa = { ...srv.admin, basic: true };
    const acct = await srv.ok('POST', '/accounts', { as: sa, body: { name: 'failover acct' } });
    const acked = [];
    const statuses = new Map();
    let stop = false;
    const writer = async (w) => {
      for (let i = 0; !stop; i++) {
        const r = await srv.req('POST', '/customers', { as: sa, body: { accountId: acct.id, name: `fo ${w} ${i}` } }).catch(() => null);
        const k = r ? r.status : 'error';
        statuses.set(k, (statuses.get(k) || 0) + 1);
        if (r && r.status === 200) acked.push(r.json.id);
        else await sleep(50);
      }
    };
    const runs = [writer(1), writer(2), writer(3)];
    await sleep(1000);
    const before = acked.length;
    cluster('crash', primary);
    await sleep(1000);
    cluster('promote', standby);
    // writes resume on the promoted standby without a restart of the server
    const t0 = Date.now();
    while (acked.length <= before + 10 && Date.now() - t0 < 30000) await sleep(100);
    stop = true;
    await Promise.all(runs);
    assert.ok(before > 5, `writes were acknowledged before the crash (${before})`);
    assert.ok(acked.length > before + 10, `writes resumed after the promotion: ${JSON.stringify([...statuses])}`);
    for (const k of statuses.keys()) assert.ok(k === 200 || k === 503, `only 200 or 503 answers: ${JSON.stringify([...statuses])}`);
    const all = await srv.ok('GET', '/customers', { as: sa, query: { accountIds: acct.id, all: true } });
    const have = new Set(all.items.map((x) => x.id));
    assert.deepEqual(acked.filter((id) => !have.has(id)), [], 'no acknowledged write lost');
    expectStatus(await srv.req('GET', '/ready'), 200);
  });
});
