// OIDF Basic OP: oidcc-server, oidcc-idtoken-signature, oidcc-server-client-secret-post,
// oidcc-ensure-request-with-valid-pkce-succeeds, oidcc-ensure-request-without-nonce-succeeds-for-code-flow,
// oidcc-ensure-request-with-unknown-parameter-succeeds, oidcc-ensure-other-scope-order-succeeds,
// oidcc-ensure-post-request-succeeds, RFC 9207 iss, response_mode=form_post.
import { it } from 'node:test';
import * as jose from 'jose';
import { conformance, assert, oauth } from '../lib/harness.mjs';
import { decodeJwt, observe } from '../lib/util.mjs';

function atHash(accessToken) {
  // RS256: left half of SHA-256, base64url.
  return import('node:crypto').then(({ createHash }) => createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url'));
}

conformance('code flow', (ctx) => {
  it('client_secret_basic + PKCE + state + nonce: ID token validated (iss, aud, exp, nonce, at_hash, kid signature)', async () => {
    const { tokens, claims, res, nonce } = await ctx.codeFlow({ client: 'basic', scope: 'openid email profile' });
    const c = ctx.clientInfo('basic');
    // RFC 9207: iss in the authorization response.
    assert.equal(res.params.get('iss'), ctx.target.issuer, 'authorization response iss');
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.ok(tokens.expires_in > 0, 'expires_in');
    assert.ok(tokens.refresh_token, 'a refresh token for the code-flow client');
    // What openid-client checked, checked again explicitly.
    assert.equal(claims.iss, ctx.target.issuer);
    assert.ok(claims.aud === c.id || (Array.isArray(claims.aud) && claims.aud.includes(c.id)), 'aud');
    assert.equal(claims.nonce, nonce);
    assert.ok(claims.exp > Date.now() / 1000 && claims.iat <= Date.now() / 1000 + 5, 'exp/iat');
    assert.equal(typeof claims.sub, 'string');
    assert.equal(typeof claims.auth_time, 'number', 'auth_time');
    const { header } = decodeJwt(tokens.id_token);
    assert.equal(header.alg, 'RS256');
    assert.ok(header.kid, 'ID token header has a kid');
    const jwks = jose.createRemoteJWKSet(new URL((await ctx.metadata()).jwks_uri));
    const verified = await jose.jwtVerify(tokens.id_token, jwks, { issuer: ctx.target.issuer, audience: c.id, algorithms: ['RS256'] });
    assert.equal(verified.protectedHeader.kid, header.kid);
    if (claims.at_hash !== undefined) assert.equal(claims.at_hash, await atHash(tokens.access_token), 'at_hash');
    observe(ctx.target, 'id_token.has_at_hash', claims.at_hash !== undefined);
    observe(ctx.target, 'id_token.has_amr', claims.amr !== undefined);
    observe(ctx.target, 'id_token.azp', claims.azp ?? '(absent)');
    if (ctx.target.kind === 'warden') {
      // Warden's contract: at_hash and amr always.
      assert.ok(claims.at_hash, 'Warden ID tokens carry at_hash');
      assert.ok(Array.isArray(claims.amr) && claims.amr.length > 0, 'Warden ID tokens carry amr');
    }
  });

  it('access token format (RFC 9068 at+jwt where the target issues JWTs)', async (t) => {
    const { tokens, claims } = await ctx.codeFlow({ client: 'basic', scope: 'openid email' });
    observe(ctx.target, 'code_flow.access_token_format', decodeJwtSafe(tokens.access_token) ? 'jwt' : 'opaque');
    if (ctx.target.features.codeFlowAccessToken !== 'jwt') {
      t.skip(`${ctx.target.name} issues opaque access tokens to the code flow`);
      return;
    }
    const c = ctx.clientInfo('basic');
    const { header, payload } = decodeJwt(tokens.access_token);
    assert.equal(header.typ, 'at+jwt', 'typ');
    assert.equal(header.alg, 'RS256');
    assert.ok(header.kid);
    for (const k of ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'scope']) assert.ok(payload[k] !== undefined, `access token lacks ${k}`);
    assert.equal(payload.sub, claims.sub);
    assert.equal(payload.client_id, c.id);
    // oauth4webapi's RFC 9068 validation, as a resource server would run it.
    const as = await ctx.as();
    const req = new Request('http://127.0.0.1:9/api', { headers: { authorization: `Bearer ${tokens.access_token}` } });
    const validated = await oauth.validateJwtAccessToken(as, req, c.id, { [oauth.allowInsecureRequests]: true });
    assert.equal(validated.client_id, c.id);
    assert.ok(String(validated.scope).split(' ').includes('openid'));
  });

  it('client_secret_post', async () => {
    const { claims, tokens } = await ctx.codeFlow({ client: 'post' });
    assert.equal(claims.aud, ctx.clientInfo('post').id);
    assert.ok(tokens.access_token);
  });

  it('public client with PKCE (token_endpoint_auth_method none)', async () => {
    const { claims, tokens } = await ctx.codeFlow({ client: 'public' });
    assert.equal(claims.aud, ctx.clientInfo('public').id);
    assert.ok(tokens.access_token);
  });

  it('request without nonce succeeds (code flow)', async () => {
    const { claims } = await ctx.codeFlow({ nonce: false });
    assert.equal(claims.nonce, undefined, 'no nonce in the ID token when none was sent');
  });

  it('request with an unknown parameter succeeds', async () => {
    const { claims } = await ctx.codeFlow({ extra: { extra_unknown_param: 'foobar', another: 'x y' } });
    assert.ok(claims.sub);
  });

  it('other scope order succeeds', async () => {
    const { claims } = await ctx.codeFlow({ scope: 'email profile openid' });
    assert.ok(claims.sub);
    assert.equal(claims.email, ctx.user('alice').email);
  });

  it('second registered redirect_uri works', async () => {
    const { claims, res } = await ctx.codeFlow({ redirectUri: ctx.rp.callback2 });
    assert.ok(res.url.href.startsWith(ctx.rp.callback2));
    assert.ok(claims.sub);
  });

  it('response_mode=form_post', async () => {
    const { claims, res } = await ctx.codeFlow({ extra: { response_mode: 'form_post' } });
    assert.equal(res.callback.method, 'POST');
    assert.ok(claims.sub);
  });

  it('authorization request by POST (OIDC Core 3.1.2.1)', async (t) => {
    if (!ctx.target.features.authorizationPost) {
      t.skip(`${ctx.target.name}: POST authorization requests need SameSite=None cookies (HTTPS) in this configuration`);
      return;
    }
    const session = await ctx.newSession();
    const res = await ctx.authorizeOnly({ session, post: true });
    ctx.expectCallback(res, 'POST authorization request');
    assert.ok(res.params.get('code'), `no code: ${res.params}`);
    const r = await ctx.redeem('basic', res.params.get('code'), res.verifier);
    assert.equal(r.status, 200, r.text);
  });

  it('the same user gets the same sub across clients and logins', async () => {
    const a = await ctx.codeFlow({ client: 'basic' });
    const b = await ctx.codeFlow({ client: 'post' });
    assert.equal(a.claims.sub, b.claims.sub);
    const bob = await ctx.codeFlow({ client: 'basic', user: 'bob' });
    assert.notEqual(bob.claims.sub, a.claims.sub);
    if (ctx.user('alice').sub) assert.equal(a.claims.sub, ctx.user('alice').sub);
  });

  it('a wrong password shows the login page again and reaches no RP', async () => {
    const session = await ctx.newSession();
    const res = await ctx.authorizeOnly({ session, user: null });
    assert.equal(res.kind, 'login');
    await ctx.submitLogin(res.page, { username: 'alice', password: 'wrong-Passw0rd!' });
    const state = await ctx.waitForState(res.page, session, 0, 3000);
    assert.notEqual(state, 'callback', 'a wrong password must not reach the RP');
    assert.equal(session.callbacks.length, 0);
  });

  it('a fresh browser has no session (prompt=none → login_required)', async () => {
    const res = await ctx.authorizeOnly({ user: null, params: { prompt: 'none' } });
    ctx.expectCallback(res);
    assert.equal(res.params.get('error'), 'login_required');
  });
});

function decodeJwtSafe(t) {
  try {
    return decodeJwt(t);
  } catch {
    return null;
  }
}
