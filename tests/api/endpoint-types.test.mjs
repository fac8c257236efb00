// endpoint-types.test.mjs — the endpoint types besides phone numbers: NewUserEndpoint
// (a phone user with its own login, role User; e-mail unique in the whole system),
// NewTeamEndpoint (members are User endpoints of the same account; a deleted user leaves
// every team), NewEmailEndpoint and NewAssistantEndpoint; what PatchEndpoint changes on
// each, and what DeleteEndpoint undoes. Tenancy and roles as for every endpoint.
// SIP users: on a second server talking to the scripted fake Twilio, the credential's life
// (create, regenerate, leave Sip mode, delete) with a carrier failure injected at each step,
// and nothing left orphaned on either side.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, makeWorld, HEX24, PASSWORD, expectStatus, expectError, expectForbidden, expectNoContent, u, waitFor,
} from './harness.mjs';
import { startFakeTwilio } from './fake-twilio.mjs';

let srv, w;
before(async () => { srv = await startServer(); w = await makeWorld(srv, 'et'); });
after(() => srv && srv.cleanup());

const mail = (p = 'ph') => `${u(p)}@tests.evovoiced`;
const post = (path, body, as = w.sa) => srv.req('POST', path, { as, body });
const patch = (id, body, as = w.sa) => srv.req('PATCH', `/endpoints/${id}`, { as, body });
const newUser = async (body = {}, as = w.sa) => {
  const r = await post('/endpoints/users', { customerId: w.cA1.id, emailAddress: mail(), firstName: 'Ann', lastName: 'Lee', password: PASSWORD, ...body }, as);
  expectStatus(r, 200);
  return r.json;
};
const signIn = (email, password = PASSWORD) => srv.req('POST', '/auth/credentials', { body: { userName: email, password } });

describe('User endpoints', () => {
  test('create: the endpoint, and a login of its own with role User', async () => {
    const email = mail();
    const ep = await newUser({ emailAddress: email });
    assert.match(ep.id, HEX24);
    assert.equal(ep.type, 'User');
    assert.equal(ep.accountId, w.A.id, 'the account comes from the customer');
    assert.equal(ep.customerId, w.cA1.id);
    assert.equal(ep.userEmailAddress, email);
    assert.equal(ep.userFirstName, 'Ann');
    assert.equal(ep.userLastName, 'Lee');
    assert.equal(ep.displayName, 'Ann Lee');
    assert.equal(ep.userMode, 'SoftPhone');
    for (const k of ['password', 'loginId', 'sipPassword']) assert.equal(ep[k], undefined, k);
    assert.ok(!JSON.stringify(ep).includes(PASSWORD), 'the password is never answered');
    const login = await signIn(email);
    expectStatus(login, 200);
    const me = await srv.ok('GET', '/auth/status', { as: { email, password: PASSWORD } });
    assert.deepEqual(me.roles, ['User']);
    assert.deepEqual(me.accountIds, [w.A.id]);
    assert.deepEqual(me.customerIds, [w.cA1.id]);
    // the phone login is no administrator of anything
    expectError(await srv.req('GET', '/customers', { as: { email, password: PASSWORD } }), 403, 'Forbidden', { message: 'Invalid Role' });
    expectError(await srv.req('GET', '/endpoints', { as: { email, password: PASSWORD } }), 403, 'Forbidden', { message: 'Invalid Role' });
    const listed = await srv.ok('GET', '/endpoints', { as: w.sa, query: { accountIds: [w.A.id], type: 'User', all: true } });
    assert.ok(listed.items.some((x) => x.id === ep.id));
  });

  test('userEmailAddress is accepted for emailAddress; the display name may be given', async () => {
    const email = mail();
    const ep = await newUser({ emailAddress: undefined, userEmailAddress: email, displayName: 'Front desk', userMode: 'DataOnly', sipRegion: 'EuropeIreland' });
    assert.equal(ep.userEmailAddress, email);
    assert.equal(ep.displayName, 'Front desk');
    assert.equal(ep.userMode, 'DataOnly');
    assert.equal(ep.sipRegion, 'EuropeIreland');
    await srv.ok('PATCH', '/system/settings', { as: w.sa, body: { accountId: w.A.id, defaultSipRegion: 'AsiaPacificTokyo' } });
    assert.equal((await newUser()).sipRegion, 'AsiaPacificTokyo', "the account's default");
    assert.equal((await newUser({ sipRegion: 'EuropeFrankfurt' })).sipRegion, 'EuropeFrankfurt');
  });

  test('the e-mail is unique in the whole system, logins included', async () => {
    const email = mail();
    await newUser({ emailAddress: email });
    expectError(await post('/endpoints/users', { customerId: w.cA2.id, emailAddress: email, password: PASSWORD }), 409, 'Conflict');
    expectError(await post('/endpoints/users', { customerId: w.cA1.id, emailAddress: w.mgrB.email, password: PASSWORD }), 409, 'Conflict');
    expectError(await srv.req('POST', '/users', { as: w.sa, body: { accountId: w.B.id, emailAddress: email, password: PASSWORD } }), 409, 'Conflict');
  });

  test('refusals: e-mail, password, mode, owner', async () => {
    const base = { customerId: w.cA1.id, emailAddress: mail(), password: PASSWORD };
    expectError(await post('/endpoints/users', { ...base, emailAddress: 'not-an-address' }), 400, 'ArgumentException', { fieldName: 'EmailAddress' });
    expectError(await post('/endpoints/users', { ...base, emailAddress: undefined, userEmailAddress: 'nope' }), 400, 'ArgumentException', { fieldName: 'UserEmailAddress' });
    expectError(await post('/endpoints/users', { ...base, password: 'short' }), 400, 'ArgumentException', { fieldName: 'Password' });
    expectError(await post('/endpoints/users', { ...base, password: undefined }), 400, 'ArgumentException', { fieldName: 'Password' });
    expectError(await post('/endpoints/users', { ...base, userMode: 'Carrier pigeon' }), 400);
    expectError(await post('/endpoints/users', { ...base, customerId: undefined }), 400, 'ArgumentException', { fieldName: 'AccountId' });
    expectError(await post('/endpoints/users', { ...base, accountId: w.B.id }), 400, 'ArgumentException', { fieldName: 'CustomerId' });
    expectError(await post('/endpoints/users', { ...base, customerId: w.cA1.id }, { email: w.custB.email, password: PASSWORD }), 403, 'Forbidden');
    expectError(await post('/endpoints/users', { ...base, customerId: undefined, accountId: w.A.id }, w.custA), 400, 'ArgumentException', { fieldName: 'CustomerId' });
    expectForbidden(await post('/endpoints/users', { ...base, customerId: undefined, accountId: w.A.id }, w.mgrB));
    expectError(await post('/endpoints/users', { ...base }, w.mgrRO), 403, 'Forbidden');
    // nothing was stored by any refusal: the address is still free
    await newUser({ emailAddress: base.emailAddress });
  });

  test('a Customer login makes users for its customers; a Manager at account level', async () => {
    const mine = await newUser({}, w.custA);
    assert.equal(mine.customerId, w.cA1.id);
    const acct = await newUser({ customerId: undefined, accountId: w.A.id }, w.mgrA);
    assert.equal(acct.customerId, undefined);
    const me = await srv.ok('GET', '/auth/status', { as: { email: acct.userEmailAddress, password: PASSWORD } });
    assert.deepEqual(me.customerIds, []);
  });

  test('patch: names (the login follows), mode, customer; other types\' fields are refused', async () => {
    const ep = await newUser();
    const p = await srv.ok('PATCH', `/endpoints/${ep.id}`, { as: w.sa, body: { userFirstName: 'Bea', userLastName: 'Ray', userMode: 'Flow', avatarUrl: 'https://img.test/a.png', customerId: w.cA2.id } });
    assert.equal(p.userFirstName, 'Bea');
    assert.equal(p.userLastName, 'Ray');
    assert.equal(p.userMode, 'Flow');
    assert.equal(p.avatarUrl, 'https://img.test/a.png');
    assert.equal(p.customerId, w.cA2.id);
    const me = await srv.ok('GET', '/auth/status', { as: { email: ep.userEmailAddress, password: PASSWORD } });
    assert.equal(me.firstName, 'Bea');
    assert.equal(me.lastName, 'Ray');
    assert.deepEqual(me.customerIds, [w.cA2.id]);
    expectError(await patch(ep.id, { teamMemberIds: [] }), 400, 'ArgumentException', { fieldName: 'TeamMemberIds' });
    expectError(await patch(ep.id, { assistantSettings: { companyName: 'x' } }), 400, 'ArgumentException', { fieldName: 'AssistantSettings' });
    expectError(await patch(ep.id, { userMode: 'Nope' }), 400);
    const again = await srv.ok('GET', `/endpoints/${ep.id}`, { as: w.sa });
    assert.equal(again.userMode, 'Flow', 'a refused patch changed nothing');
  });

  test('delete: the login goes with it (and only with it)', async () => {
    const ep = await newUser();
    expectStatus(await signIn(ep.userEmailAddress), 200);
    const me = await srv.ok('GET', '/auth/status', { as: { email: ep.userEmailAddress, password: PASSWORD } });
    expectError(await srv.req('DELETE', `/users/${me.id}`, { as: w.sa }), 409, 'Conflict');
    expectNoContent(await srv.req('DELETE', `/endpoints/${ep.id}`, { as: w.sa }));
    expectStatus(await signIn(ep.userEmailAddress), 401);
    // the address is free again
    await newUser({ emailAddress: ep.userEmailAddress });
  });
});

describe('Team endpoints', () => {
  test('create, patch, and a deleted user leaves every team', async () => {
    const [u1, u2, u3] = [await newUser(), await newUser(), await newUser({ customerId: w.cA2.id })];
    const t1 = (await post('/endpoints/team', { customerId: w.cA1.id, name: 'Sales', teamMemberIds: [u1.id, u2.id] })).json;
    assert.equal(t1.type, 'Team');
    assert.equal(t1.name, 'Sales');
    assert.equal(t1.displayName, 'Sales');
    assert.deepEqual(t1.teamMemberIds, [u1.id, u2.id]);
    const t2 = await srv.ok('POST', '/endpoints/team', { as: w.mgrA, body: { accountId: w.A.id, name: 'Support', teamMemberIds: [u2.id, u3.id], contactListVisibility: 'CurrentCustomer' } });
    assert.equal(t2.contactListVisibility, 'CurrentCustomer');
    const p = await srv.ok('PATCH', `/endpoints/${t1.id}`, { as: w.sa, body: { name: 'Sales EU', teamMemberIds: [u2.id, u1.id, u3.id] } });
    assert.equal(p.name, 'Sales EU');
    assert.deepEqual(p.teamMemberIds, [u2.id, u1.id, u3.id]);
    expectNoContent(await srv.req('DELETE', `/endpoints/${u2.id}`, { as: w.sa }));
    assert.deepEqual((await srv.ok('GET', `/endpoints/${t1.id}`, { as: w.sa })).teamMemberIds, [u1.id, u3.id]);
    assert.deepEqual((await srv.ok('GET', `/endpoints/${t2.id}`, { as: w.sa })).teamMemberIds, [u3.id]);
    const empty = await srv.ok('POST', '/endpoints/team', { as: w.sa, body: { accountId: w.A.id, name: 'Nobody' } });
    assert.deepEqual(empty.teamMemberIds, []);
    expectNoContent(await srv.req('DELETE', `/endpoints/${empty.id}`, { as: w.sa }));
  });

  test('refusals: members must be User endpoints of the account, once; a name is required', async () => {
    const mine = await newUser();
    const other = await newUser({ customerId: w.cB1.id });
    const number = await srv.ok('POST', '/endpoints/phone-numbers', { as: w.sa, body: { customerId: w.cA1.id, number: '+13125559001', isVirtualPhoneNumber: true } });
    const team = (body) => post('/endpoints/team', { customerId: w.cA1.id, name: 'T', ...body });
    expectError(await team({ teamMemberIds: [mine.id, other.id] }), 400, 'ArgumentException', { fieldName: 'TeamMemberIds[1]' });
    expectError(await team({ teamMemberIds: [number.id] }), 400, 'ArgumentException', { fieldName: 'TeamMemberIds[0]' });
    expectError(await team({ teamMemberIds: ['0123456789abcdef01234567'] }), 400, 'ArgumentException', { fieldName: 'TeamMemberIds[0]' });
    expectError(await team({ teamMemberIds: [mine.id, mine.id] }), 400, 'ArgumentException', { fieldName: 'TeamMemberIds[1]' });
    expectError(await team({ name: '' }), 400, 'ArgumentException', { fieldName: 'Name' });
    const t = (await team({ teamMemberIds: [mine.id] })).json;
    expectError(await patch(t.id, { teamMemberIds: [other.id] }), 400, 'ArgumentException', { fieldName: 'TeamMemberIds[0]' });
    expectError(await patch(t.id, { name: '' }), 400, 'ArgumentException', { fieldName: 'Name' });
    expectError(await patch(t.id, { userFirstName: 'x' }), 400, 'ArgumentException', { fieldName: 'UserFirstName' });
    assert.deepEqual((await srv.ok('GET', `/endpoints/${t.id}`, { as: w.sa })).teamMemberIds, [mine.id]);
  });
});

describe('EmailAddress endpoints', () => {
  test('create, patch, delete; one endpoint per address', async () => {
    const addr = mail('inbox');
    const e = await srv.ok('POST', '/endpoints/email', { as: w.custA, body: { customerId: w.cA1.id, emailAddress: addr } });
    assert.equal(e.type, 'EmailAddress');
    assert.equal(e.emailAddress, addr);
    assert.equal(e.displayName, addr);
    expectError(await post('/endpoints/email', { customerId: w.cA2.id, emailAddress: addr }), 409, 'Conflict');
    expectError(await post('/endpoints/email', { customerId: w.cA1.id, emailAddress: 'nope' }), 400, 'ArgumentException', { fieldName: 'EmailAddress' });
    expectError(await post('/endpoints/email', { customerId: w.cA1.id }), 400, 'ArgumentException', { fieldName: 'EmailAddress' });
    const addr2 = mail('inbox');
    const e2 = await srv.ok('POST', '/endpoints/email', { as: w.sa, body: { customerId: w.cA1.id, emailAddress: addr2, displayName: 'Support inbox' } });
    assert.equal(e2.displayName, 'Support inbox');
    expectError(await patch(e2.id, { emailAddress: addr }), 409, 'Conflict');
    expectError(await patch(e2.id, { emailAddress: 'x' }), 400, 'ArgumentException', { fieldName: 'EmailAddress' });
    const addr3 = mail('inbox');
    assert.equal((await srv.ok('PATCH', `/endpoints/${e2.id}`, { as: w.sa, body: { emailAddress: addr3 } })).emailAddress, addr3);
    assert.equal((await srv.ok('PATCH', `/endpoints/${e.id}`, { as: w.sa, body: { emailAddress: addr } })).emailAddress, addr, 'its own address is no conflict');
    expectError(await patch(e.id, { name: 'x' }), 400, 'ArgumentException', { fieldName: 'Name' });
    expectNoContent(await srv.req('DELETE', `/endpoints/${e.id}`, { as: w.custA }));
    await srv.ok('POST', '/endpoints/email', { as: w.sa, body: { customerId: w.cA2.id, emailAddress: addr } });
  });
});

describe('Assistant endpoints', () => {
  test('create, patch (settings replaced whole), delete', async () => {
    const settings = { companyName: 'Acme', greeting: 'Hello', tuning: 'Accuracy', words: [{ word: 'Acme', pronounced: 'ak-mee' }],
      contacts: [{ name: 'Sam', phoneNumber: '+13125550100', transferType: 'Supervised', takeMessageFields: [{ name: 'reason', required: true }] }] };
    const a = await srv.ok('POST', '/endpoints/assistant', { as: w.mgrA, body: { customerId: w.cA1.id, name: 'Receptionist', assistantSettings: settings, embedSettings: { enabled: true, allowedHosts: 'acme.test' } } });
    assert.equal(a.type, 'Assistant');
    assert.equal(a.name, 'Receptionist');
    assert.equal(a.displayName, 'Receptionist');
    assert.equal(a.assistantSettings.companyName, 'Acme');
    assert.equal(a.assistantSettings.contacts[0].transferType, 'Supervised');
    assert.deepEqual(a.embedSettings, { enabled: true, allowedHosts: 'acme.test' });
    const p = await srv.ok('PATCH', `/endpoints/${a.id}`, { as: w.sa, body: { assistantSettings: { greeting: 'Hi' }, name: 'Front' } });
    assert.equal(p.assistantSettings.greeting, 'Hi');
    assert.equal(p.assistantSettings.companyName, undefined, 'replaced whole');
    assert.ok(!p.assistantSettings.contacts?.length, 'replaced whole');
    assert.equal(p.name, 'Front');
    assert.equal(p.embedSettings.enabled, true, 'untouched');
    expectError(await post('/endpoints/assistant', { customerId: w.cA1.id }), 400, 'ArgumentException', { fieldName: 'Name' });
    expectError(await post('/endpoints/assistant', { customerId: w.cA1.id, name: 'x', assistantSettings: { tuning: 'Slow' } }), 400);
    expectError(await patch(a.id, { emailAddress: 'a@b.c' }), 400, 'ArgumentException', { fieldName: 'EmailAddress' });
    expectForbidden(await srv.req('POST', '/endpoints/assistant', { as: w.mgrB, body: { customerId: w.cA1.id, name: 'x' } }));
    expectNoContent(await srv.req('DELETE', `/endpoints/${a.id}`, { as: w.sa }));
  });
});

test('phone numbers refuse the other types\' fields in a patch', async () => {
  const n = await srv.ok('POST', '/endpoints/phone-numbers', { as: w.sa, body: { customerId: w.cA1.id, number: '+13125559002', isVirtualPhoneNumber: true } });
  expectError(await patch(n.id, { teamMemberIds: [] }), 400, 'ArgumentException', { fieldName: 'TeamMemberIds' });
  expectError(await patch(n.id, { userMode: 'Sip' }), 400, 'ArgumentException', { fieldName: 'UserMode' });
  assert.equal((await srv.ok('PATCH', `/endpoints/${n.id}`, { as: w.sa, body: { displayName: 'Main line' } })).displayName, 'Main line');
});

describe('SIP users at the carrier', () => {
  let fake, cs, cw;
  const RECONCILE = 1500;
  before(async () => {
    fake = await startFakeTwilio();
    cs = await startServer({ args: ['--twilio-account-sid', fake.mainSid, '--twilio-auth-token', fake.mainToken, '--twilio-base-url', fake.url,
      '--webhook-url', 'https://prod.hooks.test/evo', '--carrier-timeout-ms', '700', '--carrier-attempts', '2',
      '--reconcile-after-ms', String(RECONCILE), '--routing-lease-ms', '1000'] });
    cw = await makeWorld(cs, 'sip');
  });
  after(async () => { if (cs) await cs.cleanup(); if (fake) await fake.close(); });

  const sipUser = (body = {}, as) => cs.req('POST', '/endpoints/users', { as: as || cw.sa, body: { customerId: cw.cA1.id, emailAddress: mail('sip'), password: PASSWORD, userMode: 'Sip', ...body } });
  const stored = async () => (await cs.ok('GET', '/endpoints', { as: cw.sa, query: { type: 'User', all: true } })).items;
  /** Carrier and store agree: every credential belongs to a stored Sip endpoint with its sid and password, and back. */
  async function agree() {
    const eps = (await stored()).filter((e) => e.sipCredentialSid);
    const creds = fake.credentials();
    assert.deepEqual(creds.map((c) => c.sid).sort(), eps.map((e) => e.sipCredentialSid).sort(), 'credentials at the carrier = credentials stored');
    for (const e of eps) {
      const c = creds.find((x) => x.sid === e.sipCredentialSid);
      assert.equal(c.username, e.sipUserName);
      assert.equal(c.password, e.sipPassword, `the stored password of ${e.id} is the carrier's`);
    }
  }

  test('the first SIP user makes the domain and list; each gets a credential; secrets only for SystemAdministrators', async () => {
    const r = await sipUser();
    expectStatus(r, 200);
    const ep = r.json;
    assert.equal(ep.userMode, 'Sip');
    assert.match(ep.sipCredentialSid, /^CR[0-9a-f]{32}$/);
    assert.equal(ep.sipUserName, `u${ep.id}`);
    assert.ok(ep.sipUserName.length <= 32);
    assert.equal(ep.sipDomain, `evo-${cw.A.id}.sip.twilio.com`);
    assert.ok(ep.sipPassword.length >= 12 && /[0-9]/.test(ep.sipPassword) && /[A-Z]/.test(ep.sipPassword) && /[a-z]/.test(ep.sipPassword), ep.sipPassword);
    assert.equal(fake.domains.size, 1);
    const d = [...fake.domains.values()][0];
    assert.equal(d.domain_name, ep.sipDomain);
    assert.equal(d.sip_registration, true);
    assert.equal(d.voice_url, 'https://prod.hooks.test/evo/voice');
    assert.equal(fake.credentialLists.size, 1);
    const cl = [...fake.credentialLists.keys()][0];
    assert.ok(d.calls.has(cl) && d.registrations.has(cl), 'the list is mapped for calls and registrations');
    for (const as of [cw.mgrA, cw.custA]) {
      const seen = await cs.ok('GET', `/endpoints/${ep.id}`, { as });
      assert.equal(seen.sipPassword, undefined, 'sipPassword is for SystemAdministrators only');
      assert.equal(seen.sipUserName, ep.sipUserName);
      const listed = await cs.req('GET', '/endpoints', { as, query: { type: 'User', all: true, format: 'csv' } });
      assert.ok(!listed.text.includes(ep.sipPassword), 'not in a list either');
    }
    const by = await cs.ok('POST', '/endpoints/users', { as: cw.custA, body: { customerId: cw.cA1.id, emailAddress: mail('sip'), password: PASSWORD, userMode: 'Sip' } });
    assert.equal(by.sipPassword, undefined);
    assert.equal(fake.domains.size, 1, 'one domain per account');
    assert.equal(fake.credentialLists.size, 1, 'one list per account');
    await agree();
  });

  test('regenerate: a new password at the carrier, then stored', async () => {
    const ep = (await sipUser()).json;
    const r = await cs.ok('PATCH', `/endpoints/sip/${ep.id}/password`, { as: cw.sa });
    assert.notEqual(r.sipPassword, ep.sipPassword);
    assert.equal(r.sipCredentialSid, ep.sipCredentialSid);
    await agree();
    const m = await cs.ok('PATCH', `/endpoints/sip/${ep.id}/password`, { as: cw.mgrA });
    assert.equal(m.sipPassword, undefined);
    const cu = await cs.ok('PATCH', `/endpoints/sip/${ep.id}/password`, { as: cw.custA });
    assert.equal(cu.sipPassword, undefined);
    await agree();
    const stored1 = (await cs.ok('GET', `/endpoints/${ep.id}`, { as: cw.sa })).sipPassword;
    expectForbidden(await cs.req('PATCH', `/endpoints/sip/${ep.id}/password`, { as: cw.custB }));
    expectError(await cs.req('PATCH', `/endpoints/sip/${ep.id}/password`, { as: cw.mgrRO }), 403, 'Forbidden');
    assert.equal((await cs.ok('GET', `/endpoints/${ep.id}`, { as: cw.sa })).sipPassword, stored1, 'a refusal changes nothing');
    const plain = await newUserOn(cs, cw);
    expectError(await cs.req('PATCH', `/endpoints/sip/${plain.id}/password`, { as: cw.sa }), 400, 'ArgumentException', { fieldName: 'EndpointId' });
    expectForbidden(await cs.req('PATCH', `/endpoints/sip/${ep.id}/password`, { as: cw.mgrB }));
    expectError(await cs.req('PATCH', '/endpoints/sip/0123456789abcdef01234567/password', { as: cw.sa }), 404, 'NotFound');
  });

  test('leaving Sip mode deletes the credential, entering it makes one; deleting the endpoint deletes it', async () => {
    const ep = (await sipUser()).json;
    const off = await cs.ok('PATCH', `/endpoints/${ep.id}`, { as: cw.sa, body: { userMode: 'SoftPhone' } });
    assert.equal(off.userMode, 'SoftPhone');
    assert.equal(off.sipCredentialSid, undefined);
    assert.equal(off.sipPassword, undefined);
    await waitFor('the credential deleted', () => !fake.credentials().some((c) => c.sid === ep.sipCredentialSid));
    const on = await cs.ok('PATCH', `/endpoints/${ep.id}`, { as: cw.sa, body: { userMode: 'Sip' } });
    assert.equal(on.sipUserName, `u${ep.id}`);
    const done = await waitFor('a credential made', async () => { const x = await cs.ok('GET', `/endpoints/${ep.id}`, { as: cw.sa }); return x.sipCredentialSid && x; });
    assert.ok(fake.credentials().some((c) => c.sid === done.sipCredentialSid && c.password === done.sipPassword));
    expectNoContent(await cs.req('DELETE', `/endpoints/${ep.id}`, { as: cw.sa }));
    assert.ok(!fake.credentials().some((c) => c.username === ep.sipUserName), 'deleted at the carrier before the store');
    await agree();
  });

  test('a create refused for its own fields calls no carrier', async () => {
    const calls = fake.log.length;
    expectError(await sipUser({ password: 'short' }), 400, 'ArgumentException', { fieldName: 'Password' });
    expectError(await sipUser({ emailAddress: cw.mgrA.email }), 409, 'Conflict');
    expectError(await sipUser({ sipRegion: 'Moon' }), 400);
    assert.equal(fake.log.length, calls);
  });

  // a carrier refusal at each step of a create: nothing stored, nothing left at the carrier
  for (const step of ['listDomains', 'createDomain', 'listCredentialLists', 'createCredentialList', 'listMappings', 'createMapping', 'listCredentials', 'createCredential']) {
    test(`create refused by the carrier at ${step}: nothing stored, nothing orphaned`, async () => {
      // a fresh account, so the set-up steps run
      const a = await cs.ok('POST', '/accounts', { as: cw.sa, body: { name: u('sipacct') } });
      const cu = await cs.ok('POST', '/customers', { as: cw.sa, body: { accountId: a.id, name: u('c') } });
      const email = mail('sipfail');
      fake.fail(step, { status: 400, code: 21999, message: `refused at ${step}` });
      const r = await sipUser({ customerId: cu.id, emailAddress: email });
      expectError(r, 502, 'ProviderError', { message: `refused at ${step}` });
      fake.clearFaults();
      assert.ok(!(await stored()).some((e) => e.userEmailAddress === email), 'no endpoint stored');
      expectStatus(await cs.req('POST', '/auth/credentials', { body: { userName: email, password: PASSWORD } }), 401);
      await agree();
      // the same request again works, and reuses what the set-up made before the refusal
      const ok = await sipUser({ customerId: cu.id, emailAddress: email });
      expectStatus(ok, 200);
      assert.equal([...fake.domains.values()].filter((d) => d.domain_name === `evo-${a.id}.sip.twilio.com`).length, 1, 'one domain');
      assert.equal([...fake.credentialLists.values()].filter((l) => l.friendly_name === `evovoiced ${a.id}`).length, 1, 'one list');
      await agree();
    });
  }

  test('regenerate refused: the old password stays on both sides', async () => {
    const ep = (await sipUser()).json;
    fake.fail('updateCredential', { status: 400, code: 21452, message: 'refused update' });
    expectError(await cs.req('PATCH', `/endpoints/sip/${ep.id}/password`, { as: cw.sa }), 502, 'ProviderError');
    assert.equal((await cs.ok('GET', `/endpoints/${ep.id}`, { as: cw.sa })).sipPassword, ep.sipPassword);
    await agree();
  });

  test('delete refused at the carrier: the endpoint stays, with its credential', async () => {
    const ep = (await sipUser()).json;
    fake.fail('deleteCredential', { status: 400, code: 20001, message: 'refused delete' });
    expectError(await cs.req('DELETE', `/endpoints/${ep.id}`, { as: cw.sa }), 502, 'ProviderError');
    assert.equal((await cs.ok('GET', `/endpoints/${ep.id}`, { as: cw.sa })).sipCredentialSid, ep.sipCredentialSid);
    await agree();
    expectNoContent(await cs.req('DELETE', `/endpoints/${ep.id}`, { as: cw.sa }));
    await agree();
  });

  test('an unknown outcome (the carrier answers too late) is completed by the worker', async () => {
    const email = mail('sipslow');
    fake.slow('createCredential', 2500); // carried out, answered after the server gave up
    const r = await sipUser({ emailAddress: email });
    expectError(r, 502, 'ProviderError', { message: /completed with the carrier shortly/ });
    const done = await waitFor('the worker recorded the credential', async () => (await stored()).find((e) => e.userEmailAddress === email && e.sipCredentialSid), 20000);
    assert.equal(fake.credentials().filter((c) => c.username === done.sipUserName).length, 1, 'made once');
    await agree();
    // a leave of Sip mode the carrier refuses at first is retried by the worker
    fake.fail('deleteCredential', { status: 500, times: 4 });
    await cs.ok('PATCH', `/endpoints/${done.id}`, { as: cw.sa, body: { userMode: 'Flow' } });
    await waitFor('the credential deleted after the retries', () => !fake.credentials().some((c) => c.username === done.sipUserName), 20000);
    await agree();
  });

  test('kill -9 while the carrier makes the credential: the restarted server records it, once', async () => {
    const email = mail('sipcrash');
    const made = fake.count('createCredential');
    fake.slow('createCredential', 5000); // carried out at once, answered late
    const pending = sipUser({ emailAddress: email }).catch((e) => e);
    await waitFor('the carrier made it', () => fake.count('createCredential') > made);
    await cs.kill9();
    await pending;
    fake.clearFaults();
    await cs.restart();
    const done = await waitFor('recorded after the restart', async () => (await stored()).find((e) => e.userEmailAddress === email && e.sipCredentialSid), 20000);
    assert.equal(fake.credentials().filter((c) => c.username === done.sipUserName).length, 1, 'made once');
    await agree();
  });

  test('kill -9 with a credential still to delete: the restarted server deletes it', async () => {
    const ep = (await sipUser()).json;
    fake.fail('deleteCredential', { status: 503, times: 1000 });
    await cs.ok('PATCH', `/endpoints/${ep.id}`, { as: cw.sa, body: { userMode: 'DataOnly' } });
    await waitFor('the worker tried', () => fake.count('deleteCredential') > 0);
    await cs.kill9();
    fake.clearFaults();
    await cs.restart();
    await waitFor('deleted after the restart', () => !fake.credentials().some((c) => c.username === ep.sipUserName), 20000);
    await agree();
  });
});

async function newUserOn(server, world) {
  return server.ok('POST', '/endpoints/users', { as: world.sa, body: { customerId: world.cA1.id, emailAddress: mail(), password: PASSWORD } });
}
