// OIDF Basic OP: oidcc-prompt-login, oidcc-prompt-none-not-logged-in, oidcc-prompt-none-logged-in,
// oidcc-max-age-1, oidcc-max-age-10000, oidcc-login-hint, oidcc-id-token-hint, oidcc-ui-locales,
// oidcc-claims-locales, oidcc-ensure-request-with-acr-values-succeeds, oidcc-display-page|popup.
import { it } from 'node:test';
import { conformance, assert } from '../lib/harness.mjs';
import { observe, sleep } from '../lib/util.mjs';

conformance('prompt and friends', (ctx) => {
  it('prompt=none without a session → login_required at the callback', async () => {
    const res = await ctx.authorizeOnly({ user: null, params: { prompt: 'none' } });
    ctx.expectCallback(res);
    observe(ctx.target, 'prompt_none_no_session.error', res.params.get('error'));
    assert.equal(res.params.get('error'), 'login_required');
    assert.equal(res.params.get('state'), res.state);
    assert.equal(res.params.get('code'), null);
  });

  it('prompt=none with a session → code without any page', async () => {
    const session = await ctx.newSession();
    const first = await ctx.codeFlow({ session });
    const res = await ctx.authorizeOnly({ session, user: null, params: { prompt: 'none' } });
    ctx.expectCallback(res, 'prompt=none with a session');
    assert.ok(res.params.get('code'), `no code: ${res.params}`);
    const r = await ctx.redeem('basic', res.params.get('code'), res.verifier);
    assert.equal(r.status, 200, r.text);
    assert.ok(first.claims.sub);
  });

  it('prompt=login forces the login page again; auth_time moves on', async () => {
    const session = await ctx.newSession();
    const first = await ctx.codeFlow({ session });
    await sleep(1100);
    const res = await ctx.authorizeOnly({ session, user: null, params: { prompt: 'login' } });
    assert.equal(res.kind, 'login', `prompt=login must show the login page, got ${res.kind}`);
    const again = await ctx.codeFlow({ session, extra: { prompt: 'login' } });
    assert.equal(again.claims.sub, first.claims.sub);
    assert.ok(again.claims.auth_time > first.claims.auth_time, `auth_time ${again.claims.auth_time} after ${first.claims.auth_time}`);
  });

  it('max_age=1 after 2 s forces re-authentication and a new auth_time', async () => {
    const session = await ctx.newSession();
    const first = await ctx.codeFlow({ session });
    await sleep(2000);
    const res = await ctx.authorizeOnly({ session, user: null, params: { max_age: '1' } });
    assert.equal(res.kind, 'login', `max_age=1 must show the login page, got ${res.kind}`);
    const again = await ctx.codeFlow({ session, maxAge: 1 });
    assert.ok(again.claims.auth_time > first.claims.auth_time, `auth_time ${again.claims.auth_time} after ${first.claims.auth_time}`);
    assert.ok(again.claims.auth_time >= Math.floor(Date.now() / 1000) - 30, 'auth_time is recent');
  });

  it('max_age=10000 keeps the session: no login page, same auth_time', async () => {
    const session = await ctx.newSession();
    const first = await ctx.codeFlow({ session });
    const res = await ctx.authorizeOnly({ session, user: null, params: { max_age: '10000' } });
    ctx.expectCallback(res, 'max_age=10000');
    const again = await ctx.codeFlow({ session, maxAge: 10000, user: null });
    assert.equal(again.claims.auth_time, first.claims.auth_time);
  });

  it('login_hint prefills the username', async () => {
    const res = await ctx.authorizeOnly({ user: null, params: { login_hint: 'bob' } });
    assert.equal(res.kind, 'login');
    const value = await res.page.inputValue(ctx.selectors.username);
    observe(ctx.target, 'login_hint.prefilled', value === 'bob');
    assert.equal(value, 'bob', 'login_hint is shown in the username field');
  });

  for (const [name, extra] of [
    ['ui_locales', { ui_locales: 'se fr-CA en' }],
    ['claims_locales', { claims_locales: 'se fr-CA' }],
    ['acr_values', { acr_values: '1 2' }],
    ['display=page', { display: 'page' }],
    ['display=popup', { display: 'popup' }],
  ]) {
    it(`${name} is tolerated`, async () => {
      const { claims } = await ctx.codeFlow({ extra });
      assert.ok(claims.sub);
    });
  }

  it('id_token_hint of the logged-in user with prompt=none → code for that user', async () => {
    const session = await ctx.newSession();
    const first = await ctx.codeFlow({ session });
    const again = await ctx.codeFlow({ session, user: null, extra: { prompt: 'none', id_token_hint: first.tokens.id_token } });
    assert.equal(again.claims.sub, first.claims.sub);
  });

  it('id_token_hint of another user with prompt=none → login_required (no code for the wrong user)', async () => {
    const bob = await ctx.codeFlow({ user: 'bob' });
    const session = await ctx.newSession();
    await ctx.codeFlow({ session, user: 'alice' });
    const res = await ctx.authorizeOnly({ session, user: null, params: { prompt: 'none', id_token_hint: bob.tokens.id_token } });
    ctx.expectCallback(res);
    observe(ctx.target, 'id_token_hint_other_user.error', res.params.get('error') ?? '(code issued)');
    assert.equal(res.params.get('code'), null, 'no code when the hinted user is not the logged-in one');
    assert.equal(res.params.get('error'), 'login_required');
  });
});
