// session-carrier.test.mjs — what a session left at the carrier goes with it (FLOWS.md 4.2,
// 5): DeleteFile of a recording deletes it at Twilio first (on the carrier account that owns
// it, with that account's own token), EndSession hangs up the session's live call
// (Status=completed). The carrier's 404 (and, for a call, "not in progress") means already
// gone; any other carrier failure refuses with 502/503 and changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, addSession, expectError, expectForbidden, randomHex24, PASSWORD } from './harness.mjs';
import { startFakeTwilio } from './fake-twilio.mjs';

const ATTEMPTS = 2;
let srv, fake, sa, acct, cust, other, ep, epOther, byoa, byoaSid, epByoa, custLogin, mgrRO;
const carrierArgs = (f) => ['--twilio-account-sid', f.mainSid, '--twilio-auth-token', f.mainToken, '--twilio-base-url', f.url,
  '--carrier-timeout-ms', '2000', '--carrier-attempts', String(ATTEMPTS), '--carrier-backoff-ms', '20'];

before(async () => {
  fake = await startFakeTwilio();
  srv = await startServer({ args: carrierArgs(fake) });
  sa = srv.admin;
  acct = await srv.ok('POST', '/accounts', { as: sa, body: { name: 'sc Account' } });
  assert.ok(fake.accounts.has(acct.twilioAccountSid), 'the account has a sub-account at the carrier');
  cust = await srv.ok('POST', '/customers', { as: sa, body: { accountId: acct.id, name: 'sc Customer' } });
  other = await srv.ok('POST', '/customers', { as: sa, body: { accountId: acct.id, name: 'sc Other' } });
  ep = await srv.ok('POST', '/endpoints/phone-numbers', { as: sa, body: { customerId: cust.id, number: '+13125550700', isVirtualPhoneNumber: true } });
  epOther = await srv.ok('POST', '/endpoints/phone-numbers', { as: sa, body: { customerId: other.id, number: '+13125550701', isVirtualPhoneNumber: true } });
  byoaSid = 'AC' + randomHex24().slice(0, 16) + randomHex24().slice(0, 16);
  const byoaToken = randomHex24().slice(0, 32);
  fake.accounts.set(byoaSid, { sid: byoaSid, auth_token: byoaToken, friendly_name: 'byoa', owner: null });
  byoa = await srv.ok('POST', '/accounts', { as: sa, body: { name: 'sc BYOA', twilioAccountSid: byoaSid, twilioAuthToken: byoaToken } });
  epByoa = await srv.ok('POST', '/endpoints/phone-numbers', { as: sa, body: { accountId: byoa.id, number: '+13125550702', isVirtualPhoneNumber: true } });
  const email = `sc.cust.${randomHex24().slice(0, 6)}@tests.evovoiced`;
  await srv.ok('POST', '/users', { as: sa, body: { accountId: acct.id, emailAddress: email, firstName: 'Sc', lastName: 'Customer', password: PASSWORD, roles: ['Customer'], customerIds: [cust.id] } });
  custLogin = { email, password: PASSWORD };
  const ro = `sc.ro.${randomHex24().slice(0, 6)}@tests.evovoiced`;
  await srv.ok('POST', '/users', { as: sa, body: { accountId: acct.id, emailAddress: ro, firstName: 'Sc', lastName: 'ReadOnly', password: PASSWORD, roles: ['Manager'], managerAccess: 'ReadOnly' } });
  mgrRO = { email: ro, password: PASSWORD };
});
after(async () => { if (srv) await srv.cleanup(); if (fake) await fake.close(); });

const last = (kind) => fake.log.filter((l) => l.kind === kind).at(-1);
const voicemail = (endpoint, recordingSid) => addSession(srv, endpoint.id, { voicemail: true, recordingSid });
const fileGone = async (id) => assert.equal((await srv.req('GET', `/files/${id}`, { as: sa })).status, 404);
const fileKept = async (id) => assert.equal((await srv.req('GET', `/files/${id}`, { as: sa })).status, 200);
const sessionOf = async (id) => (await srv.ok('GET', '/sessions', { as: sa, query: { specificIds: [id], countPerPage: 1 } })).items[0];

test('DeleteFile deletes the recording at the carrier, on the sub-account with its own token, then the file', async () => {
  const re = fake.addRecording(acct.twilioAccountSid);
  const { file } = voicemail(ep, re);
  const n = fake.count('deleteRecording');
  assert.equal((await srv.req('DELETE', `/files/${file.id}`, { as: sa })).status, 204);
  assert.equal(fake.count('deleteRecording'), n + 1);
  const l = last('deleteRecording');
  assert.equal(l.method, 'DELETE');
  assert.equal(l.path, `/2010-04-01/Accounts/${acct.twilioAccountSid}/Recordings/${re}.json`);
  assert.equal(l.auth, acct.twilioAccountSid, 'the sub-account\'s own credentials');
  assert.ok(!fake.recordings.has(re), 'gone at the carrier');
  await fileGone(file.id);
});

test('a brought account\'s recording is deleted with its own credentials', async () => {
  const re = fake.addRecording(byoaSid);
  const { file } = voicemail(epByoa, re);
  assert.equal((await srv.req('DELETE', `/files/${file.id}`, { as: sa })).status, 204);
  assert.equal(last('deleteRecording').auth, byoaSid);
  assert.ok(!fake.recordings.has(re));
  await fileGone(file.id);
});

test('a recording the carrier no longer has (404): the file goes', async () => {
  const { file } = voicemail(ep, 'RE' + randomHex24().slice(0, 16) + randomHex24().slice(0, 16));
  const n = fake.count('deleteRecording');
  assert.equal((await srv.req('DELETE', `/files/${file.id}`, { as: sa })).status, 204);
  assert.equal(fake.count('deleteRecording'), n + 1);
  await fileGone(file.id);
});

test('the carrier refuses (502) or does not answer (503): the file and the recording stay', async () => {
  const re = fake.addRecording(acct.twilioAccountSid);
  const { file } = voicemail(ep, re);
  fake.fail('deleteRecording', { status: 400, code: 20001, message: 'Recording is in use' });
  const r = await srv.req('DELETE', `/files/${file.id}`, { as: sa });
  expectError(r, 502, 'ProviderError');
  assert.match(r.json.responseStatus.message, /Recording is in use/);
  await fileKept(file.id);
  assert.ok(fake.recordings.has(re));
  fake.fail('deleteRecording', { status: 500, times: ATTEMPTS });
  expectError(await srv.req('DELETE', `/files/${file.id}`, { as: sa }), 503, 'ProviderError');
  await fileKept(file.id);
  assert.ok(fake.recordings.has(re));
  // once the carrier answers, it goes
  assert.equal((await srv.req('DELETE', `/files/${file.id}`, { as: sa })).status, 204);
  assert.ok(!fake.recordings.has(re));
  await fileGone(file.id);
});

test('a file without a recording sid goes without asking the carrier; out of reach asks nothing', async () => {
  const { file } = voicemail(ep);
  const n = fake.log.length;
  assert.equal((await srv.req('DELETE', `/files/${file.id}`, { as: sa })).status, 204);
  assert.equal(fake.log.length, n);
  await fileGone(file.id);
  const re = fake.addRecording(acct.twilioAccountSid);
  const theirs = voicemail(epOther, re).file;
  expectForbidden(await srv.req('DELETE', `/files/${theirs.id}`, { as: custLogin }));
  expectForbidden(await srv.req('DELETE', `/files/${theirs.id}`, { as: mgrRO }));
  assert.equal(fake.log.length, n, 'no carrier request for a refused delete');
  assert.ok(fake.recordings.has(re));
  await fileKept(theirs.id);
});

test('EndSession hangs up the live call (Status=completed) and ends the session with a log line', async () => {
  const ca = fake.addCall(acct.twilioAccountSid);
  const { session } = addSession(srv, ep.id, { callSid: ca, logs: ['Call started'] });
  const r = await srv.req('DELETE', `/sessions/${session.id}`, { as: custLogin });
  assert.equal(r.status, 204, r.text);
  const l = last('updateCall');
  assert.equal(l.path, `/2010-04-01/Accounts/${acct.twilioAccountSid}/Calls/${ca}.json`);
  assert.deepEqual(l.form, { Status: 'completed' });
  assert.equal(l.auth, acct.twilioAccountSid);
  assert.equal(fake.calls.get(ca).status, 'completed');
  const s = await sessionOf(session.id);
  assert.equal(s.ended, true);
  assert.equal(s.callState, 'Disconnected');
  assert.match(s.dateCompleted, /^\d{4}-\d{2}-\d{2}T/);
  assert.deepEqual(s.log.map((x) => x.message), ['Call started', `Session ended by ${custLogin.email}`]);
  // ended: 204 and nothing changes, nothing asked of the carrier
  const n = fake.log.length;
  assert.equal((await srv.req('DELETE', `/sessions/${session.id}`, { as: sa })).status, 204);
  assert.equal(fake.log.length, n);
  assert.deepEqual(await sessionOf(session.id), s);
});

test('EndSession: a call already over (404, or not in progress) still ends the session', async () => {
  const gone = addSession(srv, ep.id, { callSid: 'CA' + randomHex24().slice(0, 16) + randomHex24().slice(0, 16) }).session;
  assert.equal((await srv.req('DELETE', `/sessions/${gone.id}`, { as: sa })).status, 204);
  assert.equal((await sessionOf(gone.id)).ended, true);
  const done = fake.addCall(acct.twilioAccountSid, 'completed');
  const s = addSession(srv, ep.id, { callSid: done }).session;
  assert.equal((await srv.req('DELETE', `/sessions/${s.id}`, { as: sa })).status, 204);
  assert.equal(last('updateCall').path.endsWith(`${done}.json`), true);
  assert.equal((await sessionOf(s.id)).ended, true);
  // no call at all: no carrier request
  const n = fake.log.length;
  const none = addSession(srv, ep.id, {}).session;
  assert.equal((await srv.req('DELETE', `/sessions/${none.id}`, { as: sa })).status, 204);
  assert.equal(fake.log.length, n);
  assert.equal((await sessionOf(none.id)).ended, true);
});

test('EndSession: a carrier failure keeps the session live; a callSid not of the session is refused', async () => {
  const ca = fake.addCall(acct.twilioAccountSid);
  const { session } = addSession(srv, ep.id, { callSid: ca });
  fake.fail('updateCall', { status: 400, code: 20001, message: 'Call cannot be updated now' });
  const r = await srv.req('DELETE', `/sessions/${session.id}`, { as: sa });
  expectError(r, 502, 'ProviderError');
  assert.match(r.json.responseStatus.message, /Call cannot be updated now/);
  let s = await sessionOf(session.id);
  assert.equal(s.ended, false);
  assert.equal(s.log.length, 0);
  fake.fail('updateCall', { status: 503, times: ATTEMPTS });
  expectError(await srv.req('DELETE', `/sessions/${session.id}`, { as: sa }), 503, 'ProviderError');
  assert.equal((await sessionOf(session.id)).ended, false);
  const n = fake.log.length;
  const stranger = fake.addCall(acct.twilioAccountSid);
  expectError(await srv.req('DELETE', `/sessions/${session.id}`, { as: sa, query: { callSid: stranger } }), 400, 'ArgumentException', { fieldName: 'CallSid' });
  assert.equal(fake.log.length, n);
  assert.equal(fake.calls.get(stranger).status, 'in-progress');
  // out of reach: refused before the carrier
  const theirs = addSession(srv, epOther.id, { callSid: fake.addCall(acct.twilioAccountSid) }).session;
  expectForbidden(await srv.req('DELETE', `/sessions/${theirs.id}`, { as: custLogin }));
  expectForbidden(await srv.req('DELETE', `/sessions/${theirs.id}`, { as: mgrRO }));
  assert.equal(fake.log.length, n);
  // the session's own call named: it is hung up
  assert.equal((await srv.req('DELETE', `/sessions/${session.id}`, { as: sa, query: { callSid: ca } })).status, 204);
  assert.equal(fake.calls.get(ca).status, 'completed');
  s = await sessionOf(session.id);
  assert.equal(s.ended, true);
});
