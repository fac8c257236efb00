// app.js — the Evo Voice console: a client of the API like any other, in the browser.
// Signs in with the session cookie, and every write carries X-Requested-With so that the
// server can tell it from a form posted by another site.  Pages are chosen by the URL's
// hash (#/customers/ID); the API explorer is built from /types/metadata at run time, so
// it shows every operation the server has, whatever was added after this file.  The
// explorer (explorer.js) and the customer form's editors (editors.js) are loaded when first
// needed; they import their helpers from here.

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
  return json === undefined ? {} : json; // 204: done, nothing to say
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
const pages = [['customers', 'Customers'], ['numbers', 'Numbers'], ['flows', 'Flows'], ['calls', 'Calls'], ['users', 'Users'], ['log', 'Audit log'], ['settings', 'Settings'], ['explorer', 'API explorer']];

function renderHeader(current) {
  const top = $('#top');
  fill(top);
  top.append(h('strong', {}, 'Evo Voice'));
  if (!state.me) return;
  top.append(h('nav', { 'aria-label': 'Pages' }, pages.filter(([id]) => id !== 'log' || !isCustomer()).map(([id, t]) => h('a', { href: '#/' + id, 'aria-current': id === current ? 'page' : false }, t))));
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
  const { scheduleEditor, billingEditor, appEditor } = await import('./editors.js');
  const sched = scheduleEditor(c.schedule);
  const billing = billingEditor(c.overrideBillingSettings, c.billingSettings);
  const app = appEditor(c.overrideAppSettings, c.appSettings);
  const edit = h('form', { class: 'card', 'aria-label': 'Edit customer' }, h('h2', {}, 'Edit'),
    h('div', { class: 'row' }, field('Name', name), field('Reference', ref)),
    tagBoxes.length ? h('fieldset', {}, h('legend', {}, 'Tags'), h('div', { class: 'row' }, tagBoxes)) : h('p', { class: 'muted' }, 'No tags defined in the settings.'),
    field('Data fields (JSON)', data), sched.el, billing.el, app.el, h('button', { type: 'submit' }, 'Save'));
  edit.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    let body;
    try {
      body = { name: name.value, referenceId: ref.value, data: valueData(JSON.parse(data.value || '{}')), schedule: sched.value(),
        tagIds: [...edit.querySelectorAll('input[name=tag]:checked')].map((x) => x.value), ...billing.value(), ...app.value() };
    } catch (e) { return say('The data or schedule is not valid JSON: ' + e.message, true); }
    const r = await attempt('Customer saved', () => api('PATCH', '/customers/' + id, body));
    if (r) { const s = $('#status').textContent; await customerPage(id); say(s); }
  });
  kids.push(edit);
  // schedule check: the schedule as it is in the editor, saved or not
  const when = input('dateTime', { type: 'datetime-local' });
  const answer = h('output', { 'aria-live': 'polite' });
  const test = h('form', { class: 'card', 'aria-label': 'Test the schedule' }, h('h2', {}, 'What state is it at…'),
    h('div', { class: 'row' }, field('Date and time', when), h('button', { type: 'submit' }, 'Check'), answer));
  test.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    let schedule;
    answer.textContent = '';
    try { schedule = sched.value(); } catch (e) { return say('The schedule is not valid JSON: ' + e.message, true); }
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
  const type = select('type', [['', 'Any'], ['PhoneNumber', 'Phone number'], ['User', 'User'], ['FaxNumber', 'Fax number'], ['Assistant', 'Assistant'], ['Team', 'Team'], ['EmailAddress', 'E-mail']], '');
  const out = h('div', { class: 'scroll' });
  const flows = await api('GET', '/flows', undefined, { ...acctQuery(), all: true }).then((r) => r.items || []).catch(() => []);
  const load = async () => {
    const list = await attempt(null, () => api('GET', '/endpoints', undefined, { ...acctQuery(), all: true, nameFilter: name.value, phoneNumberFilter: phone.value, type: type.value }));
    if (!list) return;
    const rows = (list.items || []).map((e) => {
      const cells = [h('td', {}, e.displayName || ''), h('td', {}, e.phoneNumber || e.emailAddress || e.userEmailAddress || ''), h('td', {}, e.type, e.isVirtualPhoneNumber ? ' (virtual)' : ''), h('td', {}, e.customerName || '')];
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
    fill(out, h('table', {}, h('thead', {}, h('tr', {}, ['Name', 'Number or address', 'Type', 'Customer', 'Flow', 'Fax'].map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows)),
      rows.length ? null : h('p', {}, 'Nothing matches.'));
  };
  const filters = h('form', { class: 'card', 'aria-label': 'Filters' }, h('div', { class: 'row' }, field('Name', name), field('Phone number', phone), field('Type', type), h('button', { type: 'submit' }, 'Filter')));
  filters.addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
  const kids = [filters, out];
  if (canWrite()) kids.push(...await addForms(load));
  page('Numbers and endpoints', ...kids);
  await load();
}

const custSelect = (customers) => select('customerId', [['', '(none)'], ...customers.map((c) => [c.id, c.name])], '');
/** The body of a create: the chosen account (the API takes a Customer's own) and customer. */
function owned(cust, body) {
  const out = { customerId: cust.value || undefined, ...body };
  if (!isCustomer()) out.accountId = state.accountId;
  return out;
}

/** The forms that add endpoints: numbers (searched at the carrier, or virtual) and the other types. */
async function addForms(reload) {
  const [customers, users] = await Promise.all([
    api('GET', '/customers', undefined, { ...acctQuery(), all: true }).then((r) => r.items || []).catch(() => []),
    api('GET', '/endpoints', undefined, { ...acctQuery(), all: true, type: 'User' }).then((r) => r.items || []).catch(() => [])]);
  const buy = async (cust, number, isVirtualPhoneNumber) => {
    const r = await attempt('Number bought', () => api('POST', '/endpoints/phone-numbers', owned(cust, { number, isVirtualPhoneNumber })));
    if (r) reload();
    return r;
  };
  // search at the carrier, then buy one of its numbers
  const area = input('areaCode', { inputmode: 'numeric' });
  const contains = input('contains');
  const country = input('countryCode', { value: 'US', size: 4 });
  const scust = custSelect(customers);
  const found = h('div', { 'aria-live': 'polite' });
  const search = h('form', { class: 'card', 'aria-label': 'Search numbers' }, h('h2', {}, 'Search numbers at the carrier'),
    h('div', { class: 'row' }, field('Country', country), field('Area code', area), field('Contains', contains), field('For customer', scust), h('button', { type: 'submit' }, 'Search')), found);
  search.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await attempt(null, () => api('GET', '/endpoints/phone-numbers/search', undefined, { accountId: isCustomer() ? undefined : state.accountId, countryCode: country.value, areaCode: area.value, contains: contains.value }));
    if (!r) return fill(found);
    const items = r.items || [];
    fill(found, items.length ? h('ul', {}, items.map((n) => h('li', {}, `${n.phoneNumber} · ${[n.locality, n.region].filter(Boolean).join(', ')} `,
      h('button', { type: 'button', 'aria-label': `Buy ${n.phoneNumber}`, onclick: (e) => buy(scust, n.phoneNumber, false).then((ok) => { if (ok) e.target.closest('li').remove(); }) }, 'Buy')))) : h('p', {}, 'The carrier has no number like that.'));
  });
  // a virtual number: no carrier
  const number = input('number', { placeholder: '+15551234567', required: true });
  const cust = custSelect(customers);
  const virt = input('isVirtualPhoneNumber', { type: 'checkbox', checked: true });
  const form = h('form', { class: 'card', 'aria-label': 'Buy a number' }, h('h2', {}, 'Buy a number'),
    h('div', { class: 'row' }, field('Number', number), field('Customer', cust), field('Virtual (no carrier)', virt, 'field check'), h('button', { type: 'submit' }, 'Buy')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (await buy(cust, number.value, virt.checked)) number.value = '';
  });
  // the other endpoint types
  const make = (title, path, controls, body) => {
    const c = custSelect(customers);
    const f = h('form', { class: 'card', 'aria-label': title }, h('h2', {}, title), h('div', { class: 'row' }, controls.map(([t, el]) => field(t, el)), field('Customer', c), h('button', { type: 'submit' }, 'Create')));
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (await attempt(`${title}: created`, () => api('POST', path, owned(c, body())))) { const m = $('#status').textContent; await numbersPage(); say(m); }
    });
    return f;
  };
  const first = input('firstName', { required: true }), last = input('lastName'), email = input('emailAddress', { type: 'email', required: true });
  const pass = input('password', { type: 'password', autocomplete: 'new-password', required: true });
  const team = input('name', { required: true });
  const members = select('teamMemberIds', users.map((e) => [e.id, e.displayName || e.id]), '', { multiple: true, size: Math.min(4, Math.max(users.length, 2)) });
  const mail = input('emailAddress', { type: 'email', required: true });
  return [search, form,
    make('New user endpoint', '/endpoints/users', [['First name', first], ['Last name', last], ['E-mail address', email], ['Password', pass]],
      () => ({ firstName: first.value, lastName: last.value || undefined, emailAddress: email.value, password: pass.value })),
    make('New team', '/endpoints/team', [['Team name', team], ['Members', members]], () => ({ name: team.value, teamMemberIds: [...members.selectedOptions].map((o) => o.value) })),
    make('New e-mail endpoint', '/endpoints/email', [['E-mail address', mail]], () => ({ emailAddress: mail.value }))];
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
  page('Calls', items.length ? items.map(callView) : h('p', {}, 'No calls yet.'));
}
/** One call: its log lines, its files (fetched when opened), a line to add, and "end call" while live. */
function callView(s) {
  const files = h('div', { 'aria-live': 'polite' });
  const d = h('details', {}, h('summary', {}, `${s.dateCreated || ''} · ${s.fromAddress || '?'} → ${s.toAddress || '?'} · ${s.outcome || (s.ended ? 'ended' : 'in progress')}`),
    h('ul', { 'aria-label': 'Log' }, (s.log || []).map((l) => h('li', {}, h('time', {}, l.date), ' ', l.message))), files);
  d.addEventListener('toggle', async () => {
    if (!d.open || files.dataset.loaded) return;
    const r = await attempt(null, () => api('GET', '/files', undefined, { sessionId: s.id, all: true }));
    if (!r) return;
    files.dataset.loaded = '1';
    const items = r.items || [];
    fill(files, h('h2', {}, 'Files'), items.length ? h('ul', { 'aria-label': 'Files' }, items.map((f) => h('li', {}, f.uri ? h('a', { href: f.uri }, f.fileName || f.id) : f.fileName || f.id,
      ` · ${f.type || ''}${f.recordingDuration ? ` · ${f.recordingDuration} s` : ''}`, f.transcription ? h('p', { class: 'muted' }, f.transcription) : null))) : h('p', {}, 'No files.'));
  });
  const redraw = async () => { const m = $('#status').textContent; await callsPage(); say(m); };
  if (canWrite()) {
    const line = input('message', { required: true, maxlength: 1000 });
    const add = h('form', { class: 'row', 'aria-label': 'Add to the log' }, field('Log line', line), h('button', { type: 'submit', class: 'plain' }, 'Add'));
    add.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (await attempt('Line added', () => api('POST', `/sessions/${s.id}/log`, { message: line.value }))) redraw();
    });
    d.append(add);
    if (!s.ended) d.append(h('button', { type: 'button', class: 'danger', onclick: async () => { if (await attempt('Call ended', () => api('DELETE', '/sessions/' + s.id))) redraw(); } }, 'End call'));
  }
  return d;
}

// ---- users and settings ----
const ACCESS = ['ReadOnly', 'ReadWrite', 'ReadWriteDelete'];
/** The controls a login has: its role, a Manager's access, a Customer login's customers. */
async function loginControls(u = {}) {
  const customers = await api('GET', '/customers', undefined, { ...acctQuery(), all: true }).then((r) => r.items || []).catch(() => []);
  const role = select('roles', [...(isAdmin() ? [['SystemAdministrator', 'System administrator']] : []), ['Manager', 'Manager'], ['Customer', 'Customer']], (u.roles || [])[0] || 'Customer');
  const access = select('managerAccess', ACCESS.map((a) => [a, a]), u.managerAccess || state.me.managerAccess || 'ReadWriteDelete');
  const have = new Set(u.customerIds || []);
  const custs = h('select', { name: 'customerIds', multiple: true, size: Math.min(5, Math.max(customers.length, 2)) }, customers.map((c) => h('option', { value: c.id, selected: have.has(c.id) }, c.name)));
  const first = input('firstName', { value: u.firstName || '' }), last = input('lastName', { value: u.lastName || '' });
  return {
    els: [field('First name', first), field('Last name', last), field('Role', role), field('Manager access', access), field('Customers (for a Customer login)', custs)],
    value: () => ({ firstName: first.value, lastName: last.value, roles: [role.value], managerAccess: role.value === 'Manager' ? access.value : undefined,
      customerIds: role.value === 'Customer' ? [...custs.selectedOptions].map((o) => o.value) : [] }),
  };
}

async function usersPage(id) {
  if (id) return userPage(id);
  const list = await attempt(null, () => api('GET', '/users', undefined, acctQuery()));
  if (!list) return page('Users');
  const kids = [h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, ['Name', 'E-mail', 'Roles', 'Access'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, (list.items || []).map((u) => h('tr', {}, h('td', {}, canWrite() ? h('a', { href: '#/users/' + u.id }, u.name || u.emailAddress) : u.name || ''),
      h('td', {}, u.emailAddress), h('td', {}, (u.roles || []).join(', ')), h('td', {}, u.managerAccess || ''))))))];
  if (canWrite()) {
    const email = input('emailAddress', { type: 'email', required: true, autocomplete: 'off' });
    const pass = input('password', { type: 'password', required: true, autocomplete: 'new-password' });
    const ctl = await loginControls();
    const form = h('form', { class: 'card', 'aria-label': 'New login' }, h('h2', {}, 'New login'),
      h('div', { class: 'row' }, field('E-mail address', email), field('Password', pass), ctl.els, h('button', { type: 'submit' }, 'Create login')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const u = await attempt('Login created', () => api('POST', '/users', { accountId: state.accountId, emailAddress: email.value, password: pass.value, ...ctl.value() }));
      if (u) { const m = $('#status').textContent; await usersPage(); say(m); }
    });
    kids.push(form);
  }
  page('Users', ...kids);
}

async function userPage(id) {
  const list = await attempt(null, () => api('GET', '/users', undefined, { specificIds: id }));
  const u = list && (list.items || [])[0];
  if (!u) return page('User', h('p', {}, h('a', { href: '#/users' }, 'All users')));
  const ctl = await loginControls(u);
  const pass = input('newPassword', { type: 'password', autocomplete: 'new-password' });
  const form = h('form', { class: 'card', 'aria-label': 'Edit login' }, h('div', { class: 'row' }, ctl.els, field('New password (empty: unchanged)', pass), h('button', { type: 'submit' }, 'Save')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await attempt('Login saved', () => api('PATCH', '/users/' + id, { ...ctl.value(), newPassword: pass.value || undefined }));
    if (r) { const m = $('#status').textContent; await userPage(id); say(m); }
  });
  page(u.name || u.emailAddress, h('p', {}, h('a', { href: '#/users' }, 'All users'), ' · ', u.emailAddress), form);
}

// ---- the audit log: who changed what, with its filters and paging ----
const KINDS = ['Account', 'Customer', 'Endpoint', 'User', 'SystemSettings', 'Flow', 'Session', 'File'];
async function logPage() {
  const kind = select('entityType', [['', 'Any'], ...KINDS.map((k) => [k, words(k)])], '');
  const entity = input('entityId', { type: 'search' });
  const from = input('startDate', { type: 'date' }), to = input('endDate', { type: 'date' });
  const out = h('div', { class: 'scroll' });
  const pager = h('div', { class: 'row' });
  let at = 0;
  const load = async () => {
    const r = await attempt(null, () => api('GET', '/log-entries', undefined, { ...acctQuery(), entityType: kind.value, entityId: entity.value.trim(), startDate: from.value, endDate: to.value, page: at, countPerPage: 20 }));
    if (!r) return;
    const items = r.items || [];
    const change = (c) => h('li', {}, `${c.field}: `, c.oldValue ?? '—', ' → ', c.newValue ?? '—');
    fill(out, items.length ? h('table', {}, h('thead', {}, h('tr', {}, ['When', 'Who', 'Operation', 'What', 'Changes'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, items.map((e) => h('tr', {}, h('td', {}, h('time', {}, e.date)), h('td', {}, e.userName || e.userId || ''), h('td', {}, e.operation || ''),
        h('td', {}, `${e.entityType || ''} ${e.entityId || ''}`), h('td', {}, h('ul', {}, (e.changes || []).map(change))))))) : h('p', {}, 'No entries.'));
    const btn = (t, to2, off) => h('button', { type: 'button', class: 'plain', disabled: off, onclick: () => { at = to2; load(); } }, t);
    fill(pager, btn('Previous page', at - 1, at === 0), h('span', {}, `Page ${at + 1} of ${Math.max(r.totalPages || 1, 1)} · ${r.totalCount || 0} entries`), btn('Next page', at + 1, !r.hasMorePages));
  };
  const filters = h('form', { class: 'card', 'aria-label': 'Filters' }, h('div', { class: 'row' }, field('Kind', kind), field('ID', entity), field('From', from), field('To', to), h('button', { type: 'submit' }, 'Filter')));
  filters.addEventListener('submit', (ev) => { ev.preventDefault(); at = 0; load(); });
  page('Audit log', filters, out, pager);
  await load();
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

// ---- the pages kept out of the first download ----
const words = (s) => s.replace(/([a-z])([A-Z])|([A-Z])([A-Z][a-z])/g, '$1$3 $2$4');
const camel = (s) => s.charAt(0).toLowerCase() + s.slice(1);
async function explorerPage() { return (await import('./explorer.js')).explorerPage(); }

// ---- routing ----
const handlers = { customers: customersPage, numbers: numbersPage, flows: flowsPage, calls: callsPage, users: usersPage, log: logPage, settings: settingsPage, explorer: explorerPage };
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

export { h, fill, field, input, select, say, api, attempt, page, camel, words };
