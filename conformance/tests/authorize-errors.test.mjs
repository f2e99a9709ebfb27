// Authorization endpoint errors: oidcc-response-type-missing, oidcc-ensure-registered-redirect-uri,
// and the other refusals RFC 6749 §4.1.2.1 decides between an error page (client or
// redirect_uri not trusted) and an error redirect (everything else).
import { it } from 'node:test';
import { conformance, assert } from '../lib/harness.mjs';
import { observe } from '../lib/util.mjs';

conformance('authorization errors', (ctx) => {
  /** Asserts an error page: HTTP 400, an error code shown, and the RP never reached. */
  function assertErrorPage(res, key) {
    observe(ctx.target, `${key}.status`, res.status);
    observe(ctx.target, `${key}.error`, res.errorText ?? '(none)');
    assert.equal(res.callbacks?.length ?? 0, 0, `the browser must not be sent to the RP (went to ${res.callbacks?.map((c) => c.url)})`);
    assert.notEqual(res.kind, 'callback', 'no redirect to the RP');
    assert.equal(res.status, 400, `error page status: HTTP ${res.status} (${res.kind}); chain ${res.chain?.join(' -> ')}`);
    assert.equal(res.kind, 'error', `an error page with ${ctx.selectors.error}; got ${res.kind}: ${(res.html || '').replace(/\s+/g, ' ').slice(0, 300)}`);
    assert.ok(res.errorText, 'the error page names the error');
  }

  /** Asserts an error redirect to the RP: error in `errors`, state echoed, iss present, no code. */
  function assertErrorRedirect(res, errors, key) {
    ctx.expectCallback(res, key);
    const error = res.params.get('error');
    observe(ctx.target, `${key}.error`, error);
    assert.ok(errors.includes(error), `expected error ${errors.join('|')}, got ${error} (${res.params.get('error_description') ?? ''})`);
    assert.equal(res.params.get('code'), null, 'no code with an error');
    assert.equal(res.params.get('state'), res.state, 'state echoed on errors');
    assert.equal(res.params.get('iss'), ctx.target.issuer, 'iss on error responses (RFC 9207)');
  }

  it('response_type missing → error (redirect with invalid_request/unsupported_response_type, or a 400 page)', async () => {
    const res = await ctx.authorizeOnly({ params: { response_type: null }, user: null });
    observe(ctx.target, 'response_type_missing.outcome', res.kind);
    if (res.kind === 'callback') {
      assertErrorRedirect(res, ['invalid_request', 'unsupported_response_type'], 'response_type_missing');
    } else {
      assertErrorPage(res, 'response_type_missing');
    }
  });

  it('unsupported response_type (token) → unsupported_response_type redirect', async () => {
    const res = await ctx.authorizeOnly({ params: { response_type: 'token' }, user: null });
    observe(ctx.target, 'response_type_token.outcome', res.kind);
    assertErrorRedirect(res, ['unsupported_response_type'], 'response_type_token');
  });

  it('redirect_uri not registered → 400 error page, no redirect', async () => {
    const res = await ctx.authorizeOnly({ params: { redirect_uri: ctx.rp.unregistered }, user: null });
    assertErrorPage(res, 'redirect_uri_unregistered');
  });

  it('redirect_uri with an extra path segment → 400 error page, no redirect', async () => {
    const res = await ctx.authorizeOnly({ params: { redirect_uri: `${ctx.rp.callback}/x` }, user: null });
    assertErrorPage(res, 'redirect_uri_extended');
  });

  it('redirect_uri with an added query → 400 error page, no redirect', async () => {
    const res = await ctx.authorizeOnly({ params: { redirect_uri: `${ctx.rp.callback}?evil=1` }, user: null });
    assertErrorPage(res, 'redirect_uri_query');
  });

  it('redirect_uri missing (two registered) → 400 error page, no redirect', async () => {
    const res = await ctx.authorizeOnly({ params: { redirect_uri: null }, user: null });
    assertErrorPage(res, 'redirect_uri_missing');
  });

  it('unknown client_id → 400 error page, no redirect', async () => {
    const res = await ctx.authorizeOnly({ params: { client_id: 'no-such-client-0000' }, user: null });
    assertErrorPage(res, 'client_unknown');
  });

  it('client_id missing → 400 error page, no redirect', async () => {
    const res = await ctx.authorizeOnly({ params: { client_id: null }, user: null });
    assertErrorPage(res, 'client_missing');
  });

  it('a scope the client may not request → invalid_scope redirect', async () => {
    const res = await ctx.authorizeOnly({ scope: 'openid api/write', user: null });
    observe(ctx.target, 'scope_not_allowed.outcome', res.kind);
    assertErrorRedirect(res, ['invalid_scope'], 'scope_not_allowed');
  });

  it('an error redirect happens before any login page (invalid request, valid redirect_uri)', async () => {
    const res = await ctx.authorizeOnly({ params: { code_challenge_method: 'plain' }, user: null });
    assert.notEqual(res.kind, 'login', 'a malformed request must not show the login page first');
    assertErrorRedirect(res, ['invalid_request'], 'pkce_plain_before_login');
  });
});
