// What every browser step uses: signing in through the sign-in screen, opening a screen by its
// address, waiting for the app's answer, and screenshots kept as test artefacts.
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export class Flow {
  constructor({ browser, base, viewport, artefacts, password, suffix }) {
    Object.assign(this, { browser, base, viewport, artefacts, password, suffix });
    this.data = {}; // what one step leaves for the next (names, numbers, ids)
    this.shots = 0;
    this.foreignRequests = [];
    this.chartLoads = []; // the screens from which the chart library was fetched
    this.pageErrors = []; // uncaught exceptions in the app
    mkdirSync(artefacts, { recursive: true });
  }

  // A fresh browser context signed in as `username` through the sign-in screen.
  async as(username, password = this.password) {
    if (this.context) await this.context.close();
    this.context = await this.browser.newContext({
      viewport: this.viewport.size,
      isMobile: this.viewport.mobile,
      hasTouch: this.viewport.mobile,
      deviceScaleFactor: 1,
      locale: 'zh-CN',
    });
    const page = await this.context.newPage();
    const origin = new URL(this.base).origin;
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')) this.foreignRequests.push(u);
      if (/\/assets\/echarts-/.test(u)) this.chartLoads.push(new URL(page.url()).hash);
    });
    page.on('pageerror', (e) => this.pageErrors.push(`${username} ${page.url()}: ${e.message}`));
    await page.goto(this.base + '/');
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', password);
    await page.click('button.primary');
    await page.waitForSelector('nav.sidebar a', { state: 'attached' });
    this.page = page;
    return page;
  }

  // Opens a screen by its hash route ("/customers/42?tab=contacts").
  async open(route) {
    await this.page.evaluate((r) => (location.hash = r), route);
    await this.page.waitForFunction((r) => location.hash === '#' + r, route);
  }

  async shot(name) {
    const n = String(++this.shots).padStart(2, '0');
    const file = path.join(this.artefacts, `${n}-${name}.png`);
    await this.page.screenshot({ path: file, fullPage: true });
    return file;
  }

  // Waits until the text shows anywhere on the page.
  async see(text, timeout = 15000) {
    await this.page.getByText(text, { exact: false }).first().waitFor({ timeout });
  }
}
