// The sales path in the browser: a sales manager creates an opportunity for the account
// manager's customer and assigns it; the account manager plans, executes and wins it, makes a
// contract from it with a product from the catalogue and submits it; the sales manager approves
// it (a small amount: within a sales manager's limit); the account manager uploads the
// electronic contract and signs it.
//
// Uses flow.data.customerName and flow.data.customerId (a customer of chen.jie's, left by an
// earlier step); leaves flow.data.opportunityId, flow.data.contractId, flow.data.contractNumber.

const REP = 'chen.jie';
const MANAGER = 'li.na';
const EXECUTIVE = 'zhang.wei';

const isoDay = (d) => d.toISOString().slice(0, 10);
const inDays = (n) => isoDay(new Date(Date.now() + n * 86400000));

// Waits for a record's page to be loaded, optionally in a given status.
async function ready(page, what, status) {
  const sel = `[data-ready=${what}]${status ? `[data-status=${status}]` : ''}`;
  await page.waitForSelector(sel, { state: 'attached', timeout: 20000 });
}

// The id in the address once the app has moved to a record's page ("#/contracts/<id>").
async function idFromHash(page, screen) {
  const re = new RegExp(`^#/${screen}/([0-9a-f-]{36})$`);
  await page.waitForFunction((s) => new RegExp(s).test(location.hash), re.source, { timeout: 20000 });
  return re.exec(await page.evaluate(() => location.hash))[1];
}

// Picks `name` in a customer picker by typing it and choosing the suggestion.
async function pickCustomer(page, name) {
  const input = page.locator('input[name=customerId]').first();
  await input.fill(name);
  await page.locator('.suggestions li', { hasText: name }).first().click();
}

function needs(flow, ...keys) {
  for (const k of keys) {
    if (!flow.data[k]) throw new Error(`flow.data.${k} is not set (an earlier step leaves it)`);
  }
}

export async function managerCreatesAndAssigns(flow) {
  needs(flow, 'customerName');
  const page = await flow.as(MANAGER);
  const summary = `浏览器商机${flow.suffix}`;
  await flow.open('/opportunities/new');
  await page.fill('input[name=summary]', summary);
  await pickCustomer(page, flow.data.customerName);
  await page.fill('input[name=source]', '展会');
  await page.fill('input[name=contactName]', '王经理');
  await page.fill('input[name=expectedAmount]', '50000');
  await page.fill('input[name=expectedCloseDate]', inDays(30));
  await page.fill('input[name=probability]', '30');
  await page.fill('textarea[name=description]', '浏览器测试创建的商机');
  await flow.shot('opportunity-form');
  await page.click('[data-action=create]');
  const id = await idFromHash(page, 'opportunities');
  flow.data.opportunityId = id;
  flow.data.opportunitySummary = summary;
  await ready(page, 'opportunity', 'OPPORTUNITY_STATUS_UNASSIGNED');
  await page.locator('h1', { hasText: summary }).waitFor();

  const rep = page.locator('select[name=assigneeId] option', { hasText: `（${REP}）` }).first();
  await rep.waitFor({ state: 'attached' });
  await page.selectOption('select[name=assigneeId]', await rep.getAttribute('value'));
  await page.click('[data-action=assign]');
  await ready(page, 'opportunity', 'OPPORTUNITY_STATUS_ASSIGNED');
  await page.locator('[data-field=assignee]', { hasText: '陈杰' }).waitFor();
  await flow.shot('opportunity-assigned');
}

export async function repPlansAndWins(flow) {
  needs(flow, 'opportunityId');
  const page = await flow.as(REP);
  const plan = `上门拜访并演示方案${flow.suffix}`;
  await flow.open(`/opportunities/${flow.data.opportunityId}`);
  await ready(page, 'opportunity', 'OPPORTUNITY_STATUS_ASSIGNED');

  await page.fill('form[data-form=plan-item] input[name=planDate]', isoDay(new Date()));
  await page.fill('form[data-form=plan-item] textarea[name=content]', plan);
  await page.click('[data-action=plan]');
  await ready(page, 'opportunity', 'OPPORTUNITY_STATUS_DEVELOPING');
  const row = page.locator('tr', { hasText: plan });
  await row.locator('input[name=result]').fill('客户认可方案，同意进入合同阶段');
  await row.locator('[data-action=execute]').click();
  await row.locator('[data-executed=true]').waitFor();
  await flow.shot('opportunity-plan-executed');

  await page.click('[data-action=win]');
  await ready(page, 'opportunity', 'OPPORTUNITY_STATUS_WON');
  await flow.see('开发成功');
  await page.locator('[data-action=create-contract]').waitFor();
  await flow.shot('opportunity-won');

  await flow.open('/opportunities?view=board');
  const summary = flow.data.opportunitySummary ?? `浏览器商机${flow.suffix}`;
  await page.locator('.board .column[data-status=OPPORTUNITY_STATUS_WON] .card', { hasText: summary }).first().waitFor();
  await flow.shot('opportunities-board');
}

export async function repCreatesContract(flow) {
  needs(flow, 'opportunityId');
  const page = await flow.as(REP);
  await flow.open(`/opportunities/${flow.data.opportunityId}`);
  await ready(page, 'opportunity', 'OPPORTUNITY_STATUS_WON');
  await page.click('[data-action=create-contract]');
  await page.waitForFunction(() => location.hash.startsWith('#/contracts/new'));
  // The opportunity's customer and summary are filled in.
  await page.waitForFunction(() => document.querySelector('input[name=customerId]')?.value);
  await page.waitForFunction(
    (id) => document.querySelector('select[name=opportunityId]')?.value === id,
    flow.data.opportunityId,
  );
  await page.fill('input[name=title]', `浏览器合同${flow.suffix}`);
  await page.fill('input[name=startDate]', isoDay(new Date()));
  await page.fill('input[name=endDate]', inDays(365));
  await page.fill('textarea[name=terms]', '一年期许可，含安装与培训；款到发货。');

  // A product from the catalogue: an office device (a small amount), with its stock shown.
  const picker = page.locator('[data-picker=product]');
  const office = picker.locator('select[name=productLineId] option', { hasText: '办公设备' }).first();
  await office.waitFor({ state: 'attached' });
  await picker.locator('select[name=productLineId]').selectOption(await office.getAttribute('value'));
  await picker.locator('input[name=query]').fill('打印机');
  await page.waitForFunction(() => {
    const found = [...document.querySelectorAll('[data-picker=product] [data-product]')];
    return found.length > 0 && found.every((e) => e.textContent.includes('打印机'));
  });
  const product = picker.locator('tr', { hasText: '激光打印机' }).first();
  await product.locator('[data-stock]').waitFor();
  await flow.shot('contract-catalogue-stock');
  await product.locator('[data-action=add-line]').click();
  const line = page.locator('form[data-form=contract] tr', { has: page.locator('input[name=quantity]') }).first();
  await line.locator('input[name=quantity]').fill('2');
  await line.locator('input[name=discount]').fill('100');
  await flow.shot('contract-form');
  await page.click('[data-action=create]');
  const id = await idFromHash(page, 'contracts');
  flow.data.contractId = id;
  await ready(page, 'contract', 'CONTRACT_STATUS_DRAFT');

  await page.click('[data-action=submit]');
  await ready(page, 'contract', 'CONTRACT_STATUS_PENDING_REVIEW');
  const heading = await page.locator('h1').first().textContent();
  const number = /HT\d{8}-\d+/.exec(heading ?? '');
  if (!number) throw new Error(`no contract number in the heading "${heading}"`);
  flow.data.contractNumber = number[0];
  await flow.see('待审批');
  await flow.shot('contract-submitted');
}

export async function managerApproves(flow) {
  needs(flow, 'contractId');
  let page = await flow.as(MANAGER);
  await flow.open(`/contracts/${flow.data.contractId}`);
  await ready(page, 'contract', 'CONTRACT_STATUS_PENDING_REVIEW');
  // Above a sales manager's limit (amount or discount) only an executive may approve.
  if (await page.getByText('高管审批').count()) {
    page = await flow.as(EXECUTIVE);
    await flow.open(`/contracts/${flow.data.contractId}`);
    await ready(page, 'contract', 'CONTRACT_STATUS_PENDING_REVIEW');
  }
  await page.fill('textarea[name=comment]', '价格与条款符合要求，同意。');
  await page.click('[data-action=approve]');
  await ready(page, 'contract', 'CONTRACT_STATUS_APPROVED');
  await flow.see('已审批');
  await flow.shot('contract-approved');
}

export async function repUploadsAndSigns(flow) {
  needs(flow, 'contractId');
  const page = await flow.as(REP);
  await flow.open(`/contracts/${flow.data.contractId}`);
  await ready(page, 'contract', 'CONTRACT_STATUS_APPROVED');

  const fileName = `电子合同${flow.suffix}.pdf`;
  const pdf = Buffer.from(
    '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n' +
      `% ${flow.data.contractNumber ?? ''} signed copy\ntrailer << /Root 1 0 R >>\n%%EOF\n`,
  );
  await page.setInputFiles('input[name=file]', { name: fileName, mimeType: 'application/pdf', buffer: pdf });
  await page.click('[data-action=upload]');
  await page.locator(`[data-file="${fileName}"]`).waitFor();

  // The customer's signer: one of its contacts (added here when it has none).
  const signer = page.locator('select[name=customerSignerContactId]');
  await signer.waitFor();
  if (!(await signer.inputValue())) {
    await page.fill('form[data-form=contact] input[name=name]', '王经理');
    await page.fill('form[data-form=contact] input[name=position]', '采购经理');
    await page.click('[data-action=add-contact]');
    await page.waitForFunction(() => document.querySelector('select[name=customerSignerContactId]')?.value);
  }
  await page.click('[data-action=sign]');
  await ready(page, 'contract', 'CONTRACT_STATUS_SIGNED');
  await flow.see('已签署');
  await flow.shot('contract-signed');
}
