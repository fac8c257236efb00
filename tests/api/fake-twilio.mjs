// fake-twilio.mjs — a scripted stand-in for Twilio's REST API (2010-04-01), in the test
// process: it keeps state (sub-accounts, numbers and their routing, listed page by page
// as Twilio does, SIP domains, credential lists, their mappings and credentials, calls,
// recordings and numbers the test puts there with addCall/addRecording/addNumber),
// checks Basic auth and form bodies like Twilio, and can be told to fail: Twilio-style
// error bodies, 429 with or without Retry-After, 5xx, or a slow answer to a request it
// still carries out (so a client that gives up early does not know whether it happened).
import http from 'node:http';
import crypto from 'node:crypto';

const hex = (n) => crypto.randomBytes(n).toString('hex');

export async function startFakeTwilio({ mainSid = 'AC' + hex(16), mainToken = hex(16) } = {}) {
  const accounts = new Map([[mainSid, { sid: mainSid, auth_token: mainToken, friendly_name: 'main', owner: null }]]);
  const numbers = new Map(); // PN sid -> number resource
  const calls = new Map();   // CA sid -> call resource
  const recordings = new Map(); // RE sid -> recording resource
  const domains = new Map(); // SD sid -> SIP domain {sid, account_sid, domain_name, calls: Set(CL), registrations: Set(CL)}
  const credentialLists = new Map(); // CL sid -> {sid, account_sid, friendly_name, credentials: Map(CR sid -> {sid, username, password})}
  const log = [];            // every request: {kind, method, path, form, query, auth (the Basic user), at}
  const faults = [];         // {kind, status, code, message, retryAfter, times, skip, delayMs, process}
  const settings = { maxPageSize: 1000, nextPageUri: undefined }; // Twilio's largest page of a list; a next_page_uri to answer instead of the true one

  const kindOf = (method, p) => {
    if (method === 'POST' && p === '/2010-04-01/Accounts.json') return 'createAccount';
    if (method === 'GET' && /^\/2010-04-01\/Accounts\/[^/]+\.json$/.test(p)) return 'getAccount';
    if (method === 'GET' && /\/AvailablePhoneNumbers\/[A-Z]{2}\/(Local|TollFree)\.json$/.test(p)) return 'search';
    if (method === 'POST' && /\/IncomingPhoneNumbers\.json$/.test(p)) return 'buy';
    if (method === 'GET' && /\/IncomingPhoneNumbers\.json$/.test(p)) return 'find';
    if (method === 'POST' && /\/IncomingPhoneNumbers\/PN[0-9a-f]{32}\.json$/.test(p)) return 'update';
    if (method === 'DELETE' && /\/IncomingPhoneNumbers\/PN[0-9a-f]{32}\.json$/.test(p)) return 'release';
    if (method === 'DELETE' && /\/Recordings\/RE[0-9a-fA-F]{32}\.json$/.test(p)) return 'deleteRecording';
    if (method === 'POST' && /\/Calls\/CA[0-9a-fA-F]{32}\.json$/.test(p)) return 'updateCall';
    const sip = /^\/2010-04-01\/Accounts\/[^/]+\/SIP\/(.+)$/.exec(p);
    if (sip) {
      const r = sip[1];
      if (r === 'Domains.json') return method === 'GET' ? 'listDomains' : method === 'POST' ? 'createDomain' : 'unknown';
      if (r === 'CredentialLists.json') return method === 'GET' ? 'listCredentialLists' : method === 'POST' ? 'createCredentialList' : 'unknown';
      if (/^Domains\/SD[0-9a-f]{32}\/Auth\/(Calls|Registrations)\/CredentialListMappings\.json$/.test(r)) return method === 'GET' ? 'listMappings' : method === 'POST' ? 'createMapping' : 'unknown';
      if (/^CredentialLists\/CL[0-9a-f]{32}\/Credentials\.json$/.test(r)) return method === 'GET' ? 'listCredentials' : method === 'POST' ? 'createCredential' : 'unknown';
      if (/^CredentialLists\/CL[0-9a-f]{32}\/Credentials\/CR[0-9a-f]{32}\.json$/.test(r)) return method === 'POST' ? 'updateCredential' : method === 'DELETE' ? 'deleteCredential' : 'unknown';
    }
    return 'unknown';
  };
  // Twilio's rule for a SIP credential's password: 12 or more, a digit, an upper- and a lower-case letter
  const strongPassword = (pw) => typeof pw === 'string' && pw.length >= 12 && /[0-9]/.test(pw) && /[A-Z]/.test(pw) && /[a-z]/.test(pw);
  const page = (key, items) => [200, { [key]: items, page: 0, page_size: 1000, start: 0, end: Math.max(items.length - 1, 0) }];
  const send = (res, status, body, headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const twilioError = (status, code, message) => ({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

  function authorized(req, accountSid) {
    const m = /^Basic (.+)$/.exec(req.headers.authorization || '');
    if (!m) return false;
    const [user, pass] = Buffer.from(m[1], 'base64').toString().split(':');
    const who = accounts.get(user);
    if (!who || who.auth_token !== pass) return false;
    if (!accountSid || accountSid === user) return true;
    const target = accounts.get(accountSid);
    return !!target && target.owner === user; // a main account acts on its sub-accounts
  }

  function carryOut(kind, method, p, form, query) {
    const acct = (/^\/2010-04-01\/Accounts\/([^/.]+)/.exec(p) || [])[1];
    // a DELETE of one of the account's resources: 204, or Twilio's 404 when it has none such
    const removeOwned = (map, sidOf) => {
      const sid = sidOf.exec(p)[1];
      const x = map.get(sid);
      if (!x || x.account_sid !== acct) return [404, twilioError(404, 20404, 'The requested resource was not found')];
      map.delete(sid);
      return [204, undefined];
    };
    switch (kind) {
      case 'createAccount': {
        const sid = 'AC' + hex(16);
        const a = { sid, auth_token: hex(16), friendly_name: form.FriendlyName || sid, owner: mainSid, status: 'active' };
        accounts.set(sid, a);
        return [201, { sid, auth_token: a.auth_token, friendly_name: a.friendly_name, status: 'active', owner_account_sid: mainSid }];
      }
      case 'getAccount': {
        const a = accounts.get(acct);
        return a ? [200, { sid: a.sid, friendly_name: a.friendly_name, status: 'active' }] : [404, twilioError(404, 20404, 'The requested resource was not found')];
      }
      case 'search': {
        const area = query.get('AreaCode') || '555';
        const list = Array.from({ length: 5 }, (_, i) => {
          const phone = `+1${area}${String(2000000 + Math.floor(Math.random() * 7999999)).slice(0, 7)}`;
          return { phone_number: phone, friendly_name: phone, locality: 'Springfield', region: 'IL', postal_code: '62701', iso_country: 'US', capabilities: { voice: true, SMS: true, MMS: false, fax: true } };
        });
        return [200, { available_phone_numbers: list }];
      }
      case 'buy': {
        const phone = form.PhoneNumber;
        if (!/^\+[1-9][0-9]{7,14}$/.test(phone || '')) return [400, twilioError(400, 21421, `PhoneNumber is invalid`)];
        for (const n of numbers.values()) if (n.phone_number === phone) return [400, twilioError(400, 21422, `PhoneNumber ${phone} is not available`)];
        if (form.FriendlyName && form.FriendlyName.length > 64) return [400, twilioError(400, 21404, 'FriendlyName is too long')];
        const sid = 'PN' + hex(16);
        const n = { sid, account_sid: acct, phone_number: phone, friendly_name: form.FriendlyName || phone,
          voice_url: form.VoiceUrl || null, sms_url: form.SmsUrl || null, status_callback: form.StatusCallback || null,
          status_callback_method: form.StatusCallbackMethod || 'POST', voice_receive_mode: form.VoiceReceiveMode || 'voice',
          address_sid: form.AddressSid || null, status: 'in-use', date_created: new Date().toUTCString() };
        numbers.set(sid, n);
        return [201, n];
      }
      case 'find': { // Twilio's paging: PageSize (at most maxPageSize), Page, next_page_uri
        const phone = query.get('PhoneNumber');
        const all = [...numbers.values()].filter((n) => n.account_sid === acct && (!phone || n.phone_number === phone));
        const size = Math.min(Math.max(Number(query.get('PageSize') || 50), 1), settings.maxPageSize);
        const pageNo = Number(query.get('Page') || 0);
        if (pageNo > 0 && query.get('PageToken') !== `PA${pageNo}`) return [400, twilioError(400, 20001, 'Invalid PageToken')];
        const items = all.slice(pageNo * size, (pageNo + 1) * size);
        const uri = (n) => `${p}?${phone ? `PhoneNumber=${encodeURIComponent(phone)}&` : ''}PageSize=${size}&Page=${n}${n ? `&PageToken=PA${n}` : ''}`;
        return [200, { incoming_phone_numbers: items, page: pageNo, page_size: size, start: pageNo * size, end: pageNo * size + Math.max(items.length - 1, 0),
          uri: uri(pageNo), first_page_uri: uri(0), next_page_uri: settings.nextPageUri ?? ((pageNo + 1) * size < all.length ? uri(pageNo + 1) : null), previous_page_uri: pageNo ? uri(pageNo - 1) : null }];
      }
      case 'update': {
        const sid = /(PN[0-9a-f]{32})\.json$/.exec(p)[1];
        const n = numbers.get(sid);
        if (!n || n.account_sid !== acct) return [404, twilioError(404, 20404, 'The requested resource was not found')];
        if (form.VoiceUrl !== undefined) n.voice_url = form.VoiceUrl;
        if (form.SmsUrl !== undefined) n.sms_url = form.SmsUrl;
        if (form.StatusCallback !== undefined) n.status_callback = form.StatusCallback;
        if (form.StatusCallbackMethod !== undefined) n.status_callback_method = form.StatusCallbackMethod;
        if (form.VoiceReceiveMode !== undefined) n.voice_receive_mode = form.VoiceReceiveMode;
        if (form.FriendlyName !== undefined) n.friendly_name = form.FriendlyName;
        return [200, n];
      }
      case 'release':
        return removeOwned(numbers, /(PN[0-9a-f]{32})\.json$/);
      case 'deleteRecording':
        return removeOwned(recordings, /(RE[0-9a-fA-F]{32})\.json$/);
      case 'updateCall': {
        const sid = /(CA[0-9a-fA-F]{32})\.json$/.exec(p)[1];
        const call = calls.get(sid);
        if (!call || call.account_sid !== acct) return [404, twilioError(404, 20404, 'The requested resource was not found')];
        if (form.Status !== undefined && !['completed', 'canceled'].includes(form.Status)) return [400, twilioError(400, 21218, 'Invalid Status')];
        const over = ['completed', 'canceled', 'busy', 'failed', 'no-answer'].includes(call.status);
        if (over) return [400, twilioError(400, 21220, 'Call is not in-progress. Cannot redirect.')];
        if (form.Status) call.status = form.Status;
        return [200, call];
      }
      case 'listDomains':
        return page('domains', [...domains.values()].filter((d) => d.account_sid === acct).map(({ calls, registrations, ...d }) => d));
      case 'createDomain': {
        const name = form.DomainName || '';
        if (!/^[a-z0-9-]+\.sip\.twilio\.com$/.test(name)) return [400, twilioError(400, 21231, 'DomainName is invalid')];
        for (const d of domains.values()) if (d.domain_name === name) return [400, twilioError(400, 21232, 'Domain name already exists')];
        const sid = 'SD' + hex(16);
        domains.set(sid, { sid, account_sid: acct, domain_name: name, friendly_name: form.FriendlyName || name, voice_url: form.VoiceUrl || null,
          sip_registration: form.SipRegistration === 'true', calls: new Set(), registrations: new Set() });
        const { calls, registrations, ...out } = domains.get(sid);
        return [201, out];
      }
      case 'listCredentialLists':
        return page('credential_lists', [...credentialLists.values()].filter((l) => l.account_sid === acct).map(({ credentials, ...l }) => l));
      case 'createCredentialList': {
        if (!form.FriendlyName) return [400, twilioError(400, 21100, 'FriendlyName is required')];
        const sid = 'CL' + hex(16);
        credentialLists.set(sid, { sid, account_sid: acct, friendly_name: form.FriendlyName, credentials: new Map() });
        return [201, { sid, account_sid: acct, friendly_name: form.FriendlyName }];
      }
      case 'listMappings': case 'createMapping': {
        const [, sd, auth] = /(SD[0-9a-f]{32})\/Auth\/(Calls|Registrations)\//.exec(p);
        const d = domains.get(sd);
        if (!d || d.account_sid !== acct) return [404, twilioError(404, 20404, 'The requested resource was not found')];
        const set = auth === 'Calls' ? d.calls : d.registrations;
        if (kind === 'listMappings') return page('contents', [...set].map((sid) => ({ sid, friendly_name: credentialLists.get(sid)?.friendly_name })));
        const l = credentialLists.get(form.CredentialListSid);
        if (!l || l.account_sid !== acct) return [400, twilioError(400, 21236, 'CredentialListSid is invalid')];
        if (set.has(l.sid)) return [409, twilioError(409, 21238, 'Credential list already mapped')];
        set.add(l.sid);
        return [201, { sid: l.sid, friendly_name: l.friendly_name }];
      }
      case 'listCredentials': case 'createCredential': case 'updateCredential': case 'deleteCredential': {
        const [, cl, cr] = /(CL[0-9a-f]{32})\/Credentials(?:\/(CR[0-9a-f]{32}))?/.exec(p);
        const l = credentialLists.get(cl);
        if (!l || l.account_sid !== acct) return [404, twilioError(404, 20404, 'The requested resource was not found')];
        const shown = ({ password, ...c }) => c; // Twilio never shows a password
        if (kind === 'listCredentials') return page('credentials', [...l.credentials.values()].map(shown));
        if (kind === 'createCredential') {
          const user = form.Username || '';
          if (!user || user.length > 32) return [400, twilioError(400, 21451, 'Username is invalid')];
          if (!strongPassword(form.Password)) return [400, twilioError(400, 21452, 'Password is not strong enough')];
          for (const x of l.credentials.values()) if (x.username === user) return [400, twilioError(400, 21450, 'Username already exists')];
          const sid = 'CR' + hex(16);
          l.credentials.set(sid, { sid, account_sid: acct, credential_list_sid: cl, username: user, password: form.Password });
          return [201, shown(l.credentials.get(sid))];
        }
        const c = l.credentials.get(cr);
        if (!c) return [404, twilioError(404, 20404, 'The requested resource was not found')];
        if (kind === 'deleteCredential') { l.credentials.delete(cr); return [204, undefined]; }
        if (!strongPassword(form.Password)) return [400, twilioError(400, 21452, 'Password is not strong enough')];
        c.password = form.Password;
        return [200, shown(c)];
      }
      default:
        return [404, twilioError(404, 20404, 'The requested resource was not found')];
    }
  }

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => { raw += d; });
    req.on('end', async () => {
      const url = new URL(req.url, 'http://fake');
      const p = url.pathname;
      const kind = kindOf(req.method, p);
      const ct = req.headers['content-type'] || '';
      if (req.method === 'POST' && raw && !ct.startsWith('application/x-www-form-urlencoded')) {
        return send(res, 415, twilioError(415, 20415, 'Unsupported Media Type'));
      }
      const form = Object.fromEntries(new URLSearchParams(raw));
      const auth = Buffer.from((/^Basic (.+)$/.exec(req.headers.authorization || '') || [])[1] || '', 'base64').toString().split(':')[0];
      log.push({ kind, method: req.method, path: p, form, query: Object.fromEntries(url.searchParams), auth, at: Date.now() });
      const acct = (/^\/2010-04-01\/Accounts\/([^/.]+)/.exec(p) || [])[1];
      if (!authorized(req, kind === 'createAccount' ? null : acct)) {
        return send(res, 401, twilioError(401, 20003, 'Authentication Error - invalid username'));
      }
      let f = faults.find((x) => x.kind === kind && x.times > 0);
      if (f && f.skip > 0) { f.skip--; f = null; } // let this one through: fail a later one
      if (f) {
        f.times--;
        if (f.delayMs) { // slow: carry it out now (if told to), answer late
          const result = f.process ? carryOut(kind, req.method, p, form, url.searchParams) : null;
          await new Promise((r) => setTimeout(r, f.delayMs));
          if (res.destroyed || res.writableEnded) return;
          return result ? send(res, result[0], result[1]) : send(res, 504, twilioError(504, 20504, 'Gateway timeout'));
        }
        const headers = f.retryAfter !== undefined ? { 'retry-after': String(f.retryAfter) } : {};
        return send(res, f.status, twilioError(f.status, f.code || (f.status === 429 ? 20429 : 20500), f.message || (f.status === 429 ? 'Too Many Requests' : 'Service unavailable')), headers);
      }
      const [status, body] = carryOut(kind, req.method, p, form, url.searchParams);
      send(res, status, body);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}`, port, mainSid, mainToken, accounts, numbers, calls, recordings, domains, credentialLists, log,
    /** a live call on accountSid (status: in-progress unless told); its sid */
    addCall(accountSid = mainSid, status = 'in-progress') {
      const sid = 'CA' + hex(16);
      calls.set(sid, { sid, account_sid: accountSid, status, direction: 'inbound', api_version: '2010-04-01' });
      return sid;
    },
    /** a recording kept on accountSid; its sid */
    addRecording(accountSid = mainSid) {
      const sid = 'RE' + hex(16);
      recordings.set(sid, { sid, account_sid: accountSid, status: 'completed', api_version: '2010-04-01' });
      return sid;
    },
    /** every SIP credential: {sid, username, password, list} */
    credentials() { return [...credentialLists.values()].flatMap((l) => [...l.credentials.values()].map((c) => ({ ...c, list: l.sid }))); },
    /** fail the next `times` requests of `kind` ('buy', 'update', ...) with {status, code, message, retryAfter},
     * after letting `skip` of them through */
    fail(kind, opts) { faults.push({ kind, times: 1, ...opts }); },
    /** answer the next `times` requests of `kind` after delayMs; process: carry them out first */
    slow(kind, delayMs, opts = {}) { faults.push({ kind, times: 1, delayMs, process: true, ...opts }); },
    clearFaults() { faults.length = 0; },
    /** the largest page a list answers with (Twilio's is 1000), so a test can make a list span pages */
    setMaxPageSize(n) { settings.maxPageSize = n; },
    /** answer every list with this next_page_uri (undefined: the true one) */
    setNextPageUri(uri) { settings.nextPageUri = uri; },
    /** a number on accountSid that the server did not buy (bought elsewhere, or before it); the resource */
    addNumber(accountSid, phone, extra = {}) {
      const sid = 'PN' + hex(16);
      const n = { sid, account_sid: accountSid, phone_number: phone, friendly_name: phone, voice_url: 'https://elsewhere.example/voice', sms_url: null,
        status_callback: null, status_callback_method: 'POST', voice_receive_mode: 'voice', address_sid: null, status: 'in-use', date_created: new Date().toUTCString(), ...extra };
      numbers.set(sid, n);
      return n;
    },
    count(kind) { return log.filter((l) => l.kind === kind).length; },
    close() { server.closeAllConnections?.(); return new Promise((r) => server.close(r)); },
  };
}
