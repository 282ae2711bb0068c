// Customers in the browser: the account manager creates a customer (a field error beside the
// name first), adds a contact, records a follow-up, notes how well they know the contact, finds
// the customer again by typing two Chinese characters, and walks through every tab of its 360.
//
// createCustomer leaves flow.data.customerName and flow.data.customerId; followUp leaves
// flow.data.contactName and flow.data.interactionSummary.

const REP = 'chen.jie';

const inDays = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);

async function ready(page, what) {
  await page.waitForSelector(`[data-ready=${what}]`, { state: 'attached', timeout: 20000 });
}

// The id in the address once the app has moved to a record's page ("#/customers/<id>").
async function idFromHash(page, screen) {
  const re = new RegExp(`^#/${screen}/([0-9a-f-]{36})$`);
  await page.waitForFunction((s) => new RegExp(s).test(location.hash), re.source, { timeout: 20000 });
  return re.exec(await page.evaluate(() => location.hash))[1];
}

function needs(flow, ...keys) {
  for (const k of keys) {
    if (!flow.data[k]) throw new Error(`flow.data.${k} is not set (an earlier step leaves it)`);
  }
}

export async function createCustomer(flow) {
  const page = await flow.as(REP);
  await flow.open('/customers/new');
  const name = page.locator('input[name=name]');
  await name.waitFor();

  // Saved without a name: the server's violation shows beside the name field.
  await page.locator('[data-action=save]').click();
  const error = page.locator('.field:has(input[name=name]) .field-error');
  await error.waitFor({ timeout: 15000 });
  // In the reader's language, whatever words the service used.
  if ((await error.textContent()) !== '必填') throw new Error(`name's error: ${await error.textContent()}`);
  await flow.shot('customer-form-name-required');

  const customerName = `浏览器测试科技${flow.suffix}`;
  await name.fill(customerName);
  await page.selectOption('select[name=level]', { label: '重点开发客户' });
  await page.selectOption('select[name=region]', { label: '华东' });
  await page.selectOption('select[name=industry]', { label: '信息技术' });
  await page.selectOption('select[name=source]', { label: '展会' });
  await page.fill('input[name=address]', '上海市浦东新区张江路 88 号');
  await page.fill('input[name=registeredCapital]', '5000000');
  await page.fill('input[name=tags]', '浏览器测试');
  await page.locator('.field:has(input[name=name]) .field-error').waitFor({ state: 'detached' });
  await flow.shot('customer-form-filled');
  await page.locator('[data-action=save]').click();

  const id = await idFromHash(page, 'customers');
  await page.locator('h1', { hasText: customerName }).waitFor({ timeout: 15000 });
  await ready(page, 'customer360');
  await flow.see('华东');
  flow.data.customerName = customerName;
  flow.data.customerId = id;
  await flow.shot('customer-360');
}

export async function followUp(flow) {
  needs(flow, 'customerId', 'customerName');
  const page = await flow.as(REP);
  const id = flow.data.customerId;

  // A contact to meet.
  const contactName = `王经理${flow.suffix}`;
  await flow.open(`/customers/${id}?tab=contacts`);
  await ready(page, 'customer360');
  await page.locator('[data-action=add-contact]').click();
  await page.fill('input[name=name]', contactName);
  await page.fill('input[name=position]', '采购总监');
  await page.fill('input[name=mobile]', '13800138000');
  await page.selectOption('select[name=buyingRole]', 'BUYING_ROLE_DECISION_MAKER');
  await page.selectOption('select[name=attitude]', 'ATTITUDE_SUPPORTER');
  await page.locator('[data-action=save-contact]').click();
  await page.locator('[data-section=contacts]', { hasText: contactName }).waitFor({ timeout: 15000 });

  // The follow-up, with that contact.
  const summary = `电话回访，确认采购需求${flow.suffix}`;
  await page.getByRole('tab', { name: '交往记录' }).click();
  await page.locator('input[name=summary]').waitFor();
  await page.selectOption('select[name=method]', 'INTERACTION_METHOD_PHONE');
  await page.selectOption('select[name=contactId]', { label: contactName });
  await page.fill('input[name=summary]', summary);
  await page.fill('textarea[name=details]', '客户计划下季度扩容，希望两周内收到报价方案。');
  await page.fill('input[name=result]', '约定下周上门演示');
  await page.fill('input[name=nextFollowUpDate]', inDays(7));
  await page.locator('[data-action=record]').click();
  await page.locator('[data-section=interactions]', { hasText: summary }).waitFor({ timeout: 15000 });
  flow.data.contactName = contactName;
  flow.data.interactionSummary = summary;
  await flow.shot('customer-follow-up');

  // How well I know the contact, drawn on the relationship map.
  await page.getByRole('tab', { name: '关系图' }).click();
  await page.locator('svg.relmap').waitFor({ timeout: 15000 });
  await page.selectOption('select[name=contactId]', { label: contactName });
  await page.selectOption('select[name=strength]', '4');
  await page.fill('form:has([data-action=set-relation]) input[name=notes]', '多次拜访，关系良好');
  await page.locator('[data-action=set-relation]').click();
  await page.locator('svg.relmap .node.user').first().waitFor({ timeout: 15000 });
  await flow.shot('customer-relationship-map');

  // The list suggests the customer after two Chinese characters of its name.
  await flow.open('/customers');
  await ready(page, 'customers');
  const searched = page.waitForResponse((r) => r.url().includes('/v1/customers:search') && r.ok(), { timeout: 15000 });
  await page.fill('input[name=query]', flow.data.customerName.slice(0, 2));
  await searched;
  await page.locator('.table tr', { hasText: flow.data.customerName }).first().waitFor({ timeout: 15000 });
  await flow.shot('customer-search');
}

// Every tab of the 360 and what shows that it has loaded.
const TABS = [
  ['概况', 'profile', '[data-section=profile]'],
  ['联系人', 'contacts', '[data-section=contacts]'],
  ['交往记录', 'interactions', '[data-section=interactions]'],
  ['商机', 'opportunities', '[data-section=opportunities]'],
  ['合同', 'contracts', '[data-section=contracts]'],
  ['回款', 'receivables', '[data-section=receivables]'],
  ['服务', 'tickets', '[data-section=tickets]'],
  ['订单', 'orders', '[data-section=orders]'],
  ['关系图', 'relationships', 'svg.relmap'],
  ['流失', 'churn', '[data-section=loss-status]'],
];

export async function customer360(flow) {
  needs(flow, 'customerId', 'customerName');
  const page = await flow.as(REP);
  await flow.open(`/customers/${flow.data.customerId}`);
  await page.locator('h1', { hasText: flow.data.customerName }).waitFor({ timeout: 15000 });
  await ready(page, 'customer360');
  for (const [label, id, shown] of TABS) {
    await page.getByRole('tab', { name: label, exact: true }).click();
    await page.locator(shown).first().waitFor({ timeout: 15000 });
    await flow.shot(`customer-360-${id}`);
  }
}
