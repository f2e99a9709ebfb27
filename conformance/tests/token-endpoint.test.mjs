// Token endpoint: oidcc-codereuse, oidcc-codereuse-30seconds (tokens of the first use revoked),
// a code redeemed by another client, redirect_uri mismatch, client authentication failures.
import { it } from 'node:test';
import { conformance, assert, assertOAuthError } from '../lib/harness.mjs';
import { observe, postForm } from '../lib/util.mjs';

conformance('token endpoint', (ctx) => {
  it('code reuse → invalid_grant, and the tokens from the first use are revoked', async () => {
    const res = ctx.expectCallback(await ctx.authorizeOnly({ client: 'basic' }));
    const code = res.params.get('code');
    const first = await ctx.redeem('basic', code, res.verifier);
    assert.equal(first.status, 200, first.text);
    const { access_token: at, refresh_token: rt } = first.json;
    assert.equal((await ctx.userinfo(at)).status, 200, 'the first access token works before the reuse');
    const second = await ctx.redeem('basic', code, res.verifier);
    observe(ctx.target, 'code_reuse', { status: second.status, error: second.json?.error });
    assertOAuthError(second, { status: 400, error: 'invalid_grant' }, 'second use of a code');
    const ui = await ctx.userinfo(at);
    observe(ctx.target, 'code_reuse.first_access_token_userinfo', ui.status);
    assert.equal(ui.status, 401, `access token from the first use must be refused after the reuse: HTTP ${ui.status} ${ui.text.slice(0, 200)}`);
    if (rt) {
      const r = await ctx.tokenRequest('basic', 'refresh_token', { refresh_token: rt });
      observe(ctx.target, 'code_reuse.first_refresh_token', { status: r.status, error: r.json?.error });
      assertOAuthError(r, { status: 400, error: 'invalid_grant' }, 'refresh token from the first use');
    }
  });

  it('a code issued to another client → invalid_grant', async () => {
    const res = ctx.expectCallback(await ctx.authorizeOnly({ client: 'basic' }));
    const r = await ctx.redeem('other', res.params.get('code'), res.verifier);
    observe(ctx.target, 'code_other_client', { status: r.status, error: r.json?.error });
    assertOAuthError(r, { status: 400, error: 'invalid_grant' }, 'code redeemed by another client');
  });

  it('redirect_uri differing from the authorization request → invalid_grant', async () => {
    const res = ctx.expectCallback(await ctx.authorizeOnly({ client: 'basic' }));
    const r = await ctx.redeem('basic', res.params.get('code'), res.verifier, ctx.rp.callback2);
    observe(ctx.target, 'code_redirect_uri_mismatch', { status: r.status, error: r.json?.error });
    assertOAuthError(r, { status: 400, error: 'invalid_grant' }, 'redirect_uri mismatch');
  });

  it('an unknown code → invalid_grant', async () => {
    const r = await ctx.redeem('basic', 'not-a-real-code-0123456789', 'x'.repeat(43));
    observe(ctx.target, 'code_unknown', { status: r.status, error: r.json?.error });
    assertOAuthError(r, { status: 400, error: 'invalid_grant' }, 'unknown code');
  });

  it('wrong client secret → 401 invalid_client', async () => {
    const meta = await ctx.metadata();
    const c = ctx.clientInfo('basic');
    const r = await postForm(meta.token_endpoint, { grant_type: 'authorization_code', code: 'x', redirect_uri: ctx.rp.callback }, { auth: { id: c.id, secret: `${c.secret}x` } });
    observe(ctx.target, 'token_wrong_secret', { status: r.status, error: r.json?.error, www: !!r.headers.get('www-authenticate') });
    assertOAuthError(r, { status: 401, error: 'invalid_client' }, 'wrong secret');
    assert.match(r.headers.get('www-authenticate') || '', /^Basic/i, 'RFC 6749 §5.2: 401 with WWW-Authenticate when Basic was used');
  });

  it('a confidential client without authentication → 401 invalid_client', async () => {
    const meta = await ctx.metadata();
    const c = ctx.clientInfo('basic');
    const r = await postForm(meta.token_endpoint, { grant_type: 'authorization_code', code: 'x', redirect_uri: ctx.rp.callback, client_id: c.id });
    observe(ctx.target, 'token_no_client_auth', { status: r.status, error: r.json?.error });
    assertOAuthError(r, { status: [400, 401], error: 'invalid_client' }, 'no client authentication');
  });

  it('unknown grant_type → unsupported_grant_type', async () => {
    const r = await ctx.tokenRequest('basic', 'urn:example:no-such-grant', {});
    observe(ctx.target, 'grant_type_unknown', { status: r.status, error: r.json?.error });
    assertOAuthError(r, { status: 400, error: 'unsupported_grant_type' }, 'unknown grant type');
  });

  it('token responses are not cacheable (Cache-Control: no-store)', async () => {
    const res = ctx.expectCallback(await ctx.authorizeOnly({ client: 'basic' }));
    const r = await ctx.redeem('basic', res.params.get('code'), res.verifier);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('cache-control') || '', /no-store/);
    assert.match(r.headers.get('content-type') || '', /^application\/json/);
  });
});
