// app.js — the Evo Voice console: a client of the API like any other, in the browser.
// Signs in with the session cookie, and every write carries X-Requested-With so that the
// server can tell it from a form posted by another site.  Pages are chosen by the URL's
// hash (#/customers/ID); the API explorer is built from /types/metadata at run time, so
// it shows every operation the server has, whatever was added after this file.
'use strict';

const $ = (sel, root = document) => root.querySelector(sel);
const state = { me: null, accounts: [], accountId: '', settings: null };

// ---- DOM helpers: elements built with text nodes only (never innerHTML) ----
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat(Infinity)) {
    if (kid === undefined || kid === null || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}
/** Replace el's children with kids (nested lists flattened, null and false left out). */
function fill(el, ...kids) {
  el.replaceChildren(...kids.flat(Infinity).filter((k) => k !== null && k !== undefined && k !== false));
}
let uid = 0;
/** A labelled control: <div><label for=…>text</label>control</div>. */
function field(text, control, cls = 'field') {
  if (!control.id) control.id = 'f' + ++uid;
  return h('div', { class: cls }, h('label', { for: control.id }, text), control);
}
const input = (name, attrs = {}) => h('input', { name, ...attrs });
function select(name, options, value, attrs = {}) {
  return h('select', { name, ...attrs }, options.map(([v, t]) => h('option', { value: v, selected: v === value }, t)));
}

function say(msg, error = false) {
  const s = $('#status');
  s.textContent = msg || '';
  s.className = error ? 'error' : '';
  if (error) s.setAttribute('role', 'alert'); else s.setAttribute('role', 'status');
}

// ---- the API ----
class ApiError extends Error {
  constructor(status, rs) {
    const fields = (rs.errors || []).filter((e) => e.fieldName).map((e) => `${e.fieldName}: ${e.message}`);
    super(rs.message + (fields.length ? ` (${fields.join('; ')})` : ''));
    this.status = status; this.code = rs.errorCode;
  }
}
/** Call the API; JSON in and out.  Throws ApiError with the API's own message. */
async function api(method, path, body, query) {
  let url = path;
  if (query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '' && v !== null) qs.append(k, Array.isArray(v) ? v.join(',') : v);
    const s = qs.toString();
    if (s) url += '?' + s;
  }
  const headers = { Accept: 'application/json', 'X-Requested-With': 'evovoiced-console' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  if (!res.ok) throw new ApiError(res.status, (json && json.responseStatus) || { message: `HTTP ${res.status}` });
  return json;
}
/** Run an action, showing the API's refusal in the status line; returns its result or undefined. */
async function attempt(what, fn) {
  try {
    const r = await fn();
    if (what) say(what);
    return r;
  } catch (e) {
    say(e.message, true);
    return undefined;
  }
}

const roles = () => (state.me && state.me.roles) || [];
const isAdmin = () => roles().includes('SystemAdministrator');
const isCustomer = () => !isAdmin() && !roles().includes('Manager');
/** May this user change things?  (A hint for hiding controls: the API decides.) */
const canWrite = () => isAdmin() || !(roles().includes('Manager') && state.me.managerAccess === 'ReadOnly');
const acctQuery = () => (state.accountId && !isCustomer() ? { accountIds: state.accountId } : {});

// ---- layout ----
const pages = [['customers', 'Customers'], ['numbers', 'Numbers'], ['flows', 'Flows'], ['calls', 'Calls'], ['users', 'Users'], ['settings', 'Settings'], ['explorer', 'API explorer']];

function renderHeader(current) {
  const top = $('#top');
  fill(top);
  top.append(h('strong', {}, 'Evo Voice'));
  if (!state.me) return;
  top.append(h('nav', { 'aria-label': 'Pages' }, pages.map(([id, t]) => h('a', { href: '#/' + id, 'aria-current': id === current ? 'page' : false }, t))));
  const who = h('div', { class: 'who' });
  if (state.accounts.length > 1) {
    const sel = select('account', state.accounts.map((a) => [a.id, a.name]), state.accountId);
    sel.addEventListener('change', () => { state.accountId = sel.value; state.settings = null; sessionStorage.setItem('account', sel.value); route(); });
    who.append(field('Account', sel));
  }
  who.append(h('span', {}, state.me.name || state.me.emailAddress));
  who.append(h('button', { type: 'button', class: 'plain', onclick: signOut }, 'Sign out'));
  top.append(who);
}

function page(title, ...kids) {
  const main = $('#main');
  fill(main, h('h1', {}, title), kids);
  document.title = `${title} · Evo Voice`;
}

// ---- sign in / out ----
async function loadMe() {
  const res = await fetch('/auth/status', { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  state.me = res.status === 200 ? await res.json() : null;
  state.accounts = [];
  if (!state.me) return;
  if (isAdmin()) {
    const list = await attempt(null, () => api('GET', '/accounts', undefined, { all: true }));
    state.accounts = ((list && list.items) || []).map((a) => ({ id: a.id, name: a.name }));
  } else {
    state.accounts = (state.me.accountIds || []).map((id, i) => ({ id, name: (state.me.accountNames || [])[i] || id }));
  }
  const saved = sessionStorage.getItem('account');
  state.accountId = state.accounts.some((a) => a.id === saved) ? saved : (state.accounts[0] || {}).id || '';
}

function signInPage() {
  renderHeader();
  const email = input('userName', { type: 'email', autocomplete: 'username', required: true });
  const pass = input('password', { type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { class: 'card', 'aria-label': 'Sign in' },
    h('div', { class: 'row' }, field('E-mail address', email), field('Password', pass), h('button', { type: 'submit' }, 'Sign in')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const ok = await attempt('Signed in', () => api('POST', '/auth/credentials', { userName: email.value, password: pass.value, rememberMe: false }));
    if (ok) { await loadMe(); location.hash = '#/customers'; route(); }
  });
  page('Sign in', form);
  email.focus();
}

async function signOut() {
  await attempt('Signed out', () => api('POST', '/auth/logout', {}));
  state.me = null; state.settings = null;
  sessionStorage.removeItem('account');
  location.hash = '#/';
  route();
}

// ---- customers ----
// Data fields travel as {name: {stringValue|numberValue|boolValue: v}}; the editor shows
// and takes them as plain {name: v}.
function plainData(d) {
  const out = {};
  for (const [k, v] of Object.entries(d || {})) {
    const keys = v && typeof v === 'object' ? Object.keys(v) : [];
    out[k] = keys.length === 1 && /^(string|number|bool)Value$/.test(keys[0]) ? v[keys[0]] : v;
  }
  return out;
}
function valueData(d) {
  const out = {};
  for (const [k, v] of Object.entries(d || {})) {
    out[k] = typeof v === 'string' ? { stringValue: v } : typeof v === 'number' ? { numberValue: v } : typeof v === 'boolean' ? { boolValue: v } : v;
  }
  return out;
}

async function tags() {
  if (!state.settings) state.settings = await api('GET', '/system/settings', undefined, isCustomer() ? {} : { accountId: state.accountId }).catch(() => ({ tags: [] }));
  return state.settings.tags || [];
}

async function customersPage(id) {
  if (id) return customerPage(id);
  const list = await attempt(null, () => api('GET', '/customers', undefined, { ...acctQuery(), all: true }));
  if (!list) return page('Customers');
  const all = list.items || [];
  const byParent = new Map();
  const ids = new Set(all.map((c) => c.id));
  for (const c of all) {
    const p = c.parentCustomerId && ids.has(c.parentCustomerId) ? c.parentCustomerId : '';
    if (!byParent.has(p)) byParent.set(p, []);
    byParent.get(p).push(c);
  }
  const q = input('q', { type: 'search', placeholder: 'name or reference' });
  const out = h('div');
  const draw = () => {
    const needle = q.value.trim().toLowerCase();
    if (needle) {
      const hits = all.filter((c) => (c.name || '').toLowerCase().includes(needle) || (c.referenceId || '').toLowerCase().includes(needle));
      fill(out, hits.length ? h('ul', { class: 'tree root' }, hits.map((c) => h('li', {}, custLink(c), ' ', h('span', { class: 'muted' }, (c.breadcrumb || []).map((b) => b.name).join(' › '))))) : h('p', {}, 'No customer matches.'));
    } else {
      const tree = (pid) => h('ul', { class: pid ? 'tree' : 'tree root' }, (byParent.get(pid) || []).map((c) => h('li', {}, custLink(c), byParent.has(c.id) ? tree(c.id) : null)));
      fill(out, all.length ? tree('') : h('p', {}, 'No customers yet.'));
    }
  };
  q.addEventListener('input', draw);
  draw();
  const kids = [field('Search customers', q), h('section', { 'aria-label': 'Customer tree' }, out)];
  if (canWrite()) kids.push(newCustomerForm(all));
  page('Customers', ...kids);
}
const custLink = (c) => h('a', { href: '#/customers/' + c.id }, c.name, c.referenceId ? ` (${c.referenceId})` : '', c.isStaging ? ' · staging' : '');

function newCustomerForm(all) {
  const name = input('name', { required: true });
  const ref = input('referenceId');
  const parent = select('parentCustomerId', [['', '(top level)'], ...all.map((c) => [c.id, c.name])], '');
  const form = h('form', { class: 'card', 'aria-label': 'New customer' }, h('h2', {}, 'New customer'),
    h('div', { class: 'row' }, field('Name', name), field('Reference', ref), field('Parent', parent), h('button', { type: 'submit' }, 'Create customer')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { name: name.value, referenceId: ref.value || undefined, parentCustomerId: parent.value || undefined };
    if (!isCustomer()) body.accountId = state.accountId;
    const c = await attempt('Customer created', () => api('POST', '/customers', body));
    if (c) location.hash = '#/customers/' + c.id;
  });
  return form;
}

async function customerPage(id) {
  const c = await attempt(null, () => api('GET', '/customers/' + encodeURIComponent(id)));
  if (!c) return page('Customer');
  const crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('ol', {},
    h('li', {}, h('a', { href: '#/customers' }, 'Customers')),
    (c.breadcrumb || []).filter((b) => b.id !== c.id).map((b) => h('li', {}, h('a', { href: '#/customers/' + b.id }, b.name))),
    h('li', { 'aria-current': 'page' }, c.name)));
  const kids = [crumbs];
  const info = h('p', { class: 'muted' }, `Account ${c.accountName || c.accountId}`, c.referenceId ? ` · reference ${c.referenceId}` : '', ' · ', c.isStaging ? 'staging mode on' : 'live');
  kids.push(info);
  if (!canWrite()) {
    kids.push(h('pre', {}, JSON.stringify(c, null, 2)));
    return page(c.name, ...kids);
  }
  // staging
  const staging = input('isStaging', { type: 'checkbox', checked: c.isStaging });
  staging.addEventListener('change', async () => {
    const r = await attempt(staging.checked ? 'Staging mode on' : 'Staging mode off', () => api('POST', `/customers/${id}/staging`, { isStaging: staging.checked }));
    if (!r) staging.checked = !staging.checked;
  });
  kids.push(h('div', { class: 'row' }, field('Staging mode', staging, 'field check')));
  // edit
  const allTags = await tags();
  const have = new Set((c.tags || []).map((t) => t.id));
  const name = input('name', { value: c.name, required: true });
  const ref = input('referenceId', { value: c.referenceId || '' });
  const tagBoxes = allTags.map((t) => field(t.name, input('tag', { type: 'checkbox', value: t.id, checked: have.has(t.id) }), 'field check'));
  const data = h('textarea', { name: 'data' }, JSON.stringify(plainData(c.data), null, 2));
  const sched = h('textarea', { name: 'schedule' }, JSON.stringify(c.schedule || {}, null, 2));
  const edit = h('form', { class: 'card', 'aria-label': 'Edit customer' }, h('h2', {}, 'Edit'),
    h('div', { class: 'row' }, field('Name', name), field('Reference', ref)),
    tagBoxes.length ? h('fieldset', {}, h('legend', {}, 'Tags'), h('div', { class: 'row' }, tagBoxes)) : h('p', { class: 'muted' }, 'No tags defined in the settings.'),
    field('Data fields (JSON)', data), field('Schedule (JSON)', sched), h('button', { type: 'submit' }, 'Save'));
  edit.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    let body;
    try {
      body = { name: name.value, referenceId: ref.value, data: valueData(JSON.parse(data.value || '{}')), schedule: JSON.parse(sched.value || '{}'),
        tagIds: [...edit.querySelectorAll('input[name=tag]:checked')].map((x) => x.value) };
    } catch (e) { return say('The data or schedule is not valid JSON: ' + e.message, true); }
    const r = await attempt('Customer saved', () => api('PATCH', '/customers/' + id, body));
    if (r) { const s = $('#status').textContent; await customerPage(id); say(s); }
  });
  kids.push(edit);
  // schedule check
  const when = input('dateTime', { type: 'datetime-local' });
  const answer = h('output', { 'aria-live': 'polite' });
  const test = h('form', { class: 'card', 'aria-label': 'Test the schedule' }, h('h2', {}, 'What state is it at…'),
    h('div', { class: 'row' }, field('Date and time', when), h('button', { type: 'submit' }, 'Check'), answer));
  test.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    let schedule;
    try { schedule = JSON.parse(sched.value || '{}'); } catch (e) { return say('The schedule is not valid JSON: ' + e.message, true); }
    const r = await attempt(null, () => api('POST', `/customers/${id}/test-schedule`, { schedule, dateTime: when.value ? when.value + ':00' : undefined }));
    if (r) answer.textContent = `State: ${r.stateName || '(none)'}${r.timeZoneId ? ' · ' + r.timeZoneId : ''}`;
  });
  kids.push(test);
  // move
  const others = await api('GET', '/customers', undefined, { ...acctQuery(), all: true }).catch(() => ({ items: [] }));
  const target = select('parentCustomerId', [['', '(top level)'], ...(others.items || []).filter((o) => o.id !== id && !(o.breadcrumb || []).some((b) => b.id === id)).map((o) => [o.id, o.name])], c.parentCustomerId || '');
  const move = h('form', { class: 'card', 'aria-label': 'Move customer' }, h('h2', {}, 'Move'), h('div', { class: 'row' }, field('New parent', target), h('button', { type: 'submit' }, 'Move')));
  move.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await attempt('Customer moved', () => api('PATCH', '/customers/' + id, { parentCustomerId: target.value }));
    if (r) customerPage(id);
  });
  kids.push(move);
  // delete
  const del = h('button', { type: 'button', class: 'danger' }, 'Delete customer');
  del.addEventListener('click', async () => {
    if (!confirm(`Delete ${c.name}?`)) return;
    try {
      await api('DELETE', '/customers/' + id);
      say('Customer deleted');
      location.hash = '#/customers';
    } catch (e) {
      say(e.status === 409 ? `${e.message} — move or delete what it holds first (sub-customers, numbers, flows), then try again.` : e.message, true);
    }
  });
  kids.push(h('section', { class: 'card', 'aria-label': 'Delete customer' }, h('h2', {}, 'Delete'), del));
  page(c.name, ...kids);
}

// ---- numbers and endpoints ----
async function numbersPage() {
  const name = input('nameFilter', { type: 'search' });
  const phone = input('phoneNumberFilter', { type: 'search' });
  const type = select('type', [['', 'Any'], ['PhoneNumber', 'Phone number'], ['User', 'User'], ['FaxNumber', 'Fax number'], ['Assistant', 'Assistant'], ['Team', 'Team'], ['Email', 'Email']], '');
  const out = h('div', { class: 'scroll' });
  const flows = await api('GET', '/flows', undefined, { ...acctQuery(), all: true }).then((r) => r.items || []).catch(() => []);
  const load = async () => {
    const list = await attempt(null, () => api('GET', '/endpoints', undefined, { ...acctQuery(), all: true, nameFilter: name.value, phoneNumberFilter: phone.value, type: type.value }));
    if (!list) return;
    const rows = (list.items || []).map((e) => {
      const cells = [h('td', {}, e.displayName || ''), h('td', {}, e.phoneNumber || ''), h('td', {}, e.type, e.isVirtualPhoneNumber ? ' (virtual)' : ''), h('td', {}, e.customerName || '')];
      if (canWrite()) {
        const f = select('flowId', [['', '(none)'], ...flows.map((x) => [x.id, x.name])], e.flowId || '', { 'aria-label': `Flow of ${e.displayName || e.phoneNumber}` });
        f.addEventListener('change', () => attempt('Flow assigned', () => api('PATCH', '/endpoints/' + e.id, { flowId: f.value })));
        cells.push(h('td', {}, f));
        if (e.type === 'PhoneNumber' || e.type === 'FaxNumber') {
          const fax = input('isFax', { type: 'checkbox', checked: e.type === 'FaxNumber' || e.isFaxNumber, 'aria-label': `Fax: ${e.phoneNumber}` });
          fax.addEventListener('change', async () => {
            const r = await attempt(fax.checked ? 'Now a fax number' : 'Now a voice number', () => api('PATCH', `/phone-numbers/${e.id}/fax`, { isFax: fax.checked }));
            if (!r) fax.checked = !fax.checked;
          });
          cells.push(h('td', {}, fax));
        } else cells.push(h('td', {}));
      } else cells.push(h('td', {}, e.flowName || ''), h('td', {}));
      return h('tr', {}, cells);
    });
    fill(out, h('table', {}, h('thead', {}, h('tr', {}, ['Name', 'Number', 'Type', 'Customer', 'Flow', 'Fax'].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows)),
      rows.length ? null : h('p', {}, 'Nothing matches.'));
  };
  const filters = h('form', { class: 'card', 'aria-label': 'Filters' }, h('div', { class: 'row' }, field('Name', name), field('Phone number', phone), field('Type', type), h('button', { type: 'submit' }, 'Filter')));
  filters.addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  const kids = [filters, out];
  if (canWrite()) kids.push(await buyForm(load));
  page('Numbers and endpoints', ...kids);
  await load();
}

async function buyForm(reload) {
  const customers = await api('GET', '/customers', undefined, { ...acctQuery(), all: true }).then((r) => r.items || []).catch(() => []);
  const number = input('number', { placeholder: '+15551234567', required: true });
  const cust = select('customerId', [['', '(none)'], ...customers.map((c) => [c.id, c.name])], '');
  const virt = input('isVirtualPhoneNumber', { type: 'checkbox', checked: true });
  const form = h('form', { class: 'card', 'aria-label': 'Buy a number' }, h('h2', {}, 'Buy a number'),
    h('div', { class: 'row' }, field('Number', number), field('Customer', cust), field('Virtual (no carrier)', virt, 'field check'), h('button', { type: 'submit' }, 'Buy')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { number: number.value, customerId: cust.value || undefined, isVirtualPhoneNumber: virt.checked };
    if (!isCustomer()) body.accountId = state.accountId;
    const r = await attempt('Number bought', () => api('POST', '/endpoints/phone-numbers', body));
    if (r) { number.value = ''; reload(); }
  });
  return form;
}

// ---- flows and calls ----
async function flowsPage(id) {
  if (id) {
    const f = await attempt(null, () => api('GET', '/flows/' + encodeURIComponent(id)));
    if (!f) return page('Flow');
    const names = new Map((f.nodes || []).map((n) => [n.id, n.name || n.id]));
    const nodes = (f.nodes || []).map((n) => {
      const params = Object.entries(n.parameters || {});
      const trans = params.filter(([, p]) => p.type === 'Transition');
      const other = params.filter(([, p]) => p.type !== 'Transition');
      const val = (p) => p.expression || (p.value ? JSON.stringify(Object.values(p.value)[0]) : p.referenceId || '');
      return h('section', { class: 'card', 'aria-label': 'Node ' + (n.name || n.id) }, h('h2', {}, n.name || n.id, n.isStartNode ? ' (start)' : ''),
        h('p', { class: 'muted' }, (n.spec && (n.spec.name || n.spec.typeName)) || ''),
        other.length ? h('ul', {}, other.map(([k, p]) => h('li', {}, `${k}: ${val(p)}`))) : null,
        trans.length ? h('ul', { 'aria-label': 'Transitions' }, trans.map(([k, p]) => {
          const to = p.value && p.value.stringValue;
          return h('li', {}, `${k} → `, to ? names.get(to) || to : '(end)');
        })) : null);
    });
    return page(f.name, h('p', {}, h('a', { href: '#/flows' }, 'All flows')), f.description ? h('p', {}, f.description) : null, nodes.length ? nodes : h('p', {}, 'This flow has no nodes.'));
  }
  const list = await attempt(null, () => api('GET', '/flows', undefined, { ...acctQuery(), all: true }));
  if (!list) return page('Flows');
  page('Flows', h('ul', {}, (list.items || []).map((f) => h('li', {}, h('a', { href: '#/flows/' + f.id }, f.name), ` · ${f.nodeCount ?? (f.nodes || []).length} nodes`))),
    (list.items || []).length ? null : h('p', {}, 'No flows yet.'));
}

async function callsPage() {
  const list = await attempt(null, () => api('GET', '/sessions', undefined, { ...acctQuery(), countPerPage: 50 }));
  if (!list) return page('Calls');
  const items = list.items || [];
  page('Calls', items.length ? items.map((s) => h('details', {}, h('summary', {}, `${s.dateCreated || ''} · ${s.fromAddress || '?'} → ${s.toAddress || '?'} · ${s.outcome || (s.ended ? 'ended' : 'in progress')}`),
    h('ul', {}, (s.log || []).map((l) => h('li', {}, h('time', {}, l.date), ' ', l.message))))) : h('p', {}, 'No calls yet.'));
}

// ---- users and settings ----
async function usersPage() {
  const list = await attempt(null, () => api('GET', '/users', undefined, acctQuery()));
  if (!list) return page('Users');
  page('Users', h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, ['Name', 'E-mail', 'Roles', 'Access'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, (list.items || []).map((u) => h('tr', {}, h('td', {}, u.name || ''), h('td', {}, u.emailAddress), h('td', {}, (u.roles || []).join(', ')), h('td', {}, u.managerAccess || '')))))));
}

async function settingsPage() {
  state.settings = null;
  const s = await attempt(null, () => api('GET', '/system/settings', undefined, isCustomer() ? {} : { accountId: state.accountId }));
  if (!s) return page('Settings');
  state.settings = s;
  const kids = [h('h2', {}, 'Tags'), h('p', {}, (s.tags || []).length ? (s.tags || []).map((t) => h('span', { class: 'tag' }, t.name)) : 'No tags yet.')];
  if (canWrite()) {
    const name = input('tagName', { required: true });
    const form = h('form', { class: 'card', 'aria-label': 'New tag' }, h('div', { class: 'row' }, field('Tag name', name), h('button', { type: 'submit' }, 'Add tag')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const r = await attempt('Tag added', () => api('PATCH', '/system/settings', { accountId: state.accountId, tags: [...(s.tags || []), { name: name.value }] }));
      if (r) { const m = $('#status').textContent; await settingsPage(); say(m); }
    });
    kids.push(form);
  }
  kids.push(h('h2', {}, 'Customer data fields'), h('p', {}, (s.customerFields || []).map((f) => f.name).join(', ') || 'None.'));
  page('Settings', ...kids);
}

// ---- API explorer ----
let meta;
async function explorerPage() {
  if (!meta) meta = await attempt(null, () => api('GET', '/types/metadata'));
  if (!meta) return page('API explorer');
  const types = new Map();
  for (const t of meta.types || []) types.set(t.name, t);
  for (const o of meta.operations) types.set(o.request.name, o.request);
  const ops = [...meta.operations].sort((a, b) => a.request.name.localeCompare(b.request.name));
  const opSel = select('operation', ops.map((o) => [o.request.name, o.request.name]), sessionStorage.getItem('op') || 'GetAuthStatus');
  const fmt = select('format', [['json', 'JSON'], ['jsv', 'JSV'], ['xml', 'XML'], ['csv', 'CSV']], 'json');
  const area = h('div');
  const draw = () => { sessionStorage.setItem('op', opSel.value); fill(area, opForm(ops.find((o) => o.request.name === opSel.value), types, fmt)); };
  opSel.addEventListener('change', draw);
  draw();
  page('API explorer', h('p', { class: 'muted' }, `${ops.length} operations, from /types/metadata.`), h('div', { class: 'row' }, field('Operation', opSel), field('Format', fmt)), area);
}

/** Every property of a request type, its bases' included. */
function props(t, types) {
  const out = [];
  for (let seen = 0; t && seen < 8; seen++) {
    out.unshift(...(t.properties || []));
    t = t.inherits && types.get(t.inherits.name);
  }
  return out;
}
const camel = (s) => s.charAt(0).toLowerCase() + s.slice(1);

function control(p, types) {
  const inner = p.type === 'Nullable`1' && p.genericArgs ? p.genericArgs[0] : p.type;
  const t = types.get(inner);
  if (inner === 'Boolean') return ['bool', select(p.name, [['', ''], ['true', 'true'], ['false', 'false']], '')];
  if (t && t.isEnum) return ['text', select(p.name, [['', ''], ...(t.enumNames || []).map((n) => [n, n])], '')];
  if (/^(Int32|Int64|Double|Decimal)$/.test(inner)) return ['number', input(p.name, { type: 'number', step: 'any' })];
  if (inner === 'String' || inner === 'DateTime') return ['text', input(p.name)];
  if (p.type === 'List`1' && p.genericArgs && p.genericArgs[0] === 'String') return ['list', input(p.name, { placeholder: 'a, b, c' })];
  return ['json', h('textarea', { name: p.name, rows: 3, placeholder: 'JSON' })];
}

function opForm(op, types, fmtSel) {
  const fields = props(op.request, types).map((p) => [p, ...control(p, types)]);
  const verb = (op.actions && op.actions[0] !== 'ANY' && op.actions[0]) || (op.routes && op.routes[0] && op.routes[0].verbs) || 'POST';
  const method = verb.split(',')[0].toUpperCase();
  const route = (op.routes && op.routes[0] && op.routes[0].path) || '/api/' + op.request.name;
  const raw = h('pre', { 'aria-label': 'Response', tabindex: '0' });
  const curl = h('pre', { 'aria-label': 'curl command', tabindex: '0' });
  const statusLine = h('p', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card', 'aria-label': op.request.name },
    h('p', {}, h('code', {}, `${method} ${route}`), op.request.description ? ` — ${op.request.description}` : ''),
    h('div', { class: 'row' }, fields.map(([p, , el]) => field(p.name, el))),
    h('button', { type: 'submit' }, 'Send'));
  const build = () => {
    const values = {};
    for (const [p, kind, el] of fields) {
      const v = el.value.trim();
      if (!v) continue;
      values[camel(p.name)] = kind === 'bool' ? v === 'true' : kind === 'number' ? Number(v) : kind === 'list' ? v.split(',').map((x) => x.trim()) : kind === 'json' ? JSON.parse(v) : v;
    }
    let path = route.replace(/\{(\w+)\}/g, (m, n) => {
      const k = camel(n);
      const v = values[k];
      delete values[k];
      return encodeURIComponent(v === undefined ? '' : v);
    });
    const qs = new URLSearchParams();
    let body;
    if (method === 'GET' || method === 'DELETE') for (const [k, v] of Object.entries(values)) qs.append(k, Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : v);
    else body = JSON.stringify(values);
    if (qs.toString()) path += '?' + qs;
    return { path, body };
  };
  const accept = { json: 'application/json', jsv: 'application/jsv', xml: 'application/xml', csv: 'text/csv' };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    let req;
    try { req = build(); } catch (e) { return say('A JSON field is not valid JSON: ' + e.message, true); }
    const a = accept[fmtSel.value];
    const q = (s) => "'" + s.replace(/'/g, "'\\''") + "'";
    curl.textContent = `curl -X ${method} ${q(location.origin + req.path)} -u "$EMAIL:$PASSWORD" -H ${q('Accept: ' + a)}` + (req.body ? ` -H 'Content-Type: application/json' -d ${q(req.body)}` : '');
    const headers = { Accept: a, 'X-Requested-With': 'evovoiced-console' };
    if (req.body) headers['Content-Type'] = 'application/json';
    const res = await fetch(req.path, { method, headers, body: req.body, credentials: 'same-origin' });
    statusLine.textContent = `HTTP ${res.status} ${res.statusText}`;
    raw.textContent = await res.text();
  });
  return h('div', {}, form, statusLine, h('h2', {}, 'Response'), raw, h('h2', {}, 'The same call with curl'), curl);
}

// ---- routing ----
const handlers = { customers: customersPage, numbers: numbersPage, flows: flowsPage, calls: callsPage, users: usersPage, settings: settingsPage, explorer: explorerPage };
async function route() {
  const [, name = '', id] = location.hash.split('/');
  if (!state.me) return signInPage();
  const key = handlers[name] ? name : 'customers';
  renderHeader(key);
  try {
    await handlers[key](id && decodeURIComponent(id));
  } catch (e) {
    say(e.message, true);
  }
  document.body.dataset.page = key;
  $('#main').focus({ preventScroll: true });
}
addEventListener('hashchange', () => { say(''); route(); });
loadMe().then(route, (e) => say(e.message, true));
