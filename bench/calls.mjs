// calls.mjs — the voice webhook's latency under many simulated calls: starts evovoiced
// (build/evovoiced, or EVOVOICED_BIN) with the test suite's fake carrier, gives a number a
// flow (a menu; 1 says thanks and hangs up), then runs CALLS whole calls, WIDTH at a time,
// with the test suite's call simulator (signed requests, every answer checked against
// Twilio's TwiML rules), and prints p50/p90/p99/max per kind of request (the incoming call,
// the menu's action, the status callback) and overall. With EVOVOICED_TEST_PG set (a
// PostgreSQL URL) the server runs there, and SERVERS=2 adds a second server on the same
// database, the calls' requests taking turns between them.
//   node bench/calls.mjs            CALLS=1000 WIDTH=32 SERVERS=1
import { Server, PG, u } from '../tests/api/harness.mjs';
import { startFakeTwilio } from '../tests/api/fake-twilio.mjs';
import { CallSim } from '../tests/api/call-sim.mjs';

const CALLS = Number(process.env.CALLS || 1000);
const WIDTH = Number(process.env.WIDTH || 32);
const SERVERS = PG ? Number(process.env.SERVERS || 1) : 1;
const BASE = 'https://bench.hooks.test/evo';

const fake = await startFakeTwilio();
const args = ['--twilio-account-sid', fake.mainSid, '--twilio-auth-token', fake.mainToken, '--twilio-base-url', fake.url, '--webhook-url', BASE];
const first = await new Server({ args }).start();
const servers = [first];
try {
  for (let k = 1; k < SERVERS; k++) servers.push(await new Server({ db: first.db, args }).start());
  const sa = { ...first.admin, basic: true };
  const acct = await first.ok('POST', '/accounts', { as: sa, body: { name: u('bench ') } });
  const cust = await first.ok('POST', '/customers', { as: sa, body: { accountId: acct.id, name: u('bench cust ') } });
  const t = (id, name, target) => ({ [name]: { id: `${id}-${name}`, type: 'Transition', source: 'Value', value: { stringValue: target } } });
  const s = (id, name, text) => ({ [name]: { id: `${id}-${name}`, type: 'String', source: 'Value', value: { stringValue: text } } });
  const flow = await first.ok('POST', '/flows', { as: sa, body: { accountId: acct.id, name: 'bench menu', nodes: [
    { id: 'm1', isStartNode: true, name: 'Menu', spec: { name: 'Menu', typeName: 'MenuNode', url: '/nodes/menu' }, parameters: { ...s('m1', 'Prompt', 'Press 1'), ...t('m1', '1', 's1') } },
    { id: 's1', name: 'Say', spec: { name: 'Say', typeName: 'SayNode', url: '/nodes/say' }, parameters: { ...s('s1', 'Text', 'Thanks'), ...t('s1', 'Done', '') } },
  ] } });
  const e = await first.ok('POST', '/endpoints/phone-numbers', { as: sa, body: { customerId: cust.id, number: '+18725559900', isVirtualPhoneNumber: true, flowId: flow.id } });
  const creds = { token: fake.accounts.get(acct.twilioAccountSid).auth_token, accountSid: acct.twilioAccountSid };
  const sim = new CallSim({ servers: { [BASE]: servers.map((x) => x.base) }, maxSteps: 8 });

  const steps = [];
  let next = 0, failed = 0;
  const t0 = Date.now();
  await Promise.all(Array.from({ length: WIDTH }, async () => {
    while (next < CALLS) {
      next++;
      const c = await sim.call({ to: e.phoneNumber, ...creds, script: { gather: ['1'] } });
      if (c.error || c.steps.some((x) => x.status !== 200)) failed++;
      steps.push(...c.steps);
    }
  }));
  const secs = (Date.now() - t0) / 1000;
  const pct = (xs, q) => xs[Math.min(xs.length - 1, Math.floor(xs.length * q))];
  const row = (name, xs) => {
    xs = xs.map((x) => x.ms).sort((a, b) => a - b);
    if (!xs.length) return console.log(`${name.padEnd(10)}      0`);
    console.log(`${name.padEnd(10)} ${String(xs.length).padStart(6)}  p50 ${pct(xs, 0.5).toFixed(1).padStart(7)}  p90 ${pct(xs, 0.9).toFixed(1).padStart(7)}  p99 ${pct(xs, 0.99).toFixed(1).padStart(7)}  max ${xs.at(-1).toFixed(1).padStart(7)} ms`);
  };
  console.log(`${CALLS} calls, ${WIDTH} at a time, ${steps.length} requests in ${secs.toFixed(1)} s (${(steps.length / secs).toFixed(0)} req/s) on ${PG ? `PostgreSQL x${SERVERS}` : 'SQLite'}; ${failed} calls failed`);
  for (const kind of ['voice', 'action', 'status']) row(kind, steps.filter((x) => x.kind === kind));
  row('all', steps);
  if (failed) process.exitCode = 2;
} finally {
  for (const x of servers.reverse()) await x.cleanup();
  await fake.close();
}
