// call-sim.test.mjs — the call simulator on its own, no evovoiced: the XML reader (escaping,
// well-formedness), each TwiML rule with an allowed and a refused example, and whole calls
// against a scripted webhook in this process (what the carrier posts, in which order,
// signed for which URL, and how it plays Gather, Redirect, Dial, Record and Hangup).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { parseXml, parseTwiml, validateTwiml } from './twiml-rules.mjs';
import { CallSim, twilioSignature } from './call-sim.mjs';

const doc = (inner) => `<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`;
const ok = (inner) => assert.doesNotThrow(() => validateTwiml(doc(inner)), inner);
const refused = (inner, why) => assert.throws(() => validateTwiml(doc(inner)), why, inner);
const A = 'https://hooks.test/evo/voice/step?sessionId=s&amp;nodeId=n&amp;event=gather';

test('the XML reader resolves entities and character references in text and attributes', () => {
  const [say] = parseTwiml(doc(`<Say voice='alice' language="en-US">Tom &amp; Jerry &lt;say&gt; &quot;hi&quot; &apos;yo&apos; &#233;&#xE7; ☎</Say>`));
  assert.equal(say.text, `Tom & Jerry <say> "hi" 'yo' éç ☎`);
  assert.deepEqual(say.attrs, { voice: 'alice', language: 'en-US' });
  const [g] = parseTwiml(doc(`<Gather action="${A}"/>`));
  assert.equal(g.attrs.action, 'https://hooks.test/evo/voice/step?sessionId=s&nodeId=n&event=gather');
  assert.equal(parseTwiml(doc('<Say><![CDATA[a < b & c]]></Say>'))[0].text, 'a < b & c');
  assert.deepEqual(parseTwiml('<Response/>'), []);
  assert.deepEqual(parseTwiml('<?xml version="1.0"?>\n<!-- c -->\n<Response>\n  <Hangup />\n</Response>\n').map((v) => v.verb), ['Hangup']);
});

test('the XML reader refuses what is not well-formed', () => {
  for (const bad of [
    doc('<Say>Tom & Jerry</Say>'), doc('<Say>&nbsp;</Say>'), doc('<Say>a</Play>'), '<Response><Say>a</Say>',
    doc('<Say a="1" a="2">x</Say>'), doc('<Say voice="a<b">x</Say>'), '<Response/><Response/>', 'text<Response/>', '', 'not xml',
    doc('<Say voice=alice>x</Say>'),
  ]) assert.throws(() => parseXml(bad), /XML/, bad);
  assert.throws(() => parseTwiml('<Reply><Say>x</Say></Reply>'), /root is <Reply>/);
});

test('rule: the root is <Response>, without attributes or loose text', () => {
  ok('<Say>hi</Say>');
  assert.throws(() => validateTwiml('<Response version="1"/>'), /no attributes/);
  assert.throws(() => validateTwiml('<Response>hello<Hangup/></Response>'), /text directly/);
  assert.throws(() => validateTwiml('<Respond><Hangup/></Respond>'), /root is <Respond>/);
});

test('rule: only voice verbs at the top', () => {
  for (const v of ['<Hangup/>', '<Leave/>', '<Reject reason="busy"/>', '<Pause length="2"/>', '<Enqueue>support</Enqueue>', '<Sms>hi</Sms>']) ok(v);
  refused('<Number>+13125550123</Number>', /<Number> is not a voice verb/);
  refused('<Message>hi</Message>', /not a voice verb/);
  refused('<Prompt><Say>x</Say></Prompt>', /not a voice verb/);
  refused('<say>hi</say>', /not a voice verb/);
});

test('rule: Gather nests only Say, Play and Pause', () => {
  ok(`<Gather input="dtmf" numDigits="1" timeout="5" action="${A}" method="POST"><Say>Press 1</Say><Pause length="1"/><Play>https://m.test/a.mp3</Play></Gather>`);
  refused(`<Gather action="${A}"><Dial>+13125550123</Dial></Gather>`, /<Dial> may not be nested in <Gather>/);
  refused(`<Gather action="${A}"><Gather/></Gather>`, /may not be nested/);
  refused(`<Gather action="${A}">press one</Gather>`, /no text allowed/);
});

test('rule: Dial nests only its nouns; a Number is E.164', () => {
  ok('<Dial timeout="30"><Number>+13125550123</Number><Number sendDigits="ww12">+442071234567</Number></Dial>');
  ok('<Dial>+13125550123</Dial>');
  ok('<Dial><Client>alice</Client></Dial>');
  ok('<Dial><Sip>sip:alice@example.com</Sip></Dial>');
  ok('<Dial><Queue>support</Queue></Dial>');
  refused('<Dial><Say>hi</Say></Dial>', /<Say> may not be nested in <Dial>/);
  refused('<Dial><Number>312-555-0123</Number></Dial>', /Number.*not allowed/);
  refused('<Dial><Number></Number></Dial>', /Number.*not allowed/);
  refused('<Dial>312 555 0123</Dial>', /not an E.164/);
  refused('<Dial/>', /nothing to dial/);
  refused('<Dial>+13125550123<Number>+13125550124</Number></Dial>', /both given/);
  refused('<Dial><Sip>alice@example.com</Sip></Dial>', /Sip.*not allowed/);
});

test('rule: each verb takes only its own attributes', () => {
  ok('<Say voice="Polly.Joanna" language="en-GB" loop="0">hi</Say>');
  refused('<Say rate="fast">hi</Say>', /rate is not an attribute of <Say>/);
  refused(`<Gather maxLength="3" action="${A}"/>`, /maxLength is not an attribute of <Gather>/);
  refused('<Record numDigits="1"/>', /numDigits is not an attribute of <Record>/);
  refused('<Dial playBeep="true"><Number>+13125550123</Number></Dial>', /playBeep is not an attribute of <Dial>/);
  refused('<Dial><Number timeout="5">+13125550123</Number></Dial>', /timeout is not an attribute of <Number>/);
  refused('<Pause loop="2"/>', /loop is not an attribute/);
});

test('rule: method is GET or POST', () => {
  ok(`<Gather action="${A}" method="GET"/>`);
  refused(`<Gather action="${A}" method="post"/>`, /method="post" is not allowed/);
  refused('<Redirect method="PUT">https://hooks.test/x</Redirect>', /method="PUT"/);
});

test('rule: numeric attributes are positive integers (loop and Record timeout may be 0)', () => {
  ok('<Pause length="3"/>');
  ok('<Record timeout="0" maxLength="120"/>');
  ok('<Play loop="0">https://m.test/a.mp3</Play>');
  refused('<Pause length="0"/>', /length="0"/);
  refused(`<Gather timeout="-1" action="${A}"/>`, /timeout="-1"/);
  refused(`<Gather numDigits="1.5" action="${A}"/>`, /numDigits="1.5"/);
  refused('<Record maxLength="two"/>', /maxLength="two"/);
  refused('<Dial timeout="30s"><Number>+13125550123</Number></Dial>', /timeout="30s"/);
  refused('<Say loop="-1">x</Say>', /loop="-1"/);
});

test('rule: boolean attributes are true or false; trim is trim-silence or do-not-trim', () => {
  ok('<Record playBeep="false" transcribe="true" trim="do-not-trim"/>');
  ok(`<Gather actionOnEmptyResult="true" action="${A}"/>`);
  refused('<Record playBeep="yes"/>', /playBeep="yes"/);
  refused('<Record playBeep="True"/>', /playBeep="True"/);
  refused('<Record trim="true"/>', /trim="true"/);
  refused('<Dial hangupOnStar="1"><Number>+13125550123</Number></Dial>', /hangupOnStar="1"/);
});

test('rule: Dial record is one of Twilio\'s five values; Gather input dtmf, speech or both', () => {
  for (const r of ['do-not-record', 'record-from-answer', 'record-from-ringing', 'record-from-answer-dual', 'record-from-ringing-dual']) ok(`<Dial record="${r}"><Number>+13125550123</Number></Dial>`);
  refused('<Dial record="true"><Number>+13125550123</Number></Dial>', /record="true" is not allowed \(one of do-not-record/);
  for (const i of ['dtmf', 'speech', 'dtmf speech']) ok(`<Gather input="${i}" action="${A}"/>`);
  refused(`<Gather input="voice" action="${A}"/>`, /input="voice"/);
  refused(`<Gather input="dtmf,speech" action="${A}"/>`, /input="dtmf,speech"/);
});

test('rule: action and callback URLs are absolute http(s) URLs', () => {
  ok('<Record action="http://h.test/a" recordingStatusCallback="https://h.test/r?x=1&amp;y=2"/>');
  refused('<Record action="/voice/step"/>', /action="\/voice\/step"/);
  refused('<Record recordingStatusCallback="ftp://h.test/r"/>', /recordingStatusCallback/);
  refused('<Dial action="voice/step"><Number>+13125550123</Number></Dial>', /action="voice\/step"/);
  refused('<Play>/media/a.mp3</Play>', /must be absolute/);
  refused('<Redirect>/voice/step</Redirect>', /Redirect.*not allowed/);
  ok('<Play digits="ww1234"/>');
});

test('rule: Say has something to say', () => {
  ok('<Say>Hello</Say>');
  ok('<Say><prosody rate="slow">Hello</prosody></Say>');
  refused('<Say></Say>', /nothing to say/);
  refused('<Say>   </Say>', /nothing to say/);
  refused('<Say/>', /nothing to say/);
  refused('<Say><Play>https://m.test/a.mp3</Play></Say>', /<Play> may not be nested in <Say>/);
});

test('rule: Hangup is empty; Redirect has only method and a URL', () => {
  ok('<Hangup/>');
  ok('<Hangup></Hangup>');
  refused('<Hangup reason="busy"/>', /reason is not an attribute of <Hangup>/);
  refused('<Hangup>bye</Hangup>', /no text allowed/);
  refused('<Hangup><Say>bye</Say></Hangup>', /may not be nested in <Hangup>/);
  ok('<Redirect method="POST">https://hooks.test/evo/voice/step?a=1&amp;b=2</Redirect>');
  ok('<Redirect>https://hooks.test/evo/voice/step</Redirect>');
  refused('<Redirect method="POST"/>', /Redirect.*not allowed/);
  refused('<Redirect action="https://h.test/x">https://h.test/x</Redirect>', /action is not an attribute of <Redirect>/);
});

test('rule: nothing after Hangup, Redirect, Reject or a Dial with an action', () => {
  ok(`<Gather action="${A}"><Say>x</Say></Gather><Redirect method="POST">https://h.test/t</Redirect>`);
  ok('<Dial><Number>+13125550123</Number></Dial><Say>nobody answered</Say>');
  refused('<Hangup/><Say>bye</Say>', /<Say> after <Hangup> is never reached/);
  refused('<Redirect>https://h.test/t</Redirect><Hangup/>', /after <Redirect>/);
  refused('<Reject/><Hangup/>', /after <Reject>/);
  refused('<Dial action="https://h.test/d"><Number>+13125550123</Number></Dial><Hangup/>', /after <Dial action>/);
});

// ---- the simulator against a scripted webhook ----

const BASE = 'https://hooks.test/evo';
const OTHER = 'https://other.hooks.test/x';
const TOKEN = 'f00dfeedf00dfeedf00dfeedf00dfeed';
let hook, hookUrl;
const seen = [];
let answer = () => doc('<Hangup/>');

before(async () => {
  hook = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => { raw += d; });
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(raw));
      const pub = (req.headers.host.startsWith('127.0.0.1') ? '' : '') + req.url;
      seen.push({ path: req.url, params, sig: req.headers['x-twilio-signature'] });
      const body = answer(pub, params);
      res.writeHead(body === 403 ? 403 : 200, { 'content-type': 'text/xml; charset=utf-8' });
      res.end(body === 403 ? '<Response/>' : body);
    });
  });
  await new Promise((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${hook.address().port}`;
});
after(() => new Promise((r) => hook.close(r)));

const step = (event) => `${BASE}/voice/step?sessionId=S1&amp;nodeId=n1&amp;event=${event}`;

test('a whole call: Gather (timeout, then digits), Redirect, Dial no-answer, Record, Hangup; every request signed for its public URL', async () => {
  seen.length = 0;
  answer = (p, params) => {
    if (p === '/evo/voice') return doc(`<Say>Hello</Say><Gather input="dtmf" numDigits="1" timeout="5" action="${step('gather')}" method="POST"><Say>Press 1</Say></Gather><Redirect method="POST">${step('timeout')}</Redirect>`);
    if (p.endsWith('event=timeout')) return doc(`<Gather numDigits="1" action="${step('gather')}"><Say>Press 1 again</Say></Gather><Redirect>${step('timeout')}</Redirect>`);
    if (p.endsWith('event=gather')) return doc(`<Dial timeout="20" action="${step('dial')}" method="POST"><Number>+13125550100</Number></Dial>`);
    if (p.endsWith('event=dial')) return doc(`<Say>Leave a message</Say><Record maxLength="60" playBeep="true" action="${step('record')}" method="POST" recordingStatusCallback="${BASE}/voice/recording?sessionId=S1&amp;nodeId=n2"/>`);
    if (p.endsWith('event=record')) return doc('<Hangup/>');
    return doc('');
  };
  const sim = new CallSim({ server: hookUrl, base: BASE });
  const call = await sim.call({ to: '+17735550100', token: TOKEN, accountSid: 'AC' + '1'.repeat(32), script: { gather: [null, '1'], record: [{ duration: 9 }] } });
  assert.deepEqual(call.steps.map((s) => s.kind), ['voice', 'redirect', 'action', 'action', 'action', 'recording', 'status']);
  assert.deepEqual(call.events, ['gather timeout', 'redirect', 'gather 1', 'dial no-answer', 'record 9 s']);
  assert.deepEqual(call.heard.map((h) => h.text), ['Hello', 'Press 1', 'Press 1 again', 'Leave a message']);
  assert.equal(call.endedBy, 'hangup');
  // signed for the public URL (with its query), over the posted fields
  call.steps.forEach((s, k) => assert.equal(seen[k].sig, twilioSignature(TOKEN, s.url, s.params), s.url));
  assert.equal(seen[1].path, '/evo/voice/step?sessionId=S1&nodeId=n1&event=timeout');
  const first = seen[0].params;
  for (const f of ['CallSid', 'AccountSid', 'From', 'To', 'Called', 'Caller', 'CallerName', 'CallStatus', 'Direction', 'ApiVersion']) assert.ok(first[f], f);
  assert.equal(first.CallStatus, 'ringing');
  assert.equal(first.Direction, 'inbound');
  const gather = seen[2].params;
  assert.equal(gather.Digits, '1');
  assert.equal(gather.CallStatus, 'in-progress');
  assert.equal(gather.CallSid, first.CallSid);
  assert.equal(seen[3].params.DialCallStatus, 'no-answer');
  assert.match(seen[3].params.DialCallSid, /^CA[0-9a-f]{32}$/);
  const rec = seen[4].params;
  assert.equal(rec.RecordingDuration, '9');
  assert.match(rec.RecordingSid, /^RE[0-9a-f]{32}$/);
  assert.equal(rec.RecordingUrl, `https://api.twilio.com/2010-04-01/Accounts/${first.AccountSid}/Recordings/${rec.RecordingSid}`);
  assert.equal(rec.Digits, '#');
  const cb = seen[5];
  assert.equal(cb.path, '/evo/voice/recording?sessionId=S1&nodeId=n2');
  assert.equal(cb.params.RecordingStatus, 'completed');
  assert.equal(cb.params.RecordingSource, 'RecordVerb');
  assert.equal(cb.params.RecordingSid, rec.RecordingSid);
  assert.equal(cb.params.RecordingChannels, '1');
  assert.ok(cb.params.RecordingStartTime);
  assert.equal(cb.params.CallSid, first.CallSid);
  assert.equal(cb.params.From, undefined, 'a recording callback carries the recording\'s fields, not the call\'s');
  const status = seen[6];
  assert.equal(status.path, '/evo/voice/status');
  assert.equal(status.params.CallStatus, 'completed');
  assert.match(status.params.CallDuration, /^[0-9]+$/);
  assert.ok(Number(status.params.CallDuration) >= 9);
});

test('a Dial answered with record posts its action and then the recording; no action goes on with the document', async () => {
  seen.length = 0;
  answer = (p) => {
    if (p === '/evo/voice') return doc(`<Dial record="record-from-answer-dual" recordingStatusCallback="${BASE}/voice/recording?r=1"><Number>+13125550100</Number></Dial><Say>after</Say><Dial action="${step('dial')}" record="record-from-answer" recordingStatusCallback="${BASE}/voice/recording?r=2"><Number>+13125550101</Number></Dial>`);
    return doc('<Hangup/>');
  };
  const sim = new CallSim({ server: hookUrl, base: BASE });
  const call = await sim.call({ to: '+17735550100', token: TOKEN, accountSid: 'AC1', script: { dial: [{ status: 'completed', duration: 40 }, { status: 'busy' }] } });
  assert.deepEqual(call.steps.map((s) => s.kind), ['voice', 'recording', 'action', 'status']);
  assert.equal(seen[1].params.RecordingSource, 'DialVerb');
  assert.equal(seen[1].params.RecordingChannels, '2');
  assert.equal(seen[1].params.RecordingDuration, '40');
  assert.equal(seen[1].params.CallSid, seen[0].params.CallSid, 'the parent leg, not the dialled one');
  assert.deepEqual(call.heard.map((h) => h.text), ['after']);
  assert.equal(seen[2].params.DialCallStatus, 'busy', 'not answered: no recording');
});

test('servers by base; the end of a document ends the call; a violation, a refusal and a runaway call stop it', async () => {
  seen.length = 0;
  answer = (p) => (p === '/evo/voice' ? doc(`<Redirect>${OTHER}/next?a=1</Redirect>`) : doc('<Say>there</Say>'));
  const sim = new CallSim({ servers: { [BASE]: hookUrl, [OTHER]: hookUrl } });
  const call = await sim.call({ to: '+17735550100', token: TOKEN, accountSid: 'AC1' });
  assert.deepEqual(call.urls, [`${BASE}/voice`, `${OTHER}/next?a=1`, `${BASE}/voice/status`]);
  assert.equal(seen[1].path, '/x/next?a=1');
  assert.equal(call.endedBy, 'end of document');
  assert.throws(() => sim.route('https://elsewhere.test/voice'), /no server/);

  answer = () => doc('<Say>a</Say><Hangup/><Say>b</Say>');
  await assert.rejects(sim.call({ to: '+1', token: TOKEN, accountSid: 'AC1' }), /<Say> after <Hangup> is never reached/);
  answer = () => 403;
  const refusedCall = await sim.call({ to: '+1', token: TOKEN, accountSid: 'AC1' });
  assert.equal(refusedCall.status, 403);
  assert.match(refusedCall.error.message, /answered 403/);
  assert.equal(refusedCall.endedBy, 'error');
  assert.equal(refusedCall.steps.length, 1, 'a refused call sends nothing more');
  answer = () => doc(`<Redirect>${BASE}/voice/again</Redirect>`);
  await assert.rejects(new CallSim({ server: hookUrl, base: BASE, maxSteps: 10 }).call({ to: '+1', token: TOKEN, accountSid: 'AC1' }), /step budget of 10/);
  answer = () => doc(`<Gather action="${step('gather')}"><Say>x</Say></Gather>`);
  const hung = await sim.call({ to: '+1', token: TOKEN, accountSid: 'AC1', script: { hangupAt: 1 } });
  assert.deepEqual(hung.steps.map((s) => s.kind), ['voice', 'status']);
  assert.equal(hung.endedBy, 'caller');
});

test('a list of servers behind one base takes turns', async () => {
  const sim = new CallSim({ servers: { [BASE]: ['http://a.test', 'http://b.test'] } });
  assert.deepEqual([sim.route(BASE + '/voice'), sim.route(BASE + '/voice/step?x=1'), sim.route(BASE + '/voice')],
    ['http://a.test/evo/voice', 'http://b.test/evo/voice/step?x=1', 'http://a.test/evo/voice']);
});
