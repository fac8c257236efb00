// harness.mjs — start/stop an evovoiced server for black-box HTTP tests, and a small client.
//
// Each *.test.mjs file runs in its own process (node --test runs files in parallel), so
// every file starts its own server on a free port with its own temporary database.
//
//   const srv = await startServer();          // bootstrap admin from env vars
//   after(() => srv.cleanup());
//   const r = await srv.req('GET', '/accounts', { as: srv.admin });
//   const acct = await srv.ok('POST', '/accounts', { as: srv.admin, body: { name: 'A' } });
//
// Environment: EVOVOICED_BIN overrides the binary (default <repo>/build/evovoiced);
// EVOVOICED_TEST_PG=postgresql://user@host:port/db runs every server on PostgreSQL
// instead of SQLite: each Server gets a database of its own on that cluster, dropped at
// cleanup (the cluster is started by scripts/run-tests with scripts/pg-cluster);
// EVOVOICED_TEST_KEEP=1 keeps the temporary directories; EVOVOICED_TEST_AUTH=basic sends
// HTTP Basic on every request instead of logging in once per user (session via X-ss-id);
// EVOVOICED_TEST_SQLITE_ARGS="--db-exclusive" adds options to every server on a SQLite file
// the harness makes (so a test file's servers run with the render cache on).

import { spawn, execFileSync } from 'node:child_process';
import net from 'node:net';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '../..');
export const BIN = process.env.EVOVOICED_BIN || path.join(REPO, 'build/evovoiced');
export const PG = process.env.EVOVOICED_TEST_PG || '';

/** Run SQL on the test cluster's database db (the maintenance database by default). */
export function pgSql(sql, db) {
  const url = new URL(PG);
  if (db) url.pathname = '/' + db;
  return execFileSync('psql', [url.toString(), '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' });
}

let pgDbs = 0;
/** A new empty database on the test cluster; its URL. */
export function pgDatabase() {
  const name = `evt_${process.pid}_${++pgDbs}_${Math.floor(Math.random() * 1e6)}`;
  pgSql(`CREATE DATABASE ${name}`);
  const url = new URL(PG);
  url.pathname = '/' + name;
  return { name, url: url.toString() };
}
export const SEEDS = process.env.EVOVOICED_SEEDS || path.join(REPO, 'tests/seeds');

export const HEX24 = /^[0-9a-f]{24}$/;
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const ADMIN_EMAIL = 'admin@tests.evovoiced';
export const ADMIN_PASSWORD = 'Adm1n-Secret-Pass!';
export const PASSWORD = 'Us3r-Secret-Pass!';
/** The secret key (hex) every server is started with (EVOVOICED_SECRET_KEY). */
export const SECRET_KEY = '5ec2e7'.repeat(10) + '0000';

const live = new Set();
process.on('exit', () => { for (const p of live) { try { p.kill('SIGKILL'); } catch { } } });

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll fn every everyMs until it returns something truthy (returned), or fail after timeoutMs. */
export async function waitFor(what, fn, timeoutMs = 20000, everyMs = 100) {
  const t0 = Date.now();
  let last;
  while (Date.now() - t0 < timeoutMs) {
    last = await fn();
    if (last) return last;
    await sleep(everyMs);
  }
  assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export function tmpDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'evovoiced-api-'));
}

export function basic(email, password) {
  return 'Basic ' + Buffer.from(`${email}:${password}`).toString('base64');
}

let uniq = 0;
/** A unique-ish suffix for names and e-mails within one process. */
export function u(prefix = 'x') { uniq++; return `${prefix}${process.pid.toString(36)}${uniq}`; }

export function randomHex24() {
  let s = '';
  for (let i = 0; i < 24; i++) s += '0123456789abcdef'[Math.floor(Math.random() * 16)];
  return s;
}

export class Server {
  constructor(opts = {}) {
    this.dir = opts.dir || tmpDir();
    if (opts.db) this.db = opts.db;
    else if (PG) { this.pg = pgDatabase(); this.db = this.pg.url; } else this.db = path.join(this.dir, 'evovoiced.db');
    this.adminEnv = opts.adminEnv !== false;
    this.adminEmail = opts.adminEmail || ADMIN_EMAIL;
    this.adminPassword = opts.adminPassword || ADMIN_PASSWORD;
    this.extraEnv = opts.env || {};
    this.extraArgs = opts.args || [];
    const sqliteArgs = (process.env.EVOVOICED_TEST_SQLITE_ARGS || '').split(' ').filter(Boolean);
    if (!opts.db && !PG) this.extraArgs = [...sqliteArgs, ...this.extraArgs];
    this.proc = null;
    this.port = 0;
    this.base = '';
    this.stderr = '';
    this.sessions = new Map(); // email -> sessionId
    this.admin = { email: this.adminEmail, password: this.adminPassword };
    this.exitCode = undefined;
    this.exitSignal = undefined;
  }

  async start() {
    if (!fs.existsSync(BIN)) throw new Error(`server binary not found: ${BIN} (run make in ${REPO})`);
    let lastErr;
    for (let attempt = 0; attempt < 3; attempt++) {
      try { await this._startOnce(); return this; } catch (e) { lastErr = e; if (!/address|bind|in use/i.test(String(e.message))) break; }
    }
    throw lastErr;
  }

  _startOnce() {
    this.sessions.clear();
    this.stderr = '';
    this.exitCode = undefined; this.exitSignal = undefined;
    return freePort().then((port) => new Promise((resolve, reject) => {
      this.port = port;
      this.base = `http://127.0.0.1:${port}`;
      const env = { ...process.env };
      delete env.EVOVOICED_ADMIN_EMAIL; delete env.EVOVOICED_ADMIN_PASSWORD;
      if (this.adminEnv) {
        env.EVOVOICED_ADMIN_EMAIL = this.adminEmail;
        env.EVOVOICED_ADMIN_PASSWORD = this.adminPassword;
      }
      // the key sealing carrier tokens: required with carrier flags, harmless without
      env.EVOVOICED_SECRET_KEY = SECRET_KEY;
      Object.assign(env, this.extraEnv);
      const args = ['serve', '--listen', `127.0.0.1:${port}`, '--db', this.db, ...this.extraArgs];
      const p = spawn(BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      this.proc = p;
      live.add(p);
      let done = false;
      const timer = setTimeout(() => {
        if (done) return; done = true;
        try { p.kill('SIGKILL'); } catch { }
        reject(new Error(`server did not print "listening on ${this.base}" within 20 s; stderr:\n${this.stderr}`));
      }, 20000);
      const onData = (chunk) => {
        this.stderr += chunk.toString();
        if (!done && this.stderr.includes(`listening on http://127.0.0.1:${port}`)) {
          done = true; clearTimeout(timer); resolve();
        }
      };
      p.stderr.on('data', onData);
      p.stdout.on('data', (c) => { this.stdout = (this.stdout || '') + c.toString(); });
      p.on('exit', (code, signal) => {
        live.delete(p);
        this.exitCode = code; this.exitSignal = signal;
        if (!done) { done = true; clearTimeout(timer); reject(new Error(`server exited early (code ${code}, signal ${signal}); stderr:\n${this.stderr}`)); }
      });
      p.on('error', (e) => { if (!done) { done = true; clearTimeout(timer); reject(e); } });
    }));
  }

  get running() { return this.proc && this.exitCode === undefined && this.exitSignal === undefined; }

  /** SIGTERM and wait; resolves {code, signal}. */
  async stop(timeoutMs = 15000) {
    const p = this.proc;
    if (!p || !this.running) return { code: this.exitCode, signal: this.exitSignal };
    const exited = new Promise((resolve) => p.once('exit', (code, signal) => resolve({ code, signal })));
    p.kill('SIGTERM');
    const t = setTimeout(() => { try { p.kill('SIGKILL'); } catch { } }, timeoutMs);
    const r = await exited;
    clearTimeout(t);
    return r;
  }

  /** kill -9 and wait. */
  async kill9() {
    const p = this.proc;
    if (!p || !this.running) return;
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGKILL');
    await exited;
  }

  async restart(opts = {}) {
    if (this.running) await this.stop();
    if (opts.adminEnv !== undefined) this.adminEnv = opts.adminEnv;
    if (opts.adminPassword) this.adminPassword = opts.adminPassword;
    if (opts.adminEmail) this.adminEmail = opts.adminEmail;
    await this.start();
    return this;
  }

  async cleanup() {
    await this.stop();
    if (!process.env.EVOVOICED_TEST_KEEP) {
      fs.rmSync(this.dir, { recursive: true, force: true });
      if (this.pg) pgSql(`DROP DATABASE IF EXISTS ${this.pg.name} WITH (FORCE)`);
    }
  }

  /** The server's generated /types/js, imported as a module (DTO classes for @servicestack/client). */
  async importTypesJs() {
    const r = await this.req('GET', '/types/js');
    assert.equal(r.status, 200, describeRes(r));
    const file = path.join(this.dir, `dtos-${Date.now()}.mjs`);
    fs.writeFileSync(file, r.text);
    return import(pathToFileURL(file).href);
  }

  /** Set members of a stored document behind the API's back (for tests of what the API
   * must never show), on either back end. */
  setDocFields(table, id, fields) {
    if (this.pg) {
      pgSql(`UPDATE ${table} SET doc = (doc::jsonb || '${JSON.stringify(fields).replace(/'/g, "''")}'::jsonb)::json WHERE id = '${id}'`, this.pg.name);
    } else {
      const sets = Object.entries(fields).map(([k, v]) => `'$.${k}', json('${JSON.stringify(v).replace(/'/g, "''")}')`).join(', ');
      execFileSync('sqlite3', [this.db, `UPDATE ${table} SET doc = json_set(doc, ${sets}) WHERE id = '${id}';`]);
    }
  }

  async login(user) {
    const r = await this.req('POST', '/auth/credentials', { body: { userName: user.email, password: user.password, rememberMe: false } });
    if (r.status !== 200 || !r.json || !r.json.sessionId) {
      throw new Error(`login of ${user.email} failed: ${r.status} ${r.text.slice(0, 500)}`);
    }
    this.sessions.set(user.email, r.json.sessionId);
    return r.json.sessionId;
  }

  async authHeaders(user) {
    if (!user) return {};
    if (user.basic || process.env.EVOVOICED_TEST_AUTH === 'basic') return { authorization: basic(user.email, user.password) };
    let sid = this.sessions.get(user.email);
    if (!sid) sid = await this.login(user);
    return { 'x-ss-id': sid };
  }

  /**
   * One HTTP request. opts: as (user {email,password}), body (object -> JSON, string/Buffer
   * raw), headers, query (object; arrays joined with ','), contentType.
   * Returns {status, headers (Headers), text, json, ok}.
   */
  async req(method, pathname, opts = {}) {
    let url = this.base + pathname;
    if (opts.query) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(opts.query)) {
        if (v === undefined) continue;
        qs.append(k, Array.isArray(v) ? v.join(',') : String(v));
      }
      const s = qs.toString();
      if (s) url += (url.includes('?') ? '&' : '?') + s;
    }
    const headers = { accept: 'application/json', ...(await this.authHeaders(opts.as)), ...(opts.headers || {}) };
    let body;
    if (opts.body !== undefined) {
      if (typeof opts.body === 'string' || Buffer.isBuffer(opts.body)) body = opts.body;
      else body = JSON.stringify(opts.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = opts.contentType || 'application/json';
    }
    const res = await fetch(url, { method, headers, body, redirect: 'manual' });
    const buf = Buffer.from(await res.arrayBuffer());
    const text = buf.toString('utf8');
    let json;
    if (text.length) { try { json = JSON.parse(text); } catch { json = undefined; } }
    return { status: res.status, headers: res.headers, text, json, buf, method, path: pathname, url };
  }

  /** Request that must answer `expect` (default 200); returns the parsed body. */
  async ok(method, pathname, opts = {}, expect = 200) {
    const r = await this.req(method, pathname, opts);
    expectStatus(r, expect);
    return r.json;
  }
}

export function describeRes(r) {
  return `${r.method} ${r.path} -> ${r.status} ${r.text.length > 800 ? r.text.slice(0, 800) + '…' : r.text}`;
}

export function expectStatus(r, status, note = '') {
  const want = Array.isArray(status) ? status : [status];
  assert.ok(want.includes(r.status), `expected HTTP ${want.join('|')}${note ? ' (' + note + ')' : ''}, got ${describeRes(r)}`);
}

/**
 * Assert an error response: status, responseStatus.errorCode (if given), message (string
 * equal or RegExp), and optionally that errors[] has an entry naming fieldName.
 */
export function expectError(r, status, errorCode, { message, fieldName } = {}) {
  expectStatus(r, status);
  assert.ok(r.json && typeof r.json === 'object', `error body is not JSON: ${describeRes(r)}`);
  const rs = r.json.responseStatus;
  assert.ok(rs && typeof rs === 'object', `no responseStatus in ${describeRes(r)}`);
  if (errorCode) assert.equal(rs.errorCode, errorCode, `errorCode in ${describeRes(r)}`);
  if (message instanceof RegExp) assert.match(String(rs.message), message, `message in ${describeRes(r)}`);
  else if (message !== undefined) assert.equal(rs.message, message, `message in ${describeRes(r)}`);
  assert.ok(Array.isArray(rs.errors), `responseStatus.errors must be a list: ${describeRes(r)}`);
  if (fieldName) {
    const names = rs.errors.map((e) => e.fieldName);
    assert.ok(names.includes(fieldName), `expected an errors[] entry with fieldName ${JSON.stringify(fieldName)}, got ${JSON.stringify(names)} in ${describeRes(r)}`);
    for (const e of rs.errors) {
      assert.equal(typeof e.errorCode, 'string', `errors[].errorCode in ${describeRes(r)}`);
      assert.equal(typeof e.message, 'string', `errors[].message in ${describeRes(r)}`);
    }
  }
  return rs;
}

export function expectForbidden(r, message) { return expectError(r, 403, 'Forbidden', message ? { message } : {}); }
export function expectInvalidRole(r) { return expectError(r, 403, 'Forbidden', { message: 'Invalid Role' }); }
export function expectNotFound(r) { return expectError(r, 404, 'NotFound'); }
export function expectUnauth(r) {
  const rs = expectError(r, 401, 'Unauthorized');
  assert.equal(r.headers.get('www-authenticate'), 'Basic realm="/auth/basic"', `WWW-Authenticate in ${describeRes(r)}`);
  return rs;
}

export function expectNoContent(r) {
  expectStatus(r, 204);
  assert.equal(r.text, '', `204 must have an empty body: ${describeRes(r)}`);
}

/** Recursively assert no value in a JSON document is null. */
export function assertNoNulls(v, where = '$') {
  if (v === null) assert.fail(`null at ${where} (null fields must be omitted)`);
  if (Array.isArray(v)) v.forEach((x, i) => assertNoNulls(x, `${where}[${i}]`));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) assertNoNulls(x, `${where}.${k}`);
}

export function sortedIds(items) { return items.map((x) => x.id).sort(); }

/** Start a server (admin from env vars unless opts.adminEnv === false). */
export async function startServer(opts = {}) {
  const s = new Server(opts);
  await s.start();
  return s;
}

// ---------------------------------------------------------------------------------------
// A standard world of tenants used by several files.
//
//   account A (root)         customers: cA1 > cA1a > cA1ai ; cA2
//     account A1 (child of A) customers: cX1
//   account B (root)         customers: cB1
//
// users: mgrA (Manager of A, ReadWriteDelete), mgrRO (A, ReadOnly), mgrRW (A, ReadWrite),
//        mgrB (Manager of B), custA (Customer of A with customerIds [cA1]),
//        custB (Customer of B with customerIds [cB1])
// ---------------------------------------------------------------------------------------
export async function makeWorld(srv, tag = 'w') {
  const sa = srv.admin;
  const w = { sa };
  const acct = (body) => srv.ok('POST', '/accounts', { as: sa, body });
  w.A = await acct({ name: `${tag} Account A` });
  w.A1 = await acct({ name: `${tag} Account A1`, parentAccountId: w.A.id });
  w.B = await acct({ name: `${tag} Account B` });
  const cust = (accountId, name, parentCustomerId) => srv.ok('POST', '/customers', { as: sa, body: { accountId, name, ...(parentCustomerId ? { parentCustomerId } : {}) } });
  w.cA1 = await cust(w.A.id, `${tag} cA1`);
  w.cA1a = await cust(w.A.id, `${tag} cA1a`, w.cA1.id);
  w.cA1ai = await cust(w.A.id, `${tag} cA1ai`, w.cA1a.id);
  w.cA2 = await cust(w.A.id, `${tag} cA2`);
  w.cX1 = await cust(w.A1.id, `${tag} cX1`);
  w.cB1 = await cust(w.B.id, `${tag} cB1`);
  const user = async (key, accountId, roles, extra = {}) => {
    const email = `${key.toLowerCase()}.${tag}@tests.evovoiced`;
    const info = await srv.ok('POST', '/users', {
      as: sa, body: { accountId, emailAddress: email, firstName: key, lastName: 'Tester', password: PASSWORD, roles, ...extra },
    });
    w[key] = { email, password: PASSWORD, info, id: info.id };
  };
  await user('mgrA', w.A.id, ['Manager'], { managerAccess: 'ReadWriteDelete' });
  await user('mgrRO', w.A.id, ['Manager'], { managerAccess: 'ReadOnly' });
  await user('mgrRW', w.A.id, ['Manager'], { managerAccess: 'ReadWrite' });
  await user('mgrB', w.B.id, ['Manager'], { managerAccess: 'ReadWriteDelete' });
  await user('custA', w.A.id, ['Customer'], { customerIds: [w.cA1.id] });
  await user('custB', w.B.id, ['Customer'], { customerIds: [w.cB1.id] });
  return w;
}

// ---------------------------------------------------------------------------------------
// Seeds
// ---------------------------------------------------------------------------------------
export function readSeed(name) { return fs.readFileSync(path.join(SEEDS, name), 'utf8'); }

/** Extract the balanced {...} starting at index i of s (JSON-aware). */
export function balancedObject(s, i) {
  let depth = 0, inStr = false, esc = false;
  for (let j = i; j < s.length; j++) {
    const c = s[j];
    if (inStr) {
      if (esc) esc = false; else if (c === '\\') esc = true; else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '{') depth++;
    else if (c === '}') { depth--; if (depth === 0) return s.slice(i, j + 1); }
  }
  throw new Error('unbalanced object in seed');
}

/** The JSON response sample of a JSON seed: the object after "HTTP/1.1 200 OK". */
export function seedResponseJson(name) {
  const s = readSeed(name);
  const at = s.lastIndexOf('HTTP/1.1 200 OK');
  assert.ok(at >= 0, `no HTTP/1.1 200 OK in ${name}`);
  const start = s.indexOf('{', at);
  return JSON.parse(balancedObject(s, start));
}

/** The JSON request sample of a JSON seed: the first {...} after the request's headers. */
export function seedRequestJson(name) {
  const s = readSeed(name);
  const at = s.indexOf('Content-Length: length');
  const start = s.indexOf('{', at);
  return JSON.parse(balancedObject(s, start));
}

/**
 * Field names (PascalCase) of a metadata table in a seed: the consecutive rows of the
 * "| Name | Parameter | Data Type | ..." table whose first rows name `leading` in order.
 */
export function seedTableFields(name, ...leading) {
  const lines = readSeed(name).split('\n');
  const row = (l) => { const r = /^\| (\w+) \| (form|query|body|path) \|/.exec(l || ''); return r && r[1]; };
  for (let i = 0; i < lines.length; i++) {
    if (row(lines[i]) !== leading[0] || !/^\|---/.test(lines[i - 1] || '')) continue;
    if (!leading.every((f, k) => row(lines[i + k]) === f)) continue;
    const out = [];
    for (let j = i; row(lines[j]); j++) out.push(row(lines[j]));
    return out;
  }
  throw new Error(`no table starting with ${leading.join(',')} in ${name}`);
}

/** Member names of a JS class in a seed's "JavaScript DTOs" listing, in order. */
export function seedJsClassMembers(name, className) {
  const s = readSeed(name);
  const re = new RegExp(`^export class ${className}\\b[^\\n]*\\{$`, 'm');
  const m = re.exec(s);
  assert.ok(m, `class ${className} not in ${name}`);
  const body = s.slice(m.index + m[0].length, s.indexOf('\n}', m.index));
  const out = [];
  for (const line of body.split('\n')) {
    const r = /^    (\w+);$/.exec(line);
    if (r) out.push(r[1]);
  }
  return out;
}

/** ServiceStack camelCase of a PascalCase .NET member name (AIInsights -> aiInsights). */
export function camel(name) {
  // ServiceStack lower-cases the leading run of capitals except the last one before a lower case letter
  let i = 0;
  while (i < name.length && name[i] >= 'A' && name[i] <= 'Z') i++;
  if (i === 0) return name;
  if (i === 1) return name[0].toLowerCase() + name.slice(1);
  if (i === name.length) return name.toLowerCase();
  return name.slice(0, i - 1).toLowerCase() + name.slice(i - 1);
}

// ---------------------------------------------------------------------------------------
// Expected JSON key orders, derived from the seeds.
// ---------------------------------------------------------------------------------------
export const STAGING_SEED = 'SetCustomerStagingMode.POST.customers.staging.json.txt';
export const PATCH_CUSTOMER_SEED = 'PatchCustomer.PATCH.customers.jsv.txt';
export const PATCH_ACCOUNT_SEED = 'PatchAccount.PATCH.accounts.xml.txt';

/**
 * CustomerInfo and its nested types: member order from the seed's metadata tables (which
 * list every member, including the Struct-typed `data` and `flowParams` that the sample
 * body leaves out), checked against the JSON sample (whose keys must be that order minus
 * exactly those Struct members).
 */
export function customerShapes() {
  const T = (...lead) => seedTableFields(STAGING_SEED, ...lead).map(camel);
  const entity = T('Id', 'DateCreated', 'DateLastModified');
  const shapes = {
    customer: [...T('AccountId', 'ParentCustomerId', 'Breadcrumb'), ...entity],
    breadcrumb: T('Id', 'Name').length === 2 ? T('Id', 'Name') : ['id', 'name'],
    tag: T('Id', 'Name', 'Color'),
    schedule: T('TimeZoneId', 'Inherit'),
    rule: T('Id', 'Name', 'Priority'),
    byDay: T('Offset', 'DayOfWeek'),
    billing: T('Base', 'LocalNumbers'),
    billingItem: T('BaseCost', 'RawUnitMultiplier'),
    app: T('EnablePhoneNumberManagement'),
    integration: T('ThirdPartyId'),
    entity,
  };
  shapes.sample = seedResponseJson(STAGING_SEED);
  return shapes;
}

/** AccountInfo: JS class listing order (own members, then EntityInfo's). */
export function accountShapes() {
  const own = seedJsClassMembers(PATCH_ACCOUNT_SEED, 'AccountInfo');
  const entity = seedJsClassMembers(PATCH_ACCOUNT_SEED, 'EntityInfo');
  const xml = readSeed(PATCH_ACCOUNT_SEED);
  const start = xml.indexOf('<AccountInfo ');
  const body = xml.slice(start, xml.indexOf('</AccountInfo>', start));
  const xmlMembers = [...body.matchAll(/^  <(\w+)[ >]/gm)].map((m) => m[1]);
  return { account: [...own, ...entity], own, entity, xmlMembers, billingItem: seedJsClassMembers(PATCH_ACCOUNT_SEED, 'BillingItem'), jsBilling: seedJsClassMembers(PATCH_ACCOUNT_SEED, 'BillingSettings') };
}

/** Is `sub` a subsequence of `seq`? */
export function isSubsequence(sub, seq) {
  let i = 0;
  for (const x of seq) if (x === sub[i]) i++;
  return i === sub.length;
}

/** Raw bytes over TCP to port (a string, or an array of chunks sent 5 ms apart);
 * resolves with whatever the server answers before it closes or timeoutMs passes. */
export function rawTcp(port, bytes, timeoutMs = 5000) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    const t = setTimeout(() => { s.destroy(); resolve(out); }, timeoutMs);
    const finish = () => { clearTimeout(t); resolve(out); };
    s.on('data', (d) => { out += d.toString('latin1'); });
    s.on('end', finish);
    s.on('close', finish);
    s.on('error', finish);
    if (Array.isArray(bytes)) {
      (async () => { for (const b of bytes) { s.write(b); await new Promise((r) => setTimeout(r, 5)); } })();
    } else s.write(bytes);
  });
}

/** A scheduling rule with every field set (for shape and round-trip tests). */
export const RULE = {
  id: 'rule-1', name: 'Business hours', priority: 1, state: 'Open', source: 'src', condition: 'cond',
  simpleRuleType: 'Time', customerState: 'Open', flowId: 'flow-1', isAllDay: false,
  startDate: '2026-01-05', startTime: '09:00', endTime: '17:30', bySetPosition: [1], byMonth: [1, 2],
  byWeekNo: [2], byYearDay: [5], byMonthDay: [5], byDay: [{ offset: 0, dayOfWeek: 'Monday' }], byHour: [9],
  byMinute: [0], interval: 1, count: 10, untilDate: '2027-01-01', frequency: 'Weekly',
};

/** A session of an endpoint (and, with voicemail, a VoiceMessage file under it), written
 * by `evovoiced session add` straight into the server's database: sessions are made by
 * the call runtime, not by a route. Returns {session, file} (the stored documents). */
export function addSession(srv, endpointId, { from, to, fromName, callSid, direction, parent, date, logs = [], end, voicemail, recordingSid, transcription } = {}) {
  const args = ['session', 'add', '--db', srv.db, '--endpoint', endpointId];
  const opt = (flag, v) => { if (v !== undefined && v !== null) args.push(flag, String(v)); };
  opt('--from', from); opt('--to', to); opt('--from-name', fromName); opt('--call-sid', callSid);
  opt('--direction', direction); opt('--parent', parent); opt('--date', date); opt('--end', end);
  opt('--recording-sid', recordingSid); opt('--transcription', transcription);
  for (const l of logs) args.push('--log', l);
  if (voicemail) args.push('--voicemail');
  return JSON.parse(execFileSync(BIN, args, { encoding: 'utf8' }));
}
