// flows.test.mjs — flows (FLOWS.md 2): CRUD, copy, the seven structural checks with
// their field paths, reach per role, endpoints' flowId/flowName, 409 on delete in use,
// packages, available nodes and parameter field names; each route both as REST and as
// /api/{Op}, and through @servicestack/client with the generated /types/js.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { JsonServiceClient } from '@servicestack/client';
import { startServer, makeWorld, expectError, expectForbidden, expectNotFound } from './harness.mjs';

let srv, w, sa;
before(async () => { srv = await startServer(); w = await makeWorld(srv, 'fl'); sa = srv.admin; });
after(async () => { if (srv) await srv.cleanup(); });

const say = (id, next, extra = {}) => ({
  id, name: 'Say', spec: { name: 'Say', typeName: 'SayNode', url: '/nodes/say' },
  parameters: { Text: { id: `${id}-text`, type: 'String', source: 'Value', value: { stringValue: 'hi' } }, Done: { id: `${id}-done`, type: 'Transition', value: { stringValue: next } } },
  ...extra,
});
const good = () => ({
  name: 'Main line', roles: ['PhoneNumberRouting'],
  nodes: [say('n1', 'n2', { isStartNode: true }), say('n2', 'Out')],
  parameters: [{ name: 'Greeting', type: 'String', isPublic: true }],
  exits: [{ id: 'x1', name: 'Out' }],
});
const newFlow = (body, as = sa) => srv.req('POST', '/flows', { as, body: { accountId: w.A.id, ...body } });

test('CRUD: create, get, list (nodes only with includeNodes), patch replaces lists, delete', async () => {
  const f = await srv.ok('POST', '/flows', { as: sa, body: { accountId: w.A.id, customerId: w.cA1.id, ...good(), ui: { zoom: { numberValue: 2 } } } });
  assert.match(f.id, /^[0-9a-f]{24}$/);
  assert.equal(f.nodeCount, 2);
  assert.equal(f.accountName, 'fl Account A');
  assert.equal(f.customerName, 'fl cA1');
  assert.deepEqual(f.customerBreadcrumb.map((b) => b.id), [w.cA1.id]);
  assert.deepEqual(f.ui, { zoom: { numberValue: 2 } });
  const g = await srv.ok('GET', `/flows/${f.id}`, { as: sa });
  assert.equal(g.nodes.length, 2);
  const l = await srv.ok('GET', '/flows', { as: sa, query: { accountIds: [w.A.id], nameFilter: 'main' } });
  assert.ok(l.items.some((x) => x.id === f.id && x.nodes === undefined && x.nodeCount === 2));
  const li = await srv.ok('GET', '/flows', { as: sa, query: { accountIds: [w.A.id], includeNodes: true, nodeTypeFilter: 'SayNode', role: 'PhoneNumberRouting' } });
  assert.ok(li.items.find((x) => x.id === f.id).nodes.length === 2);
  const none = await srv.ok('GET', '/flows', { as: sa, query: { accountIds: [w.A.id], nodeTypeFilter: 'DialNode' } });
  assert.ok(!none.items.some((x) => x.id === f.id));
  const p = await srv.ok('PATCH', `/flows/${f.id}`, { as: sa, body: { notes: 'n', nodes: [say('only', '', { isStartNode: true })], exits: [] } });
  assert.equal(p.nodeCount, 1);
  assert.equal(p.name, 'Main line');
  assert.deepEqual(p.exits, []);
  assert.equal(p.notes, 'n');
  assert.equal((await srv.req('DELETE', `/flows/${f.id}`, { as: sa })).status, 204);
  expectNotFound(await srv.req('GET', `/flows/${f.id}`, { as: sa }));
});

test('copy makes a new flow with the same graph', async () => {
  const f = await srv.ok('POST', '/flows', { as: sa, body: { accountId: w.A.id, ...good() } });
  const c = await srv.ok('POST', `/flows/${f.id}/copy`, { as: sa });
  assert.notEqual(c.id, f.id);
  assert.equal(c.name, 'Main line (Copy)');
  assert.deepEqual(c.nodes, f.nodes);
});

test('the seven structural checks, each naming its field', async () => {
  const cases = [
    ['1 start node', (f) => { f.nodes[1].isStartNode = true; }, 'Nodes[1].IsStartNode'],
    ['1 no start node', (f) => { f.nodes[0].isStartNode = false; }, 'Nodes'],
    ['2 node id', (f) => { f.nodes[1].id = 'n1'; f.nodes[0].parameters.Done.value.stringValue = ''; }, 'Nodes[1].Id'],
    ['3 spec.url', (f) => { f.nodes[1].spec.url = ''; }, 'Nodes[1].Spec.Url'],
    ['4 parameter id', (f) => { f.nodes[1].parameters.Text.id = 'n1-text'; }, 'Nodes[1].Parameters[Text].Id'],
    ['4 nested parameter id', (f) => { f.nodes[1].parameters.Text.structParameters = { Inner: { id: '' } }; }, 'Nodes[1].Parameters[Text].StructParameters[Inner].Id'],
    ['5 transition target', (f) => { f.nodes[0].parameters.Done.value.stringValue = 'nowhere'; }, 'Nodes[0].Parameters[Done].Value'],
    ['6 parameter type', (f) => { f.parameters[0].type = 'Transition'; }, 'Parameters[0].Type'],
    ['6 list type', (f) => { f.parameters.push({ name: 'L', type: 'List' }); }, 'Parameters[1].ListType'],
    ['6 output must be public', (f) => { f.parameters.push({ name: 'O', type: 'String', isOutput: true }); }, 'Parameters[1].IsPublic'],
    ['6 parameter name', (f) => { f.parameters.push({ name: 'Greeting', type: 'String' }); }, 'Parameters[1].Name'],
    ['7 exit name', (f) => { f.exits.push({ id: 'x2', name: 'Greeting' }); }, 'Exits[1].Name'],
  ];
  for (const [what, mutate, fieldName] of cases) {
    const f = good();
    mutate(f);
    const r = await newFlow(f);
    assert.equal(r.status, 400, `${what}: ${r.text}`);
    assert.ok(r.json.responseStatus.errors.some((e) => e.fieldName === fieldName), `${what}: ${fieldName} in ${r.text}`);
  }
  // warnings only: an unreachable node
  const f = good(); f.nodes.push(say('lost', ''));
  assert.equal((await newFlow(f)).status, 200);
});

test('reach: Customer logins use their customers\' flows; Managers their accounts\'; others 403', async () => {
  const mine = await srv.ok('POST', '/flows', { as: w.custA, body: { customerId: w.cA1a.id, name: 'cust flow' } });
  assert.equal(mine.accountId, w.A.id);
  const acct = await srv.ok('POST', '/flows', { as: w.mgrA, body: { accountId: w.A.id, name: 'acct flow' } });
  expectForbidden(await srv.req('GET', `/flows/${acct.id}`, { as: w.custA }));
  expectForbidden(await newFlow({ name: 'no customer' }, w.custA));
  expectForbidden(await srv.req('GET', `/flows/${mine.id}`, { as: w.mgrB }));
  expectForbidden(await srv.req('PATCH', `/flows/${mine.id}`, { as: w.mgrRO, body: { name: 'x' } }));
  assert.equal((await srv.ok('GET', `/flows/${mine.id}`, { as: w.mgrRO })).id, mine.id);
  const l = await srv.ok('GET', '/flows', { as: w.custA, query: { all: true } });
  assert.ok(l.items.some((x) => x.id === mine.id) && !l.items.some((x) => x.id === acct.id));
  assert.ok(!(await srv.ok('GET', '/flows', { as: w.mgrB, query: { all: true } })).items.some((x) => x.accountId === w.A.id));
});

test('endpoints: flowId must be a flow of the account; flowName follows a rename; delete in use is 409', async () => {
  const f = await srv.ok('POST', '/flows', { as: sa, body: { accountId: w.A.id, customerId: w.cA1.id, name: 'Routing' } });
  const other = await srv.ok('POST', '/flows', { as: sa, body: { accountId: w.B.id, name: 'Elsewhere' } });
  const ep = await srv.ok('POST', '/endpoints/phone-numbers', { as: sa, body: { customerId: w.cA1.id, number: '+13125550177', isVirtualPhoneNumber: true, flowId: f.id } });
  assert.equal(ep.flowName, 'Routing');
  expectError(await srv.req('PATCH', `/endpoints/${ep.id}`, { as: sa, body: { flowId: other.id } }), 400, 'ArgumentException', { fieldName: 'FlowId' });
  expectError(await srv.req('PATCH', `/endpoints/${ep.id}`, { as: sa, body: { scheduledFlows: [{ stateName: 'Open', flowId: other.id }] } }), 400, 'ArgumentException', { fieldName: 'ScheduledFlows[0].FlowId' });
  expectError(await srv.req('POST', '/endpoints/phone-numbers', { as: sa, body: { customerId: w.cA1.id, number: '+13125550178', isVirtualPhoneNumber: true, flowId: other.id } }), 400, 'ArgumentException', { fieldName: 'FlowId' });
  await srv.ok('PATCH', `/flows/${f.id}`, { as: sa, body: { name: 'Routing v2' } });
  assert.equal((await srv.ok('GET', `/endpoints/${ep.id}`, { as: sa })).flowName, 'Routing v2');
  const del = await srv.req('DELETE', `/flows/${f.id}`, { as: sa });
  expectError(del, 409, 'Conflict');
  assert.ok(del.text.includes(ep.id), del.text);
  // a flow that another flow runs as a sub-flow
  const child = await srv.ok('POST', '/flows', { as: sa, body: { accountId: w.A.id, name: 'Child' } });
  const parent = await srv.ok('POST', '/flows', { as: sa, body: { accountId: w.A.id, name: 'Parent', nodes: [{ id: 's', isStartNode: true, spec: { name: 'Sub-flow', url: `/flows/start?flowId=${child.id}` }, parameters: {} }] } });
  const d2 = await srv.req('DELETE', `/flows/${child.id}`, { as: sa });
  expectError(d2, 409, 'Conflict');
  assert.ok(d2.text.includes(parent.id));
  expectError(await newFlow({ name: 'bad sub', nodes: [{ id: 's', isStartNode: true, spec: { url: `/flows/start?flowId=${other.id}` } }] }), 400, 'ArgumentException', { fieldName: 'Nodes[0].Spec.Url' });
});

test('packages: export with the custom fields used, import with new ids and rewritten sub-flow links', async () => {
  await srv.ok('PATCH', '/system/settings', { as: sa, body: { accountId: w.A.id, customerFields: [{ name: 'Plan', type: 'String' }, { name: 'Unused', type: 'Number' }] } });
  const child = await srv.ok('POST', '/flows', { as: sa, body: { accountId: w.A.id, name: 'Pkg child' } });
  const parent = await srv.ok('POST', '/flows', { as: sa, body: { accountId: w.A.id, name: 'Pkg parent', nodes: [{ id: 's', isStartNode: true, spec: { name: 'Sub-flow', url: `/flows/start?flowId=${child.id}` }, parameters: { Plan: { id: 'p1', type: 'String', source: 'Customer', referenceId: 'Plan' } } }] } });
  expectError(await srv.req('GET', '/packages', { as: sa, query: { flowIds: [parent.id] } }), 400, 'ArgumentException', { fieldName: 'FlowIds' });
  const pkg = await srv.ok('GET', '/packages', { as: sa, query: { flowIds: [parent.id, child.id] } });
  assert.equal(pkg.flows.length, 2);
  assert.deepEqual(pkg.customerFields.map((f) => f.name), ['Plan']);
  const out = await srv.ok('POST', '/packages', { as: sa, body: { accountId: w.B.id, package: pkg } });
  assert.equal(out.flows.length, 2);
  const np = out.flows.find((f) => f.name === 'Pkg parent'), nc = out.flows.find((f) => f.name === 'Pkg child');
  assert.ok(np.id !== parent.id && nc.id !== child.id && np.accountId === w.B.id);
  assert.equal(np.nodes[0].spec.url, `/flows/start?flowId=${nc.id}`);
  const sb = await srv.ok('GET', '/system/settings', { as: sa, query: { accountId: w.B.id } });
  assert.ok(sb.customerFields.some((f) => f.name === 'Plan'));
  const outside = structuredClone(pkg); outside.flows = outside.flows.filter((f) => f.id === parent.id);
  expectError(await srv.req('POST', '/packages', { as: sa, body: { accountId: w.B.id, package: outside } }), 400, 'ArgumentException', { fieldName: 'Package.Flows[0].Nodes[0].Spec.Url' });
  expectForbidden(await srv.req('POST', '/packages', { as: w.custA, body: { accountId: w.A.id, package: pkg } }));
});

test('available nodes and parameter field names', async () => {
  const n = await srv.ok('GET', '/flows/available-nodes', { as: w.custA });
  assert.deepEqual(n.items.map((x) => x.name), ['Say', 'Play', 'Menu', 'Dial', 'Voicemail', 'Hangup', 'Schedule', 'Channel Selector', 'Sub-flow']);
  const dial = n.items.find((x) => x.name === 'Dial');
  assert.ok(dial.parameters.some((p) => p.name === 'RecordingReady' && p.type === 'Transition' && p.isAsync));
  await srv.ok('PATCH', '/system/settings', { as: sa, body: { accountId: w.A1.id, endpointFields: [{ name: 'Floor', type: 'Number' }] } });
  const p = await srv.ok('GET', '/flows/parameters', { as: sa, query: { accountId: w.A1.id } });
  assert.ok(p.endpoint.some((f) => f.fieldName === 'Floor' && f.valueType === 'Number'));
  assert.ok(p.session.some((f) => f.fieldName === 'From'));
  const ex = await srv.ok('GET', '/flows/parameters', { as: sa, query: { accountId: w.A1.id, excludeBuiltInFields: true } });
  assert.deepEqual(ex.session, []);
  expectForbidden(await srv.req('GET', '/flows/parameters', { as: w.mgrB, query: { accountId: w.A.id } }));
});

test('every flow route answers at its REST path and at /api/{Op}', async () => {
  const f = await srv.ok('POST', '/api/NewFlow', { as: sa, body: { accountId: w.A.id, name: 'Via api' } });
  const pairs = [
    ['GET', `/flows/${f.id}`, '/api/GetFlow', { flowId: f.id }],
    ['GET', '/flows', '/api/ListFlows', { accountIds: [w.A.id] }],
    ['GET', '/flows/available-nodes', '/api/ListAvailableNodes', {}],
    ['GET', '/flows/parameters', '/api/GetParameterFieldNames', { accountId: w.A.id }],
    ['GET', '/packages', '/api/ExportPackage', { flowIds: [f.id] }],
  ];
  for (const [m, rest, api, q] of pairs) {
    const a = await srv.ok(m, rest, { as: sa, query: q });
    const b = await srv.ok(m, api, { as: sa, query: q });
    assert.deepEqual(Object.keys(a), Object.keys(b), `${rest} vs ${api}`);
  }
  assert.equal((await srv.ok('PATCH', '/api/PatchFlow', { as: sa, body: { flowId: f.id, name: 'Via api 2' } })).name, 'Via api 2');
  const c = await srv.ok('POST', '/api/CopyFlow', { as: sa, body: { flowId: f.id } });
  assert.equal((await srv.ok('POST', '/api/ImportPackage', { as: sa, body: { accountId: w.A.id } })).flows.length, 0);
  assert.equal((await srv.req('DELETE', '/api/DeleteFlow', { as: sa, query: { flowId: c.id } })).status, 204);
});

test('JsonServiceClient with the generated /types/js: NewFlow, GetFlow, PatchFlow, ListFlows, DeleteFlow', async () => {
  const dtos = await srv.importTypesJs();
  const client = new JsonServiceClient(srv.base);
  await client.post(new dtos.Authenticate({ provider: 'credentials', userName: sa.email, password: sa.password }));
  const made = await client.post(new dtos.NewFlow({ accountId: w.A.id, name: 'Client flow', nodes: [new dtos.FlowNode({ id: 'a', isStartNode: true, spec: new dtos.FlowNodeSpec({ name: 'Hangup', url: '/nodes/hangup' }), parameters: {} })] }));
  assert.equal(made.nodeCount, 1);
  assert.equal((await client.get(new dtos.GetFlow({ flowId: made.id }))).name, 'Client flow');
  assert.equal((await client.patch(new dtos.PatchFlow({ flowId: made.id, name: 'Client flow 2' }))).name, 'Client flow 2');
  assert.ok((await client.get(new dtos.ListFlows({ accountIds: [w.A.id], all: true }))).items.some((x) => x.id === made.id));
  assert.ok((await client.get(new dtos.ListAvailableNodes({}))).items.length >= 9);
  await client.delete(new dtos.DeleteFlow({ flowId: made.id }));
  try { await client.get(new dtos.GetFlow({ flowId: made.id })); assert.fail('gone'); } catch (e) { assert.equal(e.responseStatus?.errorCode, 'NotFound'); }
});
