// client_credentials (RFC 6749 §4.4) with resource-server scopes: the access token is an RS256
// `at+jwt` (RFC 9068) verified with jose against the JWKS and by oauth4webapi.
import { it } from 'node:test';
import * as jose from 'jose';
import { conformance, assert, client, oauth, assertOAuthError } from '../lib/harness.mjs';
import { decodeJwt, observe, postForm } from '../lib/util.mjs';

conformance('client credentials', (ctx) => {
  async function verifyServiceToken(accessToken, expectScope) {
    const svc = ctx.clientInfo('service');
    const { header, payload: unverified } = decodeJwt(accessToken);
    observe(ctx.target, 'client_credentials.aud', Array.isArray(unverified.aud) ? 'array' : typeof unverified.aud);
    assert.equal(header.typ, 'at+jwt', 'RFC 9068 typ');
    assert.equal(header.alg, 'RS256');
    assert.ok(header.kid, 'kid');
    const jwks = jose.createRemoteJWKSet(new URL((await ctx.metadata()).jwks_uri));
    const audience = ctx.target.features.serviceAudience(svc.id);
    const { payload } = await jose.jwtVerify(accessToken, jwks, {
      issuer: ctx.target.issuer,
      audience,
      typ: 'at+jwt',
      algorithms: ['RS256'],
      requiredClaims: ['exp', 'iat', 'jti', 'client_id', 'scope'],
    }).catch((e) => {
      e.message = `${e.message}: expected aud ${JSON.stringify(audience)}, got ${JSON.stringify(unverified.aud)}; iss ${unverified.iss}`;
      throw e;
    });
    assert.equal(payload.client_id, svc.id);
    assert.ok(String(payload.scope).split(' ').includes(expectScope), `scope ${payload.scope}`);
    assert.ok(payload.exp > payload.iat);
    observe(ctx.target, 'client_credentials.sub', payload.sub === svc.id ? 'client_id' : payload.sub === undefined ? '(absent)' : 'other');
    // oauth4webapi's RFC 9068 validation as a resource server.
    const as = await ctx.as();
    const req = new Request('http://127.0.0.1:9/api', { headers: { authorization: `Bearer ${accessToken}` } });
    const claims = await oauth.validateJwtAccessToken(as, req, ctx.target.features.serviceAudience(svc.id), { [oauth.allowInsecureRequests]: true });
    assert.equal(claims.client_id, svc.id);
    return payload;
  }

  it('client_secret_basic with scope api/read → at+jwt verified against the JWKS', async () => {
    const cfg = await ctx.config('service');
    const t = await client.clientCredentialsGrant(cfg, { scope: 'api/read' });
    assert.equal(t.token_type.toLowerCase(), 'bearer');
    assert.ok(t.expires_in > 0);
    assert.equal(t.refresh_token, undefined, 'no refresh token for client_credentials');
    assert.equal(t.id_token, undefined, 'no ID token for client_credentials');
    if (t.scope !== undefined) assert.ok(t.scope.split(' ').includes('api/read'));
    await verifyServiceToken(t.access_token, 'api/read');
  });

  it('client_secret_post works too', async () => {
    const meta = await ctx.metadata();
    const svc = ctx.clientInfo('service');
    const r = await postForm(meta.token_endpoint, { grant_type: 'client_credentials', scope: 'api/read', client_id: svc.id, client_secret: svc.secret });
    observe(ctx.target, 'client_credentials_post.status', r.status);
    assert.equal(r.status, 200, r.text);
    await verifyServiceToken(r.json.access_token, 'api/read');
  });

  it('without scope → the client\'s allowed scopes (or an explicit refusal)', async () => {
    const r = await ctx.tokenRequest('service', 'client_credentials', {});
    observe(ctx.target, 'client_credentials_no_scope', { status: r.status, error: r.json?.error, scope: r.json?.scope });
    if (r.status === 200) {
      const { payload } = decodeJwt(r.json.access_token);
      assert.ok(!String(payload.scope ?? '').split(' ').includes('api/write'), 'never a scope the client was not given');
    } else {
      assertOAuthError(r, { status: 400, error: ['invalid_scope', 'invalid_request'] }, 'no scope');
    }
  });

  it('a scope not allowed for the client → invalid_scope', async () => {
    const r = await ctx.tokenRequest('service', 'client_credentials', { scope: 'api/write' });
    observe(ctx.target, 'client_credentials_scope_not_allowed', { status: r.status, error: r.json?.error });
    assertOAuthError(r, { status: 400, error: 'invalid_scope' }, 'scope not allowed');
  });

  it('an unknown scope → invalid_scope, or a token without it (RFC 6749 §3.3)', async () => {
    const r = await ctx.tokenRequest('service', 'client_credentials', { scope: 'api/delete' });
    observe(ctx.target, 'client_credentials_scope_unknown', { status: r.status, error: r.json?.error });
    if (r.status === 200) {
      const { payload } = decodeJwt(r.json.access_token);
      assert.ok(!String(payload.scope ?? '').split(' ').includes('api/delete'), `token has the unknown scope: ${payload.scope}`);
      assert.ok(r.json.scope === undefined || !r.json.scope.split(' ').includes('api/delete'));
    } else {
      assertOAuthError(r, { status: 400, error: 'invalid_scope' }, 'unknown scope');
    }
  });

  it('wrong secret → 401 invalid_client', async () => {
    const meta = await ctx.metadata();
    const svc = ctx.clientInfo('service');
    const r = await postForm(meta.token_endpoint, { grant_type: 'client_credentials', scope: 'api/read' }, { auth: { id: svc.id, secret: 'wrong-secret' } });
    observe(ctx.target, 'client_credentials_wrong_secret', { status: r.status, error: r.json?.error });
    assertOAuthError(r, { status: 401, error: 'invalid_client' }, 'wrong secret');
  });

  it('a code-flow client may not use client_credentials → unauthorized_client', async () => {
    const r = await ctx.tokenRequest('basic', 'client_credentials', { scope: 'api/read' });
    observe(ctx.target, 'client_credentials_code_client', { status: r.status, error: r.json?.error });
    assertOAuthError(r, ctx.expected('client_credentials_code_client', { status: 400, error: 'unauthorized_client' }), 'code-flow client');
  });

  it('a public client cannot use client_credentials', async () => {
    const r = await ctx.tokenRequest('public', 'client_credentials', { scope: 'api/read' });
    observe(ctx.target, 'client_credentials_public_client', { status: r.status, error: r.json?.error });
    // A public client has no credentials: invalid_client (401) or unauthorized_client (400).
    const want = ctx.expected('client_credentials_public_client', { status: [400, 401], error: ['unauthorized_client', 'invalid_client'] });
    assertOAuthError(r, want, 'public client');
  });

  it('the service client cannot run the code flow', async () => {
    const meta = await ctx.metadata();
    const svc = ctx.clientInfo('service');
    const q = new URLSearchParams({ client_id: svc.id, response_type: 'code', redirect_uri: ctx.rp.callback, scope: 'openid', state: 's', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
    const res = await ctx.authorize(await ctx.newSession(), `${meta.authorization_endpoint}?${q}`, { user: null });
    observe(ctx.target, 'service_client_code_flow', res.kind === 'callback' ? res.params.get('error') : `${res.kind} ${res.status} ${res.errorText ?? ''}`);
    assert.equal(res.kind === 'callback' ? res.params.get('code') : null, null, 'no code for a client_credentials-only client');
  });

  it('warden token CLI prints a usable token response', async (t) => {
    if (ctx.target.kind !== 'warden') {
      t.skip('a Warden CLI command');
      return;
    }
    const svc = ctx.clientInfo('service');
    const json = await ctx.target.server.cli(['token', '--client-id', svc.id, '--client-secret', svc.secret, '--scope', 'api/read']);
    assert.ok(json.access_token, `no access_token in ${JSON.stringify(json).slice(0, 300)}`);
    assert.equal(json.token_type, 'Bearer');
    await verifyServiceToken(json.access_token, 'api/read');
  });
});
