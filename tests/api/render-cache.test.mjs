// render-cache.test.mjs — a customer's GET and its list item show every change they depend
// on at once, in every format, while the server keeps rendered items (SQLite with
// --db-exclusive: the render cache and list totals kept per write generation); and two
// servers on one PostgreSQL database, one changing what the other reads (each server's
// cache would be stale there: it must not serve one).  Renaming an ancestor (breadcrumb),
// the account (accountName), a tag (tags), the customer itself, moving it under another
// parent, and adding a customer (the list's total) are each seen by the next read.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Server, PG, pgDatabase, pgSql, PASSWORD, u, expectStatus } from './harness.mjs';

const FORMATS = ['json', 'jsv', 'xml', 'csv'];
// a name no other name contains: old and new names must be told apart by substring
const nm = (what) => `${what}${u('q')}Z`;

// The world: account > root > mid > leaf (tagged), and root2 to move the leaf under.
async function makeTree(srv, sa) {
  const t = { acctName: nm('Acct'), tagName: nm('Tag'), rootName: nm('Root'), midName: nm('Mid'), leafName: nm('Leaf'), root2Name: nm('Other') };
  t.acct = await srv.ok('POST', '/accounts', { as: sa, body: { name: t.acctName } });
  const s = await srv.ok('PATCH', '/system/settings', { as: sa, body: { accountId: t.acct.id, tags: [{ name: t.tagName, color: 'Gold' }] } });
  t.tag = s.tags[0];
  const cust = (name, parentCustomerId) => srv.ok('POST', '/customers', { as: sa, body: { accountId: t.acct.id, name, ...(parentCustomerId ? { parentCustomerId } : {}) } });
  t.root = await cust(t.rootName);
  t.mid = await cust(t.midName, t.root.id);
  t.leaf = await cust(t.leafName, t.mid.id);
  t.root2 = await cust(t.root2Name);
  await srv.ok('PATCH', `/customers/${t.leaf.id}`, { as: sa, body: { tagIds: [t.tag.id] } });
  return t;
}

// Every view of the leaf: its GET and a list holding only it, in each format (as text),
// and the whole account's list (JSON).
async function views(srv, as, t) {
  const out = {};
  for (const format of FORMATS) {
    const g = await srv.req('GET', `/customers/${t.leaf.id}`, { as, query: { format } });
    expectStatus(g, 200, `GET ${format}`);
    out[`get.${format}`] = g.text;
    const l = await srv.req('GET', '/customers', { as, query: { format, accountIds: t.acct.id, specificIds: t.leaf.id } });
    expectStatus(l, 200, `list ${format}`);
    out[`list.${format}`] = l.text;
  }
  const all = await srv.ok('GET', '/customers', { as, query: { accountIds: t.acct.id, countPerPage: 2 } });
  out.all = all;
  return out;
}

function expectShown(v, shown, gone, note) {
  for (const [k, text] of Object.entries(v)) {
    if (k === 'all') continue;
    for (const s of shown) assert.ok(text.includes(s), `${note}: ${k} should show ${s}: ${text.slice(0, 600)}`);
    for (const s of gone) assert.ok(!text.includes(s), `${note}: ${k} still shows ${s}: ${text.slice(0, 600)}`);
  }
}

// writer changes, reader reads (the same server, or another on the same database)
function changesShowAtOnce(label, setup) {
  describe(label, () => {
    let writer, reader, sa, t;
    before(async () => { ({ writer, reader, sa } = await setup()); t = await makeTree(writer, sa); });
    after(async () => { await writer?.cleanup(); if (reader !== writer) await reader?.cleanup(); });
    // read twice first: the second read may come from what the first kept
    const warm = async () => { await views(reader, sa, t); return views(reader, sa, t); };

    test('first reads: breadcrumb, account name and tags in every format', async () => {
      const v = await warm();
      expectShown(v, [t.rootName, t.midName, t.leafName, t.acctName, t.tagName], [], 'first');
      const j = JSON.parse(v['get.json']);
      assert.deepEqual(j.breadcrumb.map((b) => b.name), [t.rootName, t.midName, t.leafName]);
      assert.equal(v.all.totalCount, 4);
    });

    // warm the views, give t[key] a new name through change(name), and read them again
    const rename = async (key, change) => {
      await warm();
      const old = t[key];
      t[key] = nm(key);
      await change(t[key]);
      return { old, v: await views(reader, sa, t) };
    };

    test('renaming an ancestor shows in the breadcrumb', async () => {
      const { old, v } = await rename('rootName', (name) => writer.ok('PATCH', `/customers/${t.root.id}`, { as: sa, body: { name } }));
      expectShown(v, [t.rootName], [old], 'ancestor renamed');
      assert.deepEqual(JSON.parse(v['list.json']).items[0].breadcrumb.map((b) => b.name), [t.rootName, t.midName, t.leafName]);
    });

    test('renaming the account shows as accountName', async () => {
      const { old, v } = await rename('acctName', (name) => writer.ok('PATCH', `/accounts/${t.acct.id}`, { as: sa, body: { name } }));
      expectShown(v, [t.acctName], [old], 'account renamed');
      assert.equal(JSON.parse(v['get.json']).accountName, t.acctName);
    });

    test('renaming and recolouring a tag shows in tags', async () => {
      const { old, v } = await rename('tagName', (name) =>
        writer.ok('PATCH', '/system/settings', { as: sa, body: { accountId: t.acct.id, tags: [{ id: t.tag.id, name, color: 'Purple' }] } }));
      expectShown(v, [t.tagName, 'Purple'], [old, 'Gold'], 'tag renamed');
      assert.deepEqual(JSON.parse(v['list.json']).items[0].tags, [{ id: t.tag.id, name: t.tagName, color: 'Purple' }]);
    });

    test('patching the customer itself shows', async () => {
      const { old, v } = await rename('leafName', (name) => writer.ok('PATCH', `/customers/${t.leaf.id}`, { as: sa, body: { name, referenceId: 'ref-after-patch' } }));
      expectShown(v, [t.leafName, 'ref-after-patch'], [old], 'customer patched');
    });

    test('moving the customer under another parent changes its breadcrumb', async () => {
      await warm();
      await writer.ok('PATCH', `/customers/${t.leaf.id}`, { as: sa, body: { parentCustomerId: t.root2.id } });
      const v = await views(reader, sa, t);
      expectShown(v, [t.root2Name, t.leafName], [t.midName, t.rootName], 'customer moved');
      assert.deepEqual(JSON.parse(v['get.json']).breadcrumb.map((b) => b.id), [t.root2.id, t.leaf.id]);
    });

    test('a GET kept rendered keeps its ETag and 304; a change gives a new tag and body', async () => {
      const tags = {};
      for (const format of FORMATS) {
        const a = await reader.req('GET', `/customers/${t.leaf.id}`, { as: sa, query: { format } });
        const b = await reader.req('GET', `/customers/${t.leaf.id}`, { as: sa, query: { format } });
        tags[format] = a.headers.get('etag');
        assert.ok(tags[format], `${format}: an ETag`);
        assert.equal(b.headers.get('etag'), tags[format], format);
        assert.equal(b.text, a.text, format);
        const same = await reader.req('GET', `/customers/${t.leaf.id}`, { as: sa, query: { format }, headers: { 'if-none-match': tags[format] } });
        expectStatus(same, 304, format);
      }
      const ref = nm('Ref');
      await writer.ok('PATCH', `/customers/${t.leaf.id}`, { as: sa, body: { referenceId: ref } });
      for (const format of FORMATS) {
        const r = await reader.req('GET', `/customers/${t.leaf.id}`, { as: sa, query: { format }, headers: { 'if-none-match': tags[format] } });
        expectStatus(r, 200, format);
        assert.notEqual(r.headers.get('etag'), tags[format], format);
        assert.ok(r.text.includes(ref), `${format}: ${r.text}`);
      }
    });

    test('a new customer counts in the list total at once', async () => {
      await warm();
      await writer.ok('POST', '/customers', { as: sa, body: { accountId: t.acct.id, name: nm('New') } });
      const v = await views(reader, sa, t);
      assert.equal(v.all.totalCount, 5);
      assert.equal(v.all.totalPages, 3);
    });

    test('what one caller had rendered is no answer to who another caller may see', async () => {
      await warm();
      const other = await writer.ok('POST', '/accounts', { as: sa, body: { name: nm('Stranger') } });
      const mgr = { email: `${u('mgr')}@tests.evovoiced`, password: PASSWORD };
      await writer.ok('POST', '/users', { as: sa, body: { accountId: other.id, emailAddress: mgr.email, password: PASSWORD, roles: ['Manager'], managerAccess: 'ReadWriteDelete' } });
      for (const format of FORMATS) {
        const g = await reader.req('GET', `/customers/${t.leaf.id}`, { as: mgr, query: { format } });
        expectStatus(g, [403, 404], `GET ${format}`);
        assert.ok(!g.text.includes(t.leafName), g.text);
        const l = await reader.req('GET', '/customers', { as: mgr, query: { format, specificIds: t.leaf.id } });
        assert.ok(!l.text.includes(t.leafName), `list ${format}: ${l.text}`);
      }
      // a manager of the account itself sees the same thing the administrator saw
      const own = { email: `${u('own')}@tests.evovoiced`, password: PASSWORD };
      await writer.ok('POST', '/users', { as: sa, body: { accountId: t.acct.id, emailAddress: own.email, password: PASSWORD, roles: ['Manager'], managerAccess: 'ReadOnly' } });
      const mine = await reader.ok('GET', `/customers/${t.leaf.id}`, { as: own });
      assert.equal(mine.name, t.leafName);
      assert.equal(mine.accountName, t.acctName);
    });
  });
}

// An endpoint shows its account's name, its customer's name and breadcrumb, its flow's
// name and its tags: each change shows in its GET and list at once.
function endpointChangesShowAtOnce(label, setup) {
  describe(label, () => {
    let writer, reader, sa, t, ep, mgr;
    before(async () => {
      ({ writer, reader, sa } = await setup());
      t = await makeTree(writer, sa);
      t.flowName = nm('Flow');
      t.flow = await writer.ok('POST', '/flows', { as: sa, body: { accountId: t.acct.id, name: t.flowName } });
      const number = `+1312555${String(1000 + Math.floor(Math.random() * 9000))}`;
      ep = await writer.ok('POST', '/endpoints/phone-numbers', { as: sa, body: { accountId: t.acct.id, customerId: t.leaf.id, number, isVirtualPhoneNumber: true, flowId: t.flow.id, tagIds: [t.tag.id] } });
      // read as a manager of the account: an administrator's rendering of an endpoint shows
      // its SIP password, and one that shows a secret is never kept
      mgr = { email: `${u('epmgr')}@tests.evovoiced`, password: PASSWORD, basic: true };
      await writer.ok('POST', '/users', { as: sa, body: { accountId: t.acct.id, emailAddress: mgr.email, password: PASSWORD, roles: ['Manager'], managerAccess: 'ReadOnly' } });
    });
    after(async () => { await writer?.cleanup(); if (reader !== writer) await reader?.cleanup(); });
    const epViews = async () => {
      const out = {};
      for (const format of FORMATS) {
        const g = await reader.req('GET', `/endpoints/${ep.id}`, { as: mgr, query: { format } });
        expectStatus(g, 200, `GET ${format}`);
        out[`get.${format}`] = g.text;
        const l = await reader.req('GET', '/endpoints', { as: mgr, query: { format, accountIds: t.acct.id, specificIds: ep.id } });
        expectStatus(l, 200, `list ${format}`);
        out[`list.${format}`] = l.text;
      }
      return out;
    };
    const warm = async () => { await epViews(); return epViews(); };

    test('first reads show the account, customer, breadcrumb, flow and tag', async () => {
      expectShown(await warm(), [t.acctName, t.leafName, t.midName, t.rootName, t.flowName, t.tagName], [], 'first');
    });

    test('renaming the customer, an ancestor, the flow, the account and the tag shows at once', async () => {
      const changes = [
        ['customer', () => writer.ok('PATCH', `/customers/${t.leaf.id}`, { as: sa, body: { name: (t.leafName = nm('Leaf')) } })],
        ['ancestor', () => writer.ok('PATCH', `/customers/${t.mid.id}`, { as: sa, body: { name: (t.midName = nm('Mid')) } })],
        ['flow', () => writer.ok('PATCH', `/flows/${t.flow.id}`, { as: sa, body: { name: (t.flowName = nm('Flow')) } })],
        ['account', () => writer.ok('PATCH', `/accounts/${t.acct.id}`, { as: sa, body: { name: (t.acctName = nm('Acct')) } })],
        ['tag', () => writer.ok('PATCH', '/system/settings', { as: sa, body: { accountId: t.acct.id, tags: [{ id: t.tag.id, name: (t.tagName = nm('Tag')), color: 'Gold' }] } })],
      ];
      const names = () => [t.leafName, t.midName, t.flowName, t.acctName, t.tagName];
      for (const [what, change] of changes) {
        await warm();
        const before = names();
        await change();
        const gone = before.filter((n) => !names().includes(n));
        assert.equal(gone.length, 1, what);
        expectShown(await epViews(), [t.acctName, t.leafName, t.midName, t.rootName, t.flowName, t.tagName], gone, `${what} renamed`);
      }
    });
  });
}

// two servers on one PostgreSQL database: a writes, b reads
async function twoPgServers() {
  const db = pgDatabase();
  const a = new Server({ db: db.url });
  const b = new Server({ db: db.url });
  await a.start();
  await b.start();
  const cleanup = a.cleanup.bind(a);
  a.cleanup = async () => { await cleanup(); pgSql(`DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`); };
  return { writer: a, reader: b, sa: { ...a.admin, basic: true } };
}

// one server on a SQLite file of its own, with the given options
const oneSqliteServer = (args) => async () => {
  const s = new Server({ args });
  await s.start();
  return { writer: s, reader: s, sa: s.admin };
};

if (PG) {
  changesShowAtOnce('two servers on one PostgreSQL database: one changes, the other reads', twoPgServers);
  endpointChangesShowAtOnce('endpoints, two servers on one PostgreSQL database', twoPgServers);
} else {
  endpointChangesShowAtOnce('endpoints, one server on SQLite with --db-exclusive (render cache on)', oneSqliteServer(['--db-exclusive']));
  changesShowAtOnce('one server on SQLite with --db-exclusive (render cache on)', oneSqliteServer(['--db-exclusive']));
  changesShowAtOnce('one server on SQLite as the harness starts it (shared file: render cache off)', oneSqliteServer([]));
}
