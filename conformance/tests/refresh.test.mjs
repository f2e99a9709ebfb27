// OIDF Basic OP oidcc-refresh-token, plus rotation and reuse detection (RFC 9700 §4.14.2) for
// clients that rotate, and the Cognito behaviour (no rotation) for those that do not.
import { it } from 'node:test';
import { conformance, assert, client, assertOAuthError } from '../lib/harness.mjs';
import { observe } from '../lib/util.mjs';

conformance('refresh tokens', (ctx) => {
  it('refresh without rotation: new access token, refresh token absent or unchanged, old one still works', async () => {
    const cfg = await ctx.config('basic');
    const { tokens, claims } = await ctx.codeFlow({ client: 'basic', scope: 'openid email' });
    const rt = tokens.refresh_token;
    assert.ok(rt, 'code flow issued a refresh token');
    const refreshed = await client.refreshTokenGrant(cfg, rt);
    assert.ok(refreshed.access_token);
    assert.notEqual(refreshed.access_token, tokens.access_token, 'a new access token');
    observe(ctx.target, 'refresh_no_rotation.refresh_token', refreshed.refresh_token === undefined ? 'absent' : refreshed.refresh_token === rt ? 'same' : 'new');
    if (ctx.target.features.refreshWithoutRotation === 'absent') assert.equal(refreshed.refresh_token, undefined, 'no refresh_token in the response');
    else assert.equal(refreshed.refresh_token, rt, 'the same refresh token');
    if (refreshed.id_token) {
      // openid-client validated it; the sub must not change (OIDC Core 12.2).
      assert.equal(refreshed.claims().sub, claims.sub);
    }
    observe(ctx.target, 'refresh.id_token', !!refreshed.id_token);
    const info = await client.fetchUserInfo(cfg, refreshed.access_token, claims.sub);
    assert.equal(info.sub, claims.sub);
    const again = await client.refreshTokenGrant(cfg, rt);
    assert.ok(again.access_token, 'a non-rotated refresh token can be used again');
  });

  it('refresh with rotation: a new refresh token; reusing the old one → invalid_grant and the family dies', async () => {
    const cfg = await ctx.config('rotating');
    const { tokens, claims } = await ctx.codeFlow({ client: 'rotating' });
    const rt0 = tokens.refresh_token;
    const r1 = await client.refreshTokenGrant(cfg, rt0);
    assert.ok(r1.refresh_token, 'a rotated refresh token');
    assert.notEqual(r1.refresh_token, rt0, 'the refresh token changed');
    const r2 = await client.refreshTokenGrant(cfg, r1.refresh_token);
    assert.ok(r2.refresh_token && r2.refresh_token !== r1.refresh_token);
    assert.equal((await ctx.userinfo(r2.access_token)).status, 200, 'the newest access token works');
    // Reuse of a rotated-out refresh token.
    const reuse = await ctx.tokenRequest('rotating', 'refresh_token', { refresh_token: rt0 });
    observe(ctx.target, 'refresh_reuse', { status: reuse.status, error: reuse.json?.error });
    assertOAuthError(reuse, { status: 400, error: 'invalid_grant' }, 'reuse of a rotated refresh token');
    // The whole family is dead: the newest refresh token and the access tokens.
    const newest = await ctx.tokenRequest('rotating', 'refresh_token', { refresh_token: r2.refresh_token });
    observe(ctx.target, 'refresh_reuse.newest_refresh_token', { status: newest.status, error: newest.json?.error });
    assertOAuthError(newest, { status: 400, error: 'invalid_grant' }, 'the newest refresh token after a reuse');
    const ui = await ctx.userinfo(r2.access_token);
    observe(ctx.target, 'refresh_reuse.newest_access_token_userinfo', ui.status);
    assert.equal(ui.status, 401, `access tokens of a family whose refresh token was reused must be refused: HTTP ${ui.status}`);
    assert.ok(claims.sub);
  });

  it('public client with rotation', async () => {
    const cfg = await ctx.config('publicRotating');
    const { tokens } = await ctx.codeFlow({ client: 'publicRotating' });
    const r1 = await client.refreshTokenGrant(cfg, tokens.refresh_token);
    assert.ok(r1.refresh_token && r1.refresh_token !== tokens.refresh_token, 'rotated');
    const reuse = await ctx.tokenRequest('publicRotating', 'refresh_token', { refresh_token: tokens.refresh_token });
    assertOAuthError(reuse, { status: 400, error: 'invalid_grant' }, 'reuse (public client)');
  });

  it('public client without rotation', async () => {
    const cfg = await ctx.config('public');
    const { tokens } = await ctx.codeFlow({ client: 'public' });
    const r1 = await client.refreshTokenGrant(cfg, tokens.refresh_token);
    assert.ok(r1.access_token);
    observe(ctx.target, 'refresh_public_no_rotation.refresh_token', r1.refresh_token === undefined ? 'absent' : r1.refresh_token === tokens.refresh_token ? 'same' : 'new');
    if (ctx.target.features.refreshWithoutRotation === 'absent') assert.equal(r1.refresh_token, undefined);
    else assert.equal(r1.refresh_token, tokens.refresh_token);
  });

  it('a refresh token of another client → invalid_grant', async () => {
    const { tokens } = await ctx.codeFlow({ client: 'basic' });
    const r = await ctx.tokenRequest('other', 'refresh_token', { refresh_token: tokens.refresh_token });
    observe(ctx.target, 'refresh_other_client', { status: r.status, error: r.json?.error });
    assertOAuthError(r, { status: 400, error: 'invalid_grant' }, 'refresh token of another client');
    // and it still works for its own client
    const ok = await ctx.tokenRequest('basic', 'refresh_token', { refresh_token: tokens.refresh_token });
    assert.equal(ok.status, 200, ok.text);
  });

  it('an unknown refresh token → invalid_grant', async () => {
    const r = await ctx.tokenRequest('basic', 'refresh_token', { refresh_token: 'not-a-refresh-token-0123456789' });
    observe(ctx.target, 'refresh_unknown', { status: r.status, error: r.json?.error });
    assertOAuthError(r, { status: 400, error: 'invalid_grant' }, 'unknown refresh token');
  });

  it('refresh_token grant without refresh_token → invalid_request', async () => {
    const r = await ctx.tokenRequest('basic', 'refresh_token', {});
    observe(ctx.target, 'refresh_missing', { status: r.status, error: r.json?.error });
    assertOAuthError(r, { status: 400, error: 'invalid_request' }, 'missing refresh_token');
  });
});
