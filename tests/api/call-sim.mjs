// call-sim.mjs — Twilio's side of a call, for tests: it signs each webhook as Twilio does
// (base64 of HMAC-SHA1, keyed by the account's auth token, over the full public URL
// followed by every POST parameter sorted by name, name and value concatenated), posts
// the fields Twilio posts, checks every answer against Twilio's TwiML rules (twiml-rules.mjs)
// and then plays it verb by verb: Say/Play/Pause are heard, Gather presses the digits the
// script gives (or times out and goes on), Redirect follows, Dial reports the outcome the
// script gives (and a recording when it recorded), Record reports a recording, Hangup or
// the end of a document ends the call with the number's status callback. A call returns
// its transcript: every request with its parameters, status and parsed TwiML.
import crypto from 'node:crypto';
import { parseTwiml, validateTwiml } from './twiml-rules.mjs';

export { parseTwiml, validateTwiml };

/** Twilio's X-Twilio-Signature for url and params with token. */
export function twilioSignature(token, url, params) {
  const data = url + Object.keys(params).sort().map((k) => k + params[k]).join('');
  return crypto.createHmac('sha1', token).update(Buffer.from(data, 'utf8')).digest('base64');
}

const sid = (prefix) => prefix + crypto.randomBytes(16).toString('hex');
const FINAL = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

/**
 * A carrier calling our webhooks.
 *   new CallSim({ servers: { [publicBase]: serverUrl | [serverUrl, ...] }, base })
 *   new CallSim({ server, base })            (one server behind one base)
 * A request for a public URL goes to the server of the longest base it starts with, at the
 * URL's path and query; a list of servers takes turns (each request to the next one).
 * base is where calls start (its /voice and /voice/status).
 */
export class CallSim {
  constructor({ server, base, servers, maxSteps = 40 }) {
    this.servers = { ...(servers || {}) };
    if (server) this.servers[base] = server;
    this.base = base || Object.keys(this.servers)[0];
    this.maxSteps = maxSteps;
    this.turn = 0;
  }

  /** The server URL (http://host:port/path?query) that serves publicUrl. */
  route(publicUrl) {
    publicUrl = String(publicUrl);
    const base = Object.keys(this.servers).filter((b) => publicUrl === b || publicUrl.startsWith(b + '/') || publicUrl.startsWith(b + '?'))
      .sort((a, b) => b.length - a.length)[0];
    if (!base) throw new Error(`no server for ${publicUrl}`);
    const s = this.servers[base];
    const server = Array.isArray(s) ? s[this.turn++ % s.length] : s;
    const u = new URL(publicUrl);
    return server + u.pathname + u.search;
  }

  /** One signed POST of params to publicUrl: {url, params, status, contentType, text, verbs, ms}. */
  async request(publicUrl, params, { token, signature } = {}) {
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const sig = signature === undefined ? twilioSignature(token, publicUrl, params) : signature;
    if (sig !== null) headers['x-twilio-signature'] = sig;
    const t0 = performance.now();
    const res = await fetch(this.route(publicUrl), { method: 'POST', headers, body: new URLSearchParams(params).toString() });
    const text = await res.text();
    const ms = performance.now() - t0;
    let verbs = null;
    try { verbs = parseTwiml(text); } catch { }
    return { url: publicUrl, params, status: res.status, contentType: res.headers.get('content-type'), text, verbs, ms };
  }

  /** A signed POST to this.base + route (the first simulator's form). */
  post(route, params, opts = {}) { return this.request((opts.base || this.base) + route, params, opts); }

  /** The fields Twilio posts when a call comes in. */
  callParams({ to, from = '+13125550123', accountSid, callSid = sid('CA'), status = 'ringing', callerName = 'Ann Caller' }) {
    return {
      CallSid: callSid, AccountSid: accountSid, From: from, To: to, Called: to, Caller: from, CallerName: callerName,
      CallStatus: status, Direction: 'inbound', ApiVersion: '2010-04-01',
      FromCity: 'CHICAGO', FromState: 'IL', FromZip: '60601', FromCountry: 'US',
      ToCity: 'CHICAGO', ToState: 'IL', ToZip: '60601', ToCountry: 'US',
      CalledCity: 'CHICAGO', CalledState: 'IL', CalledZip: '60601', CalledCountry: 'US',
      CallerCity: 'CHICAGO', CallerState: 'IL', CallerZip: '60601', CallerCountry: 'US',
    };
  }

  /**
   * A whole call: {to, from, callerName, token, accountSid, callSid, base, signature, script}.
   * script (every part optional):
   *   gather: [digits | null | async (call) => digits | null, ...]  one per Gather met;
   *           null or none left: the Gather times out and the document goes on
   *   dial:   [{status: 'no-answer'|'completed'|'busy'|'failed'|'canceled', duration, sid}, ...]
   *           one per Dial met (default no-answer)
   *   record: [{duration, sid, url, digits, silent}, ...] one per Record met (silent: no audio,
   *           so no action; the document goes on)
   *   hangupAt: n — the caller hangs up on the n-th answer (1 = the first), before acting on it
   *   onAnswer: async (step, call) => {} — called with each answer before it is played
   *   final: the status callback's CallStatus (default completed); noStatus: send none
   * Resolves to the Call (see class Call); a refused request (not 200) ends it with
   * call.error saying why; a TwiML violation or a step budget overrun rejects.
   */
  async call(opts) { const c = new Call(this, opts); await c.run(); return c; }
}

/** One call and its transcript. */
export class Call {
  constructor(sim, { to, from, callerName, token, accountSid, callSid, base, signature, script = {} }) {
    this.sim = sim;
    this.token = token;
    this.signature = signature;
    this.base = base || sim.base;
    this.script = script;
    this.fields = sim.callParams({ to, from, accountSid, callSid, callerName });
    this.callSid = this.fields.CallSid;
    this.steps = [];      // every request: {kind, url, params, status, contentType, text, verbs}
    this.heard = [];      // what the caller heard: {verb, text, attrs}
    this.events = [];     // what happened, in words: 'gather 1', 'gather timeout', 'dial no-answer', ...
    this.recordings = []; // {sid, url, duration, source}
    this.ended = false;
    this.endedBy = null;  // 'hangup' | 'end of document' | 'caller' | 'reject' | 'error'
    this.error = null;
    this.seconds = 0;
    this.gathers = 0; this.dials = 0; this.records = 0;
  }

  // the first answer's fields, so a call reads like the first simulator's single request
  get status() { return this.steps[0]?.status; }
  get contentType() { return this.steps[0]?.contentType; }
  get text() { return this.steps[0]?.text; }
  get verbs() { return this.steps[0]?.verbs; }
  /** the answers that carried TwiML to play (the first request and every action or redirect) */
  get documents() { return this.steps.filter((s) => s.kind === 'voice' || s.kind === 'action' || s.kind === 'redirect'); }
  /** every URL the carrier requested */
  get urls() { return this.steps.map((s) => s.url); }

  /** Post one request of this call: the call's fields (with CallStatus in-progress unless
   * inProgress is false) and extra; fields 'own': extra alone (a recording callback). */
  async send(kind, url, extra, inProgress = true) {
    if (this.steps.length >= this.sim.maxSteps) throw new Error(`step budget of ${this.sim.maxSteps} requests spent: ${this.urls.join(' ')}`);
    const params = inProgress === 'own' ? extra : { ...this.fields, ...(inProgress ? { CallStatus: 'in-progress' } : {}), ...extra };
    const step = await this.sim.request(url, params, { token: this.token, signature: this.signature });
    step.kind = kind;
    this.steps.push(step);
    if (step.status === 200) {
      if (!/^(text|application)\/xml\b/.test(step.contentType || '')) throw new Error(`${url}: answer is ${step.contentType}, not XML: ${step.text}`);
      step.verbs = validateTwiml(step.text);
    }
    return step;
  }

  async run() {
    try {
      let doc = await this.send('voice', this.base + '/voice', {}, false);
      while (doc) {
        if (doc.status !== 200) { this.fail(`${doc.url} answered ${doc.status}: ${doc.text}`); return; }
        if (this.script.onAnswer) await this.script.onAnswer(doc, this);
        if (this.script.hangupAt && this.documents.length >= this.script.hangupAt) { this.events.push('caller hung up'); await this.end('caller'); return; }
        doc = await this.play(doc);
      }
    } catch (e) {
      this.error = e;
      throw e;
    }
  }

  /** A request was refused: the caller hears an application error and the call is over
   * (nothing more is sent: a forged signature would forge the rest too). */
  fail(why) {
    this.error = new Error(why);
    this.endedBy = 'error';
    this.ended = true;
  }

  /** Play one document; the next document to play, or null when the call has ended. */
  async play(doc) {
    for (const v of doc.verbs) {
      switch (v.verb) {
        case 'Say': case 'Play': this.heard.push({ verb: v.verb, text: v.text, attrs: v.attrs }); this.seconds += 2; break;
        case 'Pause': this.seconds += Number(v.attrs.length || 1); break;
        case 'Gather': {
          for (const c of v.children) if (c.verb !== 'Pause') this.heard.push({ verb: c.verb, text: c.text, attrs: c.attrs });
          let digits = (this.script.gather || [])[this.gathers++];
          if (typeof digits === 'function') digits = await digits(this);
          if (digits === null || digits === undefined || digits === '') { this.events.push('gather timeout'); this.seconds += Number(v.attrs.timeout || 5); break; }
          this.events.push(`gather ${digits}`);
          return this.send('action', v.attrs.action || doc.url, { Digits: String(digits), FinishedOnKey: '' });
        }
        case 'Redirect': this.events.push('redirect'); return this.send('redirect', v.text.trim(), {});
        case 'Dial': {
          const d = { status: 'no-answer', ...((this.script.dial || [])[this.dials++] || {}) };
          const answered = d.status === 'completed' || d.status === 'answered';
          const dialSid = d.sid || sid('CA');
          const duration = answered ? (d.duration ?? 30) : 0;
          this.events.push(`dial ${d.status}`);
          this.seconds += answered ? duration : Number(v.attrs.timeout || 30);
          const extra = { DialCallStatus: d.status, DialCallSid: dialSid, DialCallDuration: String(duration) };
          if (answered) extra.DialBridged = 'true';
          let next = null;
          if (v.attrs.action) next = await this.send('action', v.attrs.action, extra);
          if (answered && v.attrs.record && v.attrs.record !== 'do-not-record' && v.attrs.recordingStatusCallback) {
            await this.recording(v.attrs.recordingStatusCallback, { duration, source: 'DialVerb', channels: /dual/.test(v.attrs.record) ? 2 : 1 });
          }
          if (v.attrs.action) return next;
          break; // no action: Twilio goes on with the document
        }
        case 'Record': {
          const r = (this.script.record || [])[this.records++] || {};
          if (r.silent) { this.events.push('record silent'); break; }
          const rec = { sid: r.sid || sid('RE'), duration: r.duration ?? 12 };
          rec.url = r.url || `https://api.twilio.com/2010-04-01/Accounts/${this.fields.AccountSid}/Recordings/${rec.sid}`;
          this.seconds += rec.duration;
          this.events.push(`record ${rec.duration} s`);
          const next = await this.send('action', v.attrs.action || doc.url, { RecordingUrl: rec.url, RecordingSid: rec.sid, RecordingDuration: String(rec.duration), Digits: r.digits ?? '#' });
          if (v.attrs.recordingStatusCallback) await this.recording(v.attrs.recordingStatusCallback, { ...rec, source: 'RecordVerb', channels: 1 });
          if (r.digits === 'hangup') { this.end('caller'); return null; }
          return next;
        }
        case 'Hangup': return this.end('hangup');
        case 'Reject': return this.end('reject', v.attrs.reason === 'busy' ? 'busy' : 'no-answer');
        default: throw new Error(`the simulator does not play <${v.verb}>`);
      }
    }
    return this.end('end of document');
  }

  /** A recordingStatusCallback for a finished recording: Twilio posts its own fields only,
   * and its CallSid is always the parent leg's (the caller's call), a Dial's recording too. */
  async recording(url, { sid: rsid = sid('RE'), url: rurl, duration, source, channels }) {
    rurl = rurl || `https://api.twilio.com/2010-04-01/Accounts/${this.fields.AccountSid}/Recordings/${rsid}`;
    this.recordings.push({ sid: rsid, url: rurl, duration, source });
    const step = await this.send('recording', url, {
      AccountSid: this.fields.AccountSid, CallSid: this.callSid, RecordingSid: rsid, RecordingUrl: rurl,
      RecordingStatus: 'completed', RecordingDuration: String(duration), RecordingChannels: String(channels),
      RecordingStartTime: new Date(Date.now() - duration * 1000).toUTCString(), RecordingSource: source, RecordingTrack: 'both', ErrorCode: '0',
    }, 'own');
    if (step.status !== 200) this.fail(`${url} answered ${step.status}: ${step.text}`);
    return step;
  }

  /** The call is over: the number's status callback. */
  async end(by, status = this.script.final || 'completed') {
    this.ended = true;
    this.endedBy = by;
    if (this.script.noStatus) return null;
    if (!FINAL.has(status)) throw new Error(`not a final call status: ${status}`);
    const step = await this.send('status', this.base + '/voice/status', {
      CallStatus: status, CallDuration: String(this.seconds), Duration: String(Math.ceil(this.seconds / 60)),
      Timestamp: new Date().toUTCString(), CallbackSource: 'call-progress-events', SequenceNumber: '0',
    }, false);
    if (step.status !== 200) this.fail(`status callback answered ${step.status}: ${step.text}`);
    return null;
  }
}
