// settings.test.mjs — GetSystemSettings / PatchSystemSettings (one per account), tags.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, makeWorld, HEX24, ISO_MS, randomHex24, expectStatus, expectError, expectForbidden,
  expectInvalidRole, expectNotFound, expectUnauth, assertNoNulls, describeRes,
} from './harness.mjs';

let srv, w;
before(async () => { srv = await startServer(); w = await makeWorld(srv, 'set'); });
after(() => srv && srv.cleanup());

const get = (accountId, as = w.sa) => srv.req('GET', '/system/settings', { as, query: { accountId } });
const patch = (body, as = w.sa) => srv.req('PATCH', '/system/settings', { as, body });

describe('GetSystemSettings', () => {
  test('an account without settings yet: SystemSettingsInfo with empty tags', async () => {
    const a = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'No Settings Yet' } });
    const r = await get(a.id);
    expectStatus(r, 200);
    assertNoNulls(r.json);
    assert.deepEqual(r.json.tags ?? [], []);
  });

  test('after a PATCH: EntityInfo fields present', async () => {
    const r = await patch({ accountId: w.A1.id, documentation: 'Read me' });
    expectStatus(r, 200);
    const s = r.json;
    assert.match(s.id, HEX24);
    assert.match(s.dateCreated, ISO_MS);
    assert.match(s.dateLastModified, ISO_MS);
    assert.equal(s.lastModifiedBy, w.sa.email);
    assert.equal(s.documentation, 'Read me');
    const g = (await get(w.A1.id)).json;
    assert.equal(g.id, s.id);
    assert.equal(g.documentation, 'Read me');
  });

  test('tenancy: Manager of A reads A and A1, not B; Customer reads its own account only', async () => {
    expectStatus(await get(w.A.id, w.mgrA), 200);
    expectStatus(await get(w.A1.id, w.mgrA), 200);
    expectForbidden(await get(w.B.id, w.mgrA));
    expectStatus(await get(w.A.id, w.custA), 200);
    expectForbidden(await get(w.B.id, w.custA));
    expectForbidden(await get(w.A.id, w.mgrB));
  });

  test('missing account: 404; anonymous: 401', async () => {
    expectNotFound(await get(randomHex24()));
    expectNotFound(await get(randomHex24(), w.mgrA));
    expectUnauth(await srv.req('GET', '/system/settings', { query: { accountId: w.A.id } }));
  });
});

describe('PatchSystemSettings', () => {
  test('tags without id get a generated 24-hex id; ids are kept on later patches', async () => {
    const r = await patch({ accountId: w.A.id, tags: [{ name: 'Gold Customers', color: 'Gold' }, { name: 'Churn Risk', color: 'Volcano' }] });
    expectStatus(r, 200);
    const t = r.json.tags;
    assert.equal(t.length, 2);
    for (const x of t) { assert.match(x.id, HEX24); assert.deepEqual(Object.keys(x), ['id', 'name', 'color']); }
    assert.notEqual(t[0].id, t[1].id);
    assert.deepEqual(t.map((x) => [x.name, x.color]), [['Gold Customers', 'Gold'], ['Churn Risk', 'Volcano']]);
    const r2 = await patch({ accountId: w.A.id, tags: [{ id: t[0].id, name: 'Gold', color: 'Lime' }, t[1], { name: 'Third', color: 'GeekBlue' }] });
    expectStatus(r2, 200);
    assert.equal(r2.json.tags[0].id, t[0].id);
    assert.equal(r2.json.tags[0].name, 'Gold');
    assert.equal(r2.json.tags[0].color, 'Lime');
    assert.equal(r2.json.tags[1].id, t[1].id);
    assert.match(r2.json.tags[2].id, HEX24);
    assert.deepEqual((await get(w.A.id)).json.tags, r2.json.tags);
  });

  test('tags given replace the list; absent tags are left unchanged', async () => {
    const r = await patch({ accountId: w.A1.id, tags: [{ name: 'One', color: 'Red' }, { name: 'Two', color: 'Blue' }] });
    const r2 = await patch({ accountId: w.A1.id, documentation: 'only docs' });
    assert.deepEqual(r2.json.tags, r.json.tags);
    const r3 = await patch({ accountId: w.A1.id, tags: [r.json.tags[1]] });
    assert.deepEqual(r3.json.tags, [r.json.tags[1]]);
    assert.equal(r3.json.documentation, 'only docs');
    const r4 = await patch({ accountId: w.A1.id, tags: [] });
    assert.deepEqual(r4.json.tags, []);
  });

  test('every TagColors value is accepted; a bad color is 400 naming the field', async () => {
    const colors = ['Magenta', 'Red', 'Volcano', 'Orange', 'Gold', 'Lime', 'Green', 'Cyan', 'Blue', 'GeekBlue', 'Purple'];
    const r = await patch({ accountId: w.B.id, tags: colors.map((c) => ({ name: `t-${c}`, color: c })) });
    expectStatus(r, 200);
    assert.deepEqual(r.json.tags.map((t) => t.color), colors);
    const bad = await patch({ accountId: w.B.id, tags: [{ name: 'ok', color: 'Red' }, { name: 'x', color: 'Pink' }] });
    expectError(bad, 400, undefined, { fieldName: 'Tags[1].Color' });
    assert.equal((await get(w.B.id)).json.tags.length, colors.length, 'unchanged after a refused patch');
  });

  test('a tag id that is not a 24-hex id of this account is refused or replaced, never shared', async () => {
    const other = (await get(w.B.id)).json.tags[0];
    const r = await patch({ accountId: w.A1.id, tags: [{ id: other.id, name: 'stolen', color: 'Red' }] });
    if (r.status === 200) {
      // the server may accept the id (ids are per account) — but B's tag must be untouched
      const b = (await get(w.B.id)).json.tags.find((t) => t.id === other.id);
      assert.deepEqual(b, other);
    } else expectStatus(r, 400);
  });

  test('scalar settings round-trip; wrong types are 400 naming the field', async () => {
    const region = (await get(w.A1.id)).json.defaultSipRegion; // an enum; keep the server's default value
    const r = await patch({ accountId: w.A1.id, recordingRetentionDays: 30, enableSipRefer: true, autoAgentLogoffSeconds: 600, ...(region ? { defaultSipRegion: region } : {}) });
    expectStatus(r, 200);
    assert.equal(r.json.recordingRetentionDays, 30);
    assert.equal(r.json.enableSipRefer, true);
    assert.equal(r.json.autoAgentLogoffSeconds, 600);
    if (region) assert.equal(r.json.defaultSipRegion, region);
    const g = (await get(w.A1.id)).json;
    assert.equal(g.recordingRetentionDays, 30);
    assert.equal(g.autoAgentLogoffSeconds, 600);
    expectError(await patch({ accountId: w.A1.id, recordingRetentionDays: 'abc' }), 400, undefined, { fieldName: 'RecordingRetentionDays' });
    expectError(await patch({ accountId: w.A1.id, enableSipRefer: 'perhaps' }), 400, undefined, { fieldName: 'EnableSipRefer' });
    expectError(await patch({ accountId: w.A1.id, defaultSipRegion: 'Atlantis' }), 400, undefined, { fieldName: 'DefaultSipRegion' });
    assert.equal((await get(w.A1.id)).json.recordingRetentionDays, 30, 'unchanged after refused patches');
  });

  test('settings are per account', async () => {
    await patch({ accountId: w.A.id, documentation: 'A docs' });
    await patch({ accountId: w.B.id, documentation: 'B docs' });
    assert.equal((await get(w.A.id)).json.documentation, 'A docs');
    assert.equal((await get(w.B.id)).json.documentation, 'B docs');
    const a = (await get(w.A.id)).json; const b = (await get(w.B.id)).json;
    assert.notEqual(a.id, b.id);
  });

  test('Manager patches its account and child account; not B; ReadOnly 403; Customer Invalid Role', async () => {
    const r = await patch({ accountId: w.A.id, documentation: 'by manager' }, w.mgrA);
    expectStatus(r, 200);
    assert.equal(r.json.lastModifiedBy, w.mgrA.email);
    expectStatus(await patch({ accountId: w.A1.id, documentation: 'by manager' }, w.mgrA), 200);
    expectForbidden(await patch({ accountId: w.B.id, documentation: 'hack' }, w.mgrA));
    expectForbidden(await patch({ accountId: w.A.id, documentation: 'hack' }, w.mgrRO));
    expectStatus(await patch({ accountId: w.A.id, documentation: 'by rw' }, w.mgrRW), 200);
    expectInvalidRole(await patch({ accountId: w.A.id, documentation: 'hack' }, w.custA));
    assert.equal((await get(w.A.id)).json.documentation, 'by rw');
    assert.equal((await get(w.B.id)).json.documentation, 'B docs');
  });

  test('missing account: 404; no accountId: 400 or 404', async () => {
    expectNotFound(await patch({ accountId: randomHex24(), documentation: 'x' }));
    const r = await patch({ documentation: 'x' });
    assert.ok([400, 404].includes(r.status), describeRes(r));
  });
});
