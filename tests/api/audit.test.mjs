// audit.test.mjs — the audit log (ListLogEntries, GET /log-entries): every write
// operation the server lists in /types/metadata leaves an entry naming the operation, the
// entity and the fields it changed (a new operation is tried without editing this file and
// fails until it is logged, or until RECIPES says how to perform it); secrets show as ***;
// a Manager sees its accounts' entries only, a Customer login none; the filters and
// paging; and an entry lives and dies with its change across kill -9.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startServer, makeWorld, addSession, randomHex24, camel, PASSWORD, REPO, ADMIN_PASSWORD,
  expectError, expectInvalidRole,
} from './harness.mjs';
import { startFakeTwilio } from './fake-twilio.mjs';

let srv, fake, w, sa, adminId;
let seq = 0;
const fresh = (p) => `${p}${process.pid.toString(36)}${++seq}`;
const number = () => `+1312777${String(1000 + (++seq % 9000)).padStart(4, '0')}`;

before(async () => {
  fake = await startFakeTwilio();
  srv = await startServer({ args: ['--twilio-account-sid', fake.mainSid, '--twilio-auth-token', fake.mainToken, '--twilio-base-url', fake.url] });
  sa = srv.admin;
  w = await makeWorld(srv, 'al');
  adminId = (await srv.ok('GET', '/auth/status', { as: sa })).id;
});
after(async () => { if (srv) await srv.cleanup(); if (fake) await fake.close(); });

/** Every entry, newest first, with the query given. */
const entries = async (query, as = sa) => (await srv.ok('GET', '/log-entries', { as, query: { all: true, ...query } })).items;

// ---------------------------------------------------------------------------------------
// Things to act on: a fresh one of each kind, made by the administrator.
// ---------------------------------------------------------------------------------------
const make = {
  account: () => srv.ok('POST', '/accounts', { as: sa, body: { name: fresh('Al acct ') } }),
  customer: () => srv.ok('POST', '/customers', { as: sa, body: { accountId: w.A.id, name: fresh('Al cust ') } }),
  endpoint: () => srv.ok('POST', '/endpoints/phone-numbers', { as: sa, body: { customerId: w.cA1.id, number: number(), isVirtualPhoneNumber: true } }),
  user: () => srv.ok('POST', '/users', { as: sa, body: { accountId: w.A.id, emailAddress: `${fresh('al')}@tests.evovoiced`, firstName: 'Al', lastName: 'User', password: PASSWORD } }),
  flow: () => srv.ok('POST', '/flows', { as: sa, body: { accountId: w.A.id, name: fresh('Al flow ') } }),
  session: async () => addSession(srv, (await make.endpoint()).id, { from: '+15550001111', logs: ['audit'] }).session,
  file: async () => addSession(srv, (await make.endpoint()).id, { from: '+15550001111', voicemail: true }).file,
};

// How to perform each write operation, and what its entry must show: the entity's type
// and id, and fields among its changes.  An operation missing here is tried generically.
const RECIPES = {
  NewAccount: async () => ({ type: 'Account', id: (await make.account()).id, fields: ['name'] }),
  PatchAccount: async () => { const a = await make.account(); await srv.ok('PATCH', `/accounts/${a.id}`, { as: sa, body: { name: fresh('Al renamed ') } }); return { type: 'Account', id: a.id, fields: ['name'] }; },
  DeleteAccount: async () => { const a = await make.account(); await srv.ok('DELETE', `/accounts/${a.id}`, { as: sa }, 204); return { type: 'Account', id: a.id, fields: ['name'] }; },
  NewCustomer: async () => ({ type: 'Customer', id: (await make.customer()).id, fields: ['name', 'accountId'] }),
  PatchCustomer: async () => { const c = await make.customer(); await srv.ok('PATCH', `/customers/${c.id}`, { as: sa, body: { referenceId: 'ref-1', data: { plan: { stringValue: 'gold' } } } }); return { type: 'Customer', id: c.id, fields: ['referenceId', 'data.plan'] }; },
  DeleteCustomer: async () => { const c = await make.customer(); await srv.ok('DELETE', `/customers/${c.id}`, { as: sa }, 204); return { type: 'Customer', id: c.id, fields: ['name'] }; },
  SetCustomerStagingMode: async () => { const c = await make.customer(); await srv.ok('POST', `/customers/${c.id}/staging`, { as: sa, body: { isStaging: true } }); return { type: 'Customer', id: c.id, fields: ['isStaging'] }; },
  BuyPhoneNumber: async () => ({ type: 'Endpoint', id: (await make.endpoint()).id, fields: ['phoneNumber', 'customerId'] }),
  PatchEndpoint: async () => { const e = await make.endpoint(); await srv.ok('PATCH', `/endpoints/${e.id}`, { as: sa, body: { displayName: fresh('Al desk ') } }); return { type: 'Endpoint', id: e.id, fields: ['displayName'] }; },
  DeleteEndpoint: async () => { const e = await make.endpoint(); await srv.ok('DELETE', `/endpoints/${e.id}`, { as: sa }, 204); return { type: 'Endpoint', id: e.id, fields: ['phoneNumber'] }; },
  SyncPhoneNumbers: async () => {
    const n = fake.addNumber(w.A.twilioAccountSid, number());
    const r = await srv.ok('POST', '/phone-numbers/sync', { as: sa, body: { accountId: w.A.id, importUnknown: true, customerId: w.cA1.id } });
    const item = r.unknownNumbers.find((x) => x.phoneNumberSid === n.sid);
    if (item?.state !== 'Imported') throw new Error(`SyncPhoneNumbers did not import ${n.phone_number}: ${JSON.stringify(r)}`);
    return { type: 'Endpoint', id: item.endpointId, fields: ['phoneNumber', 'phoneNumberSid', 'customerId'] };
  },
  SetPhoneNumberIsFax: async () => { const e = await make.endpoint(); await srv.ok('PATCH', `/phone-numbers/${e.id}/fax`, { as: sa, body: { isFax: true } }); return { type: 'Endpoint', id: e.id, fields: ['type'] }; },
  NewUser: async () => ({ type: 'User', id: (await make.user()).id, fields: ['emailAddress', 'password'] }),
  PatchUser: async () => { const u = await make.user(); await srv.ok('PATCH', `/users/${u.id}`, { as: sa, body: { firstName: 'Renamed', newPassword: 'An0ther-Secret-Pass!' } }); return { type: 'User', id: u.id, fields: ['firstName', 'password'] }; },
  DeleteUser: async () => { const u = await make.user(); await srv.ok('DELETE', `/users/${u.id}`, { as: sa }, 204); return { type: 'User', id: u.id, fields: ['emailAddress'] }; },
  PatchSystemSettings: async () => { const a = await make.account(); const s = await srv.ok('PATCH', '/system/settings', { as: sa, body: { accountId: a.id, documentation: 'audit me' } }); return { type: 'SystemSettings', id: s.id, fields: ['documentation'] }; },
  NewFlow: async () => ({ type: 'Flow', id: (await make.flow()).id, fields: ['name'] }),
  PatchFlow: async () => { const f = await make.flow(); await srv.ok('PATCH', `/flows/${f.id}`, { as: sa, body: { name: fresh('Al flow renamed ') } }); return { type: 'Flow', id: f.id, fields: ['name'] }; },
  DeleteFlow: async () => { const f = await make.flow(); await srv.ok('DELETE', `/flows/${f.id}`, { as: sa }, 204); return { type: 'Flow', id: f.id, fields: ['name'] }; },
  CopyFlow: async () => { const f = await make.flow(); const c = await srv.ok('POST', `/flows/${f.id}/copy`, { as: sa, body: {} }); return { type: 'Flow', id: c.id, fields: ['name'] }; },
  ImportPackage: async () => {
    const f = await make.flow();
    const pkg = await srv.ok('GET', '/packages', { as: sa, query: { flowIds: [f.id] } });
    const out = await srv.ok('POST', '/packages', { as: sa, body: { accountId: w.A1.id, package: pkg } });
    return { type: 'Flow', id: out.flows[0].id, fields: ['name', 'accountId'] };
  },
  DeleteSessions: async () => {
    const e = await make.endpoint();
    const s = addSession(srv, e.id, { date: '2026-01-02T10:00:00.000Z', logs: ['audit'] }).session;
    await srv.ok('DELETE', '/sessions', { as: sa, query: { accountId: w.A.id, startDateTime: '2026-01-02T09:00:00Z', endDateTime: '2026-01-02T11:00:00Z' } }, 204);
    return { type: 'Session', id: s.id, fields: ['endpointId'] };
  },
  NewUserEndpoint: async () => { const e = await srv.ok('POST', '/endpoints/users', { as: sa, body: { customerId: w.cA1.id, emailAddress: `${fresh('ue')}@tests.evovoiced`, firstName: 'Al', lastName: 'Phone', password: PASSWORD } }); return { type: 'Endpoint', id: e.id, fields: ['userEmailAddress'] }; },
  NewEmailEndpoint: async () => { const e = await srv.ok('POST', '/endpoints/email', { as: sa, body: { customerId: w.cA1.id, emailAddress: `${fresh('em')}@tests.evovoiced` } }); return { type: 'Endpoint', id: e.id, fields: ['emailAddress'] }; },
  RegenerateSipPassword: async () => {
    const e = await srv.ok('POST', '/endpoints/users', { as: sa, body: { customerId: w.cA1.id, emailAddress: `${fresh('sip')}@tests.evovoiced`, password: PASSWORD, userMode: 'Sip' } });
    await srv.ok('PATCH', `/endpoints/sip/${e.id}/password`, { as: sa });
    return { type: 'Endpoint', id: e.id, fields: ['sipPassword'] };
  },
  PatchSession: async () => { const s = await make.session(); await srv.ok('PATCH', `/sessions/${s.id}`, { as: sa, body: { consoleData: 'audit me' } }); return { type: 'Session', id: s.id, fields: ['consoleData'] }; },
  AddSessionLog: async () => { const s = await make.session(); await srv.ok('POST', `/sessions/${s.id}/log`, { as: sa, body: { message: 'audit me' } }); return { type: 'Session', id: s.id, fields: ['log'] }; },
  DeleteFile: async () => { const f = await make.file(); await srv.ok('DELETE', `/files/${f.id}`, { as: sa }, 204); return { type: 'File', id: f.id, fields: ['type'] }; },
};

// Operations a Manager needs write or delete access for (src/api/ops.c): the writes.
const WRITES = (() => {
  const src = fs.readFileSync(path.join(REPO, 'src/api/ops.c'), 'utf8');
  const re = /\{"(\w+)",\s*"[A-Z,]+",\s*\{(?:\s*"[^"]*",?)*\s*\},\s*[^,]+,\s*([RWD]),/g;
  return new Set([...src.slice(src.indexOf('api_ops[] = {')).matchAll(re)].filter((m) => m[2] !== 'R').map((m) => m[1]));
})();
const KINDS = { account: 'Account', customer: 'Customer', endpoint: 'Endpoint', user: 'User', flow: 'Flow', session: 'Session', file: 'File' };

/** An operation RECIPES does not know: its path ids filled with fresh things (a create:
 * its id fields with the world's), sent with what a create needs. */
async function generic(op) {
  const route = op.routes?.[0];
  if (!route) throw new Error(`${op.request.name}: no route`);
  const method = route.verbs.split(',')[0];
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  let target = null, kind = null;
  let p = route.path;
  for (const name of params) {
    kind = /^(account|customer|endpoint|user|flow|session|file)Id$/i.exec(name)?.[1]?.toLowerCase();
    if (!kind) throw new Error(`${op.request.name}: path parameter ${name} is not an id this test can make: teach RECIPES`);
    target = await make[kind]();
    p = p.replace(`{${name}}`, target.id);
  }
  const body = {};
  for (const f of op.request.properties || []) {
    const n = camel(f.name);
    if (n === 'accountId') body[n] = w.A.id;
    else if (n === 'customerId' && !params.length) body[n] = w.cA1.id;
    else if (n === 'name' && !params.length) body[n] = fresh('Al generic ');
  }
  const r = await srv.req(method, p, { as: sa, body: method === 'GET' || method === 'DELETE' ? undefined : body, query: method === 'DELETE' ? body : undefined });
  if (r.status >= 300) throw new Error(`${op.request.name}: ${method} ${p} answered ${r.status} ${r.text.slice(0, 200)}: teach RECIPES how to perform it`);
  const id = target?.id || r.json?.id;
  if (!id) throw new Error(`${op.request.name}: no entity id to look for: teach RECIPES`);
  return { type: target ? KINDS[kind] : null, id, fields: [] };
}

test('every write operation in /types/metadata leaves an entry: operation, entity, changed fields, who', async () => {
  const ops = (await srv.ok('GET', '/types/metadata')).operations.filter((o) => WRITES.has(o.request.name));
  assert.ok(ops.length >= 20, `write operations found: ${ops.map((o) => o.request.name)}`);
  for (const name of Object.keys(RECIPES)) assert.ok(WRITES.has(name), `RECIPES names ${name}, which is not a write operation`);
  const wrong = [];
  for (const op of ops) {
    const name = op.request.name;
    let want;
    try { want = await (RECIPES[name] ? RECIPES[name]() : generic(op)); } catch (e) { wrong.push(`${name}: ${e.message}`); continue; }
    const mine = (await entries({ entityId: want.id })).filter((e) => e.operation === name);
    if (!mine.length) { wrong.push(`${name}: no entry for ${want.id}`); continue; }
    for (const e of mine) {
      if (want.type && e.entityType !== want.type) wrong.push(`${name}: entityType ${e.entityType}, not ${want.type}`);
      if (e.userId !== adminId || !e.userName) wrong.push(`${name}: made by ${e.userId} (${e.userName}), not the administrator`);
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(e.date)) wrong.push(`${name}: date ${e.date}`);
    }
    const changed = new Set(mine.flatMap((e) => (e.changes || []).map((c) => c.field)));
    if (!changed.size) wrong.push(`${name}: no changed fields`);
    for (const f of want.fields) if (!changed.has(f)) wrong.push(`${name}: ${f} not among the changes (${[...changed]})`);
  }
  assert.deepEqual(wrong, []);
});

test('old and new values; a creation has only new ones, a deletion only old ones', async () => {
  const c = await srv.ok('POST', '/customers', { as: sa, body: { accountId: w.A.id, name: 'Al before' } });
  await srv.ok('PATCH', `/customers/${c.id}`, { as: sa, body: { name: 'Al after' } });
  await srv.ok('DELETE', `/customers/${c.id}`, { as: sa }, 204);
  const [gone, patched, made] = await entries({ entityId: c.id });
  assert.deepEqual([made.operation, patched.operation, gone.operation], ['NewCustomer', 'PatchCustomer', 'DeleteCustomer']);
  const ch = (e, f) => e.changes.find((x) => x.field === f);
  assert.deepEqual(ch(made, 'name'), { field: 'name', newValue: 'Al before' });
  assert.deepEqual(ch(patched, 'name'), { field: 'name', oldValue: 'Al before', newValue: 'Al after' });
  assert.deepEqual(ch(gone, 'name'), { field: 'name', oldValue: 'Al after' });
  assert.equal(ch(patched, 'accountId'), undefined, 'an unchanged field is not listed');
  for (const e of [made, patched, gone]) { assert.equal(e.accountId, w.A.id); assert.equal(e.customerId, c.id); assert.equal(e.entityType, 'Customer'); }
});

test('secrets: a carrier token and passwords show as ***, never as themselves', async () => {
  const sid = 'AC' + randomHex24().slice(0, 16) + randomHex24().slice(0, 16);
  const token = randomHex24() + randomHex24().slice(0, 8);
  fake.accounts.set(sid, { sid, auth_token: token, friendly_name: 'al byoa', owner: null });
  const a = await srv.ok('POST', '/accounts', { as: sa, body: { name: fresh('Al byoa '), twilioAccountSid: sid, twilioAuthToken: token } });
  const u = await srv.ok('POST', '/users', { as: sa, body: { accountId: a.id, emailAddress: `${fresh('als')}@tests.evovoiced`, firstName: 'S', lastName: 'S', password: PASSWORD } });
  await srv.ok('PATCH', `/users/${u.id}`, { as: sa, body: { newPassword: 'Th1rd-Secret-Pass!' } });
  const acct = await entries({ entityId: a.id });
  const tok = acct.flatMap((e) => e.changes).find((c) => c.field === 'twilioAuthToken');
  assert.deepEqual(tok, { field: 'twilioAuthToken', newValue: '***' });
  const pw = (await entries({ entityId: u.id })).flatMap((e) => e.changes).filter((c) => c.field === 'password');
  assert.equal(pw.length, 2);
  for (const c of pw) assert.deepEqual(c, { field: 'password', oldValue: '***', newValue: '***' });
  for (const fmt of ['json', 'xml', 'csv', 'jsv']) {
    const r = await srv.req('GET', '/log-entries', { as: sa, query: { all: true, format: fmt } });
    assert.equal(r.status, 200);
    for (const s of [token, PASSWORD, 'Th1rd-Secret-Pass!', ADMIN_PASSWORD, '$argon2id$']) assert.ok(!r.text.includes(s), `${fmt}: a secret in the log`);
  }
});

test('reach: a Manager sees its accounts\' entries only, a Customer login is refused', async () => {
  await srv.ok('PATCH', `/customers/${w.cA1.id}`, { as: sa, body: { referenceId: fresh('al-ref-') } });
  await srv.ok('PATCH', `/customers/${w.cB1.id}`, { as: sa, body: { referenceId: fresh('al-ref-') } });
  const shared = await make.user();
  await srv.ok('PATCH', `/users/${shared.id}`, { as: sa, body: { accountIds: [w.A.id, w.B.id] } });
  const inA = new Set([w.A.id, w.A1.id]);
  const mine = await entries({}, w.mgrA);
  assert.ok(mine.some((e) => e.entityId === w.cA1.id), 'a Manager sees its customers\' entries');
  for (const e of mine) assert.ok(inA.has(e.accountId), `entry ${e.id} of account ${e.accountId} shown to A's Manager`);
  assert.ok(!mine.some((e) => e.entityId === shared.id && e.operation === 'PatchUser'), 'a user now in B too is not A\'s alone');
  assert.ok(mine.some((e) => e.entityId === shared.id && e.operation === 'NewUser'), 'while it was A\'s, it was');
  assert.deepEqual(await entries({ accountIds: [w.B.id] }, w.mgrA), [], 'asking for another tenant narrows to nothing');
  assert.deepEqual(await entries({ entityId: w.cB1.id }, w.mgrA), []);
  const theirs = await entries({}, w.mgrB);
  assert.ok(theirs.some((e) => e.entityId === w.cB1.id));
  for (const e of theirs) assert.equal(e.accountId, w.B.id);
  expectInvalidRole(await srv.req('GET', '/log-entries', { as: w.custA }));
  assert.equal((await srv.req('GET', '/log-entries')).status, 401);
});

test('filters and paging: account, customer, entity, user, dates; newest first', async () => {
  const a = await make.account();
  const mgr = { email: `${fresh('alm')}@tests.evovoiced`, password: PASSWORD };
  await srv.ok('POST', '/users', { as: sa, body: { accountId: a.id, emailAddress: mgr.email, firstName: 'Mia', lastName: 'Manager', password: PASSWORD, roles: ['Manager'] } });
  const c1 = await srv.ok('POST', '/customers', { as: sa, body: { accountId: a.id, name: 'Al f1' } });
  const c2 = await srv.ok('POST', '/customers', { as: mgr, body: { accountId: a.id, name: 'Al f2' } });
  await srv.ok('PATCH', `/customers/${c1.id}`, { as: mgr, body: { name: 'Al f1b' } });
  const all = await entries({ accountIds: [a.id] });
  assert.ok(all.length >= 5, `${all.length} entries`); // account, settings, user (+ password), customers
  for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].id > all[i].id && all[i - 1].date >= all[i].date, 'newest first');
  assert.deepEqual((await entries({ customerIds: [c1.id] })).map((e) => e.operation), ['PatchCustomer', 'NewCustomer']);
  assert.deepEqual((await entries({ accountIds: [a.id], entityType: 'Customer' })).map((e) => e.entityId), [c1.id, c2.id, c1.id]);
  const byMgr = await entries({ accountIds: [a.id], userId: (await srv.ok('GET', '/auth/status', { as: mgr })).id });
  assert.deepEqual(byMgr.map((e) => e.operation), ['PatchCustomer', 'NewCustomer']);
  assert.equal(byMgr[0].userName, 'Mia Manager');
  const today = new Date().toISOString().slice(0, 10);
  const day = (d) => new Date(Date.now() + d * 86400000).toISOString().slice(0, 10);
  assert.equal((await entries({ accountIds: [a.id], startDate: today, endDate: today })).length, all.length);
  assert.equal((await entries({ accountIds: [a.id], startDate: day(1) })).length, 0);
  assert.equal((await entries({ accountIds: [a.id], endDate: day(-1) })).length, 0);
  assert.equal((await entries({ accountIds: [a.id], startDate: all[1].date })).length, 2, 'a date and time bounds to the millisecond');
  expectError(await srv.req('GET', '/log-entries', { as: sa, query: { startDate: 'yesterday' } }), 400, 'ArgumentException', { fieldName: 'StartDate' });
  const p0 = await srv.ok('GET', '/log-entries', { as: sa, query: { accountIds: [a.id], countPerPage: 2 } });
  const p1 = await srv.ok('GET', '/log-entries', { as: sa, query: { accountIds: [a.id], countPerPage: 2, page: 1 } });
  assert.equal(p0.totalCount, all.length);
  assert.equal(p0.hasMorePages, true);
  assert.deepEqual([...p0.items, ...p1.items].map((e) => e.id), all.slice(0, 4).map((e) => e.id));
  const asc = await srv.ok('GET', '/log-entries', { as: sa, query: { accountIds: [a.id], all: true, sortOrder: 'Ascend' } });
  assert.deepEqual(asc.items.map((e) => e.id), all.map((e) => e.id).reverse());
});

test('kill -9: an acknowledged change has its entry after a restart; an unacknowledged one has neither or both', async () => {
  const c = await make.customer();
  await srv.ok('PATCH', `/customers/${c.id}`, { as: sa, body: { referenceId: 'crash-ref' } });
  await srv.kill9();
  await srv.start();
  const e = (await entries({ entityId: c.id })).find((x) => x.operation === 'PatchCustomer');
  assert.deepEqual(e?.changes.find((x) => x.field === 'referenceId'), { field: 'referenceId', newValue: 'crash-ref' });

  // writes in flight when the server dies: each customer exists exactly when its entry does
  const a = await make.account();
  const acked = [];
  const pending = Array.from({ length: 30 }, (_, i) => srv.req('POST', '/customers', { as: { ...sa, basic: true }, body: { accountId: a.id, name: `al crash ${i}` } })
    .then((r) => { if (r.status === 200) acked.push(r.json.id); }, () => { }));
  await new Promise((r) => setTimeout(r, 15));
  await srv.kill9();
  await Promise.allSettled(pending);
  await srv.start();
  const custs = (await srv.ok('GET', '/customers', { as: sa, query: { accountIds: a.id, all: true } })).items.map((x) => x.id).sort();
  const logged = (await entries({ accountIds: [a.id], entityType: 'Customer' })).filter((x) => x.operation === 'NewCustomer').map((x) => x.entityId).sort();
  assert.deepEqual(logged, custs);
  for (const id of acked) assert.ok(custs.includes(id), `acknowledged customer ${id} survived`);
});
