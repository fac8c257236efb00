#!/usr/bin/env node
// webhook.mjs — the call webhooks' own latency: many simulated calls at once, each a whole
// call as Twilio makes it (POST /voice answered with a Menu, the Gather's action with digit 1
// answered with a Say and a Hangup, then the final status callback), every request signed.
// Reports, per route, p50 / p90 / p99 / max latency in ms and the calls completed per second,
// for evovoiced on SQLite and (PG=1, the default when PostgreSQL is installed) on a throw-away
// PostgreSQL cluster with one server and with two servers sharing it (each call's requests
// alternate between the two, as a load balancer would send them). At the end every session is
// checked: ended, outcome Completed, the digits in its log. Any non-200 answer or wrong session
// makes the script exit 1.
//
//   node bench/webhook.mjs                 CALLS=1000 CONC=64 PG=1 by default
//   CALLS=200 CONC=32 PG=0 node bench/webhook.mjs
//
// The client runs on the same 2 cores as the server(s), so the figures include its share of
// the CPU; they are for comparing builds on one machine, not absolute.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Server, REPO } from '../tests/api/harness.mjs';
import { startFakeTwilio } from '../tests/api/fake-twilio.mjs';
import http from 'node:http';
import { CallSim, twilioSignature } from '../tests/api/call-sim.mjs';

const CALLS = Number(process.env.CALLS || 1000);
const CONC = Number(process.env.CONC || 64);
const PG_ON = process.env.PG !== '0' && fs.existsSync('/usr/lib/postgresql');
const BASE = 'https://hooks.bench.test/evo';

const pct = (sorted, p) => sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
const ms = (x) => x.toFixed(2).padStart(7);

// A lean signed POST (node:http on keep-alive sockets: fetch costs the client more CPU than
// the server spends on the request): {status, text}.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
function post(server, route, params, token) {
  const pub = new URL(BASE + route);
  const body = new URLSearchParams(params).toString();
  const headers = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body),
    'x-twilio-signature': twilioSignature(token, pub.href, params) };
  const u = new URL(server);
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: u.hostname, port: u.port, method: 'POST', path: pub.pathname + pub.search, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const unescape = (x) => x.replace(/&amp;/g, '&');

// CPU seconds a process has used (user + system), from /proc.
const cpuOf = (pid) => { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / 100; };
let numberSeq = 0;

async function setUp(fake, servers) {
  const [a] = servers;
  const acct = await a.ok('POST', '/accounts', { as: a.admin, body: { name: `bench ${Date.now()}` } });
  const cust = await a.ok('POST', '/customers', { as: a.admin, body: { accountId: acct.id, name: 'bench customer' } });
  const p = (id, name, value, type = 'String') => ({ id: `${id}-${name}`, type, source: 'Value', value });
  const flow = await a.ok('POST', '/flows', { as: a.admin, body: { accountId: acct.id, name: 'bench menu', nodes: [
    { id: 'm', isStartNode: true, name: 'Menu', spec: { name: 'Menu', typeName: 'MenuNode', url: '/nodes/menu' },
      parameters: { Prompt: p('m', 'Prompt', { stringValue: 'Press 1 for sales' }), 1: p('m', '1', { stringValue: 's' }, 'Transition') } },
    { id: 's', name: 'Say', spec: { name: 'Say', typeName: 'SayNode', url: '/nodes/say' },
      parameters: { Text: p('s', 'Text', { stringValue: 'Thank you, goodbye' }), Done: p('s', 'Done', { stringValue: '' }, 'Transition') } },
  ] } });
  const ep = await a.ok('POST', '/endpoints/phone-numbers', { as: a.admin, body: { customerId: cust.id, number: `+1773${String(5550000 + (process.pid % 900) * 10 + numberSeq++).slice(-7)}`, isVirtualPhoneNumber: true, flowId: flow.id } });
  const token = fake.accounts.get(acct.twilioAccountSid).auth_token;
  return { acct, ep, creds: { token, accountSid: acct.twilioAccountSid } };
}

async function run(label, servers, fake) {
  const { ep, creds } = await setUp(fake, servers);
  const sims = servers.map((s) => new CallSim({ server: s.base, base: BASE }));
  const lat = { voice: [], step: [], status: [] };
  const problems = [];
  let next = 0;
  const timed = async (kind, fn) => { const t0 = process.hrtime.bigint(); const r = await fn(); lat[kind].push(Number(process.hrtime.bigint() - t0) / 1e6); return r; };
  async function oneCall(i) {
    const srv = (k) => servers[(i + k) % servers.length].base;
    const call = sims[0].callParams({ to: ep.phoneNumber, ...creds, callSid: `CA${String(i).padStart(8, '0')}${Date.now().toString(16).padStart(24, '0')}` });
    const r = await timed('voice', () => post(srv(0), '/voice', call, creds.token));
    const action = /<Gather [^>]*action="([^"]+)"/.exec(r.text)?.[1];
    if (r.status !== 200 || !action) { problems.push(`call ${i}: /voice ${r.status} ${r.text.slice(0, 200)}`); return; }
    const step = unescape(action).slice(BASE.length);
    const s = await timed('step', () => post(srv(1), step, { ...call, CallStatus: 'in-progress', Digits: '1' }, creds.token));
    if (s.status !== 200 || !/>Thank you, goodbye<\/Say><Hangup\/><\/Response>/.test(s.text)) { problems.push(`call ${i}: step ${s.status} ${s.text.slice(0, 200)}`); return; }
    const e = await timed('status', () => post(srv(2), '/voice/status', { ...call, CallStatus: 'completed', CallDuration: '9' }, creds.token));
    if (e.status !== 200) problems.push(`call ${i}: status ${e.status}`);
  }
  const t0 = Date.now(), cpu0 = servers.map((s) => cpuOf(s.proc.pid)), me0 = process.cpuUsage();
  await Promise.all(Array.from({ length: CONC }, async () => { for (let i = next++; i < CALLS; i = next++) await oneCall(i); }));
  const secs = (Date.now() - t0) / 1000;
  const serverCpu = servers.reduce((sum, s, i) => sum + cpuOf(s.proc.pid) - cpu0[i], 0), me = process.cpuUsage(me0);
  const perReq = (x) => ((x / (3 * CALLS)) * 1000).toFixed(2);
  // every call left a correct session
  const a = servers[0];
  let page = 0, seen = 0;
  for (;;) {
    const l = await a.ok('GET', `/sessions?endpointIds=${ep.id}&page=${page}&countPerPage=100&searchArchive=true`, { as: a.admin });
    for (const s of l.items) {
      seen++;
      if (!s.ended || s.outcome !== 'Completed' || !s.log.some((x) => x.message === 'digits 1')) problems.push(`session ${s.id}: ended ${s.ended}, outcome ${s.outcome}`);
    }
    if (l.items.length < 100) break;
    page++;
  }
  if (seen !== CALLS) problems.push(`${seen} sessions for ${CALLS} calls`);
  const row = (k) => { const v = [...lat[k]].sort((x, y) => x - y); return `${k.padEnd(7)} ${String(v.length).padStart(6)} ${ms(pct(v, 50))} ${ms(pct(v, 90))} ${ms(pct(v, 99))} ${ms(v.at(-1) ?? NaN)}`; };
  console.log(`\n${label}: ${CALLS} calls, ${CONC} at once, ${(CALLS / secs).toFixed(0)} calls/s (${(3 * CALLS / secs).toFixed(0)} webhook requests/s)`);
  console.log(`CPU per webhook request: server ${perReq(serverCpu)} ms, this client ${perReq((me.user + me.system) / 1e6)} ms`);
  console.log('route   requests    p50     p90     p99     max  (ms)');
  for (const k of ['voice', 'step', 'status']) console.log(row(k));
  return problems;
}

const fake = await startFakeTwilio();
const args = ['--twilio-account-sid', fake.mainSid, '--twilio-auth-token', fake.mainToken, '--twilio-base-url', fake.url, '--webhook-url', BASE, '--threads', '4'];
const started = [];
const start = async (opts) => { const s = await new Server({ ...opts, args }).start(); started.push(s); return s; };
let problems = [];
let pgdir = '';
try {
  const lite = await start({});
  problems = problems.concat(await run('SQLite', [lite], fake));
  await lite.stop();
  if (PG_ON) {
    pgdir = path.join(os.tmpdir(), `evovoiced-bench-pg-${process.pid}`);
    const url = execFileSync(path.join(REPO, 'scripts/pg-cluster'), ['start', pgdir]).toString().trim();
    const a = await start({ db: url });
    problems = problems.concat(await run('PostgreSQL, one server', [a], fake));
    const b = await start({ db: url });
    problems = problems.concat(await run('PostgreSQL, two servers', [a, b], fake));
  }
} catch (e) {
  problems.push(String(e.stack || e));
} finally {
  for (const s of started) await s.cleanup().catch(() => {}); // stopped, and its directory removed
  if (pgdir) try { execFileSync(path.join(REPO, 'scripts/pg-cluster'), ['stop', pgdir], { stdio: 'ignore' }); } catch { }
  await fake.close();
}
if (problems.length) {
  console.log(`\nPROBLEMS (${problems.length}):\n${problems.slice(0, 20).join('\n')}`);
  process.exit(1);
}
