// OIDF Basic OP: oidcc-userinfo-get, -post-header, -post-body, oidcc-scope-email|profile, and
// RFC 6750 errors at the userinfo endpoint.
import { it } from 'node:test';
import { conformance, assert, client } from '../lib/harness.mjs';
import { observe } from '../lib/util.mjs';

conformance('userinfo', (ctx) => {
  let tokens;
  let sub;
  async function login() {
    if (!tokens) {
      const flow = await ctx.codeFlow({ scope: 'openid email profile' });
      tokens = flow.tokens;
      sub = flow.claims.sub;
    }
    return tokens;
  }

  it('GET with a bearer header (openid-client fetchUserInfo, sub match)', async () => {
    const t = await login();
    const info = await client.fetchUserInfo(await ctx.config('basic'), t.access_token, sub);
    assert.equal(info.sub, sub);
    assert.equal(info.email, ctx.user('alice').email);
  });

  it('POST with a bearer header', async () => {
    const t = await login();
    const r = await ctx.userinfo(t.access_token, { method: 'POST', in: 'header' });
    observe(ctx.target, 'userinfo_post_header.status', r.status);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.sub, sub);
  });

  it('POST with access_token in the form body (RFC 6750 §2.2)', async () => {
    const t = await login();
    const r = await ctx.userinfo(t.access_token, { method: 'POST', in: 'body' });
    observe(ctx.target, 'userinfo_post_body.status', r.status);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.sub, sub);
  });

  it('scope email: email and email_verified in the ID token and userinfo', async () => {
    const { tokens: t, claims } = await ctx.codeFlow({ scope: 'openid email' });
    assert.equal(claims.email, ctx.user('alice').email);
    assert.equal(typeof claims.email_verified, 'boolean', 'email_verified is a JSON boolean in the ID token');
    const r = await ctx.userinfo(t.access_token);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.email, ctx.user('alice').email);
    assert.equal(typeof r.json.email_verified, 'boolean', 'email_verified is a JSON boolean in userinfo');
    for (const c of ctx.target.features.profileClaims) assert.equal(r.json[c], undefined, `${c} without scope profile`);
  });

  it('scope profile without email: profile claims, no email', async () => {
    const { tokens: t } = await ctx.codeFlow({ scope: 'openid profile' });
    const r = await ctx.userinfo(t.access_token);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.email, undefined, 'no email without scope email');
    assert.equal(r.json.email_verified, undefined, 'no email_verified without scope email');
    for (const c of ctx.target.features.profileClaims) assert.ok(r.json[c] !== undefined, `profile claim ${c}`);
    observe(ctx.target, 'userinfo_profile.claims', Object.keys(r.json).sort());
  });

  it('scope openid only: sub; email only where openid alone releases every claim (Cognito)', async () => {
    const { tokens: t, claims } = await ctx.codeFlow({ scope: 'openid' });
    const r = await ctx.userinfo(t.access_token);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.sub, claims.sub);
    observe(ctx.target, 'userinfo_openid_only.claims', Object.keys(r.json).sort());
    observe(ctx.target, 'id_token_openid_only.has_email', claims.email !== undefined);
    if (ctx.target.features.openidAloneReleasesAllClaims) {
      assert.equal(claims.email, ctx.user('alice').email, 'Cognito rule: openid alone releases the readable attributes (ID token)');
      assert.equal(r.json.email, ctx.user('alice').email, 'Cognito rule: openid alone releases the readable attributes (userinfo)');
    } else {
      assert.equal(claims.email, undefined, 'no email in the ID token without scope email');
      assert.equal(r.json.email, undefined, 'no email in userinfo without scope email');
    }
  });

  it('no token → 401 with WWW-Authenticate: Bearer', async () => {
    const meta = await ctx.metadata();
    const res = await fetch(meta.userinfo_endpoint);
    observe(ctx.target, 'userinfo_no_token', { status: res.status, www: bearerChallenge(res.headers) });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') || '', /^Bearer/i);
  });

  it('garbage token → 401 invalid_token', async () => {
    const r = await ctx.userinfo('garbage-token-0123456789');
    observe(ctx.target, 'userinfo_garbage', { status: r.status, www: bearerChallenge(r.headers) });
    assert.equal(r.status, 401);
    assert.match(r.headers.get('www-authenticate') || '', /^Bearer.*error="invalid_token"/i);
  });

  it('an ID token is not an access token → 401', async () => {
    const t = await login();
    const r = await ctx.userinfo(t.id_token);
    observe(ctx.target, 'userinfo_id_token', r.status);
    assert.equal(r.status, 401, `HTTP ${r.status} ${r.text.slice(0, 200)}`);
  });

  it('a client_credentials token (no user) → refused', async () => {
    const cfg = await ctx.config('service');
    const t = await client.clientCredentialsGrant(cfg, { scope: 'api/read' });
    const r = await ctx.userinfo(t.access_token);
    observe(ctx.target, 'userinfo_service_token', r.status);
    assert.ok([401, 403].includes(r.status), `HTTP ${r.status} ${r.text.slice(0, 200)}`);
  });
});

/** The comparable part of a WWW-Authenticate header: scheme and error (realm and text differ). */
function bearerChallenge(headers) {
  const h = headers.get('www-authenticate') || '';
  const scheme = h.split(/\s/)[0] || '(none)';
  const error = h.match(/error="([^"]*)"/)?.[1];
  return error ? `${scheme} error=${error}` : scheme;
}
