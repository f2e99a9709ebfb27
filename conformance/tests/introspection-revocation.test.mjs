// Token introspection (RFC 7662) and revocation (RFC 7009).
import { it } from 'node:test';
import { conformance, assert, client, assertOAuthError } from '../lib/harness.mjs';
import { observe } from '../lib/util.mjs';

conformance('introspection and revocation', (ctx) => {
  it('introspection: a live access token is active with scope, client_id, sub, exp (openid-client)', async () => {
    const { tokens, claims } = await ctx.codeFlow({ client: 'basic', scope: 'openid email' });
    const info = await client.tokenIntrospection(await ctx.config('basic'), tokens.access_token);
    assert.equal(info.active, true);
    assert.equal(info.client_id, ctx.clientInfo('basic').id);
    assert.equal(info.sub, claims.sub);
    assert.ok(typeof info.exp === 'number' && info.exp > Date.now() / 1000, 'exp');
    assert.ok(String(info.scope).split(' ').includes('openid'), `scope ${info.scope}`);
    observe(ctx.target, 'introspection_active.fields', Object.keys(info).filter((k) => !k.startsWith('_')).sort());
  });

  it('introspection: a refresh token', async () => {
    const { tokens } = await ctx.codeFlow({ client: 'basic' });
    const r = await ctx.introspect(tokens.refresh_token, 'basic');
    observe(ctx.target, 'introspection_refresh_token', { status: r.status, active: r.json?.active, token_type: r.json?.token_type });
    assert.equal(r.status, 200, r.text);
    assert.equal(typeof r.json.active, 'boolean');
  });

  it('introspection: a client_credentials (JWT) access token is active', async (t) => {
    const tok = await client.clientCredentialsGrant(await ctx.config('service'), { scope: 'api/read' });
    const r = await ctx.introspect(tok.access_token, 'service');
    observe(ctx.target, 'introspection_service_token', { status: r.status, active: r.json?.active, error: r.json?.error });
    if (!ctx.target.features.introspectsJwtAccessTokens) {
      t.skip(`${ctx.target.name} does not introspect JWT access tokens (answered ${r.status} ${r.json?.error})`);
      return;
    }
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.active, true);
    assert.equal(r.json.client_id, ctx.clientInfo('service').id);
    assert.ok(String(r.json.scope).split(' ').includes('api/read'), `scope ${r.json.scope}`);
  });

  it('introspection: garbage → active false', async () => {
    const r = await ctx.introspect('garbage-0123456789', 'basic');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { active: false });
  });

  it('introspection: a revoked token → active false', async () => {
    const { tokens } = await ctx.codeFlow({ client: 'basic' });
    const rv = await ctx.revoke(tokens.refresh_token, 'basic', { token_type_hint: 'refresh_token' });
    assert.equal(rv.status, 200, rv.text);
    const r = await ctx.introspect(tokens.access_token, 'basic');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.active, false, 'access token of a revoked refresh token');
  });

  it('introspection without client authentication → 401 invalid_client', async () => {
    const { tokens } = await ctx.codeFlow({ client: 'basic' });
    const r = await ctx.introspect(tokens.access_token, null);
    observe(ctx.target, 'introspection_no_auth', { status: r.status, error: r.json?.error });
    assertOAuthError(r, ctx.expected('introspection_no_auth', { status: 401, error: 'invalid_client' }), 'introspection without client auth');
    assert.equal(r.json?.active, undefined, 'nothing about the token leaks');
  });

  it('introspection with a wrong secret → 401 invalid_client', async () => {
    const c = ctx.clientInfo('basic');
    const meta = await ctx.metadata();
    const res = await fetch(meta.introspection_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${c.id}:wrong`).toString('base64')}` },
      body: new URLSearchParams({ token: 'x' }).toString(),
    });
    const json = await res.json().catch(() => ({}));
    observe(ctx.target, 'introspection_wrong_secret', { status: res.status, error: json.error });
    assert.equal(res.status, 401);
    assert.equal(json.error, 'invalid_client');
  });

  it('introspection by another client', async () => {
    const { tokens } = await ctx.codeFlow({ client: 'basic' });
    const r = await ctx.introspect(tokens.access_token, 'other');
    observe(ctx.target, 'introspection_other_client', { status: r.status, active: r.json?.active });
    assert.ok([200, 401, 403].includes(r.status), r.text);
  });

  it('revocation: an unknown token → 200', async () => {
    const r = await ctx.revoke('unknown-token-0123456789', 'basic');
    observe(ctx.target, 'revocation_unknown', r.status);
    assert.equal(r.status, 200, r.text);
  });

  it('revocation: a revoked refresh token → invalid_grant; its access tokens die at userinfo', async () => {
    const cfg = await ctx.config('basic');
    const { tokens } = await ctx.codeFlow({ client: 'basic' });
    const refreshed = await client.refreshTokenGrant(cfg, tokens.refresh_token);
    assert.equal((await ctx.userinfo(refreshed.access_token)).status, 200);
    await client.tokenRevocation(cfg, tokens.refresh_token, { token_type_hint: 'refresh_token' });
    const r = await ctx.tokenRequest('basic', 'refresh_token', { refresh_token: tokens.refresh_token });
    observe(ctx.target, 'revoked_refresh', { status: r.status, error: r.json?.error });
    assertOAuthError(r, { status: 400, error: 'invalid_grant' }, 'revoked refresh token');
    for (const [name, at] of [['first', tokens.access_token], ['refreshed', refreshed.access_token]]) {
      const ui = await ctx.userinfo(at);
      observe(ctx.target, `revoked_refresh.${name}_access_token_userinfo`, ui.status);
      assert.equal(ui.status, 401, `${name} access token after revoking its refresh token: HTTP ${ui.status}`);
    }
  });

  it('revocation: a wrong token_type_hint still revokes (the hint is only a hint)', async () => {
    const { tokens } = await ctx.codeFlow({ client: 'basic' });
    const rv = await ctx.revoke(tokens.refresh_token, 'basic', { token_type_hint: 'access_token' });
    assert.equal(rv.status, 200, rv.text);
    const r = await ctx.tokenRequest('basic', 'refresh_token', { refresh_token: tokens.refresh_token });
    assertOAuthError(r, { status: 400, error: 'invalid_grant' }, 'refresh after revocation with a wrong hint');
  });

  it('revocation: an access token', async () => {
    const { tokens } = await ctx.codeFlow({ client: 'basic' });
    const rv = await ctx.revoke(tokens.access_token, 'basic', { token_type_hint: 'access_token' });
    observe(ctx.target, 'revoke_access_token.status', rv.status);
    assert.ok([200, 400].includes(rv.status), rv.text);
    if (rv.status === 400) assert.equal(rv.json?.error, 'unsupported_token_type');
    const ui = await ctx.userinfo(tokens.access_token);
    observe(ctx.target, 'revoke_access_token.userinfo', ui.status);
  });

  it('revocation by another client does not revoke', async () => {
    const { tokens } = await ctx.codeFlow({ client: 'basic' });
    const rv = await ctx.revoke(tokens.refresh_token, 'other');
    observe(ctx.target, 'revoke_other_client', { status: rv.status, error: rv.json?.error });
    const r = await ctx.tokenRequest('basic', 'refresh_token', { refresh_token: tokens.refresh_token });
    assert.equal(r.status, 200, `a client must not revoke another client's token: ${r.text}`);
  });

  it('revocation without client authentication → 401 invalid_client', async () => {
    const { tokens } = await ctx.codeFlow({ client: 'basic' });
    const r = await ctx.revoke(tokens.refresh_token, null);
    observe(ctx.target, 'revocation_no_auth', { status: r.status, error: r.json?.error });
    assertOAuthError(r, ctx.expected('revocation_no_auth', { status: 401, error: 'invalid_client' }), 'revocation without client auth');
    const ok = await ctx.tokenRequest('basic', 'refresh_token', { refresh_token: tokens.refresh_token });
    assert.equal(ok.status, 200, 'not revoked');
  });
});
