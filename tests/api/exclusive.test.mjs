// exclusive.test.mjs — --db-exclusive (SQLite): one process owns the database file and its
// connections coordinate in memory.  Readers and writers of that process still work together,
// a kill -9 loses nothing answered, and another process that opens the file meanwhile (a
// second server, `user add`) fails with an error naming the lock and writes nothing.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Server, BIN, PG, PASSWORD, basic, expectStatus, expectUnauth } from './harness.mjs';

const LOCKED = /locked by another process/;

describe('--db-exclusive', { skip: PG ? 'SQLite only' : false }, () => {
  let srv, acct;
  const sa = () => ({ ...srv.admin, basic: true });
  before(async () => {
    srv = new Server({ args: ['--db-exclusive'] });
    await srv.start();
    acct = await srv.ok('POST', '/accounts', { as: sa(), body: { name: 'Exclusive' } });
  });
  after(() => srv && srv.cleanup());

  test('concurrent reads and writes of one process see each other', async () => {
    const first = await srv.ok('POST', '/customers', { as: sa(), body: { accountId: acct.id, name: 'first' } });
    const writes = Array.from({ length: 30 }, (_, i) => srv.req('POST', '/customers', { as: sa(), body: { accountId: acct.id, name: `c${i}`, parentCustomerId: first.id } }));
    const reads = Array.from({ length: 60 }, () => srv.req('GET', `/customers/${first.id}`, { as: sa() }));
    const done = await Promise.all([...writes, ...reads]);
    for (const r of done) expectStatus(r, 200);
    const made = done.slice(0, 30).map((r) => r.json.id);
    const again = await Promise.all(made.map((id) => srv.req('GET', `/customers/${id}`, { as: sa() })));
    for (const r of again) assert.equal(r.json.parentCustomerId, first.id);
    const list = await srv.ok('GET', '/customers', { as: sa(), query: { accountIds: acct.id, countPerPage: 100 } });
    assert.equal(list.totalCount, 31);
  });

  test('another process opening the file fails, naming the lock, and writes nothing', async () => {
    const email = 'second.process@tests.evovoiced';
    const add = spawnSync(BIN, ['user', 'add', '--db', srv.db, '--email', email, '--role', 'SystemAdministrator', '--password', PASSWORD], { encoding: 'utf8', timeout: 30000 });
    assert.notEqual(add.status, 0, `user add succeeded while the server held the file:\n${add.stdout}${add.stderr}`);
    assert.match(add.stderr, LOCKED);
    const second = new Server({ db: srv.db, dir: srv.dir });
    await assert.rejects(second.start(), LOCKED);
    // the first server is unharmed, and the refused user does not exist there
    expectStatus(await srv.req('GET', `/accounts/${acct.id}`, { as: sa() }), 200);
    expectUnauth(await srv.req('GET', '/accounts', { headers: { authorization: basic(email, PASSWORD) } }));
  });

  test('kill -9 loses nothing answered; the lock goes with the process', async () => {
    const c = await srv.ok('POST', '/customers', { as: sa(), body: { accountId: acct.id, name: 'before the kill' } });
    await srv.ok('PATCH', `/customers/${c.id}`, { as: sa(), body: { referenceId: 'answered' } });
    await srv.kill9();
    const add = spawnSync(BIN, ['user', 'add', '--db', srv.db, '--email', 'after.kill@tests.evovoiced', '--role', 'SystemAdministrator', '--password', PASSWORD], { encoding: 'utf8', timeout: 30000 });
    assert.equal(add.status, 0, add.stderr);
    await srv.start();
    const g = await srv.ok('GET', `/customers/${c.id}`, { as: sa() });
    assert.equal(g.referenceId, 'answered');
    expectStatus(await srv.req('GET', '/accounts', { headers: { authorization: basic('after.kill@tests.evovoiced', PASSWORD) } }), 200);
  });
});
