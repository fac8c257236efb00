// matrix.test.mjs — role × operation × tenant, generated from the server's own
// GET /types/metadata: every operation it lists, for every login, against targets in the
// caller's tenant (own, child, sibling, under a child account), in the other tenant, in
// both, the login itself and missing (see PLACES). Each answer is
// compared with what the rules say (expected(), below: the README's "Rules of our own"
// and "Security"), and every body is scanned for the other
// tenant's ids, names, numbers and e-mails and for secrets; a list may show only the items
// the caller could read. A new operation is covered without editing this file; one whose
// path names an id the matrix does not know fails loudly (teach idKind()).
//
// Output: `matrix: N cells checked, L leaks, W wrong statuses` (N requests; a list is sent
// as JSON, XML, JSV and CSV). On failure one assertion lists every wrong cell as
// `Op as Login on kind:target — METHOD /path {request}: expected X, got Y body` and every
// leaking cell with what leaked and in which formats. EVOVOICED_MATRIX_DUMP=file writes
// every cell (ok or FAIL, expected, got) as tab-separated lines.
import { test, before, after } from 'node:test';
import fs from 'node:fs';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  startServer, makeWorld, randomHex24, camel, PASSWORD, ADMIN_PASSWORD, REPO, addSession,
} from './harness.mjs';
import { startFakeTwilio } from './fake-twilio.mjs';

const LEVEL = { ReadOnly: 1, ReadWrite: 2, ReadWriteDelete: 3, read: 1, write: 2, delete: 3 };
// The Manager access each operation needs, as src/api/ops.c says (R, W, D after the roles):
// the metadata has no field for it, and a POST may only read (TestSchedule).
const OP_LEVEL = (() => {
  const src = fs.readFileSync(path.join(REPO, 'src/api/ops.c'), 'utf8');
  const re = /\{"(\w+)",\s*"[A-Z,]+",\s*\{(?:\s*"[^"]*",?)*\s*\},\s*[^,]+,\s*([RWD]),/g;
  return Object.fromEntries([...src.slice(src.indexOf('api_ops[] = {')).matchAll(re)].map((m) => [m[1], { R: 'read', W: 'write', D: 'delete' }[m[2]]]));
})();
const FORMATS = ['xml', 'jsv', 'csv']; // lists are also scanned in these (JSON is the cell itself)
const CONCURRENCY = 6;

// ---------------------------------------------------------------------------------------
// What the metadata tells: an operation's route, verb, level, roles and id parameters.
// ---------------------------------------------------------------------------------------

/** The kind of id a parameter holds, from its name: accountId, parentCustomerIds, ... */
export function idKind(name) {
  const m = /^(?:parent)?(account|customer|endpoint|user|flow|session|file)(ids?)$/i.exec(name);
  return m ? { kind: m[1].toLowerCase(), list: m[2].toLowerCase() === 'ids' } : null;
}
const typeKind = (t) => ({ AccountInfo: 'account', CustomerInfo: 'customer', EndpointInfo: 'endpoint', UserInfo: 'user', SystemSettingsInfo: 'settings', FlowInfo: 'flow', SessionInfo: 'session', FileInfo: 'file' })[t] || null;
const pathParams = (p) => [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);

export function planOf(op) {
  const name = op.request.name;
  const route = (op.routes || []).find((r) => pathParams(r.path).every(idKind));
  if (!route) throw new Error(`${name}: no route whose path parameters are all ids the matrix knows: teach idKind()`);
  const verbs = route.verbs.split(',');
  const method = verbs.includes(op.method) ? op.method : verbs[0];
  const params = pathParams(route.path).map((p) => ({ name: p, ...idKind(p) }));
  const fields = (op.request.properties || []).map((p) => ({ name: camel(p.name), ...(idKind(p.name) || {}) }));
  const isList = /^ListResponse/.test(op.response?.name || '');
  const kinds = params.length ? [params[0].kind] : [...new Set(fields.filter((f) => f.kind).map((f) => f.kind))];
  return {
    name, method, path: route.path, params, fields, kinds, isList,
    filters: isList && op.request.inherits?.name === 'ListRequest', // a list whose ids only narrow it
    level: OP_LEVEL[name] || (method === 'GET' ? 'read' : method === 'DELETE' ? 'delete' : 'write'),
    create: method === 'POST' && !params.length,
    requiresAuth: op.requiresAuth !== false,
    requiredRoles: op.requiredRoles || [], anyRole: op.requiresAnyRole || [],
    takesCredentials: fields.some((f) => f.name === 'userName') && fields.some((f) => f.name === 'password'),
    paged: op.request.inherits?.name === 'ListRequest',
    respKind: isList ? null : typeKind(op.response?.name),
    itemKind: isList ? typeKind(op.response?.genericArgs?.[0]) : null,
  };
}

// ---------------------------------------------------------------------------------------
// The model: every entity the test made or saw created, and who may read it.
// ---------------------------------------------------------------------------------------
export class Model {
  constructor() { this.ents = new Map(); this.version = 0; this.tokenCache = new Map(); }
  get(id) { return this.ents.get(id); }
  learn(kind, x) {
    if (!kind || !x || !x.id) return x;
    const e = { kind, id: x.id };
    if (kind === 'account') Object.assign(e, { name: x.name, ancestorIds: x.ancestorIds || [], sid: x.twilioAccountSid });
    if (kind === 'customer') Object.assign(e, { name: x.name, accountId: x.accountId, parentCustomerId: x.parentCustomerId });
    if (kind === 'endpoint') Object.assign(e, { accountId: x.accountId, customerId: x.customerId, phoneNumber: x.phoneNumber, displayName: x.displayName, type: x.type, userMode: x.userMode });
    if (kind === 'user') Object.assign(e, { name: x.name, email: x.emailAddress, roles: x.roles || [], accountIds: x.accountIds || [], customerIds: x.customerIds || [] });
    if (kind === 'settings') Object.assign(e, { accountId: x.accountId });
    if (kind === 'flow') Object.assign(e, { name: x.name, accountId: x.accountId, customerId: x.customerId });
    // sessions and files: the endpoint they were made on (a twin is made there), kept across reads
    if (kind === 'session' || kind === 'file') Object.assign(e, { accountId: x.accountId, customerId: x.customerId, endpointId: x.endpointId || this.get(x.id)?.endpointId });
    this.ents.set(x.id, e);
    this.version++;
    return x;
  }
  /** The account ids above an account, root-first, and itself. */
  chain(accountId) { const a = this.get(accountId); return a ? [...a.ancestorIds, a.id] : [accountId]; }
  customerChain(id) { const out = []; for (let c = this.get(id); c && out.length < 1000; c = this.get(c.parentCustomerId)) out.push(c.id); return out; }
  /** The root account (the tenant) an entity belongs to; null for a user in two tenants. */
  tenantOf(e) {
    if (!e) return null;
    if (e.kind === 'account') return this.chain(e.id)[0];
    if (e.kind === 'user') { const roots = new Set(e.accountIds.map((a) => this.chain(a)[0])); return roots.size === 1 ? [...roots][0] : null; }
    return e.accountId ? this.chain(e.accountId)[0] : null;
  }
  /** token -> what it is, for everything of one tenant. */
  tokens(tenant) {
    const hit = this.tokenCache.get(tenant);
    if (hit && hit.version === this.version) return hit.map;
    const map = new Map();
    for (const e of this.ents.values()) {
      if (this.tenantOf(e) !== tenant) continue;
      const what = `${e.kind} ${e.id}${e.name ? ` (${e.name})` : ''}`;
      for (const t of [e.id, e.name, e.email, e.phoneNumber, e.displayName, e.sid]) if (t && t.length >= 6) map.set(t, what);
    }
    this.tokenCache.set(tenant, { version: this.version, map });
    return map;
  }
}

/** Can the login read e (the reach rule; a list shows exactly these)? */
export function canRead(model, login, e) {
  if (!login.info || !e) return false;
  const roles = login.info.roles;
  if (roles.includes('SystemAdministrator')) return true;
  if (roles.includes('Manager')) {
    const mine = login.info.accountIds;
    const reaches = (a) => model.chain(a).some((x) => mine.includes(x));
    if (e.kind === 'account') return reaches(e.id);
    if (e.kind === 'user') return !e.roles.includes('SystemAdministrator') && e.accountIds.length > 0 && e.accountIds.every(reaches);
    return reaches(e.accountId);
  }
  if (roles.includes('Customer')) { // its customers and their descendants, their endpoints; its own account(s) to read
    if (e.kind === 'account') return login.info.accountIds.includes(e.id);
    if (e.kind === 'customer') return model.customerChain(e.id).some((c) => login.info.customerIds.includes(c));
    if (['endpoint', 'flow', 'session', 'file'].includes(e.kind)) return !!e.customerId && canRead(model, login, model.get(e.customerId));
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// The expectation: a status (or the few allowed) for one cell, from the rules.
// ---------------------------------------------------------------------------------------
const OK = { ok: true, text: '2xx' };
const st = (status, text = String(status), message) => ({ status: [].concat(status), text, message });

/** The answer decided before the handler runs: 401, 403 Invalid Role, 403 managerAccess; else null. */
export function preHandler(plan, login) {
  if (!plan.requiresAuth) return null;
  if (!login.info) return st(401);
  const roles = login.info.roles;
  const roleOk = plan.requiredRoles.every((r) => roles.includes(r)) && (!plan.anyRole.length || plan.anyRole.some((r) => roles.includes(r)));
  if (!roleOk) return st(403, '403 Invalid Role', 'Invalid Role');
  if (!roles.includes('SystemAdministrator') && roles.includes('Manager') && LEVEL[plan.level] > LEVEL[login.info.managerAccess]) return st(403, '403 managerAccess');
  return null;
}

// Operations on one kind of endpoint: any other reachable endpoint is a 400 naming the id.
const FOR_TYPE = { RegenerateSipPassword: (e) => e.type === 'User' && e.userMode === 'Sip' };

/** target: null (no id), {missing: true, id} or a model entity. */
export function expected(model, plan, login, target) {
  if (!plan.requiresAuth) return plan.takesCredentials && !login.info ? st(401) : OK;
  const pre = preHandler(plan, login);
  if (pre) return pre;
  if (!target || plan.filters) return OK; // a list's ids narrow it; they never refuse
  // a missing id in the path (or the one an operation reads) is 404; a create that names a
  // missing parent may also refuse it as a bad field (400 naming it)
  if (target.missing) return plan.create ? st([400, 404], '400|404') : st(404);
  const customerOnly = !login.info.roles.some((r) => r === 'SystemAdministrator' || r === 'Manager');
  if (!canRead(model, login, target)) return st(403);
  // a Customer login acts on its customers, never at account level: refused, or for a
  // create, asked for the customer it is for (400 naming the field, as BuyPhoneNumber does)
  if (customerOnly && target.kind === 'account' && plan.level !== 'read') return plan.create ? st([400, 403], '400|403') : st(403);
  if (plan.level === 'delete' && target.id === login.info.id) return st(409, '409 (own login)');
  const fits = FOR_TYPE[plan.name];
  if (fits && target.kind === 'endpoint' && !fits(target)) return st(400, '400 (not its endpoint type)');
  return OK;
}

const meets = (want, r) => (want.accept ? want.accept(r) : want.ok ? r.status >= 200 && r.status < 300
  : want.status.includes(r.status) && (!want.message || r.text.includes(want.message)));

// ---------------------------------------------------------------------------------------
// The leak scanner.
// ---------------------------------------------------------------------------------------
/** Secrets no answer may hold: password hashes, the passwords, every carrier auth token
 * (the fake carrier's main and sub-accounts, and the one an account brought). */
export function secretsOf(fake) {
  const m = new Map([['$argon2id$', 'a password hash'], [ADMIN_PASSWORD, "the administrator's password"], [PASSWORD, "the users' password"]]);
  for (const a of fake ? fake.accounts.values() : []) m.set(a.auth_token, `carrier auth token of ${a.sid}`);
  return m;
}
const SECRETS = () => secretsOf(fake);

/** What in `text` should not be there: tokens of `forbidden` not named by the request
 * itself (`request`: the caller's own path and body), and any secret. */
export function scan(text, { forbidden = new Map(), secrets = new Map(), request = '' }) {
  const found = [];
  for (const [t, what] of forbidden) if (text.includes(t) && !request.includes(t)) found.push(`${what}: "${t}"`);
  for (const [t, what] of secrets) if (text.includes(t)) found.push(`secret, ${what}`);
  return found;
}

// ---------------------------------------------------------------------------------------
// Setup: a fake carrier (so SearchPhoneNumbers answers and an account can bring its own
// token), two tenants built alike, the logins, and the model of it all.
//
//   tenant A: A > A1, A2         customers cA1 > cA1a, cA2 (of A), cAx (of A1)   numbers eA1, eA1a, eA2, eAx
//   tenant B: B > B1, B2 (BYOA)  customers cB1 > cB1a, cB2 (of B), cBx (of B1)   numbers eB1, eB1a, eB2, eBx
//   users (targets): uA, uA1, uA2, uB, uB1, uB2, and uAB in both A and B
// ---------------------------------------------------------------------------------------
let srv, fake, w, model, plans, logins, byoaToken;
let seq = 0;
const fresh = (prefix) => `${prefix}${String(++seq).padStart(5, '0')}`; // fixed width: no name is part of another
const AREA = {}; // tenant root id -> area code of its numbers

before(async () => {
  fake = await startFakeTwilio();
  // the fake carrier answers from this process, which is busy checking thousands of
  // answers: a generous carrier time-out keeps a slow answer from failing the setup
  srv = await startServer({ args: ['--twilio-account-sid', fake.mainSid, '--twilio-auth-token', fake.mainToken, '--twilio-base-url', fake.url, '--carrier-timeout-ms', '60000'] });
  model = new Model();
  const sa = srv.admin;
  w = await makeWorld(srv, 'mx');
  const post = async (path, body, kind) => model.learn(kind, await srv.ok('POST', path, { as: sa, body }));
  const acct = (name, parentAccountId, extra) => post('/accounts', { name, parentAccountId, ...extra }, 'account');
  const cust = (accountId, name, parentCustomerId) => post('/customers', { accountId, name, parentCustomerId }, 'customer');
  for (const k of ['A', 'A1', 'B']) model.learn('account', w[k]);
  for (const k of ['cA1', 'cA1a', 'cA1ai', 'cA2', 'cX1', 'cB1']) model.learn('customer', w[k]);
  w.A2 = await acct('mx Account A2', w.A.id);
  w.B1 = await acct('mx Account B1', w.B.id);
  const byoa = 'AC' + randomHex24().slice(0, 16) + randomHex24().slice(0, 16);
  byoaToken = randomHex24() + randomHex24().slice(0, 8);
  fake.accounts.set(byoa, { sid: byoa, auth_token: byoaToken, friendly_name: 'byoa', owner: null });
  w.B2 = await acct('mx Account B2', w.B.id, { twilioAccountSid: byoa, twilioAuthToken: byoaToken });
  w.cB1a = await cust(w.B.id, 'mx cB1a', w.cB1.id);
  w.cB2 = await cust(w.B.id, 'mx cB2');
  w.cBx = await cust(w.B1.id, 'mx cBx');
  w.cAx = w.cX1;
  AREA[w.A.id] = '312'; AREA[w.B.id] = '415';
  for (const [k, c] of [['eA1', 'cA1'], ['eA1a', 'cA1a'], ['eA2', 'cA2'], ['eAx', 'cAx'], ['eB1', 'cB1'], ['eB1a', 'cB1a'], ['eB2', 'cB2'], ['eBx', 'cBx']]) {
    w[k] = await post('/endpoints/phone-numbers', { customerId: w[c].id, number: freshNumber(model.get(w[c].id)), isVirtualPhoneNumber: true }, 'endpoint');
  }
  // flows: one per customer above (f$1 ...), and one at account level per tenant (f$)
  for (const c of ['cA1', 'cA1a', 'cA2', 'cAx', 'cB1', 'cB1a', 'cB2', 'cBx']) {
    w['f' + c.slice(1)] = await post('/flows', { accountId: model.get(w[c].id).accountId, customerId: w[c].id, name: `mx flow ${c}` }, 'flow');
  }
  for (const a of ['A', 'B']) w['f' + a] = await post('/flows', { accountId: w[a].id, name: `mx flow ${a}` }, 'flow');
  // sessions, each with a voice message: one per number above (s$1 ..., fl$1 ...)
  for (const e of ['eA1', 'eA1a', 'eA2', 'eAx', 'eB1', 'eB1a', 'eB2', 'eBx']) {
    const made = addSession(srv, w[e].id, { from: '+15550001111', to: w[e].phoneNumber, logs: ['Call started'], voicemail: true });
    w['s' + e.slice(1)] = model.learn('session', made.session);
    w['fl' + e.slice(1)] = model.learn('file', { ...made.file, endpointId: w[e].id });
  }
  const user = async (key, accountId, body = {}) => {
    w[key] = await post('/users', { accountId, emailAddress: `${key.toLowerCase()}.mx@tests.evovoiced`, firstName: key, lastName: 'Target', password: PASSWORD, ...body }, 'user');
  };
  await Promise.all([ // each one is a password hash: in parallel
    user('uA', w.A.id, { customerIds: [w.cA1.id] }), user('uA1', w.A1.id, { customerIds: [w.cX1.id] }), user('uA2', w.A2.id),
    user('uB', w.B.id, { customerIds: [w.cB1.id] }), user('uB1', w.B1.id), user('uB2', w.B2.id),
    user('uAB', w.A.id, { roles: ['Manager'] }), user('mgrA1', w.A1.id, { roles: ['Manager'], managerAccess: 'ReadWriteDelete' }),
  ]);
  w.uAB = model.learn('user', await srv.ok('PATCH', `/users/${w.uAB.id}`, { as: sa, body: { accountIds: [w.A.id, w.B.id] } }));
  for (const a of ['A', 'A1', 'A2', 'B', 'B1', 'B2']) model.learn('settings', await srv.ok('GET', '/system/settings', { as: sa, query: { accountId: w[a].id } }));

  const L = (key, as) => ({ key, as });
  logins = [L('anonymous'), L('SystemAdministrator', sa), L('Manager(A,ReadOnly)', w.mgrRO), L('Manager(A,ReadWrite)', w.mgrRW),
    L('Manager(A,ReadWriteDelete)', w.mgrA), L('Manager(A1)', { email: w.mgrA1.emailAddress, password: PASSWORD }),
    L('Customer(A:cA1)', w.custA), L('Manager(B)', w.mgrB), L('Customer(B:cB1)', w.custB)];
  await Promise.all(logins.filter((l) => l.as).map(signIn));
  plans = (await srv.ok('GET', '/types/metadata')).operations.map(planOf);
});
after(async () => { if (srv) await srv.cleanup(); if (fake) await fake.close(); });

/** Log in once (the session serves every later request) and learn who it is: its info,
 * its home account (where it creates when nothing else is named) and its tenant. */
async function signIn(login) {
  await srv.login(login.as);
  login.info = model.learn('user', await srv.ok('GET', '/auth/status', { as: login.as }));
  login.home = login.info.accountIds[0] || w.A.id;
  login.tenant = model.chain(login.home)[0];
  return login;
}

function freshNumber(near) {
  const area = AREA[model.tenantOf(near)] || AREA[w.A.id];
  return `+1${area}555${String(++seq).padStart(4, '0')}`;
}

// ---------------------------------------------------------------------------------------
// Targets and requests.
// ---------------------------------------------------------------------------------------
// The places a target can be, in the login's tenant ($) or the other one (%): own (the
// tenant's account, its first customer, that customer's number, a user of the account),
// child (a child account, a child customer, their number and user), sibling (another
// child account; another top-level customer, which a Customer login of c$1 does not
// reach), subaccount (a customer of the child account, which its Manager reaches), other
// (the other tenant), shared (a user in A and B), self (the login) and missing.
const LETTER = () => ({ [w.A.id]: 'A', [w.B.id]: 'B' });
const PLACES = {
  account: { own: '$', child: '$1', sibling: '$2', other: '%' },
  customer: { own: 'c$1', child: 'c$1a', sibling: 'c$2', subaccount: 'c$x', other: 'c%1' },
  endpoint: { own: 'e$1', child: 'e$1a', sibling: 'e$2', subaccount: 'e$x', other: 'e%1' },
  user: { own: 'u$', child: 'u$1', sibling: 'u$2', other: 'u%', shared: 'uAB' },
  flow: { own: 'f$1', child: 'f$1a', sibling: 'f$2', subaccount: 'f$x', account: 'f$', other: 'f%1' },
  session: { own: 's$1', child: 's$1a', sibling: 's$2', subaccount: 's$x', other: 's%1' },
  file: { own: 'fl$1', child: 'fl$1a', sibling: 'fl$2', subaccount: 'fl$x', other: 'fl%1' },
};

/** [{label, target}] for one kind, relative to the login's tenant; target null for 'none'. */
function targets(kind, login) {
  const mine = LETTER()[login.tenant || w.A.id], other = mine === 'A' ? 'B' : 'A';
  const out = Object.entries(PLACES[kind]).map(([label, p]) => ({ label, target: model.get(w[p.replace('$', mine).replace('%', other)].id) }));
  if (kind === 'user' && login.info) out.push({ label: 'self', target: model.get(login.info.id) });
  out.push({ label: 'missing', target: { missing: true, id: randomHex24(), kind } });
  return out;
}

// the values a create (POST) needs besides ids, by field name
const VALUES = {
  name: () => fresh('MxNew'),
  emailAddress: () => `${fresh('mxnew')}@tests.evovoiced`,
  userName: (plan, login) => login.as?.email,
  password: (plan, login) => (plan.takesCredentials ? login.as?.password : PASSWORD),
  number: (plan, login, target) => freshNumber(target && !target.missing ? target : model.get(login.home || w.A.id)),
  isVirtualPhoneNumber: () => true,
  message: () => fresh('mx log line '),
};

/** The request of one cell: path ids; without them, the fields of the target's kind (and,
 * outside lists, the account/customer the target sits in); for a POST, what a create needs. */
function buildRequest(plan, login, kind, target) {
  const args = {};
  const path = plan.path.replace(/\{(\w+)\}/g, () => target.id);
  if (!plan.params.length && target) {
    const home = target.missing ? { account: login.home || w.A.id } : { account: target.accountId, customer: target.customerId };
    const ids = plan.filters ? { [kind]: target.id } : { ...home, [kind]: target.id };
    for (const f of plan.fields) if (f.kind && ids[f.kind]) args[f.name] = f.list ? [ids[f.kind]] : ids[f.kind];
  }
  if (plan.method === 'POST') {
    for (const f of plan.fields) {
      if (args[f.name] !== undefined || !VALUES[f.name]) continue;
      const v = VALUES[f.name](plan, login, target);
      if (v !== undefined) args[f.name] = v;
    }
  }
  if (plan.paged) args.all = true;
  const inQuery = plan.method === 'GET' || plan.method === 'DELETE';
  return { method: plan.method, path, query: inQuery ? args : undefined, body: inQuery ? undefined : args };
}

// A throw-away copy of a delete's target, made by the SA at the same place (under it), so
// that deleting it breaks no later cell.
async function twin(target) {
  const sa = srv.admin;
  const mk = async (path, body) => model.get(model.learn(target.kind, await srv.ok('POST', path, { as: sa, body })).id);
  if (target.kind === 'account') return mk('/accounts', { name: fresh('MxTwin'), parentAccountId: target.id });
  if (target.kind === 'customer') return mk('/customers', { accountId: target.accountId, parentCustomerId: target.id, name: fresh('MxTwin') });
  if (target.kind === 'endpoint') return mk('/endpoints/phone-numbers', { accountId: target.accountId, customerId: target.customerId, number: freshNumber(target), isVirtualPhoneNumber: true });
  if (target.kind === 'flow') return mk('/flows', { accountId: target.accountId, customerId: target.customerId, name: fresh('MxTwin') });
  if (target.kind === 'session' || target.kind === 'file') {
    const made = addSession(srv, target.endpointId, { voicemail: true });
    model.learn('session', made.session);
    return model.get(model.learn('file', { ...made.file, endpointId: target.endpointId }).id) && model.get(made[target.kind].id);
  }
  if (target.kind === 'user') {
    let u = await mk('/users', { accountId: target.accountIds[0], emailAddress: `${fresh('mxtwin')}@tests.evovoiced`, password: PASSWORD, roles: target.roles, customerIds: target.customerIds });
    if (target.accountIds.length > 1) u = model.get(model.learn('user', await srv.ok('PATCH', `/users/${u.id}`, { as: sa, body: { accountIds: target.accountIds } })).id);
    return u;
  }
  throw new Error(`no twin for a ${target.kind}: teach twin()`);
}

// ---------------------------------------------------------------------------------------
// Running and checking one cell.
// ---------------------------------------------------------------------------------------
// cells: requests sent; wrong and leaks: those requests; lines: one per cell, all formats
const results = { cells: 0, wrong: 0, leaks: 0, wrongLines: [], leakLines: [], all: [] };

function describeReq(rq) {
  const q = rq.query && Object.keys(rq.query).length ? '?' + new URLSearchParams(Object.entries(rq.query).map(([k, v]) => [k, [].concat(v).join(',')])) : '';
  return `${rq.method} ${rq.path}${q}${rq.body && Object.keys(rq.body).length ? ' ' + JSON.stringify(rq.body) : ''}`;
}

function forbiddenFor(login) {
  if (!login.info) return new Map([...model.tokens(w.A.id), ...model.tokens(w.B.id)]);
  if (login.info.roles.includes('SystemAdministrator')) return new Map();
  return model.tokens(login.tenant === w.A.id ? w.B.id : w.A.id);
}

/** The items of a JSON list the login could not read (or the matrix does not know). */
function unreadableItems(plan, login, json) {
  if (!plan.itemKind || !Array.isArray(json?.items)) return [];
  return json.items.filter((it) => !canRead(model, login, model.get(it.id)))
    .map((it) => { const e = model.get(it.id); return `${it.id}${e ? ` (${e.name || e.email || e.kind})` : ' (unknown to the matrix)'}`; });
}

/** A User endpoint brings a login of its own (role User), which lists of users show: learn it. */
async function learnPhoneLogin(ep) {
  if (ep.type !== 'User' || !ep.userEmailAddress) return;
  const found = await srv.ok('GET', '/users', { as: srv.admin, query: { emailFilter: ep.userEmailAddress, all: true } });
  for (const x of found.items) if (x.emailAddress === ep.userEmailAddress) model.learn('user', x);
}

/** Send a cell's request (and, for a list, in every other format); check status and leaks. */
async function runCell(cell) {
  const { plan, login, label, rq, want } = cell;
  const request = describeReq(rq);
  const got = [], leaks = new Map(); // finding -> the formats it was found in
  let wrong = false;
  for (const format of plan.isList ? ['json', ...FORMATS] : ['json']) {
    const query = format === 'json' ? rq.query : { ...rq.query, format };
    const r = await srv.req(rq.method, rq.path, { as: login.as, query, body: rq.body });
    results.cells++;
    const bad = !meets(want, r);
    if (bad) { results.wrong++; wrong = true; }
    got.push(format === 'json' ? `${r.status} ${r.text.slice(0, 240)}` : `${format}:${r.status}`);
    const found = scan(r.text, { forbidden: forbiddenFor(login), secrets: SECRETS(), request });
    if (format === 'json' && r.status < 300 && r.json) {
      if (plan.respKind) model.learn(plan.respKind, r.json);
      if (plan.respKind === 'endpoint') await learnPhoneLogin(r.json);
      const items = unreadableItems(plan, login, r.json);
      if (items.length) found.push(`lists ${items.length} ${plan.itemKind}(s) a read would refuse: ${items.join(', ')}`);
    }
    if (found.length) results.leaks++;
    for (const f of found) leaks.set(f, [...(leaks.get(f) || []), format]);
  }
  const name = `${plan.name} as ${login.key} on ${cell.kind}:${label} — ${request}`;
  const leaked = [...leaks].map(([f, formats]) => `${f} [${formats.join(',')}]`).join('; ');
  if (wrong) results.wrongLines.push(`${name}: expected ${want.text}, got ${got.join('; ')}`);
  if (leaks.size) results.leakLines.push(`${name}: ${leaked}`);
  results.all.push(`${wrong || leaks.size ? 'FAIL' : 'ok'}\t${plan.name}\t${login.key}\t${cell.kind}:${label}\texpected ${want.text}\tgot ${got.join('; ').slice(0, 160)}\t${leaked}`);
}

async function pool(items, fn, n = CONCURRENCY) {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => { while (i < items.length) await fn(items[i++]); }));
}

// ---------------------------------------------------------------------------------------
test('the leak scanner flags a planted leak and passes a clean body', async () => {
  const mgrA = logins.find((l) => l.key === 'Manager(A,ReadWriteDelete)');
  const forbidden = forbiddenFor(mgrA);
  const secrets = SECRETS();
  assert.ok(forbidden.has(w.B.id) && forbidden.has(w.cB1.name) && forbidden.has(w.eB1.phoneNumber) && forbidden.has(w.mgrB.email), 'tenant B tokens for a tenant-A login');
  assert.ok(!forbidden.has(w.A.id) && !forbidden.has(w.uAB.id), 'no tenant-A (or shared) tokens');
  const planted = JSON.stringify({ items: [{ id: w.cA1.id, accountIds: [w.A.id, w.B.id], accountNames: ['mx Account A', 'mx Account B'] }] });
  assert.ok(scan(planted, { forbidden }).some((f) => f.includes(w.B.id)), 'B id flagged');
  assert.ok(scan(planted, { forbidden }).some((f) => f.includes('mx Account B')), 'B name flagged');
  assert.deepEqual(scan(planted, { forbidden, request: `GET /users?accountIds=${w.B.id},mx Account B` }), [], 'what the caller asked for is not a leak');
  assert.equal(scan('{"passwordHash":"$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA"}', { secrets }).length, 1, 'hash flagged');
  assert.equal(scan(`{"note":"${PASSWORD}"}`, { secrets }).length, 1, 'password flagged');
  assert.equal(scan(`{"twilioAuthToken":"${byoaToken}"}`, { secrets }).length, 1, 'carrier token flagged');
  const clean = await srv.req('GET', '/customers', { as: mgrA.as, query: { accountIds: [w.A.id], all: true } });
  assert.equal(clean.status, 200);
  assert.ok(clean.text.includes(w.cA1.id));
  assert.deepEqual(scan(clean.text, { forbidden, secrets }), [], 'a clean body is not flagged');
});

test('matrix: every operation × login × target, statuses and leaks', { timeout: 180000 }, async () => {
  const t0 = Date.now();
  const main = [], lists = [], refusedDeletes = [], selfDeletes = [];
  for (const plan of plans) {
    const kinds = plan.filters || !plan.kinds.length ? ['none', ...plan.kinds] : plan.kinds;
    for (const login of logins) {
      for (const kind of kinds) {
        for (const { label, target } of kind === 'none' ? [{ label: 'none', target: null }] : targets(kind, login)) {
          const c = { plan, login, kind, label, target };
          const deletes = plan.level === 'delete' && target && !target.missing;
          if (plan.isList) lists.push(c);
          else if (deletes && login.info && target.id === login.info.id) selfDeletes.push(c);
          // a delete the rules allow gets a throw-away copy of its target; one they refuse
          // runs on the target itself, at the end, so a wrong 2xx breaks no other cell
          else if (deletes && !expected(model, plan, login, target).ok) refusedDeletes.push(c);
          else main.push(c);
        }
      }
    }
  }
  await pool(main.filter((c) => c.plan.level === 'delete' && c.target && !c.target.missing), async (c) => { c.target = await twin(c.target); }, 3);
  const prepare = (c) => { c.rq = buildRequest(c.plan, c.login, c.kind, c.target); c.want = expected(model, c.plan, c.login, c.target); return c; };
  const inOrder = async (cells) => { for (const c of cells) await runCell(prepare(c)); };

  await Promise.all([pool(main.map(prepare), runCell), runEscalations()]);
  await pool(lists.map(prepare), runCell); // after every create: they list it all
  await inOrder(refusedDeletes);
  await inOrder(selfDeletes);

  const summary = `matrix: ${results.cells} cells checked, ${results.leaks} leaks, ${results.wrong} wrong statuses (${plans.length} operations × ${logins.length} logins × targets, lists also in ${FORMATS.join('/')}; ${((Date.now() - t0) / 1000).toFixed(1)} s)`;
  console.log(summary);
  if (process.env.EVOVOICED_MATRIX_DUMP) fs.writeFileSync(process.env.EVOVOICED_MATRIX_DUMP, results.all.sort().join('\n') + '\n');
  const section = (title, lines) => (lines.length ? [`${title} (${lines.length}):`, ...lines.sort().map((x) => '  ' + x)] : []);
  const report = [summary, ...section('wrong statuses, by cell', results.wrongLines), ...section('leaks, by cell: what leaked [in which formats]', results.leakLines)].join('\n');
  assert.ok(results.wrong === 0 && results.leaks === 0, report);
});

// ---------------------------------------------------------------------------------------
// Self and privilege escalation (spec: "A Manager grants others at most its own
// managerAccess and never changes its own; roles and access above that are the
// SystemAdministrator's"). Fresh Manager logins of A, so no other cell depends on them.
// ---------------------------------------------------------------------------------------
async function runEscalations() {
  const plan = Object.fromEntries(plans.map((p) => [p.name, p]));
  const manager = async (access) => {
    const email = `${fresh('mxesc')}@tests.evovoiced`;
    await srv.ok('POST', '/users', { as: srv.admin, body: { accountId: w.A.id, emailAddress: email, password: PASSWORD, roles: ['Manager'], managerAccess: access } });
    return signIn({ key: `fresh Manager(A,${access})`, as: { email, password: PASSWORD } });
  };
  const [rw, rwd, ro] = await Promise.all(['ReadWrite', 'ReadWriteDelete', 'ReadOnly'].map(manager));
  const newUser = (body) => ({ method: 'POST', path: '/users', body: { accountId: w.A.id, emailAddress: `${fresh('mxesc')}@tests.evovoiced`, password: PASSWORD, ...body } });
  const patchUser = (u, body) => ({ method: 'PATCH', path: `/users/${u.info.id}`, body });
  const no = st(403), yes = OK;
  // asked for no level, the new Manager may get the caller's own one instead of a refusal
  const atMost = (level) => ({ text: `403, or 2xx granting at most ${level}`, accept: (r) => r.status === 403 || (r.status < 300 && LEVEL[r.json?.managerAccess] <= LEVEL[level]) });
  const cells = [
    [rw, 'NewUser', 'grant:Manager+ReadWriteDelete', newUser({ roles: ['Manager'], managerAccess: 'ReadWriteDelete' }), no],
    [rw, 'NewUser', 'grant:Manager(default access)', newUser({ roles: ['Manager'] }), atMost('ReadWrite')],
    [rw, 'NewUser', 'grant:Manager+ReadWrite', newUser({ roles: ['Manager'], managerAccess: 'ReadWrite' }), yes],
    [rwd, 'NewUser', 'grant:SystemAdministrator', newUser({ roles: ['SystemAdministrator'] }), no],
    [rw, 'PatchUser', 'other:managerAccess ReadOnly->ReadWriteDelete', patchUser(ro, { managerAccess: 'ReadWriteDelete' }), no],
    [rwd, 'PatchUser', 'other:roles', patchUser(ro, { roles: ['Manager', 'Customer'] }), no],
    [rwd, 'PatchUser', 'other:managerAccess ReadOnly->ReadWrite', patchUser(ro, { managerAccess: 'ReadWrite' }), yes],
    [rw, 'PatchUser', 'self:managerAccess ReadWrite->ReadWriteDelete', patchUser(rw, { managerAccess: 'ReadWriteDelete' }), no],
    [rwd, 'PatchUser', 'self:managerAccess ReadWriteDelete->ReadOnly', patchUser(rwd, { managerAccess: 'ReadOnly' }), no],
  ];
  for (const [login, op, label, rq, want] of cells) {
    if (!plan[op]) throw new Error(`${op} is not in the metadata any more`);
    await runCell({ plan: plan[op], login, kind: 'user', label, rq, want });
  }
}
