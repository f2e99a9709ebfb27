// The hosted pages: CSRF protection of the login form, consent, and the new-password step.
import { it } from 'node:test';
import { conformance, assert } from '../lib/harness.mjs';
import { observe } from '../lib/util.mjs';

conformance('hosted pages', (ctx) => {
  /** Submits the login form after `mutate` ran on its csrf input; returns the response status. */
  async function submitWithCsrf(mutate) {
    const session = await ctx.newSession();
    const res = await ctx.authorizeOnly({ session, user: null });
    assert.equal(res.kind, 'login');
    const { page } = res;
    assert.ok(await page.$(ctx.selectors.csrf), 'the login form has a hidden csrf input');
    await page.fill(ctx.selectors.username, ctx.user('alice').username);
    await page.fill(ctx.selectors.password, ctx.user('alice').password);
    await page.evaluate(mutate, ctx.selectors.csrf);
    const [response] = await Promise.all([
      page.waitForNavigation({ timeout: 15_000 }).catch(() => null),
      page.click(ctx.selectors.submit),
    ]);
    const status = response?.status();
    return { session, status, page, callbacks: session.callbacks.length };
  }

  async function assertNoSession(session) {
    const after = await ctx.authorizeOnly({ session, user: null, params: { prompt: 'none' } });
    ctx.expectCallback(after);
    assert.equal(after.params.get('error'), 'login_required', 'no session after a refused login');
  }

  it('login form POST without the csrf token → 400/403, no session', async () => {
    const r = await submitWithCsrf((sel) => document.querySelector(sel).remove());
    observe(ctx.target, 'csrf_missing.status', r.status);
    assert.equal(r.callbacks, 0, 'the RP was not reached');
    assert.ok([400, 403].includes(r.status), `HTTP ${r.status}`);
    await assertNoSession(r.session);
  });

  it('login form POST with a mangled csrf token → 400/403, no session', async () => {
    const r = await submitWithCsrf((sel) => {
      const el = document.querySelector(sel);
      const v = el.value;
      el.value = (v[0] === 'A' ? 'B' : 'A') + v.slice(1);
    });
    observe(ctx.target, 'csrf_mangled.status', r.status);
    assert.equal(r.callbacks, 0);
    assert.ok([400, 403].includes(r.status), `HTTP ${r.status}`);
    await assertNoSession(r.session);
  });

  it('login form POST with a csrf token from another browser → 400/403, no session', async () => {
    const other = await ctx.authorizeOnly({ user: null });
    assert.equal(other.kind, 'login');
    const foreign = await other.page.getAttribute(ctx.selectors.csrf, 'value');
    const r = await submitWithCsrf((sel, v) => { document.querySelector(sel).value = v; }, foreign);
    observe(ctx.target, 'csrf_foreign.status', r.status);
    assert.equal(r.callbacks, 0);
    assert.ok([400, 403].includes(r.status), `HTTP ${r.status}`);
    await assertNoSession(r.session);
  });

  it('consent page for a third-party client', async (t) => {
    if (!ctx.target.features.consent) {
      t.skip(`${ctx.target.name} has no consent page (first-party clients only in this slice)`);
      return;
    }
    const session = await ctx.newSession();
    const res = await ctx.authorizeOnly({ client: 'thirdParty', session, consent: false });
    assert.equal(res.kind, 'consent', `a consent page after login, got ${res.kind}`);
    assert.equal(session.callbacks.length, 0, 'no code before consent');
    const { claims } = await ctx.codeFlow({ client: 'thirdParty', session, user: null });
    assert.ok(claims.sub);
  });

  it('a user with a temporary password sets a new one, then signs in with it', async (t) => {
    if (!ctx.target.features.forceChangePassword) {
      t.skip(`${ctx.target.name} has no FORCE_CHANGE_PASSWORD users`);
      return;
    }
    const carol = ctx.user('carol');
    const session = await ctx.newSession();
    const res = await ctx.authorizeOnly({ session, user: null });
    assert.equal(res.kind, 'login');
    await ctx.submitLogin(res.page, carol);
    const state = await ctx.waitForState(res.page, session, 0, 10_000);
    assert.equal(state, 'new_password', `the new-password page after a temporary password, got ${state}`);
    assert.equal(session.callbacks.length, 0, 'no code before the new password is set');
    await ctx.submitNewPassword(res.page, carol.newPassword);
    assert.equal(await ctx.waitForState(res.page, session, 0, 10_000), 'callback', 'the RP is reached after setting a new password');
    // The temporary password is dead and the new one signs in, in a fresh browser.
    const fresh = await ctx.newSession();
    const r2 = await ctx.authorizeOnly({ session: fresh, user: null });
    await ctx.submitLogin(r2.page, { username: carol.username, password: carol.password });
    assert.notEqual(await ctx.waitForState(r2.page, fresh, 0, 3000), 'callback', 'the temporary password no longer works');
    await ctx.submitLogin(r2.page, { username: carol.username, password: carol.newPassword });
    assert.equal(await ctx.waitForState(r2.page, fresh, 0, 10_000), 'callback', 'the new password signs in');
  });
});
