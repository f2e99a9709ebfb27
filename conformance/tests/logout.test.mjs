// OpenID Connect RP-Initiated Logout 1.0 (OIDF rp-initiated-logout plan, re-implemented).
import { it } from 'node:test';
import { conformance, assert, client } from '../lib/harness.mjs';
import { observe } from '../lib/util.mjs';

conformance('rp-initiated logout', (ctx) => {
  it('end_session with id_token_hint + registered post_logout_redirect_uri → confirm → redirect with state; then login_required', async () => {
    const session = await ctx.newSession();
    const { tokens } = await ctx.codeFlow({ session });
    const cfg = await ctx.config('basic');
    const state = client.randomState();
    const url = client.buildEndSessionUrl(cfg, { id_token_hint: tokens.id_token, post_logout_redirect_uri: ctx.rp.logout, state });
    const shown = await ctx.authorize(session, url, { confirmLogout: false });
    observe(ctx.target, 'logout.confirmation_page', shown.kind);
    assert.equal(shown.kind, 'logout', `a logout confirmation page, got ${shown.kind} (HTTP ${shown.status})`);
    const before = session.callbacks.length;
    const res = await ctx.authorize(session, url, { confirmLogout: true });
    ctx.expectCallback(res, 'logout');
    assert.ok(res.url.href.startsWith(ctx.rp.logout), `redirected to ${res.url.href}`);
    assert.equal(res.params.get('state'), state, 'state echoed');
    assert.ok(session.callbacks.length > before);
    const after = await ctx.authorizeOnly({ session, user: null, params: { prompt: 'none' } });
    ctx.expectCallback(after);
    assert.equal(after.params.get('error'), 'login_required', 'the session is gone after logout');
    // Not asserted (OIDC logout does not require it): do the tokens outlive the session?
    observe(ctx.target, 'logout.access_token_userinfo_after', (await ctx.userinfo(tokens.access_token)).status);
    const rr = await ctx.tokenRequest('basic', 'refresh_token', { refresh_token: tokens.refresh_token });
    observe(ctx.target, 'logout.refresh_after', { status: rr.status, error: rr.json?.error });
  });

  it('unregistered post_logout_redirect_uri → 400 error page, no redirect', async () => {
    const session = await ctx.newSession();
    const { tokens } = await ctx.codeFlow({ session });
    const cfg = await ctx.config('basic');
    const url = client.buildEndSessionUrl(cfg, { id_token_hint: tokens.id_token, post_logout_redirect_uri: ctx.rp.unregisteredLogout, state: 'x' });
    const res = await ctx.authorize(session, url, { confirmLogout: true });
    observe(ctx.target, 'logout_unregistered.status', res.status);
    observe(ctx.target, 'logout_unregistered.error', res.errorText ?? '(none)');
    assert.equal(res.callbacks?.length ?? 0, 0, `no redirect to ${res.callbacks?.map((c) => c.url)}`);
    assert.equal(res.kind, 'error', `an error page, got ${res.kind}`);
    assert.equal(res.status, 400);
    // The session survives a refused logout.
    const still = await ctx.authorizeOnly({ session, user: null, params: { prompt: 'none' } });
    ctx.expectCallback(still);
    assert.ok(still.params.get('code'), `still logged in after a refused logout: ${still.params}`);
  });

  it('end_session_endpoint is advertised and on the issuer origin', async () => {
    const m = await ctx.metadata();
    assert.ok(m.end_session_endpoint);
    assert.equal(new URL(m.end_session_endpoint).origin, new URL(ctx.target.issuer).origin);
  });
});
