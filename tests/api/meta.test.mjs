// meta.test.mjs — the published metadata: /metadata pages, /types/* sources, /openapi.json.
//   * the generated JavaScript DTOs, loaded as an ES module, drive the real npm
//     @servicestack/client JsonServiceClient (login, PatchAccount, PatchCustomer,
//     SetCustomerStagingMode, refusals surfacing as the client's errors);
//   * the generated TypeScript type-checks (when the typescript package is installed);
//   * /openapi.json validates as OpenAPI 3.0 with @apidevtools/swagger-parser;
//   * /metadata lists every operation of the op table (read from src/api/ops.c), each page
//     shows its routes and roles, and the samples have the seeds' keys in the seeds' order.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { JsonServiceClient } from '@servicestack/client';
import SwaggerParser from '@apidevtools/swagger-parser';
import {
  startServer, makeWorld, randomHex24, REPO, readSeed, accountShapes, camel, tmpDir, describeRes,
  seedResponseJson, seedRequestJson, PATCH_CUSTOMER_SEED, PATCH_ACCOUNT_SEED, STAGING_SEED,
} from './harness.mjs';

const ROLE = { SA: 'SystemAdministrator', M: 'Manager', C: 'Customer' };

/** The operation table as src/api/ops.c spells it: name, verbs, routes, roles, anonymous. */
function opTable() {
  const src = fs.readFileSync(path.join(REPO, 'src/api/ops.c'), 'utf8');
  const body = src.slice(src.indexOf('api_ops[] = {'));
  const re = /\{"(\w+)",\s*"([A-Z,]+)",\s*\{((?:\s*"[^"]*",?)*)\s*\},\s*([^,]+),\s*\w+,\s*([^,]+),/g;
  const ops = [];
  for (const m of body.matchAll(re)) {
    const roles = m[4].trim() === '0' ? [] : m[4].split('|').map((r) => ROLE[r.trim()]);
    ops.push({ name: m[1], verbs: m[2].split(','), routes: [...m[3].matchAll(/"([^"]+)"/g)].map((x) => x[1]), roles, anon: /OP_ANON/.test(m[5]) });
  }
  return ops;
}

const unhtml = (s) => s.replace(/<[^>]*>/g, '').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The text of <pre class="cls"> of a page, unescaped. */
function pre(html, cls) {
  const m = new RegExp(`<pre class="${cls}">([\\s\\S]*?)</pre>`).exec(html);
  assert.ok(m, `no <pre class="${cls}">`);
  return unhtml(m[1]);
}

/** The body of a sample HTTP message (after the blank line). */
const sampleBody = (text) => text.slice(text.indexOf('\n\n') + 2);

/** A tolerant JSV reader for the samples (pretty-printed or not): objects keep key order. */
function parseJsv(s) {
  let i = 0;
  const ws = () => { while (i < s.length && /\s/.test(s[i])) i++; };
  const value = () => {
    ws();
    if (s[i] === '{') {
      i++; const o = {};
      for (;;) {
        ws();
        if (s[i] === '}') { i++; return o; }
        const k = s.indexOf(':', i);
        const key = s.slice(i, k).trim(); i = k + 1;
        o[key] = value(); ws();
        if (s[i] === ',') i++;
      }
    }
    if (s[i] === '[') {
      i++; const a = [];
      for (;;) {
        ws();
        if (s[i] === ']') { i++; return a; }
        a.push(value()); ws();
        if (s[i] === ',') i++;
      }
    }
    const st = i;
    while (i < s.length && !',}]\n'.includes(s[i])) i++;
    return s.slice(st, i).trim();
  };
  return value();
}

/** Assert a and b have the same keys in the same order, recursively (lists: first items). */
function sameShape(a, b, where = '$') {
  if (Array.isArray(a) || Array.isArray(b)) {
    assert.ok(Array.isArray(a) && Array.isArray(b), `${where}: list vs non-list`);
    if (a.length && b.length) sameShape(a[0], b[0], `${where}[0]`);
    return;
  }
  if (a && typeof a === 'object' && b && typeof b === 'object') {
    assert.deepEqual(Object.keys(a), Object.keys(b), `keys at ${where}`);
    for (const k of Object.keys(a)) sameShape(a[k], b[k], `${where}.${k}`);
  }
}

let srv, w, ops, dir, dtos;
before(async () => {
  ops = opTable();
  srv = await startServer();
  w = await makeWorld(srv, 'meta');
  dir = tmpDir();
});
after(async () => {
  if (srv) await srv.cleanup();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the op table of src/api/ops.c was read', () => {
  assert.ok(ops.length >= 20, `only ${ops.length} operations parsed from ops.c`);
  for (const name of ['Authenticate', 'PatchAccount', 'PatchCustomer', 'SetCustomerStagingMode']) assert.ok(ops.find((o) => o.name === name), name);
});

describe('metadata needs no login and is read-only', () => {
  test('every document answers 200 without credentials, with its content type', async () => {
    const want = {
      '/metadata': 'text/html', '/json/metadata?op=PatchAccount': 'text/html', '/types/metadata': 'application/json',
      '/types/typescript': 'text/plain', '/types/js': 'text/plain', '/types/csharp': 'text/plain', '/openapi.json': 'application/json',
    };
    for (const [p, ct] of Object.entries(want)) {
      const r = await srv.req('GET', p);
      assert.equal(r.status, 200, describeRes(r));
      assert.ok((r.headers.get('content-type') || '').startsWith(ct), `${p}: ${r.headers.get('content-type')}`);
      assert.ok(r.text.length > 100, p);
    }
  });

  test('an unknown operation is 404; a write to a metadata path is 405', async () => {
    const r = await srv.req('GET', '/json/metadata?op=NoSuchOperation');
    assert.equal(r.status, 404, describeRes(r));
    assert.equal(r.json.responseStatus.errorCode, 'NotFound');
    const p = await srv.req('POST', '/types/metadata', { body: {} });
    assert.equal(p.status, 405, describeRes(p));
  });
});

describe('/metadata pages', () => {
  test('the index links every operation of the op table in every format', async () => {
    const html = (await srv.req('GET', '/metadata')).text;
    for (const op of ops)
      for (const f of ['json', 'jsv', 'xml', 'csv']) assert.ok(html.includes(`href="/${f}/metadata?op=${op.name}"`), `${op.name} (${f}) not linked`);
    const listed = [...html.matchAll(/data-op="(\w+)"/g)].map((m) => m[1]);
    assert.deepEqual(listed, ops.map((o) => o.name), 'operations listed in op-table order');
  });

  test('each operation page shows its routes with verbs, authentication and roles', async () => {
    for (const op of ops) {
      const r = await srv.req('GET', `/json/metadata?op=${op.name}`);
      assert.equal(r.status, 200, describeRes(r));
      const routes = [...r.text.matchAll(/<th class="verbs">([^<]*)<\/th><td class="path">([^<]*)<\/td>/g)].map((m) => [m[1], m[2]]);
      assert.deepEqual(routes, op.routes.map((p) => [op.verbs.join(','), p]), `${op.name} routes`);
      assert.equal(r.text.includes('Requires Authentication'), !op.anon, `${op.name} authentication`);
      const roles = /<td class="roles">([^<]*)<\/td>/.exec(r.text);
      assert.deepEqual(roles ? roles[1].split(', ') : [], op.roles, `${op.name} roles`);
      if (op.roles.length === 1) assert.ok(r.text.includes('Required role:'), op.name);
      if (op.roles.length > 1) assert.ok(r.text.includes('Requires any of the roles:'), op.name);
    }
  });

  test('PatchCustomer: the field tables, .NET types and parameter kinds of the seed', async () => {
    const html = (await srv.req('GET', '/jsv/metadata?op=PatchCustomer')).text;
    const rows = [...html.matchAll(/<tr><td>(\w+)<\/td><td>(path|query|body|form)<\/td><td>([^<]*)<\/td>/g)].map((m) => `| ${m[1]} | ${m[2]} | ${unhtml(m[3])} |`);
    const seed = readSeed(PATCH_CUSTOMER_SEED).split('\n').map((l) => /^\| (\w+) \| (path|query|body|form) \| ([^|]+) \|/.exec(l)).filter(Boolean).map((m) => `| ${m[1]} | ${m[2]} | ${m[3].trim()} |`);
    assert.deepEqual(rows, seed, 'every table row of the seed, in order');
    for (const e of ['TagColors', 'SchedulingRuleFrequency', 'SimpleSchedulingRuleTypes']) assert.ok(html.includes(`${e} Enum:`), e);
    assert.ok(html.includes('<tr><td>GeekBlue</td>'), 'enum members listed');
  });

  test('SetCustomerStagingMode (JSON): the sample request and response are the seed\'s, byte for byte', async () => {
    const html = (await srv.req('GET', '/json/metadata?op=SetCustomerStagingMode')).text;
    const req = pre(html, 'request'), res = pre(html, 'response');
    assert.match(req, /^POST \/customers\/\{customerId\}\/staging HTTP\/1\.1\n/);
    assert.equal(sampleBody(req), JSON.stringify(seedRequestJson(STAGING_SEED)));
    assert.equal(sampleBody(res), JSON.stringify(seedResponseJson(STAGING_SEED)));
    assert.ok(html.includes('?callback=myCallback'), 'JSONP hint on the JSON page');
  });

  test('PatchCustomer: JSON and JSV samples have the keys of the seed\'s JSV samples, in order', async () => {
    const seed = readSeed(PATCH_CUSTOMER_SEED);
    const at = seed.indexOf('Content-Length: length');
    const seedReq = parseJsv(seed.slice(seed.indexOf('{', at)));
    const at2 = seed.indexOf('HTTP/1.1 200 OK');
    const seedRes = parseJsv(seed.slice(seed.indexOf('{', at2)));
    const json = (await srv.req('GET', '/json/metadata?op=PatchCustomer')).text;
    sameShape(JSON.parse(sampleBody(pre(json, 'request'))), seedReq, 'request');
    sameShape(JSON.parse(sampleBody(pre(json, 'response'))), seedRes, 'response');
    const jsv = (await srv.req('GET', '/jsv/metadata?op=PatchCustomer')).text;
    assert.ok(pre(jsv, 'request').includes('Content-Type: text/jsv'));
    sameShape(parseJsv(sampleBody(pre(jsv, 'request'))), seedReq, 'jsv request');
    sameShape(parseJsv(sampleBody(pre(jsv, 'response'))), seedRes, 'jsv response');
    assert.match(sampleBody(pre(jsv, 'response')), /^\{\n\taccountId: String,\n\tparentCustomerId: String,\n\tbreadcrumb:\n\t\[\n\t\t\{\n/);
  });

  test('PatchAccount: the JSON sample has AccountInfo\'s members in the seed\'s order; XML has the seed\'s members', async () => {
    const A = accountShapes();
    const json = (await srv.req('GET', '/json/metadata?op=PatchAccount')).text;
    const res = JSON.parse(sampleBody(pre(json, 'response')));
    assert.deepEqual(Object.keys(res), A.account.map(camel));
    const req = JSON.parse(sampleBody(pre(json, 'request')));
    assert.deepEqual(Object.keys(req), ['accountId', 'name', 'maxPhoneNumbers', 'logoId', 'billingSettings']);
    const xml = (await srv.req('GET', '/xml/metadata?op=PatchAccount')).text;
    const body = sampleBody(pre(xml, 'response'));
    const members = [...body.matchAll(/^ {2}<(\w+)[ >]/gm)].map((m) => m[1]);
    assert.deepEqual(members, A.xmlMembers, 'AccountInfo members in the seed\'s XML order');
    assert.ok(pre(xml, 'request').startsWith('PATCH /accounts/{accountId} HTTP/1.1\n'));
  });
});

describe('/types/metadata', () => {
  test('operations: request, response, routes, verbs, auth and roles of the op table', async () => {
    const d = (await srv.req('GET', '/types/metadata')).json;
    assert.deepEqual(Object.keys(d), ['config', 'namespaces', 'types', 'operations']);
    assert.deepEqual(d.operations.map((o) => o.request.name), ops.map((o) => o.name));
    for (const op of ops) {
      const o = d.operations.find((x) => x.request.name === op.name);
      assert.deepEqual(o.routes, op.routes.map((p) => ({ path: p, verbs: op.verbs.join(',') })), op.name);
      assert.deepEqual(o.actions, op.verbs, op.name);
      assert.equal(o.requiresAuth, !op.anon, op.name);
      assert.deepEqual([...o.requiredRoles, ...o.requiresAnyRole], op.roles, op.name);
      assert.ok(o.response && o.response.name, op.name);
    }
    const pa = d.operations.find((o) => o.request.name === 'PatchAccount');
    assert.deepEqual(pa.response, { name: 'AccountInfo', namespace: 'Voice.Api.Accounts' });
    const mp = pa.request.properties.find((p) => p.name === 'MaxPhoneNumbers');
    assert.deepEqual([mp.type, mp.genericArgs], ['Nullable`1', ['Int32']]);
    const tags = d.types.find((t) => t.name === 'TagColors');
    assert.ok(tags.isEnum && tags.enumNames.includes('GeekBlue'));
    const info = d.types.find((t) => t.name === 'AccountInfo');
    assert.equal(info.inherits.name, 'EntityInfo');
    assert.ok(d.types.find((t) => t.name === 'ListResponse`1'), 'the generic list response');
  });
});

describe('generated JavaScript DTOs with @servicestack/client', () => {
  before(async () => { dtos = await srv.importTypesJs(); });

  const login = async (user) => {
    const client = new JsonServiceClient(srv.base);
    const auth = await client.post(new dtos.Authenticate({ provider: 'credentials', userName: user.email, password: user.password }));
    assert.ok(auth.sessionId, 'a session');
    return client;
  };

  test('every operation has a request class with getTypeName, getMethod and createResponse', () => {
    for (const op of ops) {
      const C = dtos[op.name];
      assert.equal(typeof C, 'function', `class ${op.name}`);
      const x = new C({});
      assert.equal(x.getTypeName(), op.name);
      assert.ok(op.verbs.includes(x.getMethod()), `${op.name}.getMethod() ${x.getMethod()}`);
      assert.equal(typeof x.createResponse(), 'object');
    }
    assert.equal(dtos.TagColors.GeekBlue, 'GeekBlue');
    const info = new dtos.AccountInfo({ id: 'i', name: 'n' });
    assert.ok(info instanceof dtos.EntityInfo);
    assert.deepEqual([info.id, info.name], ['i', 'n']);
  });

  test('log in, then PatchAccount, PatchCustomer and SetCustomerStagingMode through client.api()', async () => {
    const client = await login(srv.admin);
    const pa = await client.api(new dtos.PatchAccount({
      accountId: w.A.id, name: 'Meta Renamed', maxPhoneNumbers: 7,
      billingSettings: new dtos.BillingSettings({ base: new dtos.BillingItem({ baseCost: 2.5, allowance: 3 }) }),
    }));
    assert.ok(pa.succeeded, JSON.stringify(pa.error));
    assert.equal(pa.response.id, w.A.id);
    assert.equal(pa.response.name, 'Meta Renamed');
    assert.equal(pa.response.maxPhoneNumbers, 7);
    assert.equal(pa.response.billingSettings.base.baseCost, 2.5);
    assert.equal((await srv.ok('GET', `/accounts/${w.A.id}`, { as: srv.admin })).name, 'Meta Renamed');

    const pc = await client.api(new dtos.PatchCustomer({
      customerId: w.cA1a.id, referenceId: 'CRM-7', overrideAppSettings: true,
      appSettings: new dtos.AppSettings({ pageTitle: 'Meta portal' }),
      schedule: new dtos.Schedule({ timeZoneId: 'UTC', rules: [new dtos.SchedulingRule({ name: 'Office', priority: 1, simpleRuleType: dtos.SimpleSchedulingRuleTypes.Time, startTime: '09:00', endTime: '17:00', frequency: dtos.SchedulingRuleFrequency.Weekly, byDay: [new dtos.ScheduleDay({ dayOfWeek: dtos.DayOfWeek.Monday })] })] }),
    }));
    assert.ok(pc.succeeded, JSON.stringify(pc.error));
    assert.equal(pc.response.referenceId, 'CRM-7');
    assert.equal(pc.response.overrideAppSettings, true);
    assert.equal(pc.response.appSettings.pageTitle, 'Meta portal');
    assert.equal(pc.response.schedule.rules[0].byDay[0].dayOfWeek, 'Monday');

    const st = await client.api(new dtos.SetCustomerStagingMode({ customerId: w.cA1a.id, isStaging: true }));
    assert.ok(st.succeeded, JSON.stringify(st.error));
    assert.equal(st.response.isStaging, true);
    assert.equal((await srv.ok('GET', `/customers/${w.cA1a.id}`, { as: srv.admin })).isStaging, true);

    const got = await client.api(new dtos.GetCustomer({ customerId: w.cA1a.id })); // GET with a query string
    assert.ok(got.succeeded, JSON.stringify(got.error));
    assert.equal(got.response.referenceId, 'CRM-7');
    const list = await client.api(new dtos.ListCustomers({ accountIds: [w.A.id], countPerPage: 2 }));
    assert.ok(list.succeeded, JSON.stringify(list.error));
    assert.equal(list.response.items.length, 2);
  });

  test('BuyPhoneNumber (virtual) and SetPhoneNumberIsFax through client.api()', async () => {
    const client = await login(srv.admin);
    const bought = await client.api(new dtos.BuyPhoneNumber({
      accountId: w.A.id, customerId: w.cA1a.id, number: '+1 (312) 555-0142', isVirtualPhoneNumber: true,
    }));
    assert.ok(bought.succeeded, JSON.stringify(bought.error));
    assert.equal(bought.response.phoneNumber, '+13125550142');
    assert.equal(bought.response.type, dtos.EndpointTypes.PhoneNumber);
    assert.equal(bought.response.isVirtualPhoneNumber, true);
    assert.equal(bought.response.customerId, w.cA1a.id);

    const fax = await client.api(new dtos.SetPhoneNumberIsFax({ endpointId: bought.response.id, isFax: true }));
    assert.ok(fax.succeeded, JSON.stringify(fax.error));
    assert.equal(fax.response.type, 'FaxNumber');
    assert.equal((await srv.ok('GET', `/endpoints/${bought.response.id}`, { as: srv.admin })).type, 'FaxNumber');
    const back = await client.api(new dtos.SetPhoneNumberIsFax({ endpointId: bought.response.id, isFax: false }));
    assert.equal(back.response.type, 'PhoneNumber');

    const again = await client.api(new dtos.BuyPhoneNumber({ accountId: w.A.id, number: '312.555.0142', isVirtualPhoneNumber: true }));
    assert.ok(!again.succeeded, 'the same number twice');
    assert.equal(again.error.errorCode, 'Conflict');
  });

  test('refusals surface as the client\'s errors with the right errorCode', async () => {
    const cust = await login(w.custA);
    const denied = await cust.api(new dtos.PatchAccount({ accountId: w.A.id, name: 'nope' }));
    assert.ok(!denied.succeeded);
    assert.equal(denied.error.errorCode, 'Forbidden');
    await assert.rejects(cust.send(new dtos.PatchAccount({ accountId: w.A.id, name: 'nope' })),
      (e) => e.responseStatus && e.responseStatus.errorCode === 'Forbidden');

    const sa = await login(srv.admin);
    const missing = await sa.api(new dtos.PatchCustomer({ customerId: randomHex24(), name: 'x' }));
    assert.equal(missing.error.errorCode, 'NotFound');
    await assert.rejects(sa.send(new dtos.SetCustomerStagingMode({ customerId: randomHex24(), isStaging: true })),
      (e) => e.responseStatus && e.responseStatus.errorCode === 'NotFound');

    const anon = new JsonServiceClient(srv.base);
    const r = await anon.api(new dtos.PatchCustomer({ customerId: w.cA1.id, name: 'x' }));
    assert.equal(r.error.errorCode, 'Unauthorized');
    assert.equal((await srv.ok('GET', `/accounts/${w.A.id}`, { as: srv.admin })).name, 'Meta Renamed', 'nothing changed');
  });
});

describe('generated TypeScript and C#', () => {
  const tsc = path.join(REPO, 'tests/node_modules/typescript/bin/tsc');
  test('the TypeScript DTOs type-check (strict) and are usable as IReturn<T>', { skip: !fs.existsSync(tsc) && 'typescript not installed' }, async () => {
    const r = await srv.req('GET', '/types/typescript');
    assert.equal(r.status, 200);
    fs.writeFileSync(path.join(dir, 'dtos.ts'), r.text);
    fs.writeFileSync(path.join(dir, 'use.ts'), [
      "import { PatchAccount, AccountInfo, ListCustomers, ListResponse, CustomerInfo, IReturn, TagColors, Tag } from './dtos';",
      "const r: IReturn<AccountInfo> = new PatchAccount({ accountId: 'a', maxPhoneNumbers: 3 });",
      "const info: AccountInfo = r.createResponse();",
      "const l: ListResponse<CustomerInfo> = new ListCustomers({ countPerPage: 5 }).createResponse();",
      "const t = new Tag({ color: TagColors.Gold });",
      'export { info, l, t };', '',
    ].join('\n'));
    const out = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler', 'use.ts', 'dtos.ts'], { cwd: dir, encoding: 'utf8' });
    assert.equal(out.status, 0, `tsc: ${out.stdout}${out.stderr}`);
    assert.match(r.text, /export class PatchAccount implements IReturn<AccountInfo>/);
    assert.match(r.text, /public getMethod\(\) \{ return 'PATCH'; \}/);
  });

  test('the C# DTOs carry routes, IReturn<T> and the .NET member names', async () => {
    const cs = (await srv.req('GET', '/types/csharp')).text;
    assert.match(cs, /\[Route\("\/accounts\/\{accountId\}", "PATCH"\)\]\n(.*\n)?    public partial class PatchAccount\n        : IReturn<AccountInfo>/);
    assert.match(cs, /public virtual int\? MaxPhoneNumbers \{ get; set; \}/);
    assert.match(cs, /public partial class CustomerInfo\n        : EntityInfo/);
    assert.match(cs, /public partial class ListResponse<T>/);
    assert.match(cs, /public enum TagColors/);
  });
});

describe('/openapi.json', () => {
  let doc;
  before(async () => { doc = (await srv.req('GET', '/openapi.json')).json; });

  test('validates as OpenAPI 3.0 with swagger-parser', async () => {
    assert.match(doc.openapi, /^3\.0\./);
    const api = await SwaggerParser.validate(structuredClone(doc));
    assert.ok(api.paths);
  });

  test('every route of the op table with its verbs, path and query parameters, body and responses', () => {
    for (const op of ops) {
      for (const route of op.routes) {
        const item = doc.paths[route];
        assert.ok(item, `path ${route}`);
        for (const verb of op.verbs) {
          const o = item[verb.toLowerCase()];
          assert.ok(o && o.operationId.startsWith(op.name), `${verb} ${route} (${op.name})`);
          const params = o.parameters || [];
          for (const m of route.matchAll(/\{(\w+)\}/g))
            assert.ok(params.find((p) => p.in === 'path' && p.name === m[1] && p.required), `${op.name}: path parameter ${m[1]}`);
          if (verb === 'GET' || verb === 'DELETE') assert.equal(o.requestBody, undefined, `${op.name} ${verb} has no body`);
          else assert.ok(o.requestBody.content['application/json'].schema.$ref.endsWith(`/${op.name}`), `${op.name} body`);
          assert.ok(o.responses['200'] || o.responses['204'], `${op.name} success response`);
          assert.ok(o.responses.default, `${op.name} error response`);
          assert.equal(o.security === undefined, !op.anon, `${op.name} security`);
        }
      }
    }
    const list = doc.paths['/customers'].get;
    assert.ok(list.parameters.find((p) => p.in === 'query' && p.name === 'accountIds' && p.schema.type === 'array'));
    assert.equal(doc.paths['/accounts/{accountId}'].patch.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/AccountInfo');
  });

  test('components: schemas from the schema (wire names, enums, maps), ErrorResponse, basic auth', () => {
    const S = doc.components.schemas;
    assert.deepEqual(Object.keys(S.AccountInfo.properties), accountShapes().account.map(camel));
    assert.ok(S.TagColors.enum.includes('GeekBlue'));
    assert.equal(S.Struct.type, 'object');
    assert.ok(S.Struct.additionalProperties.$ref.endsWith('/Value'));
    assert.ok(S.ErrorResponse.properties.responseStatus);
    assert.equal(S.PatchAccount.properties.maxPhoneNumbers.nullable, true);
    assert.deepEqual(doc.components.securitySchemes.basic, { type: 'http', scheme: 'basic' });
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[\w.]+/g);
    for (const r of new Set(refs)) assert.ok(S[r.split('/').pop()], `dangling ${r}`);
  });
});
