// OIDF oidcc-idtoken-unsigned's server-side twin: tokens with alg none, HS256 signed with the
// public key (key confusion), a tampered payload, all refused at userinfo (401) and inactive at
// introspection.
import { it } from 'node:test';
import { createHmac, createPublicKey } from 'node:crypto';
import { conformance, assert } from '../lib/harness.mjs';
import { b64url, decodeJwt, isJwt, observe } from '../lib/util.mjs';

conformance('forged tokens', (ctx) => {
  let base; // { header, payload } of a real token to imitate

  async function template() {
    if (!base) {
      const { tokens } = await ctx.codeFlow({ scope: 'openid email' });
      // Imitate the real access token if it is a JWT, else the ID token's claims.
      const src = isJwt(tokens.access_token) ? tokens.access_token : tokens.id_token;
      const { header, payload } = decodeJwt(src);
      base = { header, payload: { ...payload, exp: Math.floor(Date.now() / 1000) + 3600 }, real: tokens };
    }
    return base;
  }

  async function publicPem() {
    const m = await ctx.metadata();
    const { keys } = await (await fetch(m.jwks_uri)).json();
    const { header } = await template();
    const jwk = keys.find((k) => k.kid === header.kid) || keys.find((k) => k.kty === 'RSA');
    return createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  }

  async function expectRefused(token, key) {
    const ui = await ctx.userinfo(token);
    const intro = await ctx.introspect(token, 'basic');
    observe(ctx.target, key, { userinfo: ui.status, introspection: intro.json?.active });
    assert.equal(ui.status, 401, `userinfo accepted a forged token: HTTP ${ui.status} ${ui.text.slice(0, 200)}`);
    if (!ctx.target.features.introspectsJwtAccessTokens && intro.status === 400) {
      // oidc-provider refuses to introspect anything JWT-shaped, forged or not.
      assert.equal(intro.json?.error, 'unsupported_token_type', intro.text);
      return;
    }
    assert.equal(intro.status, 200, intro.text);
    assert.equal(intro.json.active, false, `introspection says active for a forged token: ${intro.text.slice(0, 200)}`);
  }

  it('alg none', async () => {
    const { header, payload } = await template();
    const token = `${b64url.encode({ ...header, alg: 'none', kid: undefined })}.${b64url.encode(payload)}.`;
    await expectRefused(token, 'forged_alg_none');
  });

  it('alg none with the real kid', async () => {
    const { header, payload } = await template();
    const token = `${b64url.encode({ ...header, alg: 'none' })}.${b64url.encode(payload)}.`;
    await expectRefused(token, 'forged_alg_none_kid');
  });

  it('HS256 signed with the RSA public key (PEM) as the HMAC secret', async () => {
    const { header, payload } = await template();
    const pem = await publicPem();
    const signingInput = `${b64url.encode({ ...header, alg: 'HS256' })}.${b64url.encode(payload)}`;
    const sig = createHmac('sha256', pem).update(signingInput).digest('base64url');
    await expectRefused(`${signingInput}.${sig}`, 'forged_hs256_pubkey');
  });

  it('a tampered payload under the real signature', async () => {
    const { real } = await template();
    const src = isJwt(real.access_token) ? real.access_token : real.id_token;
    const [h, p, s] = src.split('.');
    const payload = b64url.decodeJson(p);
    payload.sub = `${payload.sub}x`;
    await expectRefused(`${h}.${b64url.encode(payload)}.${s}`, 'forged_tampered');
  });

  it('a real token with its signature stripped', async () => {
    const { real } = await template();
    const src = isJwt(real.access_token) ? real.access_token : real.id_token;
    const [h, p] = src.split('.');
    await expectRefused(`${h}.${p}.`, 'forged_stripped');
  });

  it('the real access token still works (control)', async () => {
    const { real } = await template();
    assert.equal((await ctx.userinfo(real.access_token)).status, 200);
    const intro = await ctx.introspect(real.access_token, 'basic');
    assert.equal(intro.json?.active, true);
  });
});
