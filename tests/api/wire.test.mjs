// wire.test.mjs — every operation in every format, as WIRE.md says: the seeds' samples
// (JSON, JSV, XML) against the server's output (same keys/elements, order and nesting),
// JSV edge cases as request bodies and query-string values, format negotiation for every
// route of the operation table (?format, suffixes, Accept, /{format}/reply/{Op}), JSONP,
// XML and multipart request bodies, and XML with a DTD or external entity refused without
// anything being fetched.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {
  startServer, makeWorld, REPO, readSeed, camel, randomHex24, expectStatus, describeRes,
  PATCH_ACCOUNT_SEED, PATCH_CUSTOMER_SEED, STAGING_SEED, seedResponseJson, seedRequestJson, RULE,
} from './harness.mjs';

let srv, w, acct, cust, tag;
const SA = () => ({ ...w.sa, basic: true });

const ITEM = { baseCost: 1.5, rawUnitMultiplier: 2, unitCost: 0.25, allowance: 3 };
const BILLING = Object.fromEntries(['base', 'localNumbers', 'tollFreeNumbers', 'inboundVoiceCalls', 'outboundVoiceCalls',
  'inboundFaxes', 'outboundFaxes', 'inboundSmsMessages', 'outboundSmsMessages', 'aiInsights', 'aiLiveMinutes', 'aiMessages']
  .map((k) => [k, ITEM]));
const APP = {
  enablePhoneNumberManagement: true, enableDeviceManagement: true, enableDialer: true, enableCallHistory: true,
  enableAssistants: true, showFileNameInMessageCenter: true, chakraTheme: 'dark', customCss: 'a{}', pageTitle: 'T',
  stringMappings: 'm', logoutUrl: 'https://x/logout', portMyNumberUrl: 'https://x/port',
};

before(async () => {
  srv = await startServer();
  w = await makeWorld(srv, 'wire');
  // an account and a customer with every settable field, so every key is present
  acct = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'Wire Child', parentAccountId: w.A.id } });
  acct = await srv.ok('PATCH', `/accounts/${acct.id}`, { as: w.sa, body: { maxPhoneNumbers: 9, logoId: 'logo-1', billingSettings: BILLING } });
  const st = await srv.ok('PATCH', '/system/settings', { as: w.sa, body: { accountId: w.A.id, tags: [{ name: 'VIP', color: 'Gold' }] } });
  tag = st.tags[0];
  cust = await srv.ok('POST', '/customers', { as: w.sa, body: { accountId: w.A.id, name: 'Wire Kid', parentCustomerId: w.cA1.id } });
  cust = await srv.ok('PATCH', `/customers/${cust.id}`, {
    as: w.sa,
    body: {
      referenceId: 'CRM-1', tagIds: [tag.id], data: { plan: { stringValue: 'gold' } },
      schedule: { timeZoneId: 'America/New_York', inherit: false, forceClosed: false, rules: [RULE], defaultState: 'Closed' },
      overrideBillingSettings: true, billingSettings: BILLING, overrideAppSettings: true, appSettings: APP,
    },
  });
});
after(() => srv && srv.cleanup());

// ------------------------------------------------------------------------------ parsers

/** JSV text -> JS value (objects keep key order; every scalar a string), per WIRE.md. */
export function parseJsv(s, { trim = false } = {}) {
  let i = 0;
  const isWs = (c) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
  const ws = () => { while (i < s.length && isWs(s[i])) i++; };
  const fail = (m) => { throw new Error(`JSV: ${m} at ${i} in ${s.slice(Math.max(0, i - 40), i + 40)}`); };
  function quoted() {
    i++;
    let out = '';
    for (;;) {
      if (i >= s.length) fail('unterminated string');
      const c = s[i++];
      if (c === '"') { if (s[i] === '"') { out += '"'; i++; continue; } break; }
      out += c;
    }
    return out;
  }
  function value(top) {
    let j = i;
    while (j < s.length && isWs(s[j])) j++;
    if (s[j] === '{' || s[j] === '[' || s[j] === '"') i = j;
    let v;
    if (s[i] === '{') v = obj();
    else if (s[i] === '[') v = list();
    else if (s[i] === '"') v = quoted();
    else {
      const st = i;
      if (top) i = s.length; else while (i < s.length && s[i] !== ',' && s[i] !== '}' && s[i] !== ']') i++;
      const raw = s.slice(st, i);
      return trim ? raw.trim() : raw;
    }
    ws();
    return v;
  }
  function obj() {
    i++; ws();
    const o = {};
    if (s[i] === '}') { i++; return o; }
    for (;;) {
      ws();
      let k;
      if (s[i] === '"') { k = quoted(); ws(); } else { const st = i; while (i < s.length && !':,}'.includes(s[i])) i++; k = s.slice(st, i).trim(); }
      if (s[i] !== ':') fail('expected :');
      i++;
      o[k] = value(false);
      if (s[i] === ',') { i++; continue; }
      if (s[i] === '}') { i++; return o; }
      fail('expected , or }');
    }
  }
  function list() {
    i++;
    const a = [];
    let j = i; while (j < s.length && isWs(s[j])) j++;
    if (s[j] === ']') { i = j + 1; return a; }
    for (;;) {
      a.push(value(false));
      if (s[i] === ',') { i++; continue; }
      if (s[i] === ']') { i++; return a; }
      fail('expected , or ]');
    }
  }
  const v = value(true);
  if (i !== s.length) fail('trailing text');
  return v;
}

const decodeXml = (t) => t.replace(/&(lt|gt|amp|quot|apos|#x([0-9a-fA-F]+)|#(\d+));/g, (m, n, hx, dec) =>
  hx ? String.fromCodePoint(parseInt(hx, 16)) : dec ? String.fromCodePoint(+dec) : { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[n]);

/** Our own (well-formed, comment-free) XML -> {name, attrs, children, text}. */
export function parseXml(s) {
  s = s.replace(/^<\?xml[^>]*\?>/, '');
  const re = /<(\/?)([\w:.]+)((?:\s+[\w:.]+="[^"]*")*)\s*(\/?)>|([^<]+)/g;
  const root = { name: '#doc', attrs: {}, children: [], text: '' };
  const stack = [root];
  let m;
  while ((m = re.exec(s))) {
    const top = stack[stack.length - 1];
    if (m[5] !== undefined) { top.text += decodeXml(m[5]); continue; }
    if (m[1]) { stack.pop(); continue; }
    const attrs = {};
    for (const a of m[3].matchAll(/([\w:.]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    const el = { name: m[2], attrs, children: [], text: '' };
    top.children.push(el);
    if (!m[4]) stack.push(el);
  }
  assert.equal(stack.length, 1, 'unbalanced XML');
  return root.children[0];
}
const local = (n) => n.slice(n.indexOf(':') + 1);
const isNil = (el) => el.attrs['i:nil'] === 'true';

/** Parse CSV (RFC 4180) into rows of cells. */
function parseCsv(s) {
  const rows = [];
  let row = [], cell = '', i = 0, q = false;
  while (i < s.length) {
    const c = s[i];
    if (q) {
      if (c === '"') { if (s[i + 1] === '"') { cell += '"'; i += 2; continue; } q = false; i++; continue; }
      cell += c; i++; continue;
    }
    if (c === '"') { q = true; i++; continue; }
    if (c === ',') { row.push(cell); cell = ''; i++; continue; }
    if (c === '\r' && s[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i += 2; continue; }
    cell += c; i++;
  }
  assert.equal(cell, '', 'CSV must end with CRLF');
  return rows;
}

// -------------------------------------------------------------------- shape comparisons

/**
 * The keys of `got` must be the seed's, in the seed's order, with the same nesting; `extra`
 * keys may appear in got only (fields the samples leave out), `missing` may be absent.
 * A seed object whose only key is "String" is a dictionary sample.
 */
function sameShape(seed, got, where, { extra = [], missing = [] } = {}) {
  const opts = { extra, missing };
  if (Array.isArray(seed)) {
    assert.ok(Array.isArray(got), `${where}: expected a list, got ${JSON.stringify(got)}`);
    if (seed.length && typeof seed[0] === 'object') {
      assert.ok(got.length > 0, `${where}: the list is empty, cannot compare its items`);
      for (const [k, it] of got.entries()) sameShape(seed[0], it, `${where}[${k}]`, opts);
    }
    return;
  }
  if (seed && typeof seed === 'object') {
    assert.ok(got && typeof got === 'object' && !Array.isArray(got), `${where}: expected an object, got ${JSON.stringify(got)}`);
    const sk = Object.keys(seed);
    if (sk.length === 1 && sk[0] === 'String') {
      for (const [k, v] of Object.entries(got)) sameShape(seed.String, v, `${where}[${k}]`, opts);
      return;
    }
    const gk = Object.keys(got);
    for (const k of gk) if (!sk.includes(k)) assert.ok(extra.includes(k), `${where}: unexpected key ${k}`);
    for (const k of sk) if (!gk.includes(k)) assert.ok(missing.includes(k), `${where}: key ${k} missing`);
    assert.deepEqual(gk.filter((k) => sk.includes(k)), sk.filter((k) => gk.includes(k)), `${where}: key order`);
    for (const k of sk) if (gk.includes(k)) sameShape(seed[k], got[k], `${where}.${k}`, opts);
    return;
  }
  assert.ok(got === null || typeof got !== 'object', `${where}: expected a scalar, got ${JSON.stringify(got)}`);
}

/** XML: same element names in the same order with the same nesting, and the same namespace
 * declarations on every element the seed declares one on. */
function sameXmlShape(seed, got, where, extra = []) {
  assert.equal(got.name, seed.name, `${where}: element name`);
  for (const [a, v] of Object.entries(seed.attrs)) assert.equal(got.attrs[a], v, `${where}/${seed.name}: attribute ${a}`);
  if (!seed.children.length) return;
  assert.ok(!isNil(got), `${where}/${seed.name} is nil, cannot compare its members`);
  const sn = seed.children.map((c) => c.name), gn = got.children.map((c) => c.name);
  const same = [...new Set(sn)];
  for (const n of gn) if (!sn.includes(n)) assert.ok(extra.includes(n), `${where}/${seed.name}: unexpected element ${n}`);
  assert.deepEqual(gn.filter((n) => same.includes(n)).filter((n, i, a) => a.indexOf(n) === i), same, `${where}/${seed.name}: element order`);
  for (const sc of seed.children) {
    const gc = got.children.find((c) => c.name === sc.name);
    sameXmlShape(sc, gc, `${where}/${seed.name}`, extra);
  }
}

/** Is the XML document equal to the JSON value (element names camelCased, nil = absent)? */
function xmlEqualsJson(el, ref, where) {
  if (Array.isArray(ref)) {
    const items = el.children;
    assert.equal(items.length, ref.length, `${where}: list length`);
    items.forEach((c, i) => xmlEqualsJson(c, ref[i], `${where}[${i}]`));
    return;
  }
  if (ref && typeof ref === 'object') {
    const kids = el.children.filter((c) => !isNil(c));
    if (kids.length && kids.every((c) => local(c.name).startsWith('KeyValueOf'))) { // Dictionary<string,T>
      const got = {};
      for (const kv of kids) {
        const k = kv.children.find((c) => local(c.name) === 'Key').text;
        const v = kv.children.find((c) => local(c.name) === 'Value');
        got[k] = v;
      }
      assert.deepEqual(Object.keys(got).sort(), Object.keys(ref).sort(), `${where}: dictionary keys`);
      for (const k of Object.keys(ref)) xmlEqualsJson(got[k], ref[k], `${where}[${k}]`);
      return;
    }
    const names = kids.map((c) => camel(local(c.name)));
    assert.deepEqual([...names].sort(), Object.keys(ref).sort(), `${where}: members`);
    for (const c of kids) xmlEqualsJson(c, ref[camel(local(c.name))], `${where}.${local(c.name)}`);
    return;
  }
  assert.equal(el.children.length, 0, `${where}: expected a scalar`);
  assert.equal(el.text, String(ref), `${where}: value`);
}

/** JSON value as JSV reads it: every scalar a string, booleans True/False. */
function asJsv(v) {
  if (Array.isArray(v)) return v.map(asJsv);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asJsv(x)]));
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

// ----------------------------------------------------------------------------- seeds

const seedText = (name) => readSeed(name);
function seedXml(name, element) {
  const s = seedText(name);
  const a = s.indexOf(`<${element} `);
  const e = s.indexOf(`</${element}>`, a) + element.length + 3;
  return s.slice(a, e);
}
/** the n-th (1-based) {...} after "Content-Length: length" in a JSV seed */
function seedJsv(name, nth) {
  const s = seedText(name);
  let at = -1;
  for (let k = 0; k < nth; k++) at = s.indexOf('Content-Length: length', at + 1);
  const st = s.indexOf('{', at);
  let depth = 0, e = st;
  for (; e < s.length; e++) { if (s[e] === '{') depth++; else if (s[e] === '}' && --depth === 0) break; }
  return s.slice(st, e + 1);
}

describe('seed samples: the same keys, order and nesting', () => {
  test('AccountInfo in XML matches the PatchAccount seed (namespaces included)', async () => {
    const r = await srv.req('GET', `/accounts/${acct.id}`, { as: w.sa, query: { format: 'xml' } });
    expectStatus(r, 200);
    assert.equal(r.headers.get('content-type'), 'application/xml');
    assert.ok(r.text.startsWith('<?xml version="1.0" encoding="utf-8"?><AccountInfo xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/Voice.Api.Accounts">'), r.text.slice(0, 300));
    const got = parseXml(r.text);
    sameXmlShape(parseXml(seedXml(PATCH_ACCOUNT_SEED, 'AccountInfo')), got, '', ['AIMessages']);
    // the one member the older seed lacks sits where ordinal order puts it
    const billing = got.children.find((c) => c.name === 'BillingSettings').children.map((c) => c.name);
    assert.deepEqual(billing.slice(0, 3), ['AIInsights', 'AILiveMinutes', 'AIMessages']);
    xmlEqualsJson(got, (await srv.req('GET', `/accounts/${acct.id}`, { as: w.sa })).json, 'AccountInfo');
  });

  test('the PatchAccount XML request sample is accepted as it is', async () => {
    const a = await srv.ok('POST', '/accounts', { as: w.sa, body: { name: 'From XML' } });
    const body = seedXml(PATCH_ACCOUNT_SEED, 'PatchAccount').replace('<AccountId>String</AccountId>', `<AccountId>${a.id}</AccountId>`);
    const r = await srv.req('PATCH', `/accounts/${a.id}`, { as: w.sa, body, headers: { 'content-type': 'application/xml', accept: 'application/xml' } });
    expectStatus(r, 200);
    const x = parseXml(r.text);
    const get = (n) => x.children.find((c) => c.name === n);
    assert.equal(get('Name').text, 'String');
    assert.equal(get('LogoId').text, 'String');
    assert.equal(get('MaxPhoneNumbers').text, '0');
    assert.equal(get('BillingSettings').children.find((c) => c.name === 'Base').children.find((c) => c.name === 'BaseCost').text, '0');
  });

  test('CustomerInfo in JSV matches the PatchCustomer seed', async () => {
    const r = await srv.req('GET', `/customers/${cust.id}`, { as: w.sa, query: { format: 'jsv' } });
    expectStatus(r, 200);
    assert.equal(r.headers.get('content-type'), 'application/jsv; charset=utf-8');
    const got = parseJsv(r.text);
    // the sample leaves out the Struct-typed data/flowParams; integrationData is not settable
    sameShape(parseJsv(seedJsv(PATCH_CUSTOMER_SEED, 2), { trim: true }), got, 'CustomerInfo',
      { extra: ['data', 'flowParams'], missing: ['integrationData'] });
    assert.deepEqual(got, asJsv((await srv.req('GET', `/customers/${cust.id}`, { as: w.sa })).json));
  });

  test('the PatchCustomer JSV request sample binds every member', async () => {
    // the docs page pretty-prints; on the wire whitespace after ':' is part of the value
    const compact = seedJsv(PATCH_CUSTOMER_SEED, 1).replace(/[\r\n\t]/g, '').replace(/: /g, ':');
    assert.ok(Object.keys(parseJsv(compact)).includes('billingSettings'));
    const c = await srv.ok('POST', '/customers', { as: w.sa, body: { accountId: w.A.id, name: 'From JSV', parentCustomerId: w.cA1.id } });
    const values = { customerId: c.id, parentCustomerId: w.cA1.id, timeZoneId: 'UTC', startDate: '2026-01-05', untilDate: '2027-01-01',
      startTime: '09:00', endTime: '17:00' };
    let body = compact.replace(/tagIds:\[String\]/, `tagIds:[${tag.id}]`);
    for (const [k, v] of Object.entries(values)) body = body.replace(`${k}:String`, `${k}:${v}`);
    const r = await srv.req('PATCH', `/customers/${c.id}`, { as: w.sa, body, headers: { 'content-type': 'text/jsv', accept: 'text/jsv' } });
    expectStatus(r, 200);
    assert.equal(r.headers.get('content-type'), 'application/jsv; charset=utf-8');
    const got = parseJsv(r.text);
    assert.equal(got.name, 'String');
    assert.equal(got.referenceId, 'String');
    assert.deepEqual(got.tags.map((t) => t.id), [tag.id]);
    assert.equal(got.schedule.rules[0].simpleRuleType, 'Always');
    assert.deepEqual(got.billingSettings.aiMessages, { baseCost: '0', rawUnitMultiplier: '0', unitCost: '0', allowance: '0' });
    assert.equal(got.appSettings.pageTitle, 'String');
  });

  test('CustomerInfo in JSON matches the SetCustomerStagingMode seed; its request sample works', async () => {
    const body = { ...seedRequestJson(STAGING_SEED), customerId: cust.id };
    const r = await srv.req('POST', `/customers/${cust.id}/staging`, { as: w.sa, body });
    expectStatus(r, 200);
    sameShape(seedResponseJson(STAGING_SEED), r.json, 'CustomerInfo', { extra: ['data', 'flowParams'], missing: ['integrationData'] });
  });

  test('CustomerInfo in XML: every member, nested namespaces, dictionaries', async () => {
    const r = await srv.req('GET', `/customers/${cust.id}.xml`, { as: w.sa });
    expectStatus(r, 200);
    const x = parseXml(r.text);
    assert.equal(x.name, 'CustomerInfo');
    assert.match(r.text, /<Schedule xmlns:d2p1="http:\/\/schemas.datacontract.org\/2004\/07\/Voice.Api.Scheduling"><d2p1:DefaultState>Closed<\/d2p1:DefaultState>/);
    assert.match(r.text, /<Tags xmlns:d2p1="http:\/\/schemas.datacontract.org\/2004\/07\/Voice.Api.Settings"><d2p1:Tag><d2p1:Color>Gold<\/d2p1:Color>/);
    assert.match(r.text, /<Data xmlns:d2p1="http:\/\/schemas.microsoft.com\/2003\/10\/Serialization\/Arrays"><d2p1:KeyValueOfstringValue8Ahp2kgT><d2p1:Key>plan<\/d2p1:Key>/);
    const names = x.children.map((c) => c.name);
    assert.deepEqual(names.slice(0, 5), ['CreatedBy', 'DateCreated', 'DateLastModified', 'Id', 'LastModifiedBy']);
    const own = names.slice(5);
    assert.deepEqual(own, [...own].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), 'own members in ordinal order');
    xmlEqualsJson(x, (await srv.req('GET', `/customers/${cust.id}`, { as: w.sa })).json, 'CustomerInfo');
  });
});

// ------------------------------------------------------------------------ JSV edge cases

const SPECIAL = ['a"b', 'a:b', 'a,b', 'a{b', 'a}b', 'a[b', 'a]b', 'a\rb', 'a\nb', '""', '"', ' both ends ', 'x"y,z:[1]{2}', 'Ünï €'];
const jsvString = (s) => (s === '' || /[":,{}[\]\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

describe('JSV edge cases', () => {
  test('strings with each special character, as JSV bodies, come back the same in JSON and JSV', async () => {
    for (const s of SPECIAL) {
      const r = await srv.req('PATCH', `/customers/${cust.id}`, {
        as: w.sa, body: `{referenceId:${jsvString(s)}}`, headers: { 'content-type': 'application/jsv' },
      });
      expectStatus(r, 200, JSON.stringify(s));
      assert.equal(r.json.referenceId, s);
      const j = await srv.req('GET', `/customers/${cust.id}`, { as: w.sa, query: { format: 'jsv' } });
      assert.equal(parseJsv(j.text).referenceId, s);
      assert.ok(j.text.includes(`referenceId:${jsvString(s)},`), `written as ${jsvString(s)}`);
    }
  });

  test('query-string values: strings as-is, other types parsed as JSV', async () => {
    for (const s of SPECIAL) {
      const r = await srv.req('GET', '/customers', { as: w.sa, query: { nameFilter: s, accountIds: w.A.id } });
      expectStatus(r, 200, JSON.stringify(s));
    }
    // a string field takes the quotes literally
    let r = await srv.req('PATCH', `/customers/${cust.id}`, { as: w.sa, query: { referenceId: '"q,1"' } });
    expectStatus(r, 200);
    assert.equal(r.json.referenceId, '"q,1"');
    // lists with and without brackets, quoted items
    for (const q of [`${tag.id}`, `[${tag.id}]`, `["${tag.id}"]`]) {
      r = await srv.req('GET', '/customers', { as: w.sa, query: { accountIds: `[${w.A.id}]`, tagIds: q } });
      expectStatus(r, 200);
      assert.ok(r.json.items.some((c) => c.id === cust.id), q);
      for (const c of r.json.items) assert.ok(c.tags.some((t) => t.id === tag.id), `${q}: ${c.id} has the tag`);
    }
    // an object value
    r = await srv.req('PATCH', `/customers/${cust.id}`, { as: w.sa, query: { schedule: '{timeZoneId:"Europe/Paris",rules:[]}', format: 'jsv' } });
    expectStatus(r, 200);
    assert.equal(parseJsv(r.text).schedule.timeZoneId, 'Europe/Paris');
  });

  test('booleans in every accepted spelling, in a JSV body and in the query string', async () => {
    const spellings = [['true', true], ['True', true], ['TRUE', true], ['1', true], ['t', true], ['Y', true], ['on', true],
      ['false', false], ['False', false], ['0', false], ['f', false], ['n', false], ['off', false], ['OFF', false]];
    for (const [s, want] of spellings) {
      let r = await srv.req('POST', `/customers/${cust.id}/staging`, { as: w.sa, body: `{isStaging:${s}}`, headers: { 'content-type': 'text/jsv' } });
      expectStatus(r, 200, s);
      assert.equal(r.json.isStaging, want, `body ${s}`);
      r = await srv.req('POST', `/customers/${cust.id}/staging`, { as: w.sa, query: { isStaging: s } });
      expectStatus(r, 200, s);
      assert.equal(r.json.isStaging, want, `query ${s}`);
    }
    const r = await srv.req('POST', `/customers/${cust.id}/staging`, { as: w.sa, query: { isStaging: 'maybe' } });
    expectStatus(r, 400);
    assert.equal(r.json.responseStatus.errors[0].fieldName, 'IsStaging');
  });

  test('empty string vs null vs `key:` ; nested lists of objects', async () => {
    const c = await srv.ok('POST', '/customers', { as: w.sa, body: { accountId: w.A.id, name: 'Edge', referenceId: 'R' } });
    const jsv = (body) => srv.req('PATCH', `/customers/${c.id}`, { as: w.sa, body, headers: { 'content-type': 'application/jsv' } });
    let r = await jsv('{name:Edge2}'); // absent: kept
    assert.equal(r.json.referenceId, 'R');
    r = await jsv('{referenceId:}'); // `key:` is the empty string: clears
    expectStatus(r, 200);
    assert.ok(!r.json.referenceId, JSON.stringify(r.json.referenceId));
    r = await jsv('{referenceId:R2}');
    r = await jsv('{referenceId:""}');
    assert.ok(!r.json.referenceId);
    // nested lists of objects with quoted members
    r = await jsv(`{schedule:{timeZoneId:UTC,rules:[{name:"a,b",priority:1,simpleRuleType:Always,state:Open,byDay:[{dayOfWeek:Monday},{offset:1,dayOfWeek:Friday}]},{name:"c""d",priority:2,simpleRuleType:Always,state:Closed}]}}`);
    expectStatus(r, 200);
    assert.deepEqual(r.json.schedule.rules.map((x) => x.name), ['a,b', 'c"d']);
    assert.deepEqual(r.json.schedule.rules[0].byDay, [{ offset: 0, dayOfWeek: 'Monday' }, { offset: 1, dayOfWeek: 'Friday' }]);
    const back = await srv.req('GET', `/customers/${c.id}`, { as: w.sa, query: { format: 'jsv' } });
    assert.deepEqual(parseJsv(back.text), asJsv(r.json));
  });
});

// ---------------------------------------------------------- every route, every format

/** The operation table, read from src/api/ops.c: [{name, verbs, routes}]. */
function operations() {
  const src = fs.readFileSync(path.join(REPO, 'src/api/ops.c'), 'utf8');
  const ops = [];
  for (const m of src.matchAll(/\{\s*"(\w+)",\s*"([A-Z,]+)",\s*\{((?:\s*"[^"]*"\s*,?)*)\}/g)) {
    const routes = [...m[3].matchAll(/"([^"]+)"/g)].map((x) => x[1]);
    ops.push({ name: m[1], verbs: m[2].split(','), routes });
  }
  assert.ok(ops.length >= 18, `read ${ops.length} operations from ops.c`);
  return ops;
}

const VOLATILE = new Set(['dateLastModified', 'sessionId', 'bearerToken', 'refreshToken']);
function stripVolatile(v) {
  if (Array.isArray(v)) return v.map(stripVolatile);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => !VOLATILE.has(k)).map(([k, x]) => [k, stripVolatile(x)]));
  return v;
}
function stripXml(el) {
  return { ...el, children: el.children.filter((c) => !VOLATILE.has(camel(local(c.name)))).map(stripXml) };
}

/** How each route is exercised: a real id for reads and patches, a missing one for deletes
 * (a deterministic 404); writes that create are sent without a body (a deterministic 400). */
function requestFor(op, route) {
  const verb = op.verbs[0];
  const ids = { accountId: acct.id, customerId: cust.id, userId: w.mgrA.id, provider: 'credentials' };
  const params = {};
  const p = route.replace(/\{(\w+)\}/g, (m, k) => {
    const v = verb === 'DELETE' ? randomHex24() : (ids[k] || randomHex24());
    params[k] = v;
    return encodeURIComponent(v);
  });
  return { verb, path: p, params, query: { accountId: w.A.id } };
}

const CT = { json: 'application/json; charset=utf-8', jsv: 'application/jsv; charset=utf-8', xml: 'application/xml', csv: 'text/csv' };

function checkSame(fmt, r, ref, where) {
  assert.equal(r.status, ref.status, `${where}: status ${describeRes(r)}`);
  if (ref.status === 204) { assert.equal(r.text, ''); return; }
  assert.equal(r.headers.get('content-type'), CT[fmt], `${where}: content type`);
  const want = stripVolatile(ref.json);
  if (fmt === 'json') assert.deepEqual(stripVolatile(r.json), want, where);
  else if (fmt === 'jsv') assert.deepEqual(stripVolatile(parseJsv(r.text)), asJsv(want), where);
  else if (fmt === 'xml') {
    assert.ok(r.text.startsWith('<?xml version="1.0" encoding="utf-8"?>'), where);
    xmlEqualsJson(stripXml(parseXml(r.text)), want, where);
  } else {
    const rows = parseCsv(r.text);
    const items = Array.isArray(want.items) ? want.items : null;
    assert.equal(rows.length, 1 + (items ? items.length : 1), `${where}: CSV rows`);
    const header = rows[0];
    if (items) for (const [i, it] of items.entries()) {
      const idx = header.indexOf('Id');
      if (idx >= 0 && it.id) assert.equal(rows[i + 1][idx], it.id, `${where}: row ${i} Id`);
    } else {
      for (const [k, v] of Object.entries(want)) {
        if (typeof v === 'object' || VOLATILE.has(k)) continue;
        const idx = header.findIndex((h) => camel(h) === k);
        assert.ok(idx >= 0, `${where}: CSV header lacks ${k}: ${header}`);
        assert.equal(rows[1][idx], typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v), `${where}: CSV ${k}`);
      }
    }
  }
}

describe('every route answers the same DTO in every format', () => {
  test('?format=, suffixes, Accept and /{format}/reply/{Op}', async () => {
    let routes = 0, succeeded = 0;
    for (const op of operations()) {
      for (const route of op.routes) {
        if (op.name === 'Authenticate') continue; // sessions differ per call; covered in auth tests
        const rq = requestFor(op, route);
        const send = (p, opts = {}) => srv.req(rq.verb, p, { as: SA(), query: { ...rq.query, ...(opts.query || {}) }, headers: opts.headers || { accept: 'application/json' } });
        const ref = await send(rq.path);
        assert.ok(ref.status < 500, `${op.name} ${route}: ${describeRes(ref)}`);
        routes++;
        if (ref.status === 200) succeeded++;
        for (const fmt of ['json', 'jsv', 'xml', 'csv']) {
          checkSame(fmt, await send(rq.path, { query: { format: fmt } }), ref, `${op.name} ${route} ?format=${fmt}`);
          checkSame(fmt, await send(`${rq.path}.${fmt}`, { headers: { accept: 'application/json' } }), ref, `${op.name} ${route}.${fmt}`);
          checkSame(fmt, await send(rq.path, { headers: { accept: CT[fmt].split(';')[0] } }), ref, `${op.name} ${route} Accept ${fmt}`);
          checkSame(fmt, await send(`/${fmt}/reply/${op.name}`, { query: rq.params }), ref, `/${fmt}/reply/${op.name}`);
        }
        checkSame('json', await send(`/api/${op.name}`, { query: rq.params }), ref, `/api/${op.name}`);
      }
    }
    assert.ok(routes >= 18, `${routes} routes`);
    assert.ok(succeeded >= 10, `only ${succeeded} of ${routes} routes answered 200`);
  });

  test('precedence: callback > ?format > /{format}/reply > suffix > Accept > JSON', async () => {
    const p = `/accounts/${acct.id}`;
    const ct = async (url, headers = {}) => (await srv.req('GET', url, { as: w.sa, headers })).headers.get('content-type');
    assert.equal(await ct(`${p}.xml?format=jsv&callback=cb`), 'text/javascript');
    assert.equal(await ct(`${p}.xml?format=jsv`), CT.jsv);
    assert.equal(await ct(`/xml/reply/GetAccount?accountId=${acct.id}&format=csv`), CT.csv);
    assert.equal(await ct(`/xml/reply/GetAccount?accountId=${acct.id}`, { accept: 'application/json' }), CT.xml);
    assert.equal(await ct(`${p}.csv`, { accept: 'application/xml' }), CT.csv);
    assert.equal(await ct(`${p}?format=xml.html`), CT.xml);
    // Accept: the server's order, not the client's; */* follows the request's content type
    assert.equal(await ct(p, { accept: 'application/jsv, application/xml, application/json' }), CT.json);
    assert.equal(await ct(p, { accept: 'application/jsv, application/xml' }), CT.xml);
    assert.equal(await ct(p, { accept: 'text/jsv' }), CT.jsv);
    assert.equal(await ct(p, { accept: 'text/plain' }), CT.json);
    assert.equal(await ct(p, { accept: '*/*' }), CT.json);
    const star = await srv.req('PATCH', p, { as: w.sa, body: '<PatchAccount />', headers: { 'content-type': 'application/xml', accept: '*/*' } });
    assert.equal(star.headers.get('content-type'), CT.xml, describeRes(star));
    const form = await srv.req('PATCH', p, { as: w.sa, body: 'name=Formed', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: '*/*' } });
    assert.equal(form.headers.get('content-type'), CT.json);
    assert.equal(form.json.name, 'Formed');
  });

  test('errors in the negotiated format', async () => {
    const missing = randomHex24();
    let r = await srv.req('GET', `/accounts/${missing}.xml`, { as: w.sa });
    expectStatus(r, 404);
    assert.equal(r.headers.get('content-type'), CT.xml);
    assert.match(r.text, /^<\?xml version="1.0" encoding="utf-8"\?><ErrorResponse xmlns:i="http:\/\/www.w3.org\/2001\/XMLSchema-instance" xmlns="http:\/\/schemas.servicestack.net\/types"><ResponseStatus><ErrorCode>NotFound<\/ErrorCode><Message>[^<]*<\/Message><StackTrace i:nil="true" \/><Errors \/><\/ResponseStatus><\/ErrorResponse>$/);
    r = await srv.req('GET', `/accounts/${missing}`, { as: w.sa, query: { format: 'jsv' } });
    assert.equal(parseJsv(r.text).responseStatus.errorCode, 'NotFound');
    r = await srv.req('GET', `/accounts/${missing}.csv`, { as: w.sa });
    assert.deepEqual(parseCsv(r.text)[0], ['ResponseStatus']);
    assert.match(parseCsv(r.text)[1][0], /^\{errorCode:NotFound,message:/);
    r = await srv.req('GET', '/xml/reply/NoSuchOperation', { as: w.sa });
    expectStatus(r, 405);
    assert.match(r.text, /<ErrorCode>NotImplementedException<\/ErrorCode>/);
    r = await srv.req('POST', `/customers/${cust.id}/staging`, { as: w.sa, body: '<SetCustomerStagingMode><IsStaging>perhaps</IsStaging></SetCustomerStagingMode>', headers: { 'content-type': 'application/xml', accept: 'application/xml' } });
    expectStatus(r, 400);
    assert.match(r.text, /<ErrorCode>SerializationException<\/ErrorCode><Message>Unable to bind to request 'SetCustomerStagingMode'<\/Message><StackTrace i:nil="true" \/><Errors><ResponseError><ErrorCode>SerializationException<\/ErrorCode><FieldName>IsStaging<\/FieldName>/);
  });
});

describe('JSONP', () => {
  test('NAME(<json>) as text/javascript; the name sanitised', async () => {
    const plain = await srv.req('GET', `/accounts/${acct.id}`, { as: w.sa });
    const r = await srv.req('GET', `/accounts/${acct.id}`, { as: w.sa, query: { callback: 'my.cb_1' } });
    expectStatus(r, 200);
    assert.equal(r.headers.get('content-type'), 'text/javascript');
    assert.equal(r.text, `my.cb_1(${plain.text})`);
    const odd = await srv.req('GET', `/accounts/${acct.id}`, { as: w.sa, query: { callback: 'a-b<c>(d);alert`x`' } });
    assert.ok(odd.text.startsWith('a_b_c__d__alert_x_({'), odd.text.slice(0, 40));
  });

  test('errors are sent with status 200, the body still holding the error', async () => {
    for (const [url, as, code] of [[`/accounts/${randomHex24()}`, w.sa, 'NotFound'], ['/accounts', undefined, 'Unauthorized'],
      ['/users', w.custA, 'Forbidden'], ['/api/NoSuchOp', w.sa, 'NotImplementedException']]) {
      const r = await srv.req('GET', url, { as, query: { callback: 'cb', format: 'xml' } });
      expectStatus(r, 200, url);
      assert.equal(r.headers.get('content-type'), 'text/javascript');
      const m = /^cb\((.*)\)$/s.exec(r.text);
      assert.ok(m, r.text);
      assert.equal(JSON.parse(m[1]).responseStatus.errorCode, code);
    }
  });
});

describe('request bodies in XML and multipart', () => {
  test('XML: lists, nested objects, dictionaries, nil and case-insensitive names', async () => {
    const body = `<?xml version="1.0" encoding="utf-8"?><PatchCustomer xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/Voice.Api.Customers">
      <Name>X &amp; Y</Name><referenceid>ref&lt;1&gt;</referenceid><ParentCustomerId i:nil="true" />
      <TagIds xmlns:d2p1="http://schemas.microsoft.com/2003/10/Serialization/Arrays"><d2p1:string>${tag.id}</d2p1:string></TagIds>
      <Data xmlns:d2p1="http://schemas.microsoft.com/2003/10/Serialization/Arrays"><d2p1:KeyValueOfstringValue8Ahp2kgT><d2p1:Key>n</d2p1:Key><d2p1:Value><NumberValue>4.5</NumberValue></d2p1:Value></d2p1:KeyValueOfstringValue8Ahp2kgT></Data>
      <Schedule><TimeZoneId>UTC</TimeZoneId><Rules><SchedulingRule><Name>r</Name><Priority>1</Priority><SimpleRuleType>Always</SimpleRuleType><State>Open</State><ByHour><int>8</int><int>9</int></ByHour></SchedulingRule></Rules></Schedule>
    </PatchCustomer>`;
    const c = await srv.ok('POST', '/customers', { as: w.sa, body: { accountId: w.A.id, name: 'XmlBody', parentCustomerId: w.cA1.id } });
    const r = await srv.req('PATCH', `/customers/${c.id}`, { as: w.sa, body, headers: { 'content-type': 'application/xml', accept: 'application/json' } });
    expectStatus(r, 200);
    assert.equal(r.json.name, 'X & Y');
    assert.equal(r.json.referenceId, 'ref<1>');
    assert.equal(r.json.parentCustomerId, w.cA1.id, 'nil leaves the field as it is');
    assert.deepEqual(r.json.tags.map((t) => t.id), [tag.id]);
    assert.deepEqual(r.json.data, { n: { numberValue: 4.5 } });
    assert.deepEqual(r.json.schedule.rules[0].byHour, [8, 9]);
    // the server's own XML output is a valid request body too
    const x = await srv.req('GET', `/customers/${c.id}.xml`, { as: w.sa });
    const again = await srv.req('PATCH', `/customers/${c.id}`, { as: w.sa, body: x.text.replace(/CustomerInfo/g, 'PatchCustomer'), headers: { 'content-type': 'application/xml' } });
    expectStatus(again, 200);
    assert.deepEqual(stripVolatile(again.json), stripVolatile(r.json));
  });

  test('malformed XML is a 400 SerializationException', async () => {
    for (const body of ['<PatchAccount><Name>x</PatchAccount>', '<PatchAccount>&nope;</PatchAccount>', 'not xml', '<a/><b/>']) {
      const r = await srv.req('PATCH', `/accounts/${acct.id}`, { as: w.sa, body, headers: { 'content-type': 'application/xml' } });
      expectStatus(r, 400, body);
      assert.equal(r.json.responseStatus.errorCode, 'SerializationException');
    }
  });

  test('multipart/form-data binds like a form; file parts are ignored', async () => {
    const fd = new FormData();
    fd.append('name', 'Multi, "part"');
    fd.append('maxPhoneNumbers', '12');
    fd.append('logo', new Blob([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2])], { type: 'image/png' }), 'logo.png');
    const res = await fetch(`${srv.base}/accounts/${acct.id}`, { method: 'PATCH', body: fd, headers: { authorization: 'Basic ' + Buffer.from(`${w.sa.email}:${w.sa.password}`).toString('base64'), accept: 'application/json' } });
    assert.equal(res.status, 200, await res.clone().text());
    const j = await res.json();
    assert.equal(j.name, 'Multi, "part"');
    assert.equal(j.maxPhoneNumbers, 12);
    const bad = await srv.req('PATCH', `/accounts/${acct.id}`, { as: w.sa, body: 'x', headers: { 'content-type': 'multipart/form-data' } });
    expectStatus(bad, 400);
  });
});

describe('XML with a DTD or external entities is refused, nothing fetched', () => {
  let hits = 0, spy, spyPort;
  before(async () => {
    spy = http.createServer((q, s) => { hits++; s.end('<!ENTITY x "pwned">'); });
    await new Promise((r) => spy.listen(0, '127.0.0.1', r));
    spyPort = spy.address().port;
  });
  after(() => spy && spy.close());

  test('file, http, parameter entities, billion laughs, external DTD', async () => {
    const docs = [
      `<?xml version="1.0"?><!DOCTYPE PatchAccount [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><PatchAccount><Name>&xxe;</Name></PatchAccount>`,
      `<?xml version="1.0"?><!DOCTYPE PatchAccount [<!ENTITY xxe SYSTEM "http://127.0.0.1:${spyPort}/x">]><PatchAccount><Name>&xxe;</Name></PatchAccount>`,
      `<?xml version="1.0"?><!DOCTYPE PatchAccount [<!ENTITY % p SYSTEM "http://127.0.0.1:${spyPort}/p.dtd"> %p;]><PatchAccount><Name>x</Name></PatchAccount>`,
      `<?xml version="1.0"?><!DOCTYPE PatchAccount SYSTEM "http://127.0.0.1:${spyPort}/evil.dtd"><PatchAccount><Name>x</Name></PatchAccount>`,
      `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><PatchAccount><Name>&c;</Name></PatchAccount>`,
      `<?xml version="1.0"?><!DOCTYPE PatchAccount><PatchAccount><Name>plain</Name></PatchAccount>`,
    ];
    for (const body of docs) {
      for (const accept of ['application/json', 'application/xml']) {
        const r = await srv.req('PATCH', `/accounts/${acct.id}`, { as: w.sa, body, headers: { 'content-type': 'application/xml', accept } });
        expectStatus(r, 400, body);
        assert.ok(!/root:|pwned|aaaaaaaaaa/.test(r.text), r.text);
        assert.match(r.text, /SerializationException/);
      }
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(hits, 0, 'the server fetched an external entity or DTD');
    const a = await srv.ok('GET', `/accounts/${acct.id}`, { as: w.sa });
    assert.ok(!/root:|pwned|plain/.test(a.name), 'nothing was applied');
  });
});
