// OIDF config plan: the discovery document, the JWKS, RFC 8414 metadata, and every advertised
// response mode actually working.
import { it } from 'node:test';
import { conformance, assert, oauth } from '../lib/harness.mjs';
import { observe, get } from '../lib/util.mjs';

const REQUIRED = ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri', 'response_types_supported',
  'subject_types_supported', 'id_token_signing_alg_values_supported'];
const EXPECTED_ENDPOINTS = ['userinfo_endpoint', 'revocation_endpoint', 'introspection_endpoint', 'end_session_endpoint'];
const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'];
// Beyond the common set, a target may also support private_key_jwt (RFC 7523).
const OPTIONAL_AUTH_METHODS = ['private_key_jwt'];
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

conformance('discovery', (ctx) => {
  it('openid-configuration: issuer equality, JSON, required metadata', async () => {
    const r = await get(`${ctx.target.issuer}/.well-known/openid-configuration`);
    assert.equal(r.status, 200, `HTTP ${r.status}`);
    assert.match(r.headers.get('content-type') || '', /^application\/json/);
    const m = r.json;
    assert.equal(m.issuer, ctx.target.issuer, 'issuer must equal the URL the document was fetched under (minus the well-known suffix)');
    for (const k of REQUIRED) assert.ok(m[k] !== undefined, `missing ${k}`);
    for (const k of EXPECTED_ENDPOINTS) assert.ok(typeof m[k] === 'string', `missing ${k}`);
    for (const k of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', ...EXPECTED_ENDPOINTS]) {
      const u = new URL(m[k]);
      assert.equal(u.origin, new URL(ctx.target.issuer).origin, `${k} ${m[k]} on another origin`);
      assert.equal(u.hash, '', `${k} has a fragment`);
    }
    // openid-client and oauth4webapi accept it (issuer check, shapes).
    await ctx.as();
    await ctx.config('basic');
  });

  it('advertises only what it supports', async () => {
    const m = await ctx.metadata();
    assert.deepEqual(m.response_types_supported, ['code'], 'response_types_supported');
    assert.deepEqual(m.code_challenge_methods_supported, ['S256'], 'code_challenge_methods_supported: S256 only');
    assert.ok(m.subject_types_supported.includes('public'), 'subject_types_supported has public');
    assert.ok(m.id_token_signing_alg_values_supported.includes('RS256'), 'RS256 ID tokens');
    assert.ok(!m.id_token_signing_alg_values_supported.includes('none'), 'alg none must not be advertised');
    assert.ok(!m.id_token_signing_alg_values_supported.some((a) => /^HS/.test(a)), 'HS* ID tokens are not supported');
    const advertised = m.token_endpoint_auth_methods_supported.filter((a) => !OPTIONAL_AUTH_METHODS.includes(a));
    assert.deepEqual([...advertised].sort(), [...AUTH_METHODS].sort(), 'token_endpoint_auth_methods_supported');
    for (const g of ['authorization_code', 'refresh_token', 'client_credentials']) {
      assert.ok(m.grant_types_supported?.includes(g), `grant_types_supported lacks ${g}`);
    }
    for (const g of m.grant_types_supported) {
      assert.ok(['authorization_code', 'refresh_token', 'client_credentials'].includes(g), `grant type ${g} advertised but response_types is code only`);
    }
    for (const s of ['openid', 'email', 'profile']) assert.ok(m.scopes_supported?.includes(s), `scopes_supported lacks ${s}`);
    if (m.response_modes_supported) {
      assert.ok(m.response_modes_supported.includes('query'), 'response_modes_supported lacks query');
      for (const mode of m.response_modes_supported) {
        assert.ok(['query', 'fragment', 'form_post'].includes(mode), `response mode ${mode} advertised (not a mode for response_type code)`);
      }
    }
    assert.equal(m.authorization_response_iss_parameter_supported, true, 'RFC 9207 iss parameter advertised');
    for (const k of ['claims_supported']) if (m[k]) for (const c of ['sub', 'email', 'email_verified']) assert.ok(m[k].includes(c), `${k} lacks ${c}`);
    for (const k of ['request_parameter_supported', 'request_uri_parameter_supported', 'claims_parameter_supported']) {
      observe(ctx.target, `discovery.${k}`, m[k] ?? '(absent)');
    }
    observe(ctx.target, 'discovery.response_modes_supported', m.response_modes_supported ?? '(absent)');
    observe(ctx.target, 'discovery.grant_types_supported', [...(m.grant_types_supported || [])].sort());
  });

  it('JWKS: public RSA signing keys with unique kids', async () => {
    const m = await ctx.metadata();
    const r = await get(m.jwks_uri);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') || '', /^application\/(jwk-set\+)?json/);
    const { keys } = r.json;
    assert.ok(Array.isArray(keys) && keys.length > 0, 'keys[]');
    const kids = keys.map((k) => k.kid);
    assert.ok(kids.every((k) => typeof k === 'string' && k.length > 0), 'every key has a kid');
    assert.equal(new Set(kids).size, kids.length, 'kids are unique');
    for (const k of keys) {
      for (const p of PRIVATE_JWK_MEMBERS) assert.ok(!(p in k), `key ${k.kid} exposes private member ${p}`);
      assert.ok(k.use === undefined || k.use === 'sig', `key ${k.kid} use=${k.use}`);
      if (k.kty === 'RSA') {
        assert.ok(k.n && k.e, 'RSA key has n and e');
        assert.ok(Buffer.from(k.n, 'base64url').length * 8 >= 2048, `RSA key ${k.kid} shorter than 2048 bits`);
        assert.ok(k.alg === undefined || k.alg === 'RS256' || /^PS|^RS/.test(k.alg), `alg ${k.alg}`);
      }
    }
    assert.ok(keys.some((k) => k.kty === 'RSA' && (k.alg === undefined || k.alg === 'RS256')), 'an RS256 key');
  });

  it('RFC 8414 authorization server metadata at the path-inserted well-known URL', async (t) => {
    if (!ctx.target.rfc8414Url) {
      t.skip(`${ctx.target.name} serves no RFC 8414 document for a path issuer`);
      return;
    }
    const r = await get(ctx.target.rfc8414Url);
    assert.equal(r.status, 200, `HTTP ${r.status} ${r.text.slice(0, 200)}`);
    assert.equal(r.json.issuer, ctx.target.issuer);
    for (const k of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'response_types_supported']) assert.ok(r.json[k], `missing ${k}`);
    const oidc = await ctx.metadata();
    for (const k of ['authorization_endpoint', 'token_endpoint', 'jwks_uri']) assert.equal(r.json[k], oidc[k], `${k} differs from the OIDC document`);
    // oauth4webapi's RFC 8414 discovery (path insertion) accepts it.
    const issuer = new URL(ctx.target.issuer);
    const res = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', [oauth.allowInsecureRequests]: true });
    await oauth.processDiscoveryResponse(issuer, res);
  });

  it('every advertised response mode delivers the code', async () => {
    const m = await ctx.metadata();
    const modes = m.response_modes_supported || ['query', 'fragment'];
    const session = await ctx.newSession();
    await ctx.codeFlow({ session }); // log in once
    const as = await ctx.as();
    const { client: c, auth } = ctx.o4('basic');
    for (const mode of modes) {
      const res = await ctx.authorizeOnly({ session, params: { response_mode: mode, prompt: 'none' } });
      ctx.expectCallback(res, `response_mode=${mode}`);
      if (mode === 'form_post') assert.equal(res.callback.method, 'POST', 'form_post must POST to the RP');
      else assert.equal(res.callback.method, 'GET');
      assert.ok(res.params.get('code'), `response_mode=${mode}: no code (${res.params})`);
      const params = oauth.validateAuthResponse(as, c, res.params, res.state);
      const tr = await oauth.authorizationCodeGrantRequest(as, c, auth, params, ctx.rp.callback, res.verifier, { [oauth.allowInsecureRequests]: true });
      const tokens = await oauth.processAuthorizationCodeResponse(as, c, tr, { expectedNonce: res.nonce, requireIdToken: true });
      assert.ok(tokens.access_token);
    }
  });

  it('openid-client end to end after discovery (sanity)', async () => {
    const { claims } = await ctx.codeFlow();
    assert.equal(claims.iss, ctx.target.issuer);
  });
});
