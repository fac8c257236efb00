// editors.js — the parts of the customer's form that are forms of their own: the schedule
// (its rules as controls, the JSON as an advanced view), billing and app settings.  Loaded
// when a customer's page first opens, so the first page stays small.
import { h, fill, field, input, select, say, camel, words } from './app.js';

// ---- the schedule, billing and app settings editors (parts of the customer's form) ----
/** Keep a form control and obj[key] in step: text, int, list (of ints) or bool. */
function bind(obj, key, el, kind = 'text') {
  el.addEventListener('change', () => {
    const v = kind === 'bool' ? el.checked : el.value.trim();
    const out = kind === 'bool' ? v : v === '' ? undefined : kind === 'int' ? Number(v) : kind === 'list' ? v.split(',').map((x) => Number(x.trim())).filter((x) => !Number.isNaN(x)) : v;
    if (out === undefined) delete obj[key]; else obj[key] = out;
  });
  return el;
}
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const FREQS = ['None', 'Secondly', 'Minutely', 'Hourly', 'Daily', 'Weekly', 'Monthly', 'Yearly'];

/** The schedule as form controls, one fieldset a rule (their order is their priority);
 *  the JSON stays available as the "advanced" view, and wins while it is open. */
export function scheduleEditor(initial) {
  let sch = JSON.parse(JSON.stringify(initial || {}));
  const rulesEl = h('ol', { class: 'rules' });
  const head = h('div', { class: 'row' });
  const json = h('textarea', { name: 'schedule' });
  const adv = h('details', {}, h('summary', {}, 'Advanced: the schedule as JSON'), field('Schedule (JSON)', json));
  const draw = () => {
    sch.rules = (sch.rules || []).sort((a, b) => (a.priority || 0) - (b.priority || 0));
    fill(head, field('Time zone', bind(sch, 'timeZoneId', input('timeZoneId', { value: sch.timeZoneId || '', placeholder: 'America/New_York' }))),
      field('Default state', bind(sch, 'defaultState', input('defaultState', { value: sch.defaultState || '' }))),
      field('Inherit the parent\'s schedule', bind(sch, 'inherit', input('inherit', { type: 'checkbox', checked: sch.inherit }), 'bool'), 'field check'),
      field('Force closed', bind(sch, 'forceClosed', input('forceClosed', { type: 'checkbox', checked: sch.forceClosed }), 'bool'), 'field check'));
    fill(rulesEl, sch.rules.map((r, i) => h('li', {}, ruleEditor(r, i))));
  };
  // after a move or a removal the focus stays put: on the moved rule, or on "Add a rule"
  const move = (i, by) => {
    const [r] = sch.rules.splice(i, 1);
    sch.rules.splice(i + by, 0, r);
    renumber(); draw();
    rulesEl.children[i + by].querySelector('input').focus();
  };
  const renumber = () => sch.rules.forEach((r, i) => { r.priority = i + 1; });
  function ruleEditor(r, i) {
    const n = `rule ${i + 1}`;
    const time = h('div', { class: 'row', hidden: r.simpleRuleType !== 'Time' });
    const custState = h('div', { hidden: r.simpleRuleType !== 'CustomerState' }, field('Customer state', bind(r, 'customerState', input('customerState', { value: r.customerState || '' }))));
    const type = bind(r, 'simpleRuleType', select('simpleRuleType', [['Always', 'Always'], ['CustomerState', 'When the customer is in a state'], ['Time', 'At times']], r.simpleRuleType || 'Always'));
    type.addEventListener('change', () => { time.hidden = type.value !== 'Time'; custState.hidden = type.value !== 'CustomerState'; });
    const days = new Map((r.byDay || []).map((d) => [d.dayOfWeek, d]));
    const dayBoxes = DAYS.map((d) => {
      const box = input('byDay', { type: 'checkbox', value: d, checked: days.has(d) });
      box.addEventListener('change', () => {
        const picked = [...time.querySelectorAll('input[name=byDay]:checked')].map((x) => days.get(x.value) || { dayOfWeek: x.value });
        if (picked.length) r.byDay = picked; else delete r.byDay;
      });
      return field(d, box, 'field check');
    });
    fill(time, field('All day', bind(r, 'isAllDay', input('isAllDay', { type: 'checkbox', checked: r.isAllDay }), 'bool'), 'field check'),
      field('From', bind(r, 'startTime', input('startTime', { type: 'time', value: r.startTime || '' }))),
      field('To', bind(r, 'endTime', input('endTime', { type: 'time', value: r.endTime || '' }))),
      field('Repeats', bind(r, 'frequency', select('frequency', FREQS.map((f) => [f, f]), r.frequency || 'None'))),
      field('Every', bind(r, 'interval', input('interval', { type: 'number', min: 0, value: r.interval ?? '' }), 'int')),
      field('Starting', bind(r, 'startDate', input('startDate', { type: 'date', value: (r.startDate || '').slice(0, 10) }))),
      field('Until', bind(r, 'untilDate', input('untilDate', { type: 'date', value: (r.untilDate || '').slice(0, 10) }))),
      h('fieldset', {}, h('legend', {}, 'Days'), h('div', { class: 'row' }, dayBoxes)),
      field('Days of the month', bind(r, 'byMonthDay', input('byMonthDay', { value: (r.byMonthDay || []).join(', '), placeholder: '1, 15' }), 'list')),
      field('Months', bind(r, 'byMonth', input('byMonth', { value: (r.byMonth || []).join(', '), placeholder: '12' }), 'list')));
    const btn = (text, label, fn, off) => h('button', { type: 'button', class: 'plain', 'aria-label': label, disabled: off, onclick: fn }, text);
    return h('fieldset', { class: 'rule' }, h('legend', {}, `Rule ${i + 1}`),
      h('div', { class: 'row' }, field('Name', bind(r, 'name', input('name', { value: r.name || '' }))), field('State', bind(r, 'state', input('state', { value: r.state || '', required: true }))), field('Applies', type), custState),
      time,
      h('div', { class: 'row' }, btn('↑', `Move ${n} up`, () => move(i, -1), i === 0), btn('↓', `Move ${n} down`, () => move(i, 1), i === sch.rules.length - 1),
        btn('Remove', `Remove ${n}`, () => { sch.rules.splice(i, 1); renumber(); draw(); add.focus(); })));
  }
  const read = () => { sch = JSON.parse(json.value || '{}'); };
  // opened: the JSON of the controls (unless typed into already); closed: back into the controls
  json.addEventListener('input', () => { json.dataset.typed = '1'; });
  adv.addEventListener('toggle', () => {
    if (adv.open) { if (!json.dataset.typed) json.value = JSON.stringify(sch, null, 2); return; }
    delete json.dataset.typed;
    try { read(); draw(); } catch (e) { say('The schedule is not valid JSON: ' + e.message, true); }
  });
  const add = h('button', { type: 'button', class: 'plain', onclick: () => { sch.rules.push({ state: '', simpleRuleType: 'Always' }); renumber(); draw(); rulesEl.querySelector('li:last-child input').focus(); } }, 'Add a rule');
  draw();
  return {
    el: h('fieldset', { class: 'schedule' }, h('legend', {}, 'Schedule'), head, rulesEl, add, adv),
    value() { if (adv.open) read(); return sch; },
  };
}

const BILLING = ['Base', 'LocalNumbers', 'TollFreeNumbers', 'InboundVoiceCalls', 'OutboundVoiceCalls', 'InboundFaxes', 'OutboundFaxes', 'InboundSmsMessages', 'OutboundSmsMessages', 'AIInsights', 'AILiveMinutes', 'AIMessages'];
const COSTS = [['baseCost', 'Base cost'], ['rawUnitMultiplier', 'Unit multiplier'], ['unitCost', 'Unit cost'], ['allowance', 'Allowance']];
/** A "override the parent's" switch and the settings it unlocks, folded away. */
function overridable(title, key, on, ...body) {
  const box = input(key, { type: 'checkbox', checked: on });
  return { box, el: h('details', { open: on }, h('summary', {}, title), field(`Override the parent's ${title.toLowerCase()}`, box, 'field check'), body) };
}
export function billingEditor(on, bs) {
  bs = bs || {};
  const cells = BILLING.map((item) => [item, COSTS.map(([k, t]) => input(k, { type: 'number', step: 'any', min: 0, value: (bs[camel(item)] || {})[k] ?? '', 'aria-label': `${words(item)}: ${t}` }))]);
  const o = overridable('Billing settings', 'overrideBillingSettings', on, h('div', { class: 'scroll' }, h('table', {},
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Item'), COSTS.map(([, t]) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, cells.map(([item, els]) => h('tr', {}, h('th', { scope: 'row' }, words(item)), els.map((el) => h('td', {}, el))))))));
  return {
    el: o.el,
    value() {
      const out = {};
      for (const [item, els] of cells) {
        const v = {};
        els.forEach((el, i) => { if (el.value !== '') v[COSTS[i][0]] = Number(el.value); });
        if (Object.keys(v).length) out[camel(item)] = v;
      }
      return { overrideBillingSettings: o.box.checked, billingSettings: out };
    },
  };
}
const APP_FLAGS = ['enablePhoneNumberManagement', 'enableDeviceManagement', 'enableDialer', 'enableCallHistory', 'enableAssistants', 'showFileNameInMessageCenter'];
const APP_TEXTS = ['pageTitle', 'chakraTheme', 'logoutUrl', 'portMyNumberUrl', 'customCss', 'stringMappings'];
export function appEditor(on, as) {
  as = as || {};
  const label = (k) => words(k.charAt(0).toUpperCase() + k.slice(1)).replace(/ Url$/, ' URL').replace(/ Css$/, ' CSS');
  const flags = APP_FLAGS.map((k) => input(k, { type: 'checkbox', checked: as[k] }));
  const texts = APP_TEXTS.map((k) => (/^(customCss|stringMappings)$/.test(k) ? h('textarea', { name: k, rows: 2 }, as[k] || '') : input(k, { value: as[k] || '' })));
  const o = overridable('App settings', 'overrideAppSettings', on, h('div', { class: 'row' }, flags.map((el, i) => field(label(APP_FLAGS[i]), el, 'field check'))),
    h('div', { class: 'row' }, texts.map((el, i) => field(label(APP_TEXTS[i]), el))));
  return {
    el: o.el,
    value() {
      const out = {};
      flags.forEach((el, i) => { out[APP_FLAGS[i]] = el.checked; });
      texts.forEach((el, i) => { if (el.value) out[APP_TEXTS[i]] = el.value; });
      return { overrideAppSettings: o.box.checked, appSettings: out };
    },
  };
}
