// private_key_jwt client authentication (RFC 7523 §2.2, OIDC Core §9) driven by oauth4webapi:
// the client signs an assertion with its own key; the server knows only the public JWK. Replays,
// a foreign key and a wrong audience are refused with invalid_client.
import { it } from 'node:test';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as jose from 'jose';
import { conformance, assert, oauth, assertOAuthError } from '../lib/harness.mjs';
import { postForm, decodeJwt } from '../lib/util.mjs';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

conformance('private_key_jwt', (ctx) => {
  let clientId;
  let keys;

  async function registered(t) {
    if (!ctx.target.server) {
      t.skip(`${ctx.target.name}: the reference OP is not configured with private_key_jwt clients`);
      return false;
    }
    if (clientId) return true;
    keys = await jose.generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await jose.exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const dir = mkdtempSync(join(tmpdir(), 'warden-pkjwt-'));
    const file = join(dir, 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [jwk] }));
    const c = await ctx.target.server.cli(['client', 'create', '--pool-id', ctx.target.poolId, '--name', 'pkjwt',
      '--service', '--oauth-scopes', 'api/read', '--jwks-file', file]);
    assert.ok(c.ClientId, JSON.stringify(c));
    assert.equal(c.PrivateKeyJwt, true);
    clientId = c.ClientId;
    return true;
  }

  async function assertion(claims, key = keys.privateKey) {
    return new jose.SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(key);
  }

  it('oauth4webapi PrivateKeyJwt → a client_credentials token', async (t) => {
    if (!(await registered(t))) return;
    const as = await ctx.as();
    assert.ok(as.token_endpoint_auth_methods_supported.includes('private_key_jwt'), 'advertised');
    const client = { client_id: clientId };
    const auth = oauth.PrivateKeyJwt({ key: keys.privateKey, kid: 'k1' });
    const res = await oauth.clientCredentialsGrantRequest(as, client, auth, new URLSearchParams({ scope: 'api/read' }),
      { [oauth.allowInsecureRequests]: true });
    const tokens = await oauth.processClientCredentialsResponse(as, client, res);
    assert.equal(decodeJwt(tokens.access_token).payload.client_id, clientId);
  });

  it('a replayed assertion, a foreign key, a wrong audience or a stale exp → 401 invalid_client', async (t) => {
    if (!(await registered(t))) return;
    const meta = await ctx.metadata();
    const now = Math.floor(Date.now() / 1000);
    const base = { iss: clientId, sub: clientId, aud: meta.token_endpoint, iat: now, exp: now + 60 };
    const send = (a) => postForm(meta.token_endpoint, {
      grant_type: 'client_credentials', scope: 'api/read', client_assertion_type: ASSERTION_TYPE, client_assertion: a,
    });
    const once = await assertion({ ...base, jti: `j-${now}-1` });
    assert.equal((await send(once)).status, 200);
    assertOAuthError(await send(once), { status: 401, error: 'invalid_client' }, 'replayed jti');
    const foreign = await jose.generateKeyPair('ES256');
    assertOAuthError(await send(await assertion({ ...base, jti: `j-${now}-2` }, foreign.privateKey)), { status: 401, error: 'invalid_client' }, 'foreign key');
    assertOAuthError(await send(await assertion({ ...base, jti: `j-${now}-3`, aud: 'https://elsewhere.example/token' })), { status: 401, error: 'invalid_client' }, 'wrong aud');
    assertOAuthError(await send(await assertion({ ...base, jti: `j-${now}-4`, exp: now - 5 })), { status: 401, error: 'invalid_client' }, 'expired');
    assertOAuthError(await send(await assertion({ ...base, jti: `j-${now}-5`, exp: now + 86400 })), { status: 401, error: 'invalid_client' }, 'exp too far');
  });
}, { browser: false });
