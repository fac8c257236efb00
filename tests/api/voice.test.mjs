// voice.test.mjs — what happens when a number rings (FLOWS.md 3.2, first slice): Twilio's
// requests to {base}/voice, /voice/status and /sms, signed as Twilio signs them (call-sim.mjs):
// the number's flow as TwiML (Say, Play, Hangup), 403 on a forged or missing signature, a
// polite hang-up for an unknown number or one without a flow, the flow a schedule picks,
// XML escaping, the loop guard, and a real number bought on a sub-account at the fake
// carrier, signed with that sub-account's own token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, u, expectStatus } from './harness.mjs';
import { startFakeTwilio } from './fake-twilio.mjs';
import { CallSim, twilioSignature, parseTwiml } from './call-sim.mjs';

const PROD = 'https://prod.hooks.test/evo';
const STAGE = 'https://staging.hooks.test/evo';

let fake, srv, sim, acct, cust, main;
let seq = 0;
const fresh = () => { seq++; return `+1773${String(5550000 + seq + (process.pid % 1000) * 10).slice(-7)}`; };

before(async () => {
  fake = await startFakeTwilio();
  srv = await startServer({ args: ['--twilio-account-sid', fake.mainSid, '--twilio-auth-token', fake.mainToken, '--twilio-base-url', fake.url,
    '--webhook-url', PROD, '--staging-webhook-url', STAGE] });
  sim = new CallSim({ server: srv.base, base: PROD });
  acct = await srv.ok('POST', '/accounts', { as: srv.admin, body: { name: u('voice acct ') } });
  cust = await srv.ok('POST', '/customers', { as: srv.admin, body: { accountId: acct.id, name: u('voice cust ') } });
  main = { token: fake.mainToken, accountSid: fake.mainSid };
});
after(async () => { if (srv) await srv.cleanup(); if (fake) await fake.close(); });

const param = (id, name, value, type = 'String') => ({ id: `${id}-${name}`, type, source: 'Value', value });
const sayNode = (id, text, next, extra = {}) => ({
  id, name: 'Say', spec: { name: 'Say', typeName: 'SayNode', url: '/nodes/say' },
  parameters: { Text: param(id, 'Text', { stringValue: text }), Done: param(id, 'Done', { stringValue: next }, 'Transition'), ...(extra.params || {}) },
  ...(extra.start ? { isStartNode: true } : {}),
});
const hangupNode = (id) => ({ id, name: 'Hangup', spec: { name: 'Hangup', typeName: 'HangupNode', url: '/nodes/hangup' }, parameters: {} });
const newFlow = (name, nodes) => srv.ok('POST', '/flows', { as: srv.admin, body: { accountId: acct.id, name, nodes } });
// a virtual number: the carrier never calls it, but the webhook treats it like any of ours
// (signed with the token of its account's carrier account: here the sub-account's)
const virtualNumber = (extra = {}) => srv.ok('POST', '/endpoints/phone-numbers', { as: srv.admin, body: { customerId: cust.id, number: fresh(), isVirtualPhoneNumber: true, ...extra } });
const subCreds = () => ({ token: fake.accounts.get(acct.twilioAccountSid).auth_token, accountSid: acct.twilioAccountSid });
const verbs = (r) => r.verbs.map((v) => v.verb);

test('a number whose flow is Say then Hangup answers that TwiML', async () => {
  const f = await newFlow('greeting', [
    sayNode('n1', 'Welcome to Example Co.', 'n2', { start: true, params: { Voice: param('n1', 'Voice', { stringValue: 'alice' }), Loop: param('n1', 'Loop', { numberValue: 2 }, 'Number') } }),
    hangupNode('n2')]);
  const e = await virtualNumber({ flowId: f.id });
  const r = await sim.call({ to: e.phoneNumber, ...subCreds() });
  expectStatus(r, 200);
  assert.match(r.contentType, /^text\/xml/);
  assert.deepEqual(verbs(r), ['Say', 'Hangup']);
  assert.equal(r.verbs[0].text, 'Welcome to Example Co.');
  assert.deepEqual(r.verbs[0].attrs, { voice: 'alice', language: 'en-US', loop: '2' }, 'the node table default language');
  // the same under the staging base, and at / (a proxy that strips the base's path)
  const staged = new CallSim({ server: srv.base, base: STAGE });
  assert.deepEqual(verbs(await staged.call({ to: e.phoneNumber, ...subCreds() })), ['Say', 'Hangup']);
  const params = sim.callParams({ to: e.phoneNumber, ...subCreds() });
  const res = await fetch(srv.base + '/voice', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(subCreds().token, PROD + '/voice', params) }, body: new URLSearchParams(params).toString() });
  assert.equal(res.status, 200);
  assert.deepEqual(parseTwiml(await res.text()).map((v) => v.verb), ['Say', 'Hangup']);
  assert.match(srv.stderr, /running flow greeting/);
});

test('forged or missing signature: 403 with an empty Response; the main token does not sign a sub-account number', async () => {
  const f = await newFlow('guarded', [sayNode('n1', 'secret menu', '', { start: true })]);
  const e = await virtualNumber({ flowId: f.id });
  const forged = await sim.call({ to: e.phoneNumber, ...subCreds(), signature: twilioSignature('not-the-token', PROD + '/voice', {}) });
  expectStatus(forged, 403);
  assert.match(forged.contentType, /^text\/xml/);
  assert.deepEqual(forged.verbs, []);
  assert.ok(!forged.text.includes('secret menu'));
  const missing = await sim.call({ to: e.phoneNumber, ...subCreds(), signature: null });
  expectStatus(missing, 403);
  expectStatus(await sim.call({ to: e.phoneNumber, token: fake.mainToken, accountSid: acct.twilioAccountSid }), 403);
  // a parameter changed after signing
  const params = sim.callParams({ to: e.phoneNumber, ...subCreds() });
  const sig = twilioSignature(subCreds().token, PROD + '/voice', params);
  expectStatus(await sim.post('/voice', { ...params, From: '+19995550000' }, { signature: sig }), 403);
  expectStatus(await sim.post('/voice/status', { ...params, CallStatus: 'completed' }, { signature: null }), 403);
  expectStatus(await sim.post('/sms', { To: e.phoneNumber, Body: 'hi' }, { signature: 'AAAA' }), 403);
});

test('an unknown number: a polite Say, then Hangup (signed with the main token)', async () => {
  const r = await sim.call({ to: '+17735550999', ...main });
  expectStatus(r, 200);
  assert.deepEqual(verbs(r), ['Say', 'Hangup']);
  assert.match(r.verbs[0].text, /not in service/);
});

test('a number without a flow: a short message, then Hangup', async () => {
  const e = await virtualNumber();
  const r = await sim.call({ to: e.phoneNumber, ...subCreds() });
  expectStatus(r, 200);
  assert.deepEqual(verbs(r), ['Say', 'Hangup']);
  assert.match(r.verbs[0].text, /not configured/);
});

test('Scheduled: the flow of the schedule state now (Closed, then Open), else flowId', async () => {
  const open = await newFlow('open hours', [sayNode('o1', 'We are open', '', { start: true })]);
  const closed = await newFlow('closed hours', [sayNode('c1', 'We are closed', '', { start: true })]);
  const dflt = await newFlow('default', [sayNode('d1', 'Default flow', '', { start: true })]);
  const e = await virtualNumber({ flowId: dflt.id });
  const setSchedule = (schedule) => srv.ok('PATCH', `/endpoints/${e.id}`, { as: srv.admin, body: {
    flowSchedule: 'Scheduled', schedule, scheduledFlows: [{ stateName: 'Open', flowId: open.id }, { stateName: 'Closed', flowId: closed.id }] } });
  await setSchedule({ inherit: false, forceClosed: true, rules: [] });
  let r = await sim.call({ to: e.phoneNumber, ...subCreds() });
  assert.equal(r.verbs[0].text, 'We are closed');
  assert.deepEqual(verbs(r), ['Say', 'Hangup'], 'an unconnected Done ends the call');
  await setSchedule({ inherit: false, forceClosed: false, defaultState: 'Closed', rules: [{ priority: 1, state: 'Open', simpleRuleType: 'Always' }] });
  r = await sim.call({ to: e.phoneNumber, ...subCreds() });
  assert.equal(r.verbs[0].text, 'We are open');
  await setSchedule({ inherit: false, forceClosed: false, defaultState: 'Lunch', rules: [] });
  r = await sim.call({ to: e.phoneNumber, ...subCreds() });
  assert.equal(r.verbs[0].text, 'Default flow', 'no entry for the state: flowId');
});

test('XML escaping of a Say text; Play; a node of no known type ends the call with a notice; the loop guard', async () => {
  const text = 'Tom & Jerry <say> "hi" — ça va? ☎';
  const play = { id: 'p1', name: 'Play', spec: { name: 'Play', typeName: 'PlayNode', url: '/nodes/play' },
    parameters: { Url: param('p1', 'Url', { stringValue: 'https://media.test/a.mp3?x=1&y=2' }), Done: param('p1', 'Done', { stringValue: 'm1' }, 'Transition') } };
  const menu = { id: 'm1', name: 'Teleport', spec: { name: 'Teleport', typeName: 'TeleportNode', url: '/nodes/teleport' }, parameters: {} };
  const f = await newFlow('escapes', [sayNode('n1', text, 'p1', { start: true }), play, menu]);
  const e = await virtualNumber({ flowId: f.id });
  const r = await sim.call({ to: e.phoneNumber, ...subCreds() });
  expectStatus(r, 200);
  assert.ok(r.text.includes('Tom &amp; Jerry &lt;say&gt;'), r.text);
  assert.deepEqual(verbs(r), ['Say', 'Play', 'Say', 'Hangup']);
  assert.equal(r.verbs[0].text, text);
  assert.equal(r.verbs[1].text, 'https://media.test/a.mp3?x=1&y=2');
  assert.match(r.verbs[2].text, /something went wrong/);
  assert.match(srv.stderr, /no such node type \(\/nodes\/teleport\)/);

  const loop = await newFlow('loop', [sayNode('a', 'again', 'b', { start: true }), sayNode('b', 'and again', 'a')]);
  const e2 = await virtualNumber({ flowId: loop.id });
  const r2 = await sim.call({ to: e2.phoneNumber, ...subCreds() });
  expectStatus(r2, 200);
  assert.equal(verbs(r2).filter((v) => v === 'Say').length, 100);
  assert.equal(verbs(r2).at(-1), 'Hangup');
});

test('/voice/status and /sms: 200 with an empty Response; other methods 405', async () => {
  const e = await virtualNumber();
  const p = sim.callParams({ to: e.phoneNumber, ...subCreds(), status: 'completed' });
  const s = await sim.post('/voice/status', { ...p, CallDuration: '12' }, subCreds());
  expectStatus(s, 200);
  assert.deepEqual(s.verbs, []);
  const m = await sim.post('/sms', { MessageSid: 'SM' + '0'.repeat(32), AccountSid: acct.twilioAccountSid, From: '+13125550123', To: e.phoneNumber, Body: 'hello & bye' }, subCreds());
  expectStatus(m, 200);
  assert.deepEqual(m.verbs, []);
  assert.equal((await fetch(srv.base + '/evo/voice')).status, 405);
});

test('a real number bought on a sub-account at the carrier, signed with that sub-account\'s own token', async () => {
  const a = await srv.ok('POST', '/accounts', { as: srv.admin, body: { name: u('voice real ') } });
  const c = await srv.ok('POST', '/customers', { as: srv.admin, body: { accountId: a.id, name: u('voice real cust ') } });
  const f = await srv.ok('POST', '/flows', { as: srv.admin, body: { accountId: a.id, name: 'real', nodes: [sayNode('n1', 'Hello from a real number', 'n2', { start: true }), hangupNode('n2')] } });
  const n = fresh();
  const e = await srv.ok('POST', '/endpoints/phone-numbers', { as: srv.admin, body: { customerId: c.id, number: n, flowId: f.id } });
  const bought = fake.log.filter((l) => l.kind === 'buy' && l.form.PhoneNumber === n);
  assert.equal(bought.length, 1);
  assert.equal(bought[0].form.VoiceUrl, `${PROD}/voice`);
  assert.equal(bought[0].form.StatusCallback, `${PROD}/voice/status`, 'the status callback ends the call\'s session');
  assert.equal(bought[0].form.StatusCallbackMethod, 'POST');
  const atCarrier = [...fake.numbers.values()].find((x) => x.phone_number === n);
  assert.equal(atCarrier.account_sid, a.twilioAccountSid, 'bought on the sub-account');
  assert.equal(atCarrier.voice_url, PROD + '/voice');
  const subToken = fake.accounts.get(a.twilioAccountSid).auth_token;
  const caller = new CallSim({ server: srv.base, base: atCarrier.voice_url.replace(/\/voice$/, '') });
  const r = await caller.call({ to: e.phoneNumber, token: subToken, accountSid: a.twilioAccountSid });
  expectStatus(r, 200);
  assert.deepEqual(verbs(r), ['Say', 'Hangup']);
  assert.equal(r.verbs[0].text, 'Hello from a real number');
  expectStatus(await caller.call({ to: e.phoneNumber, token: fake.mainToken, accountSid: a.twilioAccountSid }), 403);
  expectStatus(await caller.call({ to: e.phoneNumber, token: subTokenOf(acct), accountSid: a.twilioAccountSid }), 403);
  assert.ok(!srv.stderr.includes(subToken), 'the token is never logged');
});
const subTokenOf = (x) => fake.accounts.get(x.twilioAccountSid).auth_token;

test('every call to one of our numbers leaves a session: its log while it runs, ended by the status callback', async () => {
  const f = await newFlow('session flow', [sayNode('s1', 'Hello', 's2', { start: true }), hangupNode('s2')]);
  const e = await virtualNumber({ flowId: f.id });
  const sessionsOf = async () => (await srv.ok('GET', '/sessions', { as: srv.admin, query: { endpointIds: e.id, all: true } })).items;
  // refused calls leave none
  expectStatus(await sim.call({ to: e.phoneNumber, ...subCreds(), signature: 'forged' }), 403);
  assert.deepEqual(await sessionsOf(), []);
  const params = sim.callParams({ to: e.phoneNumber, ...subCreds(), from: '+13125550999', callerName: 'Ann Caller' });
  const r = await sim.post('/voice', params, subCreds());
  assert.deepEqual(verbs(r), ['Say', 'Hangup']);
  let [s] = await sessionsOf();
  assert.ok(s, 'a session');
  assert.equal(s.callSid, params.CallSid);
  assert.equal(s.fromAddress, '+13125550999');
  assert.equal(s.fromName, 'Ann Caller');
  assert.equal(s.toAddress, e.phoneNumber);
  assert.equal(s.customerId, cust.id);
  assert.equal(s.channel, 'Voice');
  assert.equal(s.callState, 'Connected');
  assert.ok(!s.ended);
  const lines = s.log.map((l) => l.message);
  assert.ok(lines.includes(`incoming call from +13125550999 to ${e.phoneNumber}`), JSON.stringify(lines));
  assert.ok(lines.includes(`running flow session flow (${f.id})`), JSON.stringify(lines));
  assert.ok(lines.includes('node s1 (SayNode)') && lines.includes('node s2 (HangupNode)'), JSON.stringify(lines));
  // a status that is not final changes nothing; the final one ends it
  expectStatus(await sim.post('/voice/status', { ...params, CallStatus: 'in-progress' }, subCreds()), 200);
  assert.ok(!(await sessionsOf())[0].ended);
  expectStatus(await sim.post('/voice/status', { ...params, CallStatus: 'completed', CallDuration: '7' }, subCreds()), 200);
  [s] = await sessionsOf();
  assert.equal(s.ended, true);
  assert.equal(s.callState, 'Disconnected');
  assert.equal(s.outcome, 'Completed');
  assert.ok(s.dateCompleted);
  assert.ok(s.log.some((l) => l.message === 'call ended: completed (7 s)'), JSON.stringify(s.log));
  // a forged status callback cannot end or touch a session
  expectStatus(await sim.post('/voice/status', { ...params, CallStatus: 'failed' }, { signature: 'forged' }), 403);
  assert.equal((await sessionsOf())[0].outcome, 'Completed');
});

// A waiting node's verb carries an action under the base the call came in on; the step
// route picks up there (the full simulator and whole-call tests are in calls.test.mjs).
const node = (id, type, url, params, start = false) => ({ id, name: type, spec: { name: type, typeName: `${type}Node`, url }, parameters: params, ...(start ? { isStartNode: true } : {}) });
const tr = (id, name, to) => param(id, name, { stringValue: to }, 'Transition');
const stepOf = async (caller, url, params, creds) => {
  const u = new URL(url);
  assert.equal(u.origin + u.pathname.replace(/\/voice\/(step|recording)$/, ''), caller.base, `${url} is under the call's base`);
  return caller.post(u.pathname.slice(new URL(caller.base).pathname.length) + u.search, params, creds);
};

test('Menu, Dial and Voicemail wait for the carrier; /voice/step goes on; the recording becomes a file; the status ends the session', async () => {
  const f = await newFlow('steps', [
    node('m', 'Menu', '/nodes/menu', { Prompt: param('m', 'Prompt', { stringValue: 'Press 1 for sales' }), 1: tr('m', '1', 'd'), NoInput: tr('m', 'NoInput', 'bye') }, true),
    node('d', 'Dial', '/nodes/dial', { Destination: param('d', 'Destination', { stringValue: '+13125550177' }, 'Endpoint'), TimeoutInSeconds: param('d', 'TimeoutInSeconds', { numberValue: 12 }, 'Number'), NoAnswer: tr('d', 'NoAnswer', 'v') }),
    node('v', 'Voicemail', '/nodes/voicemail', { GreetingText: param('v', 'GreetingText', { stringValue: 'Leave a message' }), MaxLength: param('v', 'MaxLength', { numberValue: 30 }, 'Number') }),
    sayNode('bye', 'Goodbye', ''),
  ]);
  const e = await virtualNumber({ flowId: f.id });
  const staged = new CallSim({ server: srv.base, base: STAGE });
  const call = staged.callParams({ to: e.phoneNumber, ...subCreds() });
  const r = await staged.post('/voice', call, subCreds());
  expectStatus(r, 200);
  assert.deepEqual(verbs(r), ['Gather', 'Redirect']);
  const g = r.verbs[0];
  assert.equal(g.attrs.input, 'dtmf');
  assert.equal(g.attrs.numDigits, '1');
  assert.equal(g.children[0].verb, 'Say');
  assert.equal(g.children[0].text, 'Press 1 for sales');
  const sessionId = new URL(g.attrs.action).searchParams.get('sessionId');
  assert.match(g.attrs.action, /^https:\/\/staging\.hooks\.test\/evo\/voice\/step\?sessionId=[0-9a-f]{24}&nodeId=m&event=gather$/);
  assert.match(r.verbs[1].text, /&event=timeout$/);

  // no input, then the wrong key: the menu repeats (Retries 2), then NoInput
  const again = await stepOf(staged, r.verbs[1].text, { ...call, CallStatus: 'in-progress' }, subCreds());
  assert.deepEqual(verbs(again), ['Gather', 'Redirect']);
  const d = await stepOf(staged, again.verbs[0].attrs.action, { ...call, CallStatus: 'in-progress', Digits: '1' }, subCreds());
  assert.deepEqual(verbs(d), ['Dial']);
  assert.equal(d.verbs[0].attrs.timeout, '12');
  assert.equal(d.verbs[0].attrs.method, 'POST');
  assert.deepEqual(d.verbs[0].children.map((c) => [c.verb, c.text]), [['Number', '+13125550177']]);
  const v = await stepOf(staged, d.verbs[0].attrs.action, { ...call, CallStatus: 'in-progress', DialCallStatus: 'no-answer', DialCallSid: 'CA' + '1'.repeat(32), DialCallDuration: '0' }, subCreds());
  assert.deepEqual(verbs(v), ['Say', 'Record']);
  assert.equal(v.verbs[0].text, 'Leave a message');
  const rec = v.verbs[1].attrs;
  assert.equal(rec.maxLength, '30');
  assert.equal(rec.playBeep, 'true');
  assert.match(rec.recordingStatusCallback, /\/voice\/recording\?sessionId=[0-9a-f]{24}&nodeId=v$/);
  const recUrl = `https://api.twilio.com/2010-04-01/Accounts/${acct.twilioAccountSid}/Recordings/RE${'2'.repeat(32)}`;
  const done = await stepOf(staged, rec.action, { ...call, CallStatus: 'in-progress', RecordingUrl: recUrl, RecordingDuration: '7', RecordingSid: 'RE' + '2'.repeat(32), Digits: 'hangup' }, subCreds());
  assert.deepEqual(verbs(done), ['Hangup'], 'an unconnected Done ends the call');
  const cb = await stepOf(staged, rec.recordingStatusCallback, { AccountSid: acct.twilioAccountSid, CallSid: call.CallSid, RecordingSid: 'RE' + '2'.repeat(32), RecordingUrl: recUrl, RecordingStatus: 'completed', RecordingDuration: '7', RecordingChannels: '1', RecordingSource: 'RecordVerb' }, subCreds());
  expectStatus(cb, 200);
  assert.deepEqual(cb.verbs, []);
  const end = await staged.post('/voice/status', { ...call, CallStatus: 'completed', CallDuration: '41' }, subCreds());
  expectStatus(end, 200);

  const s = (await srv.ok('GET', `/sessions?specificIds=${sessionId}`, { as: srv.admin })).items[0];
  assert.equal(s.ended, true);
  assert.equal(s.outcome, 'Voicemail');
  assert.equal(s.wasMissed, true);
  assert.equal(s.callState, 'Disconnected');
  assert.equal(s.runtime, undefined, 'the runtime state is never shown');
  const log = s.log.map((l) => l.message);
  for (const want of [/^incoming call from \+13125550123/, /^running flow steps/, /^node m \(MenuNode\)/, /^no input$/, /^menu again \(2 of 2\)/,
    /^digits 1$/, /^transition 1 to d$/, /^dialling \+13125550177$/, /^dial no-answer$/, /^transition NoAnswer to v$/, /^recording a message$/,
    /^message recorded \(7 s\)$/, /^transition Done is not connected/, /^voicemail RE2+ \(7 s\) filed as [0-9a-f]{24}$/, /^call ended: completed \(41 s\)$/])
    assert.ok(log.some((l) => want.test(l)), `${want} in ${JSON.stringify(log, null, 1)}`);
  const files = await srv.ok('GET', `/files?sessionId=${sessionId}`, { as: srv.admin });
  assert.equal(files.items.length, 1);
  assert.equal(files.items[0].type, 'VoiceMessage');
  assert.equal(files.items[0].uri, recUrl);
  assert.equal(files.items[0].recordingDuration, 7);
  assert.equal(files.items[0].customerId, cust.id);

  // a late or replayed step of the ended call only hangs up; a step signed for another call is refused
  assert.deepEqual(verbs(await stepOf(staged, d.verbs[0].attrs.action, { ...call, DialCallStatus: 'completed' }, subCreds())), ['Hangup']);
  expectStatus(await stepOf(staged, d.verbs[0].attrs.action, { ...call, DialCallStatus: 'completed' }, { token: 'wrong' }), 403);
});
