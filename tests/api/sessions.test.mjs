// sessions.test.mjs — sessions (FLOWS.md 4) and files (FLOWS.md 5): every ListSessions
// filter, GetSession (log empty) against ListSessions (log filled), the 15-day archive,
// DeleteSessions in bulk within reach only, reach per role, PatchSession, AddSessionLog and
// EndSession (on a server without a carrier: session-carrier.test.mjs has the carrier's
// side), ListFiles filters, GetFile and DeleteFile. Sessions are made with `evovoiced session
// add` (the runtime's internal API), as there is no route that creates them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeWorld, addSession, expectError, expectForbidden, expectNotFound, expectInvalidRole } from './harness.mjs';

let srv, w, sa;
const ep = {};
before(async () => {
  srv = await startServer();
  w = await makeWorld(srv, 'ss');
  sa = srv.admin;
  let n = 100;
  for (const c of ['cA1', 'cA1a', 'cA2', 'cX1', 'cB1']) {
    ep[c] = await srv.ok('POST', '/endpoints/phone-numbers', { as: sa, body: { customerId: w[c].id, number: `+1312555${String(n++).padStart(4, '0')}`, isVirtualPhoneNumber: true } });
  }
});
after(async () => { if (srv) await srv.cleanup(); });

const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
const list = (query, as = sa) => srv.ok('GET', '/sessions', { as, query: { all: true, ...query } });
const ids = (r) => r.items.map((x) => x.id).sort();

test('a session: list has its log, get has it empty; the tenant and endpoint are derived', async () => {
  const { session: s, file } = addSession(srv, ep.cA1a.id, { from: '+14155550100', fromName: 'Ann', to: ep.cA1a.phoneNumber, callSid: 'CA1', logs: ['Call started', 'Say: hello'], end: 'Completed', voicemail: true });
  assert.match(s.id, /^[0-9a-f]{24}$/);
  const g = await srv.ok('GET', `/sessions/${s.id}`, { as: sa });
  assert.deepEqual(g.log || [], []);
  assert.equal(g.accountId, w.A.id);
  assert.equal(g.accountName, 'ss Account A');
  assert.equal(g.customerName, 'ss cA1a');
  assert.deepEqual(g.customerBreadcrumb.map((b) => b.id), [w.cA1.id, w.cA1a.id]);
  assert.equal(g.endpointId, ep.cA1a.id);
  assert.equal(g.endpointName, ep.cA1a.displayName);
  assert.equal(g.fromAddress, '+14155550100');
  assert.equal(g.fromName, 'Ann');
  assert.equal(g.callSid, 'CA1');
  assert.equal(g.channel, 'Voice');
  assert.equal(g.direction, 'Incoming');
  assert.equal(g.ended, true);
  assert.equal(g.outcome, 'Completed');
  assert.equal(g.callState, 'Disconnected');
  assert.equal(g.logText, undefined);
  const l = await srv.ok('GET', '/sessions', { as: sa, query: { specificIds: [s.id], countPerPage: 1, simplifiedPaging: true } });
  assert.deepEqual(l.items[0].log.map((x) => x.message), ['Call started', 'Say: hello']);
  assert.match(l.items[0].log[0].date, /^\d{4}-\d{2}-\d{2}T/);
  // the wire order: the known fields, then log, wasMissed, direction, members, then EntityInfo
  const keys = Object.keys((await srv.req('GET', `/sessions/${s.id}`, { as: sa })).json);
  assert.ok(keys.indexOf('conferenceSid') < 0 || keys.indexOf('conferenceSid') < keys.indexOf('log'));
  assert.ok(keys.indexOf('dialState') < keys.indexOf('accountId') && keys.indexOf('direction') < keys.indexOf('id'));
  // its voice message
  const f = await srv.ok('GET', `/files/${file.id}`, { as: sa });
  assert.equal(f.type, 'VoiceMessage');
  assert.equal(f.customerName, 'ss cA1a');
  assert.equal(f.fromAddress, '+14155550100');
  assert.equal(f.recordingDuration, 12);
  assert.equal(f.sessionId, undefined);
  const fl = await srv.ok('GET', '/files', { as: sa, query: { sessionId: s.id } });
  assert.deepEqual(ids(fl), [file.id]);
});

test('every ListSessions filter', async () => {
  const mk = (c, o) => addSession(srv, ep[c].id, o).session;
  const old = mk('cA1', { from: '+15551110001', to: '+13125559999', date: `${day(-40)}T12:00:00.000Z`, logs: ['archived call'] });
  const d2 = mk('cA1', { from: '+15551110002', to: '+13125558888', date: `${day(-2)}T08:00:00.000Z`, logs: ['Dial to Bob'] });
  const d1 = mk('cA2', { from: '+15551110003', to: '+13125557777', date: `${day(-1)}T23:59:59.999Z`, logs: ['Voicemail left'] });
  const leg = mk('cA2', { from: '+15551110004', parent: d1.id, date: `${day(-1)}T10:00:00.000Z` });
  const b = mk('cB1', { from: '+15551110005', logs: ['Dial to Bob'] });
  const inA = (q) => list({ accountIds: [w.A.id], ...q });
  // the archive: older than 15 days only with searchArchive (or named)
  assert.ok(!ids(await inA({})).includes(old.id));
  assert.ok(ids(await inA({ searchArchive: true })).includes(old.id));
  assert.ok(ids(await inA({ specificIds: [old.id] })).includes(old.id));
  // dates: whole days on dateCreated, both ends included
  assert.deepEqual(ids(await inA({ startDate: day(-2), endDate: day(-2) })), [d2.id]);
  assert.deepEqual(ids(await inA({ startDate: day(-1), endDate: day(-1) })), [d1.id, leg.id].sort());
  assert.deepEqual(ids(await inA({ startDate: day(-41), endDate: day(-39), searchArchive: true })), [old.id]);
  expectError(await srv.req('GET', '/sessions', { as: sa, query: { startDate: 'yesterday' } }), 400, 'ArgumentException', { fieldName: 'StartDate' });
  // from, to (contains), log (text in any line, any case)
  assert.deepEqual(ids(await inA({ from: '1110002' })), [d2.id]);
  assert.deepEqual(ids(await inA({ to: '5557777' })), [d1.id]);
  assert.deepEqual(ids(await list({ log: 'dial TO bob' })), [d2.id, b.id].sort());
  assert.deepEqual(ids(await inA({ log: 'voicemail' })), [d1.id]);
  // customers, endpoints, parent
  assert.deepEqual(ids(await inA({ customerIds: [w.cA2.id] })), [d1.id, leg.id].sort());
  assert.deepEqual(ids(await list({ endpointIds: [ep.cB1.id] })), [b.id]);
  assert.deepEqual(ids(await list({ parentSessionId: d1.id })), [leg.id]);
  assert.deepEqual(ids(await list({ accountIds: [w.B.id] })), [b.id]);
  // newest first by default; sortField/sortOrder as every list
  const order = (await inA({ customerIds: [w.cA1.id, w.cA2.id], startDate: day(-2), endDate: day(-1) })).items.map((x) => x.id);
  assert.deepEqual(order, [d1.id, leg.id, d2.id]);
  const asc = (await inA({ customerIds: [w.cA1.id, w.cA2.id], startDate: day(-2), endDate: day(-1), sortOrder: 'Ascend' })).items.map((x) => x.id);
  assert.deepEqual(asc, [d2.id, leg.id, d1.id]);
  // paging
  const p = await srv.ok('GET', '/sessions', { as: sa, query: { accountIds: [w.A.id], startDate: day(-2), endDate: day(-1), countPerPage: 2 } });
  assert.equal(p.totalCount, 3);
  assert.equal(p.items.length, 2);
  assert.equal(p.hasMorePages, true);
});

test('reach per role: sessions and files are their endpoint\'s account and customer', async () => {
  const a1 = addSession(srv, ep.cA1.id, { voicemail: true });
  const a1a = addSession(srv, ep.cA1a.id, { voicemail: true });
  const a2 = addSession(srv, ep.cA2.id, { voicemail: true });
  const x1 = addSession(srv, ep.cX1.id, { voicemail: true });
  const b1 = addSession(srv, ep.cB1.id, { voicemail: true });
  // Customer of cA1: cA1 and its descendants
  for (const s of [a1, a1a]) {
    await srv.ok('GET', `/sessions/${s.session.id}`, { as: w.custA });
    await srv.ok('GET', `/files/${s.file.id}`, { as: w.custA });
  }
  for (const s of [a2, x1, b1]) {
    expectForbidden(await srv.req('GET', `/sessions/${s.session.id}`, { as: w.custA }));
    expectForbidden(await srv.req('GET', `/files/${s.file.id}`, { as: w.custA }));
  }
  const cs = ids(await list({}, w.custA));
  assert.ok(cs.includes(a1.session.id) && cs.includes(a1a.session.id));
  assert.ok(![a2, x1, b1].some((s) => cs.includes(s.session.id)));
  const cf = ids(await srv.ok('GET', '/files', { as: w.custA, query: { all: true } }));
  assert.ok(cf.includes(a1.file.id) && !cf.includes(a2.file.id) && !cf.includes(b1.file.id));
  // asking for another tenant's ids narrows to nothing, never widens
  assert.deepEqual(ids(await list({ accountIds: [w.B.id] }, w.custA)), []);
  // Manager of A: A and its child account A1, never B
  for (const s of [a1, a2, x1]) await srv.ok('GET', `/sessions/${s.session.id}`, { as: w.mgrRO });
  expectForbidden(await srv.req('GET', `/sessions/${b1.session.id}`, { as: w.mgrA }));
  expectForbidden(await srv.req('GET', `/files/${b1.file.id}`, { as: w.mgrA }));
  const ms = ids(await list({}, w.mgrA));
  assert.ok(ms.includes(x1.session.id) && !ms.includes(b1.session.id));
  assert.ok(ids(await list({}, w.mgrB)).includes(b1.session.id));
  expectNotFound(await srv.req('GET', '/sessions/0123456789abcdef01234567', { as: sa }));
  expectNotFound(await srv.req('GET', '/files/0123456789abcdef01234567', { as: sa }));
  expectError(await srv.req('GET', '/sessions', {}), 401);
  // the /api/{Op} form too
  assert.equal((await srv.ok('GET', '/api/GetSession', { as: sa, query: { sessionId: a1.session.id } })).id, a1.session.id);
});

test('DeleteSessions: an account\'s sessions in a range, only within reach', async () => {
  const t = (d, h) => `${day(d)}T${h}:00:00.000Z`;
  const early = addSession(srv, ep.cA2.id, { date: t(-3, '01'), logs: ['del-range'] }).session;
  const mid = addSession(srv, ep.cA2.id, { date: t(-3, '12'), logs: ['del-range'] }).session;
  const late = addSession(srv, ep.cA2.id, { date: t(-3, '23'), logs: ['del-range'] }).session;
  const child = addSession(srv, ep.cX1.id, { date: t(-3, '12'), logs: ['del-range'] }).session; // account A1
  const other = addSession(srv, ep.cB1.id, { date: t(-3, '12'), logs: ['del-range'] }).session;
  const left = async () => ids(await list({ log: 'del-range' }));
  // refused: no account, another tenant's account, a Customer login, a Manager without delete
  expectError(await srv.req('DELETE', '/sessions', { as: sa }), 400, 'ArgumentException', { fieldName: 'AccountId' });
  expectForbidden(await srv.req('DELETE', '/sessions', { as: w.mgrA, query: { accountId: w.B.id } }));
  expectForbidden(await srv.req('DELETE', '/sessions', { as: w.custA, query: { accountId: w.A.id } }));
  expectForbidden(await srv.req('DELETE', '/sessions', { as: w.mgrRW, query: { accountId: w.A.id } }));
  expectNotFound(await srv.req('DELETE', '/sessions', { as: sa, query: { accountId: '0123456789abcdef01234567' } }));
  assert.equal((await left()).length, 5);
  // the middle of the day, ends included; other accounts (even a child one) untouched
  const r = await srv.req('DELETE', '/sessions', { as: w.mgrA, query: { accountId: w.A.id, startDateTime: t(-3, '06'), endDateTime: t(-3, '12') } });
  assert.equal(r.status, 204);
  assert.equal(r.text, '');
  assert.deepEqual(await left(), [early.id, late.id, child.id, other.id].sort());
  // an offset is read as such: 23:00Z is 18:00-05:00
  assert.equal((await srv.req('DELETE', '/sessions', { as: w.mgrA, query: { accountId: w.A.id, startDateTime: `${day(-3)}T18:00:00-05:00` } })).status, 204);
  assert.deepEqual(await left(), [early.id, child.id, other.id].sort());
  expectError(await srv.req('DELETE', '/sessions', { as: sa, query: { accountId: w.A.id, endDateTime: 'soon' } }), 400, 'ArgumentException', { fieldName: 'EndDateTime' });
  // the whole account
  assert.equal((await srv.req('DELETE', '/sessions', { as: sa, query: { accountId: w.A.id } })).status, 204);
  assert.deepEqual(await left(), [child.id, other.id].sort());
  void mid;
});

test('files: every ListFiles filter, get, delete within reach', async () => {
  const s = addSession(srv, ep.cA2.id, { voicemail: true, recordingSid: 'RE77', transcription: 'Please call me back about the invoice' });
  const s2 = addSession(srv, ep.cA2.id, { voicemail: true });
  const inA = (q) => srv.ok('GET', '/files', { as: sa, query: { accountIds: [w.A.id], all: true, ...q } });
  assert.deepEqual(ids(await inA({ sessionId: s.session.id })), [s.file.id]);
  assert.ok(ids(await inA({ customerIds: [w.cA2.id] })).includes(s2.file.id));
  assert.ok(!ids(await inA({ customerIds: [w.cA1.id] })).includes(s2.file.id));
  assert.ok(ids(await inA({ fileName: s.session.id.slice(4, 16) })).includes(s.file.id));
  assert.ok(ids(await inA({ contentType: 'AUDIO/' })).includes(s.file.id));
  assert.deepEqual(ids(await inA({ contentType: 'pdf' })), []);
  assert.ok(ids(await inA({ type: 'VoiceMessage' })).includes(s.file.id));
  assert.deepEqual(ids(await inA({ type: 'Fax' })), []);
  expectError(await srv.req('GET', '/files', { as: sa, query: { type: 'Pigeon' } }), 400);
  assert.deepEqual(ids(await inA({ transcriptionContains: 'INVOICE' })), [s.file.id]);
  assert.ok(ids(await inA({ dateCreatedStart: day(0), dateCreatedEnd: day(0) })).includes(s.file.id));
  assert.deepEqual(ids(await inA({ dateCreatedEnd: day(-1) })), []);
  assert.deepEqual(ids(await inA({ dateCreatedStart: day(1) })), []);
  expectError(await srv.req('GET', '/files', { as: sa, query: { dateCreatedStart: '2026-13-01' } }), 400, 'ArgumentException', { fieldName: 'DateCreatedStart' });
  const g = await srv.ok('GET', `/files/${s.file.id}`, { as: sa });
  assert.equal(g.recordingSid, 'RE77');
  assert.equal(g.uri, 'https://example.invalid/recordings/voicemail.wav');
  // delete: reach and Manager access as everywhere
  expectForbidden(await srv.req('DELETE', `/files/${s.file.id}`, { as: w.custA })); // cA2 is not the Customer's
  expectForbidden(await srv.req('DELETE', `/files/${s.file.id}`, { as: w.mgrB }));
  expectForbidden(await srv.req('DELETE', `/files/${s.file.id}`, { as: w.mgrRW }));
  assert.equal((await srv.req('DELETE', `/files/${s.file.id}`, { as: w.mgrA })).status, 204);
  expectNotFound(await srv.req('GET', `/files/${s.file.id}`, { as: sa }));
  expectNotFound(await srv.req('DELETE', `/files/${s.file.id}`, { as: sa }));
  // a Customer deletes its own customers' files
  const own = addSession(srv, ep.cA1a.id, { voicemail: true });
  assert.equal((await srv.req('DELETE', `/files/${own.file.id}`, { as: w.custA })).status, 204);
  // the session stays
  await srv.ok('GET', `/sessions/${s.session.id}`, { as: sa });
});

test('PatchSession: console data and the call, hold and queue states; enums checked; reach as GetSession', async () => {
  const { session: s } = addSession(srv, ep.cA1a.id, { logs: ['Call started'] });
  const p = await srv.ok('PATCH', `/sessions/${s.id}`, { as: w.custA, body: { consoleData: '{"note":"vip"}', callState: 'Hold', holdReason: 'Transferring', queueState: 'Queued' } });
  assert.equal(p.id, s.id);
  assert.equal(p.consoleData, '{"note":"vip"}');
  assert.equal(p.callState, 'Hold');
  assert.equal(p.holdReason, 'Transferring');
  assert.equal(p.queueState, 'Queued');
  assert.equal(p.lastModifiedBy, w.custA.email);
  assert.equal(p.customerName, 'ss cA1a');
  const g = await srv.ok('GET', `/sessions/${s.id}`, { as: sa });
  for (const k of ['consoleData', 'callState', 'holdReason', 'queueState']) assert.equal(g[k], p[k], k);
  // only what is given changes; "" clears the console data
  const q = await srv.ok('PATCH', `/sessions/${s.id}`, { as: w.mgrRW, body: { callState: 'Connected', consoleData: '' } });
  assert.equal(q.callState, 'Connected');
  assert.equal(q.holdReason, 'Transferring');
  assert.equal(q.consoleData, undefined);
  // a value outside its enum: 400 naming the field, nothing stored
  for (const [field, value] of [['callState', 'Dancing'], ['holdReason', 'Lunch'], ['queueState', 'Lost']]) {
    const r = await srv.req('PATCH', `/sessions/${s.id}`, { as: sa, body: { [field]: value, consoleData: 'not stored' } });
    expectError(r, 400, undefined, { fieldName: field[0].toUpperCase() + field.slice(1) });
  }
  assert.equal((await srv.ok('GET', `/sessions/${s.id}`, { as: sa })).consoleData, undefined);
  // reach: a Customer of another customer, another tenant's Manager, a read-only Manager
  const theirs = addSession(srv, ep.cA2.id, {}).session;
  expectForbidden(await srv.req('PATCH', `/sessions/${theirs.id}`, { as: w.custA, body: { callState: 'Hold' } }));
  expectForbidden(await srv.req('PATCH', `/sessions/${s.id}`, { as: w.mgrB, body: { callState: 'Hold' } }));
  expectForbidden(await srv.req('PATCH', `/sessions/${s.id}`, { as: w.mgrRO, body: { callState: 'Hold' } }));
  expectNotFound(await srv.req('PATCH', '/sessions/0123456789abcdef01234567', { as: sa, body: { callState: 'Hold' } }));
  assert.equal((await srv.ok('GET', `/sessions/${theirs.id}`, { as: sa })).callState, 'Ringing');
});

test('AddSessionLog appends a line: the session with its log; the message is required and at most 1000 characters', async () => {
  const { session: s } = addSession(srv, ep.cA1.id, { logs: ['Call started'] });
  const r = await srv.ok('POST', `/sessions/${s.id}/log`, { as: w.custA, body: { message: 'Agent note: caller wants a refund' } });
  assert.equal(r.id, s.id);
  assert.deepEqual(r.log.map((x) => x.message), ['Call started', 'Agent note: caller wants a refund']);
  assert.match(r.log[1].date, /^\d{4}-\d{2}-\d{2}T/);
  // the list's log filter finds it
  assert.deepEqual(ids(await list({ log: 'wants a REFUND' })), [s.id]);
  const max = 'x'.repeat(1000);
  assert.equal((await srv.ok('POST', `/sessions/${s.id}/log`, { as: sa, body: { message: max } })).log.at(-1).message, max);
  expectError(await srv.req('POST', `/sessions/${s.id}/log`, { as: sa, body: { message: max + 'y' } }), 400, 'ArgumentException', { fieldName: 'Message' });
  const accented = 'é'.repeat(1000); // 1000 characters, 2000 bytes
  assert.equal((await srv.ok('POST', `/sessions/${s.id}/log`, { as: sa, body: { message: accented } })).log.at(-1).message, accented);
  expectError(await srv.req('POST', `/sessions/${s.id}/log`, { as: sa, body: { message: accented + 'é' } }), 400, 'ArgumentException', { fieldName: 'Message' });
  expectError(await srv.req('POST', `/sessions/${s.id}/log`, { as: sa, body: { message: '' } }), 400, 'ArgumentException', { fieldName: 'Message' });
  expectError(await srv.req('POST', `/sessions/${s.id}/log`, { as: sa, body: {} }), 400, 'ArgumentException', { fieldName: 'Message' });
  const theirs = addSession(srv, ep.cB1.id, {}).session;
  expectForbidden(await srv.req('POST', `/sessions/${theirs.id}/log`, { as: w.custA, body: { message: 'x' } }));
  expectForbidden(await srv.req('POST', `/sessions/${theirs.id}/log`, { as: w.mgrA, body: { message: 'x' } }));
  expectForbidden(await srv.req('POST', `/sessions/${s.id}/log`, { as: w.mgrRO, body: { message: 'x' } }));
  const l = await srv.ok('GET', '/sessions', { as: sa, query: { specificIds: [s.id] } });
  assert.equal(l.items[0].log.length, 4, 'the refused lines were not added');
  assert.equal((await srv.ok('GET', '/sessions', { as: sa, query: { specificIds: [theirs.id] } })).items[0].log.length, 0);
});

test('EndSession without a carrier: the session ends once, with who ended it; reach as GetSession', async () => {
  const { session: s } = addSession(srv, ep.cA1a.id, { callSid: 'CA' + 'e'.repeat(32), logs: ['Call started'] });
  const theirs = addSession(srv, ep.cA2.id, {}).session;
  expectForbidden(await srv.req('DELETE', `/sessions/${theirs.id}`, { as: w.custA }));
  expectForbidden(await srv.req('DELETE', `/sessions/${s.id}`, { as: w.mgrRO }));
  expectForbidden(await srv.req('DELETE', `/sessions/${s.id}`, { as: w.mgrB }));
  expectNotFound(await srv.req('DELETE', '/sessions/0123456789abcdef01234567', { as: sa }));
  const r = await srv.req('DELETE', `/sessions/${s.id}`, { as: w.mgrRW });
  assert.equal(r.status, 204, r.text);
  assert.equal(r.text, '');
  const got = (await srv.ok('GET', '/sessions', { as: sa, query: { specificIds: [s.id] } })).items[0];
  assert.equal(got.ended, true);
  assert.equal(got.callState, 'Disconnected');
  assert.match(got.dateCompleted, /^\d{4}-\d{2}-\d{2}T/);
  assert.deepEqual(got.log.map((x) => x.message), ['Call started', `Session ended by ${w.mgrRW.email}`]);
  assert.equal((await srv.req('DELETE', `/sessions/${s.id}`, { as: sa })).status, 204);
  assert.deepEqual((await srv.ok('GET', '/sessions', { as: sa, query: { specificIds: [s.id] } })).items[0], got, 'an ended session does not change');
  assert.equal((await srv.ok('GET', `/sessions/${theirs.id}`, { as: sa })).ended, false);
});

test('the metadata lists the session and file operations with their roles', async () => {
  const ops = (await srv.ok('GET', '/types/metadata')).operations;
  for (const name of ['ListSessions', 'GetSession', 'DeleteSessions', 'PatchSession', 'EndSession', 'AddSessionLog', 'ListFiles', 'GetFile', 'DeleteFile']) {
    const op = ops.find((o) => o.request.name === name);
    assert.ok(op, name);
  }
  const types = (await srv.ok('GET', '/types/metadata')).types.map((t) => t.name);
  for (const t of ['SessionInfo', 'SessionLogInfo', 'FileInfo', 'FileTypes', 'SessionCallState']) assert.ok(types.includes(t), t);
  void expectInvalidRole;
});
