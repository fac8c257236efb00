#!/usr/bin/env node
// scale.mjs — evovoiced on a large SQLite database: 100,000 customers in trees under a few
// accounts and 100,000 phone-number endpoints. Prints start-up time, resident memory and list
// latencies (first page, deep page, name filter, sort by another field, customer filter).
//
// The rows are not posted one by one (that takes minutes). The server itself writes one
// account per tree, a root customer, a child customer and a phone number through the API; those
// stored documents are the templates, and the sqlite3 command line copies them with json_set()
// changing only id, name, parent, account, number and display name. The server then reads them
// back through GET and list, which the script checks before it measures anything.
//
//   make && node bench/scale.mjs
//   CUSTOMERS=100000 ACCOUNTS=4 REQUESTS=200 CASE_SECONDS=15 WRK_DURATION=10s node bench/scale.mjs
// (each latency case: REQUESTS requests, or as many as CASE_SECONDS allow, at least 20)
//   KEEP=1 node bench/scale.mjs     # keep the temp dir (database and logs)
//   SEED_ONLY=1 KEEP=1 node bench/scale.mjs   # only build the database; prints its path
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import http from 'node:http';

const here = dirname(new URL(import.meta.url).pathname);
const BIN = process.env.EVO_BIN || join(here, '..', 'build', 'evovoiced');
const CUSTOMERS = Number(process.env.CUSTOMERS || 100000);
const ACCOUNTS = Number(process.env.ACCOUNTS || 4);
const REQUESTS = Number(process.env.REQUESTS || 200);
const CASE_SECONDS = Number(process.env.CASE_SECONDS || 15);
const WRK_DURATION = process.env.WRK_DURATION || '10s';
const THREADS = process.env.EVO_THREADS || '0'; // 0: the server's default
const EMAIL = 'admin@bench.test', PASSWORD = 'bench-password-1';
const AUTH = 'Basic ' + Buffer.from(`${EMAIL}:${PASSWORD}`).toString('base64');
const work = mkdtempSync(join(tmpdir(), 'evo-scale-'));
const DB = join(work, 'scale.db');
let server = null;

const log = (...a) => console.error('scale:', ...a);
function die(msg) {
  log(msg);
  stop();
  process.exit(1);
}

function stop() {
  if (server && server.exitCode === null) server.kill('SIGTERM');
  server = null;
}
process.on('exit', () => {
  stop();
  if (!process.env.KEEP) rmSync(work, { recursive: true, force: true });
  else log('kept', work);
});

// Starts the server on DB; resolves with its url and the milliseconds from spawn to "listening".
function start(name) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--db', DB, '--db-exclusive', '--threads', THREADS,
      '--auth-cache-seconds', '3600'], {
      env: { ...process.env, EVOVOICED_ADMIN_EMAIL: EMAIL, EVOVOICED_ADMIN_PASSWORD: PASSWORD },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = p;
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name}: no "listening" in 30 s: ${out}`)), 30000);
    const on = (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        p.stdout.removeAllListeners('data');
        p.stderr.removeAllListeners('data');
        p.stdout.resume();
        p.stderr.resume();
        resolve({ url: m[1], ms: Number(process.hrtime.bigint() - t0) / 1e6 });
      }
    };
    p.stdout.on('data', on);
    p.stderr.on('data', on);
    p.on('exit', (code) => reject(new Error(`${name} exited ${code}: ${out}`)));
  });
}

async function stopAndWait() {
  const p = server;
  if (!p || p.exitCode !== null) return;
  p.removeAllListeners('exit');
  const done = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await done;
  server = null;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function req(url, method, path, body) {
  return new Promise((resolve, reject) => {
    const r = http.request(url + path, {
      method, agent,
      headers: { Authorization: AUTH, Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}) },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode, json: text ? JSON.parse(text) : null, text });
      });
    });
    r.on('error', reject);
    r.end(body ? JSON.stringify(body) : undefined);
  });
}
async function ok(url, method, path, body) {
  const r = await req(url, method, path, body);
  if (r.status !== 200) die(`${method} ${path}: ${r.status} ${r.text.slice(0, 300)}`);
  return r.json;
}

function memory(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)[1]);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}
const mib = (m) => `VmRSS ${m.rss.toFixed(1)} MiB, VmHWM ${m.hwm.toFixed(1)} MiB`;

// ------------------------------------------------------------------ templates through the API
let { url } = await start('first start');
const accounts = [];
for (let a = 0; a < ACCOUNTS; a++) accounts.push((await ok(url, 'POST', '/accounts', { name: `Scale Account ${a + 1}` })).id);
const root = await ok(url, 'POST', '/customers', { accountId: accounts[0], name: 'Template root' });
const child = await ok(url, 'POST', '/customers', { accountId: accounts[0], name: 'Template child', parentCustomerId: root.id });
const num = await ok(url, 'POST', '/endpoints/phone-numbers',
  { accountId: accounts[0], customerId: child.id, number: '(312) 555-0100', isVirtualPhoneNumber: true });
await stopAndWait();

// ------------------------------------------------------------------ copies through sqlite3
// Per account: R roots, each with 4 children, each of those with 5 (1 + 4 + 20 = 25 per root).
const perAccount = Math.floor(CUSTOMERS / ACCOUNTS);
const roots = Math.max(1, Math.floor(perAccount / 25));
const total = roots * 25 * ACCOUNTS;
const accList = accounts.map((a, i) => `(${i},'${a}')`).join(',');
// n: 0..total-1; account n / (roots*25); within it k = n % (roots*25): k < R roots, then level 2, then level 3.
// id: a fixed prefix and n in hex; name scattered so the name order is not the id order.
const sql = `
PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;
BEGIN;
CREATE TEMP TABLE acc(i INTEGER PRIMARY KEY, id TEXT);
INSERT INTO acc VALUES ${accList};
CREATE TEMP TABLE tpl AS SELECT (SELECT doc FROM customers WHERE id='${root.id}') AS root,
  (SELECT doc FROM customers WHERE id='${child.id}') AS child, (SELECT doc FROM endpoints WHERE id='${num.id}') AS num;
DELETE FROM endpoints; DELETE FROM customers;
CREATE TEMP TABLE gen AS
WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < ${total - 1})
SELECT n, n / ${roots * 25} AS a, n % ${roots * 25} AS k FROM seq;
CREATE TEMP TABLE c AS SELECT n, printf('5ca1e000%016x', n) AS id, (SELECT id FROM acc WHERE i = a) AS account,
  CASE WHEN k < ${roots} THEN NULL
       WHEN k < ${roots * 5} THEN printf('5ca1e000%016x', a * ${roots * 25} + (k - ${roots}) / 4)
       ELSE printf('5ca1e000%016x', a * ${roots * 25} + ${roots} + (k - ${roots * 5}) / 5) END AS parent,
  printf('%s %06d', CASE n % 5 WHEN 0 THEN 'Acme' WHEN 1 THEN 'Birch' WHEN 2 THEN 'Cedar' WHEN 3 THEN 'Delta' ELSE 'Echo' END,
         (n * 7919) % ${total}) AS name
FROM gen;
INSERT INTO customers(id, account_id, parent_id, name, doc)
SELECT c.id, c.account, c.parent, c.name,
  CASE WHEN c.parent IS NULL THEN json_set(tpl.root, '$.id', c.id, '$.accountId', c.account, '$.name', c.name)
  ELSE json_set(tpl.child, '$.id', c.id, '$.accountId', c.account, '$.name', c.name, '$.parentCustomerId', c.parent) END
FROM c, tpl ORDER BY c.n;
CREATE TEMP TABLE e AS SELECT n, printf('5ca1e100%016x', n) AS id, account, id AS customer,
  printf('+1%010d', 2000000000 + n) AS phone,
  printf('(%03d) %03d-%04d', 200 + n / 10000000, (n / 10000) % 1000, n % 10000) AS display FROM c;
INSERT INTO endpoints(id, account_id, customer_id, phone_number, display_name, type, doc)
SELECT e.id, e.account, e.customer, e.phone, e.display, 'PhoneNumber',
  json_set(tpl.num, '$.id', e.id, '$.accountId', e.account, '$.customerId', e.customer,
           '$.phoneNumber', e.phone, '$.displayName', e.display)
FROM e, tpl ORDER BY e.n;
COMMIT;
ANALYZE;
PRAGMA wal_checkpoint(TRUNCATE);
`;
let t = Date.now();
execFileSync('sqlite3', [DB], { input: sql, stdio: ['pipe', 'ignore', 'inherit'] });
const seedMs = Date.now() - t;
const dbMiB = Number(execFileSync('stat', ['-c', '%s', DB]).toString()) / 1048576;
log(`seeded ${total} customers and ${total} numbers in ${(seedMs / 1000).toFixed(1)} s (${dbMiB.toFixed(0)} MiB)`);
if (process.env.SEED_ONLY) { // just the database, kept: SEED_ONLY=1 KEEP=1
  console.log(DB);
  process.exit(0);
}

// ------------------------------------------------------------------ start-up and read-back
const startups = [];
for (let i = 0; i < 3; i++) {
  const s = await start(`start ${i + 1}`);
  startups.push(s.ms);
  url = s.url;
  if (i < 2) await stopAndWait();
}
const afterStart = memory(server.pid);
const hexId = (p, n) => `${p}${n.toString(16).padStart(16, '0')}`;
const cid = (n) => hexId('5ca1e000', n);
const deepN = roots * 5 + 7; // a level-3 customer of the first account
const got = await ok(url, 'GET', `/customers/${cid(deepN)}`);
if (got.accountId !== accounts[0] || got.parentCustomerId !== cid(roots + 1) || !/^(Acme|Birch|Cedar|Delta|Echo) \d{6}$/.test(got.name))
  die(`read back wrong: ${JSON.stringify(got).slice(0, 300)}`);
const ep = await ok(url, 'GET', `/endpoints/${hexId('5ca1e100', deepN)}`);
if (ep.customerId !== cid(deepN) || ep.type !== 'PhoneNumber' || ep.customerName !== got.name)
  die(`endpoint read back wrong: ${JSON.stringify(ep).slice(0, 300)}`);
const first = await ok(url, 'GET', `/customers?accountIds=${accounts[1]}&page=0&countPerPage=25`);
if (first.totalCount !== roots * 25 || first.items.length !== 25) die(`list read back wrong: ${first.totalCount}`);
const sub = await ok(url, 'GET', `/endpoints?customerIds=${cid(0)}&countPerPage=25`);
if (sub.totalCount !== 25) die(`subtree endpoints: ${sub.totalCount}, want 25`);
log('read back: GET customer, GET endpoint, customer list and subtree endpoint list as generated');
// The first request verified the Basic credential with argon2id, which takes 64 MiB for a moment
// (then cached: an hour here, so it is not verified again mid-run). Reset the peak so the figures below show what the data costs.
const afterLogin = memory(server.pid);
writeFileSync(`/proc/${server.pid}/clear_refs`, '5');

// ------------------------------------------------------------------ list latencies
const A = accounts[1];
const deepPage = roots - 1; // the last page of one account
const deepAll = Math.min(3000, total / 25 - 1);
const cases = [
  ['GET /customers/{id}', `/customers/${cid(deepN)}`],
  ['customers, first page', `/customers?accountIds=${A}&page=0&countPerPage=25`],
  ['customers, all accounts, first page', `/customers?page=0&countPerPage=25`],
  [`customers, all accounts, page ${deepAll}`, `/customers?page=${deepAll}&countPerPage=25`],
  [`customers, deep page ${deepPage}`, `/customers?accountIds=${A}&page=${deepPage}&countPerPage=25`],
  ['customers, name filter', `/customers?accountIds=${A}&nameFilter=cedar%2000&countPerPage=25`],
  ['customers, sort by dateCreated desc', `/customers?accountIds=${A}&sortField=dateCreated&sortOrder=Descend&countPerPage=25`],
  ['customers, sort by referenceId, deep page 500', `/customers?accountIds=${A}&sortField=referenceId&page=500&countPerPage=25`],
  ['customers, parent subtree', `/customers?parentCustomerIds=${cid(roots * 25 + 3)}&countPerPage=25`],
  ['endpoints, first page', `/endpoints?accountIds=${A}&countPerPage=25`],
  [`endpoints, deep page ${deepPage}`, `/endpoints?accountIds=${A}&page=${deepPage}&countPerPage=25`],
  ['endpoints, customer filter (subtree)', `/endpoints?customerIds=${cid(roots * 25 + 3)}&countPerPage=25`],
  ['endpoints, customer filter (shallow)', `/endpoints?customerIds=${cid(roots * 25 + 3)}&shallowParent=true&countPerPage=25`],
  ['endpoints, phone number filter', `/endpoints?accountIds=${A}&phoneNumberFilter=0001&countPerPage=25`],
  ['endpoints, sort by phoneNumber desc', `/endpoints?accountIds=${A}&sortField=phoneNumber&sortOrder=Descend&countPerPage=25`],
];
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const rows = [];
for (const [name, path] of cases) {
  const ms = [];
  let items = 0;
  const until = Date.now() + CASE_SECONDS * 1000; // a slow case stops early: fewer requests, n says how many
  for (let i = 0; i < REQUESTS && (i < 20 || Date.now() < until); i++) {
    const t0 = process.hrtime.bigint();
    const r = await req(url, 'GET', path);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 200) die(`${name}: ${r.status} ${r.text.slice(0, 200)}`);
    items = r.json.items ? r.json.items.length : 1;
  }
  ms.sort((a, b) => a - b);
  rows.push({ name, p50: pct(ms, 50), p99: pct(ms, 99), items, n: ms.length });
}
const afterLists = memory(server.pid);

// ------------------------------------------------------------------ wrk: mixed GETs and lists
const paths = [...cases.map((c) => c[1]), ...Array.from({ length: 20 }, (_, i) => `/customers/${cid((i * 4999) % total)}`)];
const lua = join(work, 'mixed.lua');
writeFileSync(lua, `local paths = { ${paths.map((p) => JSON.stringify(p)).join(', ')} }
local i = 0
wrk.headers["Authorization"] = "${AUTH}"
wrk.headers["Accept"] = "application/json"
request = function() i = i + 1; return wrk.format("GET", paths[(i % #paths) + 1]) end
`);
const w = spawnSync('wrk', ['-t1', '-c64', `-d${WRK_DURATION}`, '--latency', '-s', lua, url], { encoding: 'utf8', timeout: 120000 });
const wrkOut = w.stdout || '';
const rps = /Requests\/sec:\s+([\d.]+)/.exec(wrkOut)?.[1];
const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(wrkOut)?.[1] || '0';
const p99w = /99%\s+(\S+)/.exec(wrkOut)?.[1];
const afterWrk = memory(server.pid);
await stopAndWait();

// ------------------------------------------------------------------ report
const f = (x) => x.toFixed(2).padStart(8);
console.log(`evovoiced on SQLite: ${total} customers (${ACCOUNTS} accounts, trees 3 deep), ${total} phone numbers, ${dbMiB.toFixed(0)} MiB database`);
console.log(`seed (sqlite3 copies of server-written documents): ${(seedMs / 1000).toFixed(1)} s`);
console.log(`start-up to "listening": ${startups.map((x) => x.toFixed(1)).join(', ')} ms`);
console.log(`memory after start:      ${mib(afterStart)}`);
console.log(`memory after the first request (argon2id verified the credential): ${mib(afterLogin)}`);
console.log('peak reset (clear_refs 5); from here VmHWM is the peak since:');
console.log(`memory after the lists:  ${mib(afterLists)}`);
console.log(`memory after wrk:        ${mib(afterWrk)}`);
console.log(`wrk -t1 -c64 -d${WRK_DURATION}, ${paths.length} GET and list paths in turn: ${rps} req/s, p99 ${p99w}, non-2xx ${non2xx}`);
console.log(`\n${REQUESTS} sequential requests each, keep-alive:`);
console.log(`${'case'.padEnd(48)}  p50 ms   p99 ms  items      n`);
for (const r of rows) console.log(`${r.name.padEnd(48)}${f(r.p50)} ${f(r.p99)}  ${String(r.items).padStart(5)}  ${String(r.n).padStart(5)}`);
if (non2xx !== '0' || !rps) process.exitCode = 2;
