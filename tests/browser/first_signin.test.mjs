// The first start, as an operator meets it: `serve` creates the admin with a one-time
// password; signing in with it in the console asks for a new password before anything else
// (the API refuses other calls until then), and afterwards the console opens. The portal
// sends such a session to the console.
import assert from 'node:assert/strict';

export const serverOptions = { oneTimeAdmin: true };

const NEW_PASSWORD = 'my own admin password';

export const tests = [
  {
    name: 'the one-time password must be replaced at first sign-in',
    fn: async (ctx) => {
      const once = ctx.server.oneTimePassword;
      assert.ok(once && once.length >= 20, `serve printed no one-time password:\n${ctx.server.tail()}`);
      const page = await ctx.browser.newPage({ viewport: { width: 1200, height: 800 } });
      page.on('pageerror', (e) => ctx.log(`page error: ${e.message}`));

      // The portal does not let it work either: it points to the console.
      await page.goto(`${ctx.url}/label`);
      await page.waitForSelector('#signin-user');
      await page.fill('#signin-user', 'admin');
      await page.fill('#signin-password', once);
      await page.press('#signin-password', 'Enter');
      await page.waitForSelector('text=one-time password');

      await page.goto(`${ctx.url}/`);
      await page.waitForSelector('#change-current, #signin-user');
      if (await page.$('#signin-user')) {
        await page.fill('#signin-user', 'admin');
        await page.fill('#signin-password', once);
        await page.press('#signin-password', 'Enter');
      }
      await page.waitForSelector('#change-current');
      await ctx.screenshot(page, 'change-password');
      // Until it is changed, the API refuses everything else for this session.
      const refused = await page.evaluate(async () => (await fetch('/api/v1/parameters')).status);
      assert.equal(refused, 403);

      await page.fill('#change-current', once);
      await page.fill('#change-new', NEW_PASSWORD);
      await page.fill('#change-again', 'a different one');
      await page.click('button[type=submit]');
      await page.waitForSelector('.form-error:has-text("differ")');
      await page.fill('#change-again', NEW_PASSWORD);
      await page.click('button[type=submit]');
      await page.waitForSelector('nav a[data-page="dashboard"]', { timeout: 15000 });
      const session = await page.evaluate(async () => (await fetch('/api/v1/session')).json());
      assert.equal(session.must_change_password, false);
      const allowed = await page.evaluate(async () => (await fetch('/api/v1/parameters')).status);
      assert.equal(allowed, 200);
      await ctx.screenshot(page, 'after-password-change');
      await page.close();
    },
  },
];
