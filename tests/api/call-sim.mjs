// call-sim.mjs — a small stand-in for Twilio calling our webhooks: it signs each request
// as Twilio does (base64 of HMAC-SHA1, keyed by the account's auth token, over the public
// URL followed by every POST parameter sorted by name, name and value concatenated),
// posts Twilio's form fields, and parses the TwiML answer into a list of verbs.
import crypto from 'node:crypto';

/** Twilio's X-Twilio-Signature for url and params with token. */
export function twilioSignature(token, url, params) {
  const data = url + Object.keys(params).sort().map((k) => k + params[k]).join('');
  return crypto.createHmac('sha1', token).update(Buffer.from(data, 'utf8')).digest('base64');
}

const unescape = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** TwiML as [{verb, attrs, text, children}] (the children of <Response>); throws when it is not one. */
export function parseTwiml(xml) {
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '').trim();
  const re = /<(\/?)([A-Za-z]+)((?:\s+[A-Za-z]+="[^"]*")*)\s*(\/?)>|([^<]+)/g;
  const root = { verb: '#', children: [] };
  const stack = [root];
  let m;
  while ((m = re.exec(body))) {
    if (m[5] !== undefined) { const top = stack[stack.length - 1]; top.text = (top.text || '') + unescape(m[5]); continue; }
    if (m[1]) { if (stack.pop().verb !== m[2]) throw new Error(`bad TwiML: ${xml}`); continue; }
    const attrs = {};
    for (const a of m[3].matchAll(/([A-Za-z]+)="([^"]*)"/g)) attrs[a[1]] = unescape(a[2]);
    const el = { verb: m[2], attrs, children: [] };
    stack[stack.length - 1].children.push(el);
    if (!m[4]) stack.push(el);
  }
  if (stack.length !== 1 || root.children.length !== 1 || root.children[0].verb !== 'Response') throw new Error(`bad TwiML: ${xml}`);
  return root.children[0].children;
}

/**
 * A caller: new CallSim({ server: 'http://127.0.0.1:port', base: 'https://hooks.test/evo' }).
 * call({ to, from, token, accountSid }) posts {base}/voice (sent to the server at the base's
 * path) signed with token; signature: override (a string) or null (none).
 */
export class CallSim {
  constructor({ server, base }) { this.server = server; this.base = base; }

  async post(route, params, { token, signature } = {}) {
    const publicUrl = this.base + route;
    const path = new URL(publicUrl).pathname;
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const sig = signature === undefined ? twilioSignature(token, publicUrl, params) : signature;
    if (sig !== null) headers['x-twilio-signature'] = sig;
    const res = await fetch(this.server + path + (new URL(publicUrl).search || ''), { method: 'POST', headers, body: new URLSearchParams(params).toString() });
    const text = await res.text();
    let verbs = null;
    try { verbs = parseTwiml(text); } catch { }
    return { status: res.status, contentType: res.headers.get('content-type'), text, verbs };
  }

  callParams({ to, from = '+13125550123', accountSid, callSid = 'CA' + crypto.randomBytes(16).toString('hex'), status = 'ringing', callerName = 'Ann Caller' }) {
    return { CallSid: callSid, AccountSid: accountSid, From: from, To: to, CallStatus: status, Direction: 'inbound', ApiVersion: '2010-04-01', CallerName: callerName };
  }

  call(opts) { return this.post('/voice', this.callParams(opts), opts); }
}
