// calls.test.mjs — whole calls through real flows (issue 10, acceptance 1-3): the call
// simulator (call-sim.mjs) plays Twilio's side of each call, checks every answer against
// Twilio's TwiML rules, and each test asserts the TwiML at every step and the session (and
// files) the call leaves: business hours through a menu, a dial and a voicemail; after
// hours; a menu's retries; an answered dial; a sub-flow and its exit; a staging number; a
// forged signature, an unknown number and a flow deleted mid-call; 200 concurrent calls
// (over two servers on one PostgreSQL database when EVOVOICED_TEST_PG is set); and the
// session routes a client reads afterwards (FLOWS.md 4.2).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, startServer, u, expectStatus, waitFor, PG, PASSWORD } from './harness.mjs';
import { startFakeTwilio } from './fake-twilio.mjs';
import { CallSim, twilioSignature } from './call-sim.mjs';

const PROD = 'https://prod.hooks.test/evo';
const STAGE = 'https://staging.hooks.test/evo';
const DEAD = 'http://127.0.0.1:9'; // nothing listens here: a request that goes to it fails

let fake, srv, sim, acct, cust, creds;
let seq = 0;
const fresh = () => { seq++; return `+1872${String(5550000 + seq + (process.pid % 1000) * 50).slice(-7)}`; };
const carrierArgs = () => ['--twilio-account-sid', fake.mainSid, '--twilio-auth-token', fake.mainToken, '--twilio-base-url', fake.url,
  '--webhook-url', PROD, '--staging-webhook-url', STAGE, '--routing-retry-ms', '100'];

before(async () => {
  fake = await startFakeTwilio();
  srv = await startServer({ args: carrierArgs() });
  sim = new CallSim({ servers: { [PROD]: srv.base, [STAGE]: DEAD }, base: PROD });
  acct = await srv.ok('POST', '/accounts', { as: srv.admin, body: { name: u('calls acct ') } });
  cust = await srv.ok('POST', '/customers', { as: srv.admin, body: { accountId: acct.id, name: u('calls cust ') } });
  creds = { token: fake.accounts.get(acct.twilioAccountSid).auth_token, accountSid: acct.twilioAccountSid };
});
after(async () => { if (srv) await srv.cleanup(); if (fake) await fake.close(); });

// ---- flows ----
const p = (node, name, value, type = 'String') => ({ [name]: { id: `${node}-${name}`, type, source: 'Value', value } });
const str = (node, name, s, type) => p(node, name, { stringValue: s }, type);
const num = (node, name, n) => p(node, name, { numberValue: n }, 'Number');
const go = (node, name, target) => str(node, name, target, 'Transition');
const node = (id, name, typeName, url, parameters, start) => ({ id, name, spec: { name, typeName, url }, parameters, ...(start ? { isStartNode: true } : {}) });
const say = (id, text, next = '', start) => node(id, 'Say', 'SayNode', '/nodes/say', { ...str(id, 'Text', text), ...go(id, 'Done', next) }, start);
const hangup = (id) => node(id, 'Hangup', 'HangupNode', '/nodes/hangup', {});
const menu = (id, prompt, choices, { noInput = '', noMatch = '', start, retries } = {}) => node(id, 'Menu', 'MenuNode', '/nodes/menu', {
  ...str(id, 'Prompt', prompt), ...(retries ? num(id, 'Retries', retries) : {}),
  ...Object.assign({}, ...Object.entries(choices).map(([d, t]) => go(id, d, t))), ...go(id, 'NoInput', noInput), ...go(id, 'NoMatch', noMatch),
}, start);
const dial = (id, destination, noAnswer, { type = 'String', timeout, record, start } = {}) => node(id, 'Dial', 'DialNode', '/nodes/dial', {
  ...str(id, 'Destination', destination, type), ...(timeout ? num(id, 'TimeoutInSeconds', timeout) : {}),
  ...(record ? p(id, 'Record', { boolValue: true }, 'Boolean') : {}), ...go(id, 'NoAnswer', noAnswer),
}, start);
const voicemail = (id, greeting, done, { maxLength, start } = {}) => node(id, 'Voicemail', 'VoicemailNode', '/nodes/voicemail', {
  ...str(id, 'GreetingText', greeting), ...(maxLength ? num(id, 'MaxLength', maxLength) : {}), ...go(id, 'Done', done),
}, start);
const newFlow = (name, nodes, extra = {}) => srv.ok('POST', '/flows', { as: srv.admin, body: { accountId: acct.id, name: u(name + ' '), nodes, ...extra } });
const virtualNumber = (extra = {}) => srv.ok('POST', '/endpoints/phone-numbers', { as: srv.admin, body: { customerId: cust.id, number: fresh(), isVirtualPhoneNumber: true, ...extra } });

// ---- what the carrier was told ----
const verbs = (step) => step.verbs.map((v) => v.verb);
/** The parts of an engine URL: {base, route, sessionId, nodeId, event}. */
function engineUrl(url, base = PROD) {
  assert.ok(url.startsWith(base + '/'), `${url} is not under ${base}`);
  const x = new URL(url);
  const q = Object.fromEntries(x.searchParams);
  return { route: x.origin + x.pathname, ...q };
}
const assertStep = (url, { base = PROD, sessionId, nodeId, event }) => {
  const x = engineUrl(url, base);
  assert.deepEqual(x, { route: `${base}/voice/step`, sessionId, nodeId, event }, url);
};
const assertRecordingUrl = (url, { base = PROD, sessionId, nodeId }) => {
  const x = engineUrl(url, base);
  assert.deepEqual(x, { route: `${base}/voice/recording`, sessionId, nodeId }, url);
};
/** The Gather and Redirect of a Menu node; the session id its action carries. */
function assertMenu(step, { nodeId, prompt, sessionId, base = PROD, numDigits = '1', timeout = '5' }) {
  assert.deepEqual(verbs(step), ['Gather', 'Redirect'], step.text);
  const [g, r] = step.verbs;
  const sid = sessionId || engineUrl(g.attrs.action, base).sessionId;
  assert.match(sid, /^[0-9a-f]{24}$/);
  assert.deepEqual({ ...g.attrs, action: undefined }, { input: 'dtmf', numDigits, timeout, action: undefined, method: 'POST' }, step.text);
  assertStep(g.attrs.action, { base, sessionId: sid, nodeId, event: 'gather' });
  assert.deepEqual(g.children.map((c) => [c.verb, c.text]), [['Say', prompt]]);
  assert.equal(r.attrs.method, 'POST');
  assertStep(r.text.trim(), { base, sessionId: sid, nodeId, event: 'timeout' });
  return sid;
}
const assertHangupOnly = (step) => assert.deepEqual(verbs(step), ['Hangup'], step.text);
const assertSaid = (step, ...texts) => {
  assert.deepEqual(verbs(step), [...texts.map(() => 'Say'), 'Hangup'], step.text);
  texts.forEach((t, k) => (t instanceof RegExp ? assert.match(step.verbs[k].text, t) : assert.equal(step.verbs[k].text, t)));
};
/** Every request of a call answered 200 (the status callback included) and it ended as expected. */
function assertClean(call, endedBy = 'hangup') {
  assert.equal(call.error, null, call.error && call.error.message);
  for (const s of call.steps) assert.equal(s.status, 200, `${s.url} -> ${s.status} ${s.text}`);
  assert.equal(call.endedBy, endedBy);
  assert.equal(call.steps.at(-1).kind, 'status');
  assert.deepEqual(call.steps.at(-1).verbs, [], 'the status callback answers an empty Response');
}

// ---- what the call left ----
const listSessions = (query) => srv.ok('GET', '/sessions', { as: srv.admin, query: { all: true, ...query } });
async function sessionOf(call, endpoint) {
  const items = (await listSessions({ endpointIds: endpoint.id })).items.filter((s) => s.callSid === call.callSid);
  assert.equal(items.length, 1, `one session for ${call.callSid}`);
  return items[0];
}
const lines = (s) => (s.log || []).map((l) => l.message);
const assertLog = (s, ...res) => {
  const ls = lines(s);
  let at = 0;
  for (const re of res) {
    const k = ls.findIndex((l, i) => i >= at && re.test(l));
    assert.ok(k >= 0, `no log line ${re} after line ${at} in ${JSON.stringify(ls, null, 1)}`);
    at = k + 1;
  }
};
function assertEnded(s, { outcome, wasMissed = true, seconds }) {
  assert.equal(s.ended, true, JSON.stringify(s));
  assert.equal(s.outcome, outcome);
  assert.equal(!!s.wasMissed, wasMissed, `wasMissed in ${JSON.stringify(s)}`);
  assert.equal(s.callState, 'Disconnected');
  assert.equal(s.dialState || 'None', 'None');
  assert.ok(s.dateCompleted, 'dateCompleted');
  assert.equal(s.channel, 'Voice');
  assert.equal(s.direction, 'Incoming');
  if (seconds !== undefined) assertLog(s, new RegExp(`^call ended: completed \\(${seconds} s\\)$`));
  else assertLog(s, /^call ended: completed \(\d+ s\)$/);
}

// ---- the calls ----

let hours; // the business-hours call, reused by the session-route test
test('business hours: the open flow\'s menu, 1 dials a number, no answer, a voicemail becomes a file', async () => {
  const open = await newFlow('open hours', [
    menu('m1', 'Press 1 for sales', { 1: 'd1' }, { start: true }),
    dial('d1', '+13125550142', 'v1', { timeout: 20 }),
    voicemail('v1', 'Please leave a message after the beep', 'h1', { maxLength: 60 }),
    hangup('h1')]);
  const closed = await newFlow('closed hours', [say('c1', 'We are closed', '', true)]);
  const e = await virtualNumber({ flowId: closed.id });
  await srv.ok('PATCH', `/endpoints/${e.id}`, { as: srv.admin, body: {
    flowSchedule: 'Scheduled', schedule: { inherit: false, forceClosed: false, defaultState: 'Closed', rules: [{ priority: 1, state: 'Open', simpleRuleType: 'Always' }] },
    scheduledFlows: [{ stateName: 'Open', flowId: open.id }, { stateName: 'Closed', flowId: closed.id }] } });
  let running; // the session while the menu waits
  const onAnswer = async (step, c) => { if (c.steps.length === 1) running = (await listSessions({ endpointIds: e.id })).items.find((x) => x.callSid === c.callSid); };
  const call = await sim.call({ to: e.phoneNumber, from: '+13125550177', callerName: 'Bea Caller', ...creds, script: { gather: ['1'], record: [{ duration: 14 }], onAnswer } });
  assert.ok(running, 'a session from the first request on');
  assert.equal(running.callState, 'Connected');
  assert.ok(!running.ended);
  assertClean(call);
  assert.deepEqual(call.steps.map((s) => s.kind), ['voice', 'action', 'action', 'action', 'recording', 'status']);
  assert.deepEqual(call.events, ['gather 1', 'dial no-answer', 'record 14 s']);
  const [first, afterGather, afterDial, afterRecord, recording] = call.steps;
  const S = assertMenu(first, { nodeId: 'm1', prompt: 'Press 1 for sales' });
  assert.deepEqual(verbs(afterGather), ['Dial'], afterGather.text);
  const d = afterGather.verbs[0];
  assert.deepEqual({ ...d.attrs, action: undefined }, { timeout: '20', action: undefined, method: 'POST' }, afterGather.text);
  assertStep(d.attrs.action, { sessionId: S, nodeId: 'd1', event: 'dial' });
  assert.deepEqual(d.children.map((c) => [c.verb, c.text]), [['Number', '+13125550142']]);
  assert.deepEqual(verbs(afterDial), ['Say', 'Record'], afterDial.text);
  assert.equal(afterDial.verbs[0].text, 'Please leave a message after the beep');
  const r = afterDial.verbs[1].attrs;
  assert.deepEqual({ ...r, action: undefined, recordingStatusCallback: undefined },
    { maxLength: '60', playBeep: 'true', action: undefined, method: 'POST', recordingStatusCallback: undefined }, afterDial.text);
  assertStep(r.action, { sessionId: S, nodeId: 'v1', event: 'record' });
  assertRecordingUrl(r.recordingStatusCallback, { sessionId: S, nodeId: 'v1' });
  assertHangupOnly(afterRecord);
  assert.deepEqual(recording.verbs, [], 'the recording callback answers an empty Response');

  const s = await sessionOf(call, e);
  assert.equal(s.id, S);
  assertEnded(s, { outcome: 'Voicemail', wasMissed: true, seconds: call.seconds });
  assert.equal(s.fromAddress, '+13125550177');
  assert.equal(s.fromName, 'Bea Caller');
  assert.equal(s.toAddress, e.phoneNumber);
  assert.equal(s.endpointId, e.id);
  assert.equal(s.customerId, cust.id);
  assert.equal(s.accountId, acct.id);
  const rec = call.recordings[0];
  assertLog(s, /^incoming call from \+13125550177 to /, new RegExp(`^running flow .*open hours.* \\(${open.id}\\)$`), /^node m1 \(MenuNode\)$/, /digits 1/,
    /^transition 1 to d1$/, /^node d1 \(DialNode\)$/, /^dial no-answer$/, /^transition NoAnswer to v1$/, /^node v1 \(VoicemailNode\)$/,
    new RegExp(`^voicemail ${rec.sid} \\(14 s\\)`), /^call ended: completed/);

  const files = await srv.ok('GET', '/files', { as: srv.admin, query: { sessionId: S } });
  assert.equal(files.items.length, 1, JSON.stringify(files));
  const f = await srv.ok('GET', `/files/${files.items[0].id}`, { as: srv.admin });
  for (const x of [files.items[0], f]) {
    assert.equal(x.type, 'VoiceMessage');
    assert.equal(x.uri, rec.url);
    assert.equal(x.recordingSid, rec.sid);
    assert.equal(x.recordingDuration, 14);
    assert.equal(x.customerId, cust.id);
    assert.equal(x.accountId, acct.id);
    assert.equal(x.fromAddress, '+13125550177');
    assert.equal(x.toAddress, e.phoneNumber);
  }
  hours = { call, session: s, endpoint: e };
});

test('after hours: the schedule says Closed, the closed flow\'s message, then a hang-up', async () => {
  const open = await newFlow('open', [say('o1', 'We are open', '', true)]);
  const closed = await newFlow('closed', [say('c1', 'Sorry, we are closed. Call again tomorrow.', 'c2', true), hangup('c2')]);
  const e = await virtualNumber({ flowId: open.id });
  await srv.ok('PATCH', `/endpoints/${e.id}`, { as: srv.admin, body: {
    flowSchedule: 'Scheduled', schedule: { inherit: false, forceClosed: true, rules: [{ priority: 1, state: 'Open', simpleRuleType: 'Always' }] },
    scheduledFlows: [{ stateName: 'Open', flowId: open.id }, { stateName: 'Closed', flowId: closed.id }] } });
  const call = await sim.call({ to: e.phoneNumber, ...creds });
  assertClean(call);
  assert.deepEqual(call.steps.map((s) => s.kind), ['voice', 'status']);
  assertSaid(call.steps[0], 'Sorry, we are closed. Call again tomorrow.');
  const s = await sessionOf(call, e);
  assertEnded(s, { outcome: 'Completed' });
  assertLog(s, /^incoming call from/, new RegExp(`^running flow .*closed.* \\(${closed.id}\\)$`), /^node c1 \(SayNode\)$/, /^transition Done to c2$/, /^node c2 \(HangupNode\)$/);
  assert.ok(!lines(s).some((l) => l.includes(open.id)), 'the open flow never ran');

  // a rule that gives Closed (no force): the same
  await srv.ok('PATCH', `/endpoints/${e.id}`, { as: srv.admin, body: { schedule: { inherit: false, forceClosed: false, defaultState: 'Open', rules: [{ priority: 1, state: 'Closed', simpleRuleType: 'Always' }] } } });
  const again = await sim.call({ to: e.phoneNumber, ...creds });
  assertClean(again);
  assertSaid(again.steps[0], 'Sorry, we are closed. Call again tomorrow.');
});

test('a Channel Selector and a Schedule node branch on the channel and the customer\'s schedule state now', async () => {
  const c = await srv.ok('POST', '/customers', { as: srv.admin, body: { accountId: acct.id, name: u('calls sched cust ') } });
  const f = await newFlow('branches', [
    node('cs', 'Channel Selector', 'ChannelSelectorNode', '/nodes/channel-selector', { ...go('cs', 'Voice', 'sc'), ...go('cs', 'Chat', 'chat'), ...go('cs', 'Fax', 'chat') }, true),
    node('sc', 'Schedule', 'ScheduleNode', '/nodes/schedule', { ...go('sc', 'Open', 'open'), ...go('sc', 'Closed', 'closed'), ...go('sc', 'Default', 'other') }),
    say('open', 'Open branch'), say('closed', 'Closed branch'), say('other', 'Default branch'), say('chat', 'Not a call')]);
  const e = await srv.ok('POST', '/endpoints/phone-numbers', { as: srv.admin, body: { customerId: c.id, number: fresh(), isVirtualPhoneNumber: true, flowId: f.id } });
  const schedule = (sch) => srv.ok('PATCH', `/customers/${c.id}`, { as: srv.admin, body: { schedule: { inherit: false, rules: [], ...sch } } });
  for (const [sch, heard, state] of [
    [{ forceClosed: true }, 'Closed branch', 'Closed'],
    [{ forceClosed: false, defaultState: 'Closed', rules: [{ priority: 1, state: 'Open', simpleRuleType: 'Always' }] }, 'Open branch', 'Open'],
    [{ forceClosed: false, defaultState: 'Lunch' }, 'Default branch', 'Default'],
  ]) {
    await schedule(sch);
    const call = await sim.call({ to: e.phoneNumber, ...creds });
    assertClean(call);
    assertSaid(call.steps[0], heard);
    assertLog(await sessionOf(call, e), /^node cs \(ChannelSelectorNode\)$/, /^transition Voice to sc$/, /^node sc \(ScheduleNode\)$/, new RegExp(`^transition ${state} to `));
  }
});

test('a menu: no input twice gives NoInput; two wrong digits give NoMatch; the prompt repeats in between', async () => {
  const f = await newFlow('retries', [
    menu('m1', 'Press 1 or 2', { 1: 's1', 2: 's1' }, { start: true, noInput: 'ni', noMatch: 'nm' }),
    say('s1', 'Thank you'), say('ni', 'We did not hear you'), say('nm', 'That is not an option')]);
  const e = await virtualNumber({ flowId: f.id });

  const silent = await sim.call({ to: e.phoneNumber, ...creds, script: { gather: [null, null] } });
  assertClean(silent);
  assert.deepEqual(silent.steps.map((s) => s.kind), ['voice', 'redirect', 'redirect', 'status']);
  assert.deepEqual(silent.events, ['gather timeout', 'redirect', 'gather timeout', 'redirect']);
  const S = assertMenu(silent.steps[0], { nodeId: 'm1', prompt: 'Press 1 or 2' });
  assertMenu(silent.steps[1], { nodeId: 'm1', prompt: 'Press 1 or 2', sessionId: S });
  assertSaid(silent.steps[2], 'We did not hear you');
  let s = await sessionOf(silent, e);
  assertEnded(s, { outcome: 'Completed' });
  assertLog(s, /^node m1 \(MenuNode\)$/, /^transition NoInput to ni$/, /^node ni \(SayNode\)$/);

  const wrong = await sim.call({ to: e.phoneNumber, ...creds, script: { gather: ['7', '9'] } });
  assertClean(wrong);
  assert.deepEqual(wrong.steps.map((s) => s.kind), ['voice', 'action', 'action', 'status']);
  const W = assertMenu(wrong.steps[0], { nodeId: 'm1', prompt: 'Press 1 or 2' });
  assertMenu(wrong.steps[1], { nodeId: 'm1', prompt: 'Press 1 or 2', sessionId: W });
  assertSaid(wrong.steps[2], 'That is not an option');
  s = await sessionOf(wrong, e);
  assertEnded(s, { outcome: 'Completed' });
  assertLog(s, /digits 7/, /digits 9/, /^transition NoMatch to nm$/);

  // a wrong digit, then the right one
  const second = await sim.call({ to: e.phoneNumber, ...creds, script: { gather: ['5', '2'] } });
  assertClean(second);
  assertSaid(second.steps[2], 'Thank you');
  assertLog(await sessionOf(second, e), /digits 5/, /digits 2/, /^transition 2 to s1$/);

  // the caller hangs up while the menu waits: Abandoned
  const gone = await sim.call({ to: e.phoneNumber, ...creds, script: { hangupAt: 1 } });
  assertClean(gone, 'caller');
  assertEnded(await sessionOf(gone, e), { outcome: 'Abandoned' });
});

test('a dial that is answered (to a phone-number endpoint, recorded): Answered, not missed, a call recording', async () => {
  const target = await virtualNumber();
  const f = await newFlow('answered', [dial('d1', target.id, 'v1', { type: 'Endpoint', record: true, start: true }), voicemail('v1', 'Leave a message', '')]);
  const e = await virtualNumber({ flowId: f.id });
  const call = await sim.call({ to: e.phoneNumber, ...creds, script: { dial: [{ status: 'completed', duration: 42 }] } });
  assertClean(call);
  assert.deepEqual(call.steps.map((s) => s.kind), ['voice', 'action', 'recording', 'status']);
  assert.deepEqual(verbs(call.steps[0]), ['Dial'], call.steps[0].text);
  const d = call.steps[0].verbs[0];
  const S = engineUrl(d.attrs.action).sessionId;
  assert.deepEqual({ ...d.attrs, action: undefined, recordingStatusCallback: undefined },
    { timeout: '30', action: undefined, method: 'POST', record: 'record-from-answer', recordingStatusCallback: undefined }, call.steps[0].text);
  assertStep(d.attrs.action, { sessionId: S, nodeId: 'd1', event: 'dial' });
  assertRecordingUrl(d.attrs.recordingStatusCallback, { sessionId: S, nodeId: 'd1' });
  assert.deepEqual(d.children.map((c) => [c.verb, c.text]), [['Number', target.phoneNumber]], 'a PhoneNumber endpoint dials its number');
  assertHangupOnly(call.steps[1]);
  assert.deepEqual(call.steps[2].verbs, [], 'the recording callback answers an empty Response');
  const s = await sessionOf(call, e);
  assertEnded(s, { outcome: 'Answered', wasMissed: false });
  assert.ok(s.answeredByName, `answeredByName in ${JSON.stringify(s)}`);
  assertLog(s, /^node d1 \(DialNode\)$/, /^dial completed$/);
  assert.ok(!lines(s).some((l) => /VoicemailNode/.test(l)), 'an answered dial does not go on to the voicemail');
  const files = await srv.ok('GET', '/files', { as: srv.admin, query: { sessionId: S } });
  assert.deepEqual(files.items.map((x) => [x.type, x.recordingSid, x.uri]), [['CallRecording', call.recordings[0].sid, call.recordings[0].url]]);

  // busy: NoAnswer, then the voicemail
  const busy = await sim.call({ to: e.phoneNumber, ...creds, script: { dial: [{ status: 'busy' }], record: [{ duration: 3 }] } });
  assertClean(busy);
  assert.deepEqual(verbs(busy.steps[1]), ['Say', 'Record']);
  assertEnded(await sessionOf(busy, e), { outcome: 'Voicemail' });
});

test('a dial to a Team endpoint rings its members in turn: each a Client (a SoftPhone user), then NoAnswer', async () => {
  const member = (first) => srv.ok('POST', '/endpoints/users', { as: srv.admin, body: { customerId: cust.id, emailAddress: `${u('team')}@tests.evovoiced`, firstName: first, lastName: 'Agent', password: PASSWORD } });
  const ann = await member('Ann'), bob = await member('Bob');
  const team = await srv.ok('POST', '/endpoints/team', { as: srv.admin, body: { accountId: acct.id, customerId: cust.id, name: u('Sales team '), teamMemberIds: [ann.id, bob.id] } });
  const f = await newFlow('team', [dial('d1', team.id, 'v1', { type: 'Team', start: true }), voicemail('v1', 'Nobody is free', '')]);
  const e = await virtualNumber({ flowId: f.id });

  // nobody answers: Ann, then Bob, then the voicemail
  const call = await sim.call({ to: e.phoneNumber, ...creds, script: { dial: [{ status: 'no-answer' }, { status: 'busy' }], record: [{ duration: 4 }] } });
  assertClean(call);
  assert.deepEqual(call.steps.map((s) => verbs(s).join('+')).slice(0, 3), ['Dial', 'Dial', 'Say+Record']);
  assert.deepEqual(call.steps[0].verbs[0].children.map((c) => [c.verb, c.text]), [['Client', ann.id]]);
  assert.deepEqual(call.steps[1].verbs[0].children.map((c) => [c.verb, c.text]), [['Client', bob.id]]);
  const s = await sessionOf(call, e);
  assertEnded(s, { outcome: 'Voicemail' });
  assertLog(s, /^dialling Ann/, /^dial no-answer$/, /^dialling Bob/, /^dial busy$/, /^transition NoAnswer to v1$/);

  // Bob answers: the call is his
  const answered = await sim.call({ to: e.phoneNumber, ...creds, script: { dial: [{ status: 'no-answer' }, { status: 'completed', duration: 30 }] } });
  assertClean(answered);
  const s2 = await sessionOf(answered, e);
  assertEnded(s2, { outcome: 'Answered', wasMissed: false });
  assert.match(s2.answeredByName, /Bob/);
});

test('a sub-flow: its menu waits, its exit comes back into the caller\'s transition of that name; an unconnected exit ends the call', async () => {
  const sub = await newFlow('sub', [menu('sm', 'Press 1 to go back, 2 to leave', { 1: 'back', 2: 'away' }, { start: true }), say('sx', 'unused', 'back')],
    { exits: [{ id: 'x1', name: 'back' }, { id: 'x2', name: 'away' }] });
  const caller = await newFlow('caller', [
    say('c0', 'Welcome', 'c1', true),
    node('c1', 'Sub-flow', 'SubFlowNode', `/flows/start?flowId=${sub.id}`, { ...go('c1', 'back', 'c2'), ...go('c1', 'away', '') }),
    say('c2', 'Back in the caller')]);
  const e = await virtualNumber({ flowId: caller.id });
  const call = await sim.call({ to: e.phoneNumber, ...creds, script: { gather: ['1'] } });
  assertClean(call);
  assert.deepEqual(verbs(call.steps[0]), ['Say', 'Gather', 'Redirect'], call.steps[0].text);
  assert.equal(call.steps[0].verbs[0].text, 'Welcome');
  const S = engineUrl(call.steps[0].verbs[1].attrs.action).sessionId;
  assertMenu({ verbs: call.steps[0].verbs.slice(1), text: call.steps[0].text }, { nodeId: 'sm', prompt: 'Press 1 to go back, 2 to leave', sessionId: S });
  assertSaid(call.steps[1], 'Back in the caller');
  const s = await sessionOf(call, e);
  assertEnded(s, { outcome: 'Completed' });
  assertLog(s, /^node c0 \(SayNode\)$/, /^node c1 \(SubFlowNode\)$/, /^node sm \(MenuNode\)$/, /digits 1/,
    /^transition 1 to back$/, /^transition back to c2$/, /^node c2 \(SayNode\)$/);

  const away = await sim.call({ to: e.phoneNumber, ...creds, script: { gather: ['2'] } });
  assertClean(away);
  assertHangupOnly(away.steps[1]);
  assertEnded(await sessionOf(away, e), { outcome: 'Completed' });
});

test('a staging customer\'s number: the carrier is pointed at the staging base, and the call runs there', async () => {
  const a = await srv.ok('POST', '/accounts', { as: srv.admin, body: { name: u('staging calls ') } });
  const c = await srv.ok('POST', '/customers', { as: srv.admin, body: { accountId: a.id, name: u('staging cust ') } });
  const f = await srv.ok('POST', '/flows', { as: srv.admin, body: { accountId: a.id, name: 'staged', nodes: [menu('m1', 'Staging menu', { 1: 's1' }, { start: true }), say('s1', 'Staged and done')] } });
  const e = await srv.ok('POST', '/endpoints/phone-numbers', { as: srv.admin, body: { customerId: c.id, number: fresh(), flowId: f.id } });
  const atCarrier = () => [...fake.numbers.values()].find((x) => x.phone_number === e.phoneNumber);
  assert.equal(atCarrier().voice_url, `${PROD}/voice`);
  assert.equal(atCarrier().status_callback, `${PROD}/voice/status`);
  await srv.ok('POST', `/customers/${c.id}/staging`, { as: srv.admin, body: { isStaging: true } });
  await waitFor('the number at the staging base', () => atCarrier().voice_url === `${STAGE}/voice`);
  assert.equal(atCarrier().status_callback, `${STAGE}/voice/status`, 'the status callback follows the number to staging');
  assert.equal(atCarrier().status_callback_method, 'POST');

  // the staging server: the same database (a second server on PostgreSQL); production is unreachable
  const staging = PG ? await new Server({ db: srv.db, args: carrierArgs() }).start() : srv;
  try {
    const stageSim = new CallSim({ servers: { [STAGE]: staging.base, [PROD]: DEAD } });
    const subCreds = { token: fake.accounts.get(a.twilioAccountSid).auth_token, accountSid: a.twilioAccountSid };
    const call = await stageSim.call({ to: e.phoneNumber, base: atCarrier().voice_url.replace(/\/voice$/, ''), ...subCreds, script: { gather: ['1'] } });
    assertClean(call);
    for (const url of call.urls) assert.ok(url.startsWith(STAGE + '/'), `${url} is under the staging base`);
    assertMenu(call.steps[0], { nodeId: 'm1', prompt: 'Staging menu', base: STAGE });
    assertSaid(call.steps[1], 'Staged and done');
    const s = (await srv.ok('GET', '/sessions', { as: srv.admin, query: { endpointIds: e.id } })).items.find((x) => x.callSid === call.callSid);
    assertEnded(s, { outcome: 'Completed' });
    assert.equal(s.customerId, c.id);
  } finally {
    if (staging !== srv) await staging.cleanup();
  }
});

test('a forged or missing signature: 403 and no session; an unknown number: the polite hang-up and no session', async () => {
  const f = await newFlow('guarded', [menu('m1', 'Secret menu', {}, { start: true })]);
  const e = await virtualNumber({ flowId: f.id });
  for (const signature of ['forged', null, '']) {
    const call = await sim.call({ to: e.phoneNumber, ...creds, signature });
    assert.equal(call.status, 403, call.text);
    assert.deepEqual(call.verbs, []);
    assert.ok(!call.text.includes('Secret menu'));
    assert.equal(call.steps.length, 1);
  }
  const wrongToken = await sim.call({ to: e.phoneNumber, token: fake.mainToken, accountSid: acct.twilioAccountSid });
  assert.equal(wrongToken.status, 403);
  assert.deepEqual((await listSessions({ endpointIds: e.id })).items, [], 'refused calls leave no session');

  // a forged step of a running call is refused and changes nothing
  const live = await sim.call({ to: e.phoneNumber, ...creds, script: { hangupAt: 1, noStatus: true } }); // stops after the first answer
  const action = live.steps[0].verbs[0].attrs.action;
  const forgedStep = await sim.request(action, { ...live.fields, CallStatus: 'in-progress', Digits: '1' }, { signature: 'forged' });
  assert.equal(forgedStep.status, 403);
  const wrongUrl = await sim.request(action.replace('event=gather', 'event=dial'), { ...live.fields, CallStatus: 'in-progress', DialCallStatus: 'completed' },
    { signature: twilioSignature(creds.token, action, { ...live.fields, CallStatus: 'in-progress', DialCallStatus: 'completed' }) });
  assert.equal(wrongUrl.status, 403, 'a signature is for its own URL');
  const [ls] = (await listSessions({ endpointIds: e.id })).items;
  assert.ok(!lines(ls).some((l) => /digits|dial/.test(l)), JSON.stringify(ls.log));
  assert.ok(!ls.ended);

  const before = (await listSessions({})).totalCount;
  const unknown = await sim.call({ to: '+18725550999', token: fake.mainToken, accountSid: fake.mainSid });
  assertClean(unknown);
  assertSaid(unknown.steps[0], 'Sorry, the number you have called is not in service. Goodbye.');
  assert.equal((await listSessions({})).totalCount, before, 'an unknown number leaves no session');
});

test('a flow deleted mid-call (after the menu\'s Gather): the next step ends the call cleanly, with a log line', async () => {
  const f = await newFlow('doomed', [menu('m1', 'Press 1', { 1: 's1' }, { start: true }), say('s1', 'You will never hear this')]);
  const other = await newFlow('replacement', [say('r1', 'Replacement', '', true)]);
  const e = await virtualNumber({ flowId: f.id });
  const call = await sim.call({ to: e.phoneNumber, ...creds, script: { gather: [async () => {
    await srv.ok('PATCH', `/endpoints/${e.id}`, { as: srv.admin, body: { flowId: other.id } }); // a used flow cannot be deleted
    await srv.ok('DELETE', `/flows/${f.id}`, { as: srv.admin }, 204);
    return '1';
  }] } });
  assertClean(call);
  assertMenu(call.steps[0], { nodeId: 'm1', prompt: 'Press 1' });
  assert.deepEqual(verbs(call.steps[1]), ['Say', 'Hangup'], call.steps[1].text);
  assert.ok(!call.steps[1].text.includes('never hear'));
  const s = await sessionOf(call, e);
  assert.equal(s.ended, true);
  assertLog(s, /^node m1 \(MenuNode\)$/, /gone/);
});

test('200 concurrent calls through a menu (two servers on one PostgreSQL database when there is one): every session right, no request failed', async () => {
  const f = await newFlow('busy line', [menu('m1', 'Press 1 to continue', { 1: 's1' }, { start: true, noInput: 'ni' }), say('s1', 'Thanks for calling'), say('ni', 'Bye')]);
  const e = await virtualNumber({ flowId: f.id });
  const second = PG ? await new Server({ db: srv.db, args: carrierArgs() }).start() : null;
  try {
    const many = new CallSim({ servers: { [PROD]: second ? [srv.base, second.base] : srv.base }, maxSteps: 10 });
    const N = 200, WIDTH = 20;
    const calls = [];
    let next = 0;
    const worker = async () => {
      while (next < N) {
        const k = next++;
        const digit = k % 10 === 9 ? null : '1'; // every tenth caller presses nothing, twice
        calls[k] = await many.call({ to: e.phoneNumber, from: `+1312555${String(1000 + k)}`, ...creds, script: { gather: digit ? [digit] : [null, null] } });
      }
    };
    const t0 = Date.now();
    await Promise.all(Array.from({ length: WIDTH }, worker));
    const ms = Date.now() - t0;
    const requests = calls.flatMap((c) => c.steps);
    assert.deepEqual(requests.filter((r) => r.status !== 200).map((r) => `${r.url} ${r.status}`), [], 'no request failed');
    for (const c of calls) assertClean(c);
    const sessions = (await listSessions({ endpointIds: e.id, countPerPage: 1000 })).items;
    assert.equal(sessions.length, N);
    const bySid = new Map(sessions.map((s) => [s.callSid, s]));
    calls.forEach((c, k) => {
      const s = bySid.get(c.callSid);
      assert.ok(s, `a session for call ${k}`);
      assert.equal(s.fromAddress, `+1312555${String(1000 + k)}`);
      assertEnded(s, { outcome: 'Completed', seconds: c.seconds });
      if (k % 10 === 9) assertLog(s, /^node m1 \(MenuNode\)$/, /^transition NoInput to ni$/);
      else assertLog(s, /^node m1 \(MenuNode\)$/, /digits 1/, /^transition 1 to s1$/, /^node s1 \(SayNode\)$/);
      assert.equal(lines(s).filter((l) => /^call ended/.test(l)).length, 1, 'ended once');
    });
    const lat = requests.map((r) => r.ms).filter((x) => x !== undefined).sort((x, y) => x - y);
    const p99 = lat[Math.floor(lat.length * 0.99)];
    console.log(`${N} calls, ${requests.length} requests over ${second ? 2 : 1} server(s) in ${ms} ms; webhook p99 ${p99} ms`);
  } finally {
    if (second) await second.cleanup();
  }
});

test('after a call: the session routes answer with the fields a client reads (FLOWS.md 4.2)', async () => {
  assert.ok(hours, 'the business-hours call ran');
  const { session: S, endpoint: e, call } = hours;
  const has = (r) => r.items.some((x) => x.id === S.id);
  const today = new Date().toISOString().slice(0, 10);
  const yesterday = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
  const other = await srv.ok('POST', '/accounts', { as: srv.admin, body: { name: u('calls other ') } });
  const otherCust = await srv.ok('POST', '/customers', { as: srv.admin, body: { accountId: acct.id, name: u('calls other cust ') } });
  const otherEndpoint = await virtualNumber();
  const filters = [
    [{ accountIds: [acct.id] }, true], [{ accountIds: [other.id] }, false],
    [{ customerIds: [cust.id] }, true], [{ customerIds: [otherCust.id] }, false],
    [{ endpointIds: [e.id] }, true], [{ endpointIds: [otherEndpoint.id] }, false],
    [{ startDate: today, endDate: today }, true], [{ startDate: yesterday, endDate: yesterday }, false],
    [{ from: '5550177' }, true], [{ from: '5550178' }, false],
    [{ to: e.phoneNumber.slice(-7) }, true], [{ to: '0000000' }, false],
    [{ log: 'dial no-answer' }, true], [{ log: 'no such line anywhere' }, false],
    [{ specificIds: [S.id] }, true],
  ];
  for (const [q, want] of filters) assert.equal(has(await listSessions(q)), want, JSON.stringify(q));

  // the CLI's session log: specificIds, one per page, simplified paging
  const l = await srv.ok('GET', '/sessions', { as: srv.admin, query: { specificIds: [S.id], countPerPage: 1, simplifiedPaging: true } });
  assert.equal(l.items.length, 1);
  const item = l.items[0];
  assertLog(item, /^incoming call/, /^running flow/, /^node m1 \(MenuNode\)$/, /digits 1/, /^dial no-answer$/, /^voicemail /, /^call ended: completed/);
  for (const line of item.log) assert.match(line.date, /^\d{4}-\d{2}-\d{2}T/);

  // paging over the endpoint's sessions
  const e2calls = [];
  for (let k = 0; k < 2; k++) e2calls.push(await sim.call({ to: e.phoneNumber, ...creds, script: { gather: ['1'], record: [{ duration: 1 }] } }));
  const page0 = await listSessions({ endpointIds: [e.id], all: undefined, countPerPage: 2, page: 0 });
  const page1 = await listSessions({ endpointIds: [e.id], all: undefined, countPerPage: 2, page: 1 });
  assert.equal(page0.totalCount, 3);
  assert.equal(page0.items.length, 2);
  assert.equal(page1.items.length, 1);
  assert.deepEqual([...page0.items, ...page1.items].map((x) => x.id).sort(), [S.id, ...await Promise.all(e2calls.map(async (c) => (await sessionOf(c, e)).id))].sort());

  // get: the fields a client reads, the log empty
  const g = await srv.ok('GET', `/sessions/${S.id}`, { as: srv.admin });
  assert.deepEqual(g.log || [], []);
  const want = {
    id: S.id, accountId: acct.id, accountName: acct.name, customerId: cust.id, customerName: cust.name, endpointId: e.id,
    endpointName: e.displayName, toAddress: e.phoneNumber, fromAddress: '+13125550177', fromName: 'Bea Caller', channel: 'Voice',
    ended: true, outcome: 'Voicemail', callSid: call.callSid, wasMissed: true, direction: 'Incoming', callState: 'Disconnected',
  };
  for (const [k, v] of Object.entries(want)) assert.deepEqual(g[k], v, k);
  assert.deepEqual(g.customerBreadcrumb.map((b) => b.id), [cust.id]);
  assert.ok(Date.parse(g.dateCreated) <= Date.parse(g.dateCompleted), 'created before completed');
  expectStatus(await srv.req('GET', `/sessions/${'0'.repeat(24)}`, { as: srv.admin }), 404);
});
