// roles.test.mjs — the roles column of API.md for every operation in scope (accounts,
// customers, users, auth, system settings), the managerAccess levels, and the rule that the
// role check comes before the tenant/existence check.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, makeWorld, PASSWORD, randomHex24, u, expectStatus, expectInvalidRole,
  expectUnauth, expectNoContent, describeRes,
} from './harness.mjs';

let srv, w;
before(async () => { srv = await startServer(); w = await makeWorld(srv, 'roles'); });
after(() => srv && srv.cleanup());

// fresh resources, made by the SA
const freshAccount = () => srv.ok('POST', '/accounts', { as: w.sa, body: { name: u('Fresh Acct ') } });
const freshLeaf = () => srv.ok('POST', '/customers', { as: w.sa, body: { accountId: w.A.id, name: u('leaf '), parentCustomerId: w.cA1.id } });
const freshUser = () => srv.ok('POST', '/users', {
  as: w.sa, body: { accountId: w.A.id, emailAddress: `${u('fresh')}@tests.evovoiced`, firstName: 'F', lastName: 'U', password: PASSWORD, roles: ['Customer'], customerIds: [w.cA1.id] },
});

// Each operation: a function (caller) -> response, and the expected outcome per caller.
// 'ok' = 2xx as the operation answers (200, or 204 for deletes), 'role' = 403 Invalid Role,
// 'skip' = not asserted here (covered elsewhere or undefined).
const OPS = {
  ListAccounts: { run: (as) => srv.req('GET', '/accounts', { as }), SA: 'ok', M: 'ok', C: 'ok' },
  GetAccount: { run: (as) => srv.req('GET', `/accounts/${w.A.id}`, { as }), SA: 'ok', M: 'ok', C: 'skip' },
  NewAccount: { run: (as) => srv.req('POST', '/accounts', { as, body: { name: u('New Acct ') } }), SA: 'ok', M: 'role', C: 'role' },
  PatchAccount: { run: (as) => srv.req('PATCH', `/accounts/${w.A.id}`, { as, body: { maxPhoneNumbers: 7 } }), SA: 'ok', M: 'role', C: 'role' },
  DeleteAccount: { run: async (as) => srv.req('DELETE', `/accounts/${(await freshAccount()).id}`, { as }), SA: 'ok', M: 'role', C: 'role', del: true },
  ListCustomers: { run: (as) => srv.req('GET', '/customers', { as }), SA: 'ok', M: 'ok', C: 'ok' },
  GetCustomer: { run: (as) => srv.req('GET', `/customers/${w.cA1.id}`, { as }), SA: 'ok', M: 'ok', C: 'ok' },
  NewCustomer: { run: (as) => srv.req('POST', '/customers', { as, body: { accountId: w.A.id, name: u('nc '), parentCustomerId: w.cA1.id } }), SA: 'ok', M: 'ok', C: 'ok' },
  PatchCustomer: { run: (as) => srv.req('PATCH', `/customers/${w.cA1a.id}`, { as, body: { referenceId: u('ref') } }), SA: 'ok', M: 'ok', C: 'ok' },
  DeleteCustomer: { run: async (as) => srv.req('DELETE', `/customers/${(await freshLeaf()).id}`, { as }), SA: 'ok', M: 'ok', C: 'ok', del: true },
  SetCustomerStagingMode: { run: (as) => srv.req('POST', `/customers/${w.cA1a.id}/staging`, { as, body: { isStaging: false } }), SA: 'ok', M: 'ok', C: 'ok' },
  ListUsers: { run: (as) => srv.req('GET', '/users', { as }), SA: 'ok', M: 'ok', C: 'role' },
  NewUser: {
    run: (as) => srv.req('POST', '/users', { as, body: { accountId: w.A.id, emailAddress: `${u('nu')}@tests.evovoiced`, firstName: 'N', lastName: 'U', password: PASSWORD, roles: ['Customer'], customerIds: [w.cA1.id] } }),
    SA: 'ok', M: 'ok', C: 'role',
  },
  PatchUser: { run: async (as) => srv.req('PATCH', `/users/${(await freshUser()).id}`, { as, body: { firstName: 'Patched' } }), SA: 'ok', M: 'ok', C: 'role' },
  DeleteUser: { run: async (as) => srv.req('DELETE', `/users/${(await freshUser()).id}`, { as }), SA: 'ok', M: 'ok', C: 'role', del: true },
  GetSystemSettings: { run: (as) => srv.req('GET', '/system/settings', { as, query: { accountId: w.A.id } }), SA: 'ok', M: 'ok', C: 'ok' },
  PatchSystemSettings: { run: (as) => srv.req('PATCH', '/system/settings', { as, body: { accountId: w.A.id, documentation: u('doc ') } }), SA: 'ok', M: 'ok', C: 'role' },
};

function checkOutcome(r, want, op) {
  if (want === 'ok') {
    if (OPS[op].del) expectNoContent(r); else expectStatus(r, 200, op);
  } else if (want === 'role') expectInvalidRole(r);
}

describe('roles column: allowed and refused', () => {
  for (const [op, spec] of Object.entries(OPS)) {
    for (const who of ['SA', 'M', 'C']) {
      if (spec[who] === 'skip') continue;
      test(`${op} as ${who}: ${spec[who] === 'ok' ? 'allowed' : '403 Invalid Role'}`, async () => {
        const as = who === 'SA' ? w.sa : who === 'M' ? w.mgrA : w.custA;
        checkOutcome(await spec.run(as), spec[who], op);
      });
    }
    test(`${op} anonymous: 401`, async () => {
      expectUnauth(await spec.run(undefined));
    });
  }

  test('GetAuthStatus and Authenticate need no role', async () => {
    expectStatus(await srv.req('GET', '/auth/status'), [200, 204]);
    expectStatus(await srv.req('POST', '/auth/credentials', { body: { userName: w.custA.email, password: w.custA.password } }), 200);
  });

  test('SetCustomerStagingMode as Customer actually flips the flag on its own customer', async () => {
    const r = await srv.req('POST', `/customers/${w.cA1a.id}/staging`, { as: w.custA, body: { isStaging: true } });
    expectStatus(r, 200);
    assert.equal(r.json.isStaging, true);
    const back = await srv.req('POST', `/customers/${w.cA1a.id}/staging`, { as: w.custA, body: { isStaging: false } });
    assert.equal(back.json.isStaging, false);
  });
});

describe('the role check comes before tenant and existence checks', () => {
  test('Manager PatchAccount of a missing account: 403 Invalid Role, not 404', async () => {
    expectInvalidRole(await srv.req('PATCH', `/accounts/${randomHex24()}`, { as: w.mgrA, body: { name: 'x' } }));
  });
  test('Manager DeleteAccount of its own account: 403 Invalid Role', async () => {
    expectInvalidRole(await srv.req('DELETE', `/accounts/${w.A.id}`, { as: w.mgrA }));
  });
  test('Customer PatchSystemSettings of another account: 403 Invalid Role', async () => {
    expectInvalidRole(await srv.req('PATCH', '/system/settings', { as: w.custA, body: { accountId: w.B.id, documentation: 'x' } }));
  });
  test('Customer DeleteUser of a missing user: 403 Invalid Role', async () => {
    expectInvalidRole(await srv.req('DELETE', `/users/${randomHex24()}`, { as: w.custA }));
  });
  test('roles also apply at /api/{Operation}', async () => {
    expectInvalidRole(await srv.req('POST', '/api/NewAccount', { as: w.mgrA, body: { name: 'via api' } }));
    expectInvalidRole(await srv.req('GET', '/api/ListUsers', { as: w.custA }));
    expectUnauth(await srv.req('GET', '/api/ListCustomers'));
    expectStatus(await srv.req('GET', '/api/ListCustomers', { as: w.custA }), 200);
  });
});

describe('managerAccess levels', () => {
  // reads
  const reads = {
    ListAccounts: (as) => srv.req('GET', '/accounts', { as }),
    GetAccount: (as) => srv.req('GET', `/accounts/${w.A.id}`, { as }),
    ListCustomers: (as) => srv.req('GET', '/customers', { as }),
    GetCustomer: (as) => srv.req('GET', `/customers/${w.cA2.id}`, { as }),
    ListUsers: (as) => srv.req('GET', '/users', { as }),
    GetSystemSettings: (as) => srv.req('GET', '/system/settings', { as, query: { accountId: w.A.id } }),
  };
  const writes = {
    NewCustomer: OPS.NewCustomer.run,
    PatchCustomer: (as) => srv.req('PATCH', `/customers/${w.cA2.id}`, { as, body: { referenceId: u('r') } }),
    SetCustomerStagingMode: (as) => srv.req('POST', `/customers/${w.cA2.id}/staging`, { as, body: { isStaging: false } }),
    NewUser: OPS.NewUser.run,
    PatchUser: OPS.PatchUser.run,
    PatchSystemSettings: OPS.PatchSystemSettings.run,
  };
  const deletes = { DeleteCustomer: OPS.DeleteCustomer.run, DeleteUser: OPS.DeleteUser.run };

  for (const [op, run] of Object.entries(reads)) {
    test(`ReadOnly manager may ${op}`, async () => { expectStatus(await run(w.mgrRO), 200, op); });
  }
  for (const [op, run] of Object.entries(writes)) {
    test(`ReadOnly manager may not ${op} (403)`, async () => {
      const r = await run(w.mgrRO);
      expectStatus(r, 403, op);
      assert.equal(r.json?.responseStatus?.errorCode, 'Forbidden', describeRes(r));
    });
    test(`ReadWrite manager may ${op}`, async () => { expectStatus(await run(w.mgrRW), 200, op); });
  }
  for (const [op, run] of Object.entries(deletes)) {
    test(`ReadOnly manager may not ${op} (403)`, async () => { expectStatus(await run(w.mgrRO), 403, op); });
    test(`ReadWrite manager may not ${op} (403)`, async () => { expectStatus(await run(w.mgrRW), 403, op); });
    test(`ReadWriteDelete manager may ${op} (204)`, async () => { expectNoContent(await run(w.mgrA)); });
  }

  test('a refused ReadOnly write changes nothing', async () => {
    const before = await srv.ok('GET', `/customers/${w.cA2.id}`, { as: w.sa });
    expectStatus(await srv.req('PATCH', `/customers/${w.cA2.id}`, { as: w.mgrRO, body: { name: 'hacked' } }), 403);
    const afterC = await srv.ok('GET', `/customers/${w.cA2.id}`, { as: w.sa });
    assert.equal(afterC.name, before.name);
    const n = (await srv.ok('GET', '/customers', { as: w.sa, query: { all: true, nameFilter: 'nc ' } })).items.length;
    expectStatus(await OPS.NewCustomer.run(w.mgrRO), 403);
    assert.equal((await srv.ok('GET', '/customers', { as: w.sa, query: { all: true, nameFilter: 'nc ' } })).items.length, n);
  });

  test('managerAccess defaults to ReadWriteDelete', async () => {
    const email = `${u('dflt')}@tests.evovoiced`;
    const info = await srv.ok('POST', '/users', { as: w.sa, body: { accountId: w.A.id, emailAddress: email, firstName: 'D', lastName: 'M', password: PASSWORD, roles: ['Manager'] } });
    assert.equal(info.managerAccess, 'ReadWriteDelete');
    const leaf = await freshLeaf();
    expectNoContent(await srv.req('DELETE', `/customers/${leaf.id}`, { as: { email, password: PASSWORD } }));
  });

  test('PatchUser managerAccess ReadWrite -> ReadOnly takes effect', async () => {
    const email = `${u('lvl')}@tests.evovoiced`;
    const info = await srv.ok('POST', '/users', { as: w.sa, body: { accountId: w.A.id, emailAddress: email, firstName: 'L', lastName: 'M', password: PASSWORD, roles: ['Manager'], managerAccess: 'ReadWrite' } });
    const me = { email, password: PASSWORD, basic: true };
    expectStatus(await srv.req('PATCH', `/customers/${w.cA2.id}`, { as: me, body: { referenceId: 'lvl1' } }), 200);
    const p = await srv.ok('PATCH', `/users/${info.id}`, { as: w.sa, body: { managerAccess: 'ReadOnly' } });
    assert.equal(p.managerAccess, 'ReadOnly');
    expectStatus(await srv.req('PATCH', `/customers/${w.cA2.id}`, { as: me, body: { referenceId: 'lvl2' } }), 403);
  });
});
