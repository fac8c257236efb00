// etag.test.mjs — ETag, If-None-Match and If-Match.  Every operation in /types/metadata
// that answers one entity by its id (walked generically) carries an ETag, which answers 304
// to If-None-Match and changes after a write; each format has its own tag.  PATCH and
// DELETE with a stale If-Match answer 412 and change nothing; with the current one they
// work; two writers racing with the same tag: exactly one wins.  On PostgreSQL, a write on
// one server changes the other server's tag, and a tag from one server holds on the other.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, Server, PG, pgDatabase, pgSql, addSession, PASSWORD, expectStatus, expectError, describeRes,
} from './harness.mjs';

const TAG = /^"[0-9a-f]{32}\.(json|xml|jsv|csv)(\.full)?"$/;
let srv, sa, w;
const kindOfInfo = { AccountInfo: 'account', CustomerInfo: 'customer', EndpointInfo: 'endpoint', UserInfo: 'user', FlowInfo: 'flow', SessionInfo: 'session', FileInfo: 'file' };
const kindOfParam = (p) => (/^(account|customer|endpoint|user|flow|session|file)Id$/.exec(p) || [])[1];

before(async () => {
  srv = await startServer();
  sa = srv.admin;
  w = {};
  w.account = await srv.ok('POST', '/accounts', { as: sa, body: { name: 'etag account' } });
  w.other = await srv.ok('POST', '/accounts', { as: sa, body: { name: 'etag other account' } });
  w.customer = await srv.ok('POST', '/customers', { as: sa, body: { accountId: w.account.id, name: 'etag customer' } });
  w.endpoint = await srv.ok('POST', '/endpoints/phone-numbers', { as: sa, body: { customerId: w.customer.id, number: '+13125550142', isVirtualPhoneNumber: true } });
  w.flow = await srv.ok('POST', '/flows', { as: sa, body: { accountId: w.account.id, name: 'etag flow' } });
  w.user = await srv.ok('POST', '/users', { as: sa, body: { accountId: w.account.id, emailAddress: 'etag.user@tests.evovoiced', firstName: 'E', lastName: 'Tag', password: PASSWORD, roles: ['Manager'], managerAccess: 'ReadWriteDelete' } });
  w.outsider = { email: 'etag.outsider@tests.evovoiced', password: PASSWORD };
  await srv.ok('POST', '/users', { as: sa, body: { accountId: w.other.id, emailAddress: w.outsider.email, password: PASSWORD, roles: ['Manager'], managerAccess: 'ReadWriteDelete' } });
  const made = addSession(srv, w.endpoint.id, { from: '+15550001111', to: w.endpoint.phoneNumber, logs: ['Call started'], voicemail: true });
  w.session = made.session;
  w.file = made.file;
});
after(async () => { if (srv) await srv.cleanup(); });

// A write that changes each kind of entity through the API (files have none: they are
// made by calls and only deleted).
const WRITES = {
  account: (id, n) => ['PATCH', `/accounts/${id}`, { name: `etag account ${n}` }],
  customer: (id, n) => ['PATCH', `/customers/${id}`, { name: `etag customer ${n}` }],
  endpoint: (id, n) => ['PATCH', `/endpoints/${id}`, { displayName: `etag endpoint ${n}` }],
  user: (id, n) => ['PATCH', `/users/${id}`, { firstName: `E${n}` }],
  flow: (id, n) => ['PATCH', `/flows/${id}`, { name: `etag flow ${n}` }],
  session: (id, n) => ['PATCH', `/sessions/${id}`, { consoleData: `console ${n}` }],
};

test('every single-entity Get in the metadata carries an ETag that answers 304 and changes after a write', async () => {
  const ops = (await srv.ok('GET', '/types/metadata')).operations;
  const gets = ops.filter((op) => /^Get/.test(op.request.name) && kindOfInfo[op.response?.name] &&
    (op.routes || []).some((r) => r.verbs.split(',').includes('GET') && /\{\w+Id\}/.test(r.path)));
  assert.deepEqual(gets.map((op) => op.request.name).sort(), ['GetAccount', 'GetCustomer', 'GetEndpoint', 'GetFile', 'GetFlow', 'GetSession']);
  let n = 0;
  for (const op of gets) {
    const route = op.routes.find((r) => /\{\w+Id\}/.test(r.path));
    const kind = kindOfParam(/\{(\w+)\}/.exec(route.path)[1]);
    assert.equal(kind, kindOfInfo[op.response.name], `${op.request.name}: the path names the entity it answers`);
    const id = w[kind].id;
    const path = route.path.replace(/\{\w+\}/, id);
    const r1 = await srv.req('GET', path, { as: sa });
    expectStatus(r1, 200, op.request.name);
    const tag = r1.headers.get('etag');
    assert.match(tag || '', TAG, `${op.request.name}: ETag in ${describeRes(r1)}`);
    const again = await srv.req('GET', path, { as: sa });
    assert.equal(again.headers.get('etag'), tag, `${op.request.name}: the same version has the same tag`);
    const nm = await srv.req('GET', path, { as: sa, headers: { 'if-none-match': tag } });
    expectStatus(nm, 304, op.request.name);
    assert.equal(nm.text, '', `${op.request.name}: a 304 has no body`);
    assert.equal(nm.headers.get('etag'), tag);
    const other = await srv.req('GET', path, { as: sa, headers: { 'if-none-match': '"0123456789abcdef0123456789abcdef.json"' } });
    expectStatus(other, 200, `${op.request.name}: another tag is not this version`);
    if (!WRITES[kind]) continue;
    const [m, p, body] = WRITES[kind](id, ++n);
    const wr = await srv.req(m, p, { as: sa, body });
    expectStatus(wr, 200, `${op.request.name}: the write`);
    const after = await srv.req('GET', path, { as: sa, headers: { 'if-none-match': tag } });
    expectStatus(after, 200, `${op.request.name}: the old tag after a write`);
    const newTag = after.headers.get('etag');
    assert.match(newTag || '', TAG);
    assert.notEqual(newTag, tag, `${op.request.name}: a write changes the tag`);
    assert.equal(wr.headers.get('etag'), newTag, `${op.request.name}: the write's answer carries the new version's tag`);
  }
});

test('each format has its own tag of the same version, and answers 304 to its own', async () => {
  const path = `/customers/${w.customer.id}`;
  const tags = {};
  for (const fmt of ['json', 'xml', 'jsv', 'csv']) {
    const r = await srv.req('GET', path, { as: sa, query: { format: fmt } });
    expectStatus(r, 200, fmt);
    tags[fmt] = r.headers.get('etag');
    assert.match(tags[fmt], new RegExp(`^"[0-9a-f]{32}\\.${fmt}(\\.full)?"$`), fmt);
    const nm = await srv.req('GET', path, { as: sa, query: { format: fmt }, headers: { 'if-none-match': tags[fmt] } });
    expectStatus(nm, 304, fmt);
    assert.equal(nm.text, '');
  }
  assert.equal(new Set(Object.values(tags)).size, 4, 'four formats, four tags');
  assert.equal(new Set(Object.values(tags).map((t) => t.slice(1, 33))).size, 1, 'one version');
  const xmlSuffix = await srv.req('GET', `${path}.xml`, { as: sa, headers: { 'if-none-match': tags.xml } });
  expectStatus(xmlSuffix, 304, 'the .xml suffix is the XML format');
  const cross = await srv.req('GET', path, { as: sa, query: { format: 'xml' }, headers: { 'if-none-match': tags.json } });
  expectStatus(cross, 200, 'the JSON tag is not the XML representation');
  // If-Match asks whether the entity changed: a tag read in any format will do
  const ok = await srv.req('PATCH', path, { as: sa, headers: { 'if-match': tags.csv }, body: { name: 'etag customer via csv tag' } });
  expectStatus(ok, 200);
});

test('a non-SystemAdministrator gets a tag of its own view', async () => {
  const path = `/customers/${w.customer.id}`;
  const asSa = (await srv.req('GET', path, { as: sa })).headers.get('etag');
  const asMgr = (await srv.req('GET', path, { as: { email: 'etag.user@tests.evovoiced', password: PASSWORD } })).headers.get('etag');
  assert.match(asMgr, TAG);
  assert.notEqual(asMgr, asSa, 'the SystemAdministrator view holds secrets the Manager view lacks');
  assert.equal(asMgr.slice(1, 33), asSa.slice(1, 33), 'the same version');
});

describe('If-Match', () => {
  const get = async (path) => { const r = await srv.req('GET', path, { as: sa }); expectStatus(r, 200); return r; };

  test('PATCH with a stale tag: 412 PreconditionFailed, nothing changed; with the current one: 200', async () => {
    const path = `/customers/${w.customer.id}`;
    const stale = (await get(path)).headers.get('etag');
    await srv.ok('PATCH', path, { as: sa, body: { name: 'etag changed by another' } });
    const before = await get(path);
    const r = await srv.req('PATCH', path, { as: sa, headers: { 'if-match': stale }, body: { name: 'etag lost update' } });
    expectError(r, 412, 'PreconditionFailed');
    assert.equal(r.headers.get('etag'), null, 'a refusal carries no tag');
    const still = await get(path);
    assert.equal(still.json.name, 'etag changed by another');
    assert.equal(still.headers.get('etag'), before.headers.get('etag'), 'not even dateLastModified moved');
    const audit = await srv.ok('GET', '/log-entries', { as: sa, query: { entityId: w.customer.id } });
    assert.ok(!audit.items.some((e) => JSON.stringify(e).includes('etag lost update')), 'nothing was logged either');
    const cur = still.headers.get('etag');
    const ok = await srv.req('PATCH', path, { as: sa, headers: { 'if-match': cur }, body: { name: 'etag won' } });
    expectStatus(ok, 200);
    assert.equal(ok.json.name, 'etag won');
    const list = await srv.req('PATCH', path, { as: sa, headers: { 'if-match': `"nope.json", ${ok.headers.get('etag')}` }, body: { name: 'etag from a list' } });
    expectStatus(list, 200, 'one of a list of tags');
    const weak = await srv.req('PATCH', path, { as: sa, headers: { 'if-match': `W/${list.headers.get('etag')}` }, body: { name: 'etag weak' } });
    expectError(weak, 412, 'PreconditionFailed'); // If-Match compares strongly
    const star = await srv.req('PATCH', path, { as: sa, headers: { 'if-match': '*' }, body: { name: 'etag star' } });
    expectStatus(star, 200, '"*": the entity exists');
  });

  test('DELETE with a stale tag: 412 and still there; with the current one: 204', async () => {
    const flow = await srv.ok('POST', '/flows', { as: sa, body: { accountId: w.account.id, name: 'etag doomed flow' } });
    const path = `/flows/${flow.id}`;
    const stale = (await get(path)).headers.get('etag');
    await srv.ok('PATCH', path, { as: sa, body: { name: 'etag doomed flow, renamed' } });
    expectError(await srv.req('DELETE', path, { as: sa, headers: { 'if-match': stale } }), 412, 'PreconditionFailed');
    const cur = (await get(path)).headers.get('etag');
    expectStatus(await srv.req('DELETE', path, { as: sa, headers: { 'if-match': cur } }), 204);
    expectStatus(await srv.req('GET', path, { as: sa }), 404);
    // "*" on what is gone: the entity does not exist (404 says so before 412 would)
    expectStatus(await srv.req('DELETE', path, { as: sa, headers: { 'if-match': '*' } }), 404);
  });

  test('an operation that calls the carrier between its transactions holds If-Match too (DELETE /endpoints, /files)', async () => {
    const ep = await srv.ok('POST', '/endpoints/phone-numbers', { as: sa, body: { customerId: w.customer.id, number: '+13125550177', isVirtualPhoneNumber: true } });
    const path = `/endpoints/${ep.id}`;
    const stale = (await get(path)).headers.get('etag');
    await srv.ok('PATCH', path, { as: sa, body: { displayName: 'etag endpoint moved on' } });
    expectError(await srv.req('DELETE', path, { as: sa, headers: { 'if-match': stale } }), 412, 'PreconditionFailed');
    expectError(await srv.req('PATCH', `/phone-numbers/${ep.id}/fax`, { as: sa, headers: { 'if-match': stale }, body: { isFax: true } }), 412, 'PreconditionFailed');
    assert.equal((await get(path)).json.type, 'PhoneNumber', 'the fax change was refused');
    const cur = (await get(path)).headers.get('etag');
    expectStatus(await srv.req('DELETE', path, { as: sa, headers: { 'if-match': cur } }), 204);
    const fpath = `/files/${w.file.id}`;
    expectError(await srv.req('DELETE', fpath, { as: sa, headers: { 'if-match': '"0123456789abcdef0123456789abcdef.json"' } }), 412, 'PreconditionFailed');
    expectStatus(await srv.req('GET', fpath, { as: sa }), 200, 'the file is still there');
  });

  test('a caller who cannot see the entity hears 403 or 404, not whether its tag is current', async () => {
    const path = `/customers/${w.customer.id}`;
    for (const h of ['*', '"0123456789abcdef0123456789abcdef.json"']) {
      const r = await srv.req('PATCH', path, { as: w.outsider, headers: { 'if-match': h }, body: { name: 'etag intruder' } });
      expectStatus(r, [403, 404], `If-Match ${h}`);
    }
  });

  test('two writers racing with the same tag: exactly one wins', async () => {
    const path = `/customers/${w.customer.id}`;
    for (let round = 0; round < 5; round++) {
      const tag = (await get(path)).headers.get('etag');
      const names = [0, 1, 2, 3].map((i) => `etag racer ${round}.${i}`);
      const rs = await Promise.all(names.map((name) => srv.req('PATCH', path, { as: sa, headers: { 'if-match': tag }, body: { name } })));
      const won = rs.filter((r) => r.status === 200);
      assert.equal(won.length, 1, `round ${round}: ${rs.map((r) => r.status).join(',')}`);
      for (const r of rs) if (r.status !== 200) expectError(r, 412, 'PreconditionFailed');
      assert.equal((await get(path)).json.name, won[0].json.name, 'the winner is what is stored');
    }
  });
});

describe('two servers on one PostgreSQL', { skip: !PG && 'EVOVOICED_TEST_PG is not set' }, () => {
  let db, s1, s2, cust;
  before(async () => {
    db = pgDatabase();
    s1 = new Server({ db: db.url });
    await s1.start();
    s2 = new Server({ db: db.url });
    await s2.start();
    const a = await s1.ok('POST', '/accounts', { as: s1.admin, body: { name: 'etag pg account' } });
    cust = await s1.ok('POST', '/customers', { as: s1.admin, body: { accountId: a.id, name: 'etag pg customer' } });
  });
  after(async () => {
    for (const s of [s1, s2]) if (s) await s.cleanup();
    if (db) pgSql(`DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`);
  });

  test('a write on one server changes the tag the other gives; a tag from one holds on the other', async () => {
    const path = `/customers/${cust.id}`;
    const t2 = (await s2.req('GET', path, { as: s2.admin })).headers.get('etag');
    const t1 = (await s1.req('GET', path, { as: s1.admin })).headers.get('etag');
    assert.equal(t1, t2, 'every server gives the same version the same tag');
    expectStatus(await s2.req('GET', path, { as: s2.admin, headers: { 'if-none-match': t2 } }), 304);
    const w1 = await s1.req('PATCH', path, { as: s1.admin, headers: { 'if-match': t2 }, body: { name: 'etag pg renamed' } });
    expectStatus(w1, 200);
    const r2 = await s2.req('GET', path, { as: s2.admin, headers: { 'if-none-match': t2 } });
    expectStatus(r2, 200, 'server 2 sees the write of server 1');
    assert.equal(r2.headers.get('etag'), w1.headers.get('etag'));
    expectError(await s2.req('PATCH', path, { as: s2.admin, headers: { 'if-match': t2 }, body: { name: 'etag pg stale' } }), 412, 'PreconditionFailed');
    const racers = await Promise.all([s1, s2].map((s, i) => s.req('PATCH', path, { as: s.admin, headers: { 'if-match': w1.headers.get('etag') }, body: { name: `etag pg racer ${i}` } })));
    assert.deepEqual(racers.map((r) => r.status).sort(), [200, 412], 'one server wins the race');
  });
});

test('/openapi.json: the ETag header, If-None-Match and 304 on a Get of one entity, If-Match and 412 on a write naming one', async () => {
  const doc = await srv.ok('GET', '/openapi.json');
  const c = doc.components;
  assert.equal(c.headers.ETag.schema.type, 'string');
  assert.equal(c.parameters.IfNoneMatch.name, 'If-None-Match');
  assert.equal(c.parameters.IfNoneMatch.in, 'header');
  assert.equal(c.parameters.IfMatch.name, 'If-Match');
  assert.ok(c.responses.PreconditionFailed.content['application/json'].schema.$ref.endsWith('/ErrorResponse'));
  const refs = (o) => (o.parameters || []).map((p) => p.$ref).filter(Boolean);
  const get = doc.paths['/customers/{customerId}'].get;
  assert.ok(refs(get).includes('#/components/parameters/IfNoneMatch'));
  assert.equal(get.responses['200'].headers.ETag.$ref, '#/components/headers/ETag');
  assert.equal(get.responses['304'].headers.ETag.$ref, '#/components/headers/ETag');
  for (const [p, verb] of [['/customers/{customerId}', 'patch'], ['/customers/{customerId}', 'delete'], ['/flows/{flowId}/copy', 'post'], ['/endpoints/{endpointId}', 'delete']]) {
    const op = doc.paths[p][verb];
    assert.ok(refs(op).includes('#/components/parameters/IfMatch'), `${verb} ${p} takes If-Match`);
    assert.equal(op.responses['412'].$ref, '#/components/responses/PreconditionFailed', `${verb} ${p} may answer 412`);
  }
  assert.equal(doc.paths['/customers/{customerId}'].patch.responses['200'].headers.ETag.$ref, '#/components/headers/ETag');
  assert.equal(doc.paths['/customers'].post.responses['200'].headers.ETag.$ref, '#/components/headers/ETag', 'a New answers its entity, tagged');
  const list = doc.paths['/customers'].get;
  assert.ok(!refs(list).includes('#/components/parameters/IfNoneMatch') && !list.responses['304'], 'a list has no ETag');
});

test('a new entity is answered with the tag a Get of it gives', async () => {
  const r = await srv.req('POST', '/customers', { as: sa, body: { accountId: w.account.id, name: 'etag new customer' } });
  expectStatus(r, 200);
  const tag = r.headers.get('etag');
  assert.match(tag || '', TAG);
  expectStatus(await srv.req('GET', `/customers/${r.json.id}`, { as: sa, headers: { 'if-none-match': tag } }), 304);
  const l = await srv.req('GET', '/customers', { as: sa });
  assert.equal(l.headers.get('etag'), null, 'a list carries no ETag');
});
