// twiml-rules.mjs — a small XML reader and Twilio's published rules for voice TwiML
// (https://www.twilio.com/docs/voice/twiml and the page of each verb and noun): the root
// is <Response>; only voice verbs at the top; what each verb may nest; each verb's and
// noun's attributes with their allowed values; what may follow what. validateTwiml throws
// an Error naming the rule a document breaks; the call simulator applies it to every answer.

const ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Text with XML entity and character references resolved; a bare & is an error. */
function unescapeXml(s) {
  return s.replace(/&([^;&\s]*);?/g, (all, name) => {
    if (!all.endsWith(';')) throw new Error(`XML: a bare & in ${JSON.stringify(s)}`);
    if (ENTITIES[name]) return ENTITIES[name];
    const n = /^#x([0-9a-fA-F]+)$/.exec(name) ? parseInt(name.slice(2), 16) : /^#([0-9]+)$/.exec(name) ? parseInt(name.slice(1), 10) : NaN;
    if (Number.isNaN(n)) throw new Error(`XML: unknown entity &${name};`);
    return String.fromCodePoint(n);
  });
}

/** The root element of an XML document as {verb, attrs, text, children} (text: its own
 * character data, entities resolved). Throws on anything that is not well-formed. */
export function parseXml(xml) {
  let i = 0;
  const s = String(xml);
  const fail = (why) => { throw new Error(`XML: ${why} at ${i}: ${s.slice(0, 300)}`); };
  const top = { verb: '#document', attrs: {}, text: '', children: [] };
  const stack = [top];
  if (s.charCodeAt(0) === 0xfeff) i = 1;
  while (i < s.length) {
    const cur = stack[stack.length - 1];
    if (s.startsWith('<?', i)) {
      const j = s.indexOf('?>', i);
      if (j < 0 || stack.length > 1 || top.children.length) fail('misplaced processing instruction');
      i = j + 2;
    } else if (s.startsWith('<!--', i)) {
      const j = s.indexOf('-->', i);
      if (j < 0) fail('unterminated comment');
      i = j + 3;
    } else if (s.startsWith('<![CDATA[', i)) {
      const j = s.indexOf(']]>', i);
      if (j < 0 || stack.length === 1) fail('misplaced CDATA');
      cur.text = (cur.text || '') + s.slice(i + 9, j);
      i = j + 3;
    } else if (s.startsWith('</', i)) {
      const m = /^<\/([A-Za-z_][\w:.-]*)\s*>/.exec(s.slice(i));
      if (!m || stack.length === 1 || cur.verb !== m[1]) fail(`unexpected end tag ${m ? m[1] : ''}`);
      stack.pop();
      i += m[0].length;
    } else if (s[i] === '<') {
      const m = /^<([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/.exec(s.slice(i));
      if (!m) fail('bad start tag');
      if (stack.length === 1 && top.children.length) fail('a second root element');
      const attrs = {};
      for (const a of m[2].matchAll(/([A-Za-z_][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        if (a[1] in attrs) fail(`attribute ${a[1]} given twice`);
        attrs[a[1]] = unescapeXml(a[2] ?? a[3]);
      }
      const el = { verb: m[1], attrs, text: '', children: [] };
      cur.children.push(el);
      if (!m[3]) stack.push(el);
      i += m[0].length;
    } else {
      const j = s.indexOf('<', i) < 0 ? s.length : s.indexOf('<', i);
      const t = s.slice(i, j);
      if (stack.length === 1) { if (t.trim()) fail('text outside the root'); } else cur.text += unescapeXml(t);
      i = j;
    }
  }
  if (stack.length !== 1) fail(`<${stack[stack.length - 1].verb}> is not closed`);
  if (top.children.length !== 1) fail('no root element');
  return top.children[0];
}

/** TwiML as [{verb, attrs, text, children}] (the children of <Response>); throws when the
 * document is not XML or its root is not <Response>. */
export function parseTwiml(xml) {
  const root = parseXml(xml);
  if (root.verb !== 'Response') throw new Error(`TwiML: the root is <${root.verb}>, not <Response>`);
  return root.children;
}

// ---- value checks: each returns true when v is allowed ----
const bool = (v) => v === 'true' || v === 'false';
const method = (v) => v === 'GET' || v === 'POST';
const posInt = (v) => /^[1-9][0-9]*$/.test(v);
const natural = (v) => /^(0|[1-9][0-9]*)$/.test(v);
const absUrl = (v) => { try { const u = new URL(v); return (u.protocol === 'http:' || u.protocol === 'https:') && !!u.host; } catch { return false; } };
const oneOf = (...xs) => { const f = (v) => xs.includes(v); f.list = xs; return f; };
const listOf = (...xs) => (v) => v.trim() !== '' && v.trim().split(/[\s,]+/).every((x) => xs.includes(x));
const any = () => true;
const e164 = (v) => /^\+[1-9][0-9]{7,14}$/.test(v.trim());
const lang = (v) => /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(v);
const keys = (v) => /^[0-9#*]*$/.test(v);

const recordingEvents = listOf('in-progress', 'completed', 'absent');
const callEvents = listOf('initiated', 'ringing', 'answered', 'completed');
const trim = oneOf('trim-silence', 'do-not-trim');
const callbacks = { statusCallback: absUrl, statusCallbackMethod: method, statusCallbackEvent: callEvents };
const amd = {
  machineDetection: oneOf('Enable', 'DetectMessageEnd'), machineDetectionTimeout: posInt, machineDetectionSpeechThreshold: posInt,
  machineDetectionSpeechEndThreshold: posInt, machineDetectionSilenceTimeout: posInt, amdStatusCallback: absUrl, amdStatusCallbackMethod: method,
};

const SSML = ['break', 'emphasis', 'lang', 'p', 'phoneme', 'prosody', 's', 'say-as', 'sub', 'w', 'amazon:effect', 'amazon:domain'];

/**
 * Each verb and noun: attrs (name -> check), children (allowed nested names; [] none),
 * text: 'required' | 'none' | 'optional' | a check for the trimmed text.
 */
export const RULES = {
  Say: { attrs: { voice: any, language: lang, loop: natural }, children: SSML, text: 'say' },
  Play: { attrs: { loop: natural, digits: (v) => /^[0-9wW*#]+$/.test(v) }, children: [], text: 'play' },
  Pause: { attrs: { length: posInt }, children: [], text: 'none' },
  Gather: {
    attrs: {
      action: absUrl, actionOnEmptyResult: bool, bargeIn: bool, debug: bool, enhanced: bool, finishOnKey: (v) => /^[0-9#*]?$/.test(v),
      hints: any, input: oneOf('dtmf', 'speech', 'dtmf speech', 'speech dtmf'), language: lang, maxSpeechTime: posInt, method,
      numDigits: posInt, partialResultCallback: absUrl, partialResultCallbackMethod: method, profanityFilter: bool,
      speechModel: any, speechTimeout: (v) => v === 'auto' || posInt(v), timeout: posInt,
    },
    children: ['Say', 'Play', 'Pause'], text: 'none',
  },
  Dial: {
    attrs: {
      action: absUrl, answerOnBridge: bool, callerId: any, callReason: (v) => v.length <= 50, hangupOnStar: bool, method,
      record: oneOf('do-not-record', 'record-from-answer', 'record-from-ringing', 'record-from-answer-dual', 'record-from-ringing-dual'),
      recordingStatusCallback: absUrl, recordingStatusCallbackMethod: method, recordingStatusCallbackEvent: recordingEvents,
      recordingTrack: oneOf('both', 'inbound', 'outbound'), referUrl: absUrl, referMethod: method, ringTone: any, sequential: bool,
      timeLimit: posInt, timeout: posInt, trim,
    },
    children: ['Number', 'Client', 'Sip', 'Conference', 'Queue', 'Sim', 'Application'], text: 'dial',
  },
  Record: {
    attrs: {
      action: absUrl, finishOnKey: keys, maxLength: posInt, method, playBeep: bool, recordingStatusCallback: absUrl,
      recordingStatusCallbackMethod: method, recordingStatusCallbackEvent: recordingEvents, timeout: natural, transcribe: bool,
      transcribeCallback: absUrl, trim,
    },
    children: [], text: 'none',
  },
  Redirect: { attrs: { method }, children: [], text: absUrl },
  Hangup: { attrs: {}, children: [], text: 'none' },
  Reject: { attrs: { reason: oneOf('rejected', 'busy') }, children: [], text: 'none' },
  Enqueue: { attrs: { action: absUrl, method, waitUrl: absUrl, waitUrlMethod: method, workflowSid: any, maxQueueSize: posInt }, children: ['Task'], text: 'optional' },
  Leave: { attrs: {}, children: [], text: 'none' },
  Refer: { attrs: { action: absUrl, method }, children: ['Sip'], text: 'none' },
  Connect: { attrs: { action: absUrl, method }, children: ['Room', 'Stream', 'Siprec', 'VirtualAgent', 'Conversation', 'ConversationRelay', 'Assistant'], text: 'none' },
  Start: { attrs: { action: absUrl, method }, children: ['Stream', 'Siprec', 'Transcription', 'Recording'], text: 'none' },
  Stop: { attrs: {}, children: ['Stream', 'Siprec', 'Transcription', 'Recording'], text: 'none' },
  Pay: {
    attrs: {
      input: oneOf('dtmf'), action: absUrl, bankAccountType: any, statusCallback: absUrl, statusCallbackMethod: method, timeout: posInt,
      maxAttempts: posInt, securityCode: bool, postalCode: any, minPostalCodeLength: posInt, paymentConnector: any,
      paymentMethod: oneOf('credit-card', 'ach-debit'), tokenType: oneOf('one-time', 'reusable', 'payment-method'), chargeAmount: any,
      currency: any, description: any, validCardTypes: any, language: lang,
    },
    children: ['Prompt', 'Parameter'], text: 'none',
  },
  Prompt: { attrs: { for: any, errorType: any, cardType: any, attempt: any, requireMatchingInputs: bool }, children: ['Say', 'Play', 'Pause'], text: 'none' },
  Sms: { attrs: { to: any, from: any, action: absUrl, method, statusCallback: absUrl }, children: [], text: 'required' },
  // nouns of Dial
  Number: { attrs: { sendDigits: (v) => /^[0-9wW*#]+$/.test(v), url: absUrl, method, byoc: any, ...callbacks, ...amd }, children: [], text: e164 },
  Client: { attrs: { url: absUrl, method, ...callbacks }, children: ['Identity', 'Parameter'], text: 'optional' },
  Sip: { attrs: { username: any, password: any, url: absUrl, method, ...callbacks, ...amd }, children: [], text: (v) => /^sips?:/.test(v) },
  Conference: { attrs: null, children: [], text: 'required' },
  Queue: { attrs: { url: absUrl, method, reservationSid: any, postWorkActivitySid: any }, children: [], text: 'required' },
  Sim: { attrs: {}, children: [], text: (v) => /^DE[0-9a-f]{32}$/.test(v) },
  Application: { attrs: { url: absUrl, method, ...callbacks, customerId: any, copyParentTo: bool }, children: ['ApplicationSid', 'Parameter'], text: 'none' },
};

/** The verbs allowed at the top of <Response> (Prompt is a noun of Pay, not a verb). */
export const VERBS = ['Say', 'Play', 'Pause', 'Gather', 'Dial', 'Record', 'Redirect', 'Hangup', 'Reject', 'Enqueue', 'Leave', 'Refer', 'Connect', 'Start', 'Stop', 'Pay', 'Sms'];

/** All text under an element (SSML included). */
const allText = (el) => el.text + el.children.map(allText).join('');

function checkElement(el, where) {
  const rule = RULES[el.verb];
  const bad = (why) => { throw new Error(`TwiML: <${el.verb}> at ${where}: ${why}`); };
  if (!rule) return; // a nested element we know only by name (Stream, Room, SSML ...)
  if (rule.attrs) {
    for (const [name, value] of Object.entries(el.attrs)) {
      const check = rule.attrs[name];
      if (!check) bad(`${name} is not an attribute of <${el.verb}>`);
      if (!check(value)) bad(`${name}="${value}" is not allowed${check.list ? ` (one of ${check.list.join(', ')})` : ''}`);
    }
  }
  el.children.forEach((c, k) => {
    if (!rule.children.includes(c.verb)) bad(`<${c.verb}> may not be nested in <${el.verb}>${rule.children.length ? ` (only ${rule.children.join(', ')})` : ''}`);
    checkElement(c, `${where}/${c.verb}[${k}]`);
  });
  const text = el.text.trim();
  switch (rule.text) {
    case 'none': if (text) bad(`no text allowed, got ${JSON.stringify(text)}`); break;
    case 'required': if (!text) bad('text is required'); break;
    case 'optional': break;
    case 'say': if (!allText(el).trim()) bad('nothing to say'); break;
    case 'play': if (!el.attrs.digits && !absUrl(text)) bad(`the URL to play must be absolute http(s), got ${JSON.stringify(text)}`); if (el.attrs.digits && text) bad('digits and a URL both given'); break;
    case 'dial':
      if (text && el.children.length) bad('a number as text and nested nouns both given');
      if (!text && !el.children.length) bad('nothing to dial');
      if (text && !e164(text)) bad(`${JSON.stringify(text)} is not an E.164 number`);
      break;
    default: if (!rule.text(text)) bad(`text ${JSON.stringify(text)} is not allowed`);
  }
}

/** Check a TwiML voice document against Twilio's rules; its verbs (as parseTwiml) when it
 * passes, an Error naming the broken rule otherwise. */
export function validateTwiml(xml) {
  const root = parseXml(xml);
  const bad = (why) => { throw new Error(`TwiML: ${why}: ${xml}`); };
  if (root.verb !== 'Response') bad(`the root is <${root.verb}>, not <Response>`);
  if (Object.keys(root.attrs).length) bad('<Response> takes no attributes');
  if (root.text.trim()) bad('text directly in <Response>');
  root.children.forEach((v, k) => {
    if (!VERBS.includes(v.verb)) bad(`<${v.verb}> is not a voice verb`);
    const prev = root.children[k - 1];
    if (prev && (['Hangup', 'Redirect', 'Reject'].includes(prev.verb) || (prev.verb === 'Dial' && prev.attrs.action))) {
      bad(`<${v.verb}> after <${prev.verb}${prev.verb === 'Dial' ? ' action' : ''}> is never reached`);
    }
    try { checkElement(v, `${v.verb}[${k}]`); } catch (e) { bad(e.message.replace(/^TwiML: /, '')); }
  });
  return root.children;
}
