// explorer.js — the API explorer, built from /types/metadata at run time: every operation
// with a form from its DTO, the format to ask for, the raw response and the same call as
// a curl command.  Loaded when the page is first opened.
import { h, fill, field, input, select, say, api, attempt, page, camel } from './app.js';

// ---- API explorer ----
let meta;
export async function explorerPage() {
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
