// schedules.test.mjs — GetInheritedSchedule and TestSchedule on customers and endpoints:
// inheritance up the customer tree and the time-zone cascade, evaluation at a dateTime
// (around a daylight-saving change too), the schedule given in the request, CustomerState
// rules and the refusal of ones that refer back to themselves, reach per role, and bad
// input (400 naming the field, in JSON and XML).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, makeWorld, randomHex24, expectStatus, expectError, expectForbidden, expectNotFound,
} from './harness.mjs';

let srv, w, ep, epB;
const NY = 'America/New_York';
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'].map((d) => ({ dayOfWeek: d }));
const OFFICE = {
  timeZoneId: NY, inherit: false, forceClosed: false, defaultState: 'Closed',
  rules: [{ id: 'office', name: 'Office', priority: 1, state: 'Open', simpleRuleType: 'Time', frequency: 'Weekly', startTime: '09:00', endTime: '17:00', byDay: WEEKDAYS }],
};

before(async () => {
  srv = await startServer();
  w = await makeWorld(srv, 'sch');
  await srv.ok('PATCH', `/customers/${w.cA1.id}`, { as: w.sa, body: { schedule: OFFICE } });
  ep = await srv.ok('POST', '/endpoints/phone-numbers', { as: w.sa, body: { customerId: w.cA1ai.id, number: '+13125550177', isVirtualPhoneNumber: true } });
  epB = await srv.ok('POST', '/endpoints/phone-numbers', { as: w.sa, body: { customerId: w.cB1.id, number: '+13125550178', isVirtualPhoneNumber: true } });
});
after(() => srv && srv.cleanup());

const inherited = (kind, id, as = w.sa) => srv.req('GET', `/${kind}/${id}/inherited-schedule`, { as });
const testAt = (kind, id, body, as = w.sa) => srv.req('POST', `/${kind}/${id}/test-schedule`, { as, body });
const stateAt = async (kind, id, body, as = w.sa) => {
  const r = await testAt(kind, id, body, as);
  expectStatus(r, 200);
  return r.json;
};

describe('GetInheritedSchedule', () => {
  test('a grandchild and its endpoint inherit the top customer\'s schedule', async () => {
    for (const [kind, id] of [['customers', w.cA1ai.id], ['customers', w.cA1a.id], ['endpoints', ep.id], ['customers', w.cA1.id]]) {
      const r = await inherited(kind, id);
      expectStatus(r, 200);
      assert.equal(r.json.timeZoneId, NY, `${kind} ${id}`);
      assert.equal(r.json.inherit, false);
      assert.deepEqual(r.json.rules.map((x) => x.id), ['office']);
      assert.equal(r.json.defaultState, 'Closed');
    }
  });

  test('a schedule of its own stops the inheritance; an empty time zone takes the parent\'s', async () => {
    const own = { inherit: false, timeZoneId: '', rules: [{ id: 'lunch', priority: 1, state: 'Lunch', simpleRuleType: 'Always' }], defaultState: 'Closed' };
    await srv.ok('PATCH', `/customers/${w.cA1a.id}`, { as: w.sa, body: { schedule: own } });
    try {
      for (const [kind, id] of [['customers', w.cA1a.id], ['customers', w.cA1ai.id], ['endpoints', ep.id]]) {
        const s = (await inherited(kind, id)).json;
        assert.deepEqual(s.rules.map((x) => x.id), ['lunch'], `${kind} ${id}`);
        assert.equal(s.timeZoneId, NY, 'cascaded from cA1');
      }
      assert.equal((await stateAt('endpoints', ep.id, { dateTime: '2026-03-08T12:00:00Z' })).stateName, 'Lunch');
    } finally {
      await srv.ok('PATCH', `/customers/${w.cA1a.id}`, { as: w.sa, body: { schedule: { inherit: true, forceClosed: false, rules: [] } } });
    }
  });

  test('nothing to inherit anywhere: the top customer\'s own (empty) schedule, in UTC', async () => {
    const r = await inherited('customers', w.cA2.id);
    expectStatus(r, 200);
    assert.deepEqual(r.json.rules, []);
    assert.equal(r.json.timeZoneId, 'UTC');
    assert.deepEqual(await stateAt('customers', w.cA2.id, { dateTime: '2026-03-09T15:00:00Z' }), { stateName: '', timeZoneId: 'UTC' });
  });

  test('/api/GetInheritedSchedule takes either id; neither is 400 naming CustomerId', async () => {
    const r = await srv.req('GET', '/api/GetInheritedSchedule', { as: w.sa, query: { endpointId: ep.id } });
    expectStatus(r, 200);
    assert.equal(r.json.timeZoneId, NY);
    expectError(await srv.req('GET', '/api/GetInheritedSchedule', { as: w.sa }), 400, undefined, { fieldName: 'CustomerId' });
  });
});

describe('TestSchedule', () => {
  test('office hours in New York on the days around the spring change (instants in UTC)', async () => {
    const cases = [
      ['2026-03-06T14:00:00Z', 'Open'],   // Fri 09:00 EST
      ['2026-03-06T13:59:00Z', 'Closed'], // Fri 08:59 EST
      ['2026-03-08T15:00:00Z', 'Closed'], // Sunday
      ['2026-03-09T13:00:00Z', 'Open'],   // Mon 09:00 EDT
      ['2026-03-09T12:59:00Z', 'Closed'], // Mon 08:59 EDT
      ['2026-03-09T20:59:00Z', 'Open'],   // Mon 16:59 EDT
      ['2026-03-09T21:00:00Z', 'Closed'], // Mon 17:00 EDT
      ['2026-11-02T14:00:00Z', 'Open'],   // Mon 09:00 EST, after the fall change
      ['2026-11-02T13:59:00Z', 'Closed'],
    ];
    for (const [dateTime, want] of cases) {
      for (const [kind, id] of [['customers', w.cA1ai.id], ['endpoints', ep.id]]) {
        assert.deepEqual(await stateAt(kind, id, { dateTime }), { stateName: want, timeZoneId: NY }, `${kind} at ${dateTime}`);
      }
    }
  });

  test('a dateTime without an offset is a wall-clock time in the schedule\'s zone; with one, an instant', async () => {
    assert.equal((await stateAt('customers', w.cA1.id, { dateTime: '2026-03-09T09:00:00' })).stateName, 'Open');
    assert.equal((await stateAt('customers', w.cA1.id, { dateTime: '2026-03-09T08:59' })).stateName, 'Closed');
    assert.equal((await stateAt('customers', w.cA1.id, { dateTime: '2026-03-09T09:00:00-04:00' })).stateName, 'Open');
    assert.equal((await stateAt('customers', w.cA1.id, { dateTime: '2026-03-09T09:00:00+01:00' })).stateName, 'Closed');
  });

  test('no dateTime: now', async () => {
    const r = await stateAt('customers', w.cA1.id, {});
    assert.ok(['Open', 'Closed'].includes(r.stateName));
  });

  test('a schedule in the request is tried instead of the saved one, and not saved', async () => {
    const base = { dateTime: '2026-03-09T10:00:00' };
    assert.equal((await stateAt('customers', w.cA1.id, { ...base, schedule: { ...OFFICE, forceClosed: true } })).stateName, 'Closed');
    const paris = { ...OFFICE, timeZoneId: 'Europe/Paris' };
    assert.deepEqual(await stateAt('customers', w.cA1.id, { dateTime: '2026-03-09T16:30:00Z', schedule: paris }), { stateName: 'Closed', timeZoneId: 'Europe/Paris' });
    assert.deepEqual(await stateAt('customers', w.cA1.id, { dateTime: '2026-03-09T15:30:00Z', schedule: paris }), { stateName: 'Open', timeZoneId: 'Europe/Paris' });
    const night = { inherit: false, rules: [{ priority: 1, state: 'Night', simpleRuleType: 'Time', frequency: 'Daily', startTime: '22:00', endTime: '06:00' }], defaultState: 'Day' };
    assert.deepEqual(await stateAt('endpoints', ep.id, { dateTime: '2026-03-10T05:30:00', schedule: night }), { stateName: 'Night', timeZoneId: NY }, 'zone cascaded from the customers');
    assert.equal((await stateAt('endpoints', ep.id, { dateTime: '2026-03-10T06:00:00', schedule: night })).stateName, 'Day');
    // inherit true in the request: the saved chain above
    assert.equal((await stateAt('endpoints', ep.id, { ...base, schedule: { inherit: true, rules: [] } })).stateName, 'Open');
    const saved = await srv.ok('GET', `/customers/${w.cA1.id}`, { as: w.sa });
    assert.deepEqual(saved.schedule.rules.map((x) => x.id), ['office'], 'the saved schedule is unchanged');
  });

  test('priorities: the lowest first; none matches: defaultState', async () => {
    const s = {
      timeZoneId: NY, inherit: false, defaultState: 'Closed', rules: [
        { priority: 5, state: 'Open', simpleRuleType: 'Time', frequency: 'Weekly', startTime: '09:00', endTime: '17:00', byDay: WEEKDAYS },
        { priority: 1, state: 'Holiday', simpleRuleType: 'Time', frequency: 'Yearly', isAllDay: true, byMonth: [12], byMonthDay: [25] },
        { priority: 2, state: 'Staff meeting', simpleRuleType: 'Time', frequency: 'Monthly', startTime: '10:00', endTime: '11:00', byDay: [{ offset: 2, dayOfWeek: 'Tuesday' }] },
      ],
    };
    const at = async (dateTime) => (await stateAt('customers', w.cA2.id, { dateTime, schedule: s })).stateName;
    assert.equal(await at('2026-12-25T10:00:00'), 'Holiday'); // a Friday
    assert.equal(await at('2026-03-10T10:30:00'), 'Staff meeting'); // the second Tuesday
    assert.equal(await at('2026-03-17T10:30:00'), 'Open');
    assert.equal(await at('2026-03-10T11:00:00'), 'Open');
    assert.equal(await at('2026-03-14T11:00:00'), 'Closed');
  });

  test('an endpoint\'s CustomerState rule follows its customer\'s state', async () => {
    const s = {
      inherit: false, defaultState: 'Ring', rules: [
        { priority: 1, state: 'Voicemail', simpleRuleType: 'CustomerState', customerState: 'Closed' },
      ],
    };
    const r = await srv.req('PATCH', `/endpoints/${ep.id}`, { as: w.sa, body: { schedule: s } });
    expectStatus(r, 200);
    try {
      assert.deepEqual(await stateAt('endpoints', ep.id, { dateTime: '2026-03-09T10:00:00' }), { stateName: 'Ring', timeZoneId: NY });
      assert.equal((await stateAt('endpoints', ep.id, { dateTime: '2026-03-08T10:00:00' })).stateName, 'Voicemail');
      assert.equal((await stateAt('endpoints', ep.id, { dateTime: '2026-03-09T17:00:00' })).stateName, 'Voicemail');
    } finally {
      await srv.ok('PATCH', `/endpoints/${ep.id}`, { as: w.sa, body: { schedule: { inherit: true, forceClosed: false, rules: [] } } });
    }
  });
});

describe('CustomerState rules that refer back to themselves', () => {
  const loop = { inherit: false, defaultState: 'Closed', rules: [{ priority: 1, state: 'Open', simpleRuleType: 'Always' }, { priority: 0, state: 'Busy', simpleRuleType: 'CustomerState', customerState: 'Open' }] };

  test('PatchCustomer with one: 400 naming Schedule.Rules[1].CustomerState, nothing saved', async () => {
    const before = (await srv.ok('GET', `/customers/${w.cA1a.id}`, { as: w.sa })).schedule;
    const r = await srv.req('PATCH', `/customers/${w.cA1a.id}`, { as: w.sa, body: { schedule: loop } });
    expectError(r, 400, 'ArgumentException', { fieldName: 'Schedule.Rules[1].CustomerState' });
    assert.deepEqual((await srv.ok('GET', `/customers/${w.cA1a.id}`, { as: w.sa })).schedule, before);
    // inherit true does not make it harmless: its children and endpoints would inherit it
    expectError(await srv.req('PATCH', `/customers/${w.cA1.id}`, { as: w.sa, body: { schedule: { ...loop, inherit: true } } }), 400, undefined, { fieldName: 'Schedule.Rules[1].CustomerState' });
  });

  test('TestSchedule on a customer with one in the request: the same 400', async () => {
    expectError(await testAt('customers', w.cA1.id, { schedule: loop }), 400, undefined, { fieldName: 'Schedule.Rules[1].CustomerState' });
  });

  test('one stored before this rule existed is evaluated to an answer, not looped on', async () => {
    srv.setDocFields('customers', w.cA2.id, { schedule: loop });
    try {
      const r = await stateAt('customers', w.cA2.id, { dateTime: '2026-03-09T10:00:00Z' });
      assert.equal(r.stateName, 'Open', 'the CustomerState rule does not match past the depth bound');
    } finally {
      srv.setDocFields('customers', w.cA2.id, { schedule: { inherit: true, forceClosed: false, rules: [] } });
    }
  });
});

describe('bad input: 400 naming the field', () => {
  const cases = [
    [{ dateTime: 'next Tuesday' }, 'DateTime'],
    [{ dateTime: '2026-02-30T10:00:00' }, 'DateTime'],
    [{ schedule: { timeZoneId: 'Mars/Olympus_Mons' } }, 'Schedule.TimeZoneId'],
    [{ schedule: { rules: [{ simpleRuleType: 'Time', startTime: '9am' }] } }, 'Schedule.Rules[0].StartTime'],
    [{ schedule: { rules: [{ simpleRuleType: 'Time', byMonth: [13] }] } }, 'Schedule.Rules[0].ByMonth[0]'],
    [{ schedule: { rules: [{ simpleRuleType: 'Time', frequency: 'Monthly', byDay: [{ offset: 60, dayOfWeek: 'Tuesday' }] }] } }, 'Schedule.Rules[0].ByDay[0].Offset'],
    [{ schedule: { rules: [{ simpleRuleType: 'Time', count: -3 }] } }, 'Schedule.Rules[0].Count'],
  ];
  for (const [body, field] of cases) {
    test(`${JSON.stringify(body)} -> ${field}`, async () => {
      expectError(await testAt('customers', w.cA1.id, body), 400, undefined, { fieldName: field });
      expectError(await testAt('endpoints', ep.id, body), 400, undefined, { fieldName: field });
    });
  }

  test('PatchCustomer and PatchEndpoint refuse a bad recurrence alike', async () => {
    const s = { rules: [{ simpleRuleType: 'Time', frequency: 'Monthly', byMonthDay: [32] }] };
    expectError(await srv.req('PATCH', `/customers/${w.cA2.id}`, { as: w.sa, body: { schedule: s } }), 400, undefined, { fieldName: 'Schedule.Rules[0].ByMonthDay[0]' });
    expectError(await srv.req('PATCH', `/endpoints/${ep.id}`, { as: w.sa, body: { schedule: s } }), 400, undefined, { fieldName: 'Schedule.Rules[0].ByMonthDay[0]' });
  });

  test('in XML too', async () => {
    const r = await srv.req('POST', `/customers/${w.cA1.id}/test-schedule`, {
      as: w.sa, body: '<TestSchedule><DateTime>soon</DateTime></TestSchedule>',
      headers: { 'content-type': 'application/xml', accept: 'application/xml' },
    });
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /<FieldName>DateTime<\/FieldName>/);
    const ok = await srv.req('POST', `/customers/${w.cA1.id}/test-schedule`, {
      as: w.sa, body: '<TestSchedule><DateTime>2026-03-09T10:00:00</DateTime></TestSchedule>',
      headers: { 'content-type': 'application/xml', accept: 'application/xml' },
    });
    assert.equal(ok.status, 200, ok.text);
    assert.match(ok.text, /<StateName>Open<\/StateName>/);
    assert.match(ok.text, /<TimeZoneId>America\/New_York<\/TimeZoneId>/);
  });
});

describe('reach: as reading the customer or endpoint', () => {
  const body = { dateTime: '2026-03-09T10:00:00' };
  test('SA, the Managers of A (ReadOnly too) and the Customer login of cA1 reach cA1\'s subtree and its endpoint', async () => {
    for (const as of [w.sa, w.mgrA, w.mgrRO, w.mgrRW, w.custA]) {
      for (const [kind, id] of [['customers', w.cA1a.id], ['endpoints', ep.id]]) {
        expectStatus(await inherited(kind, id, as), 200, `${as.email} ${kind}`);
        assert.equal((await stateAt(kind, id, body, as)).stateName, 'Open', `${as.email} ${kind}`);
      }
    }
  });
  test('outside reach: 403', async () => {
    expectForbidden(await inherited('customers', w.cA2.id, w.custA));
    expectForbidden(await testAt('customers', w.cA2.id, body, w.custA));
    expectForbidden(await inherited('customers', w.cA1.id, w.mgrB));
    expectForbidden(await testAt('endpoints', ep.id, body, w.mgrB));
    expectForbidden(await inherited('endpoints', epB.id, w.custA));
    expectForbidden(await testAt('endpoints', epB.id, body, w.mgrRO));
  });
  test('missing: 404', async () => {
    expectNotFound(await inherited('customers', randomHex24(), w.mgrA));
    expectNotFound(await testAt('endpoints', randomHex24(), body, w.custA));
  });
  test('anonymous: 401', async () => {
    expectStatus(await srv.req('GET', `/customers/${w.cA1.id}/inherited-schedule`), 401);
    expectStatus(await srv.req('POST', `/endpoints/${ep.id}/test-schedule`, { body }), 401);
  });
});
