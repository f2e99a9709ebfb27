// The reference OP: npm `oidc-provider` (the OP the OIDF suite's own CI uses), configured to
// behave like Warden's OIDC door so every test can run against both:
//   - issuer with a path (http://127.0.0.1:PORT/op), like Warden's per-pool issuers;
//   - RS256 ID tokens with a kid; response_type code only; PKCE S256 only, required for public
//     clients; client auth client_secret_basic, client_secret_post, none;
//   - a refresh token for every code-flow client (no offline_access needed), rotated only for
//     clients registered with `x_rotate_refresh_tokens: true`;
//   - client_credentials with RS256 `at+jwt` access tokens whose aud is the client_id;
//   - introspection, revocation, RP-initiated logout; email/email_verified in the ID token;
//   - our own minimal login page (username, password, hidden csrf; no devInteractions) that
//     checks passwords; first-party clients are consented automatically (Warden has no consent
//     page), clients registered with `x_third_party: true` get a consent page.
// Clients and users are added at run time (addClient/addUser); storage is an in-memory Map.
import { createServer } from 'node:http';
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const MOUNT = '/op';
export const API_RESOURCE = 'urn:warden-conformance:api';
export const API_SCOPES = ['api/read', 'api/write'];

// ---------------------------------------------------------------- storage (our own, a Map)
// One per OP instance: model name -> Map(id -> { payload, expiresAt }).
function mapAdapter(stores) {
  const storeFor = (name) => {
    if (!stores.has(name)) stores.set(name, new Map());
    return stores.get(name);
  };
  return class MapAdapter {
  constructor(name) {
    this.name = name;
    this.items = storeFor(name);
  }

  live(id) {
    const item = this.items.get(id);
    if (!item) return undefined;
    if (item.expiresAt && item.expiresAt < Date.now()) {
      this.items.delete(id);
      return undefined;
    }
    return item.payload;
  }

  async upsert(id, payload, expiresIn) {
    this.items.set(id, { payload: structuredClone(payload), expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : 0 });
  }

  async find(id) {
    const p = this.live(id);
    return p ? structuredClone(p) : undefined;
  }

  async findByUserCode(userCode) {
    for (const id of this.items.keys()) {
      const p = this.live(id);
      if (p?.userCode === userCode) return structuredClone(p);
    }
    return undefined;
  }

  async findByUid(uid) {
    for (const id of this.items.keys()) {
      const p = this.live(id);
      if (p?.uid === uid) return structuredClone(p);
    }
    return undefined;
  }

  async consume(id) {
    const item = this.items.get(id);
    if (item) item.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    this.items.delete(id);
  }

  async revokeByGrantId(grantId) {
    // Tokens of every model that carry this grantId.
    for (const store of stores.values()) {
      for (const [id, item] of store) if (item.payload?.grantId === grantId) store.delete(id);
    }
  }
  };
}

// ---------------------------------------------------------------- pages
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

function page(title, body) {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body>${body}</body></html>`;
}

function loginPage({ action, csrf, username = '', error }) {
  return page('Sign in', `
<h1>Sign in</h1>
${error ? `<p id="login-error">${esc(error)}</p>` : ''}
<form method="post" action="${esc(action)}">
  <input type="hidden" name="csrf" value="${esc(csrf)}">
  <label>Username <input name="username" value="${esc(username)}" autocomplete="username"></label>
  <label>Password <input name="password" type="password" autocomplete="current-password"></label>
  <button type="submit">Sign in</button>
</form>`);
}

function consentPage({ action, csrf, client, scopes }) {
  return page('Authorize', `
<h1>Authorize ${esc(client)}</h1>
<p id="consent-scopes">${esc(scopes.join(' '))}</p>
<form method="post" action="${esc(action)}">
  <input type="hidden" name="csrf" value="${esc(csrf)}">
  <button type="submit" name="consent" value="yes">Allow</button>
</form>`);
}

function errorPage(error, description) {
  return page('Error', `<h1>Error</h1><p id="error">${esc(error)}</p><p id="error-description">${esc(description ?? '')}</p>`);
}

async function readForm(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, html, headers = {}) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(html);
}

function sameSecret(a, b) {
  const x = Buffer.from(String(a ?? ''));
  const y = Buffer.from(String(b ?? ''));
  return x.length === y.length && timingSafeEqual(x, y);
}

// ---------------------------------------------------------------- the OP
/**
 * Starts the reference OP on 127.0.0.1 (port 0 = any free port).
 * Returns { issuer, origin, addClient(metadata), addUser(user), close() }.
 */
export async function startReferenceOp({ port = 0 } = {}) {
  const server = createServer();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const issuer = `${origin}${MOUNT}`;

  const MapAdapter = mapAdapter(new Map());
  const users = new Map(); // sub -> user
  const csrfByUid = new Map();

  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = { ...(await jose.exportJWK(privateKey)), use: 'sig', alg: 'RS256', kid: `rs-${randomBytes(4).toString('hex')}` };

  const provider = new Provider(issuer, {
    adapter: MapAdapter,
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    scopes: ['openid', 'email', 'profile', 'phone', ...API_SCOPES],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      phone: ['phone_number', 'phone_number_verified'],
    },
    conformIdTokenClaims: false,
    extraClientMetadata: { properties: ['x_rotate_refresh_tokens', 'x_third_party'] },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: (ctx) => ctx.oidc.client.x_rotate_refresh_tokens === true,
    ttl: { AccessToken: 3600, AuthorizationCode: 300, ClientCredentials: 3600, IdToken: 3600, RefreshToken: 30 * 24 * 3600, Interaction: 3600, Session: 24 * 3600, Grant: 30 * 24 * 3600 },
    async findAccount(_ctx, sub) {
      const user = users.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, email: user.email, email_verified: true, name: user.name };
        },
      };
    },
    async loadExistingGrant(ctx) {
      const { client, session } = ctx.oidc;
      const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
      let grant = grantId ? await provider.Grant.find(grantId) : undefined;
      if (client.x_third_party) return grant; // consent page decides
      // First-party clients: everything the client asks for (and is allowed) is granted.
      if (!grant) grant = new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      const scopes = [...ctx.oidc.requestParamScopes].filter((s) => !API_SCOPES.includes(s));
      if (scopes.length) grant.addOIDCScope(scopes.join(' '));
      const claims = [...ctx.oidc.requestParamClaims];
      if (claims.length) grant.addOIDCClaims(claims);
      await grant.save();
      return grant;
    },
    interactions: { url: (_ctx, interaction) => `${MOUNT}/interaction/${interaction.uid}` },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = errorPage(out.error, out.error_description);
    },
    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      dPoP: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = page('Sign out', `<h1>Sign out?</h1>${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = page('Signed out', '<p id="signed-out">signed out</p>');
        },
      },
      resourceIndicators: {
        enabled: true,
        // Only client_credentials gets the API resource (a JWT access token); code-flow access
        // tokens stay opaque tokens for the userinfo endpoint.
        defaultResource: (ctx) => (ctx.oidc.route === 'token' && ctx.oidc.params?.grant_type === 'client_credentials' ? API_RESOURCE : undefined),
        useGrantedResource: () => false,
        getResourceServerInfo: (_ctx, resource, client) => {
          if (resource !== API_RESOURCE) throw new Provider.errors.InvalidTarget();
          return {
            scope: API_SCOPES.join(' '),
            audience: client.clientId,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 3600,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
  });

  const callback = provider.callback();

  async function interaction(req, res, url) {
    const m = url.pathname.slice(MOUNT.length).match(/^\/interaction\/([^/]+)(\/(login|consent))?$/);
    if (!m) return send(res, 404, errorPage('not_found'));
    const [, uid, , step] = m;
    let details;
    try {
      details = await provider.interactionDetails(req, res);
    } catch (e) {
      return send(res, 400, errorPage(e.error || 'invalid_request', e.error_description || e.message));
    }
    if (details.uid !== uid) return send(res, 400, errorPage('invalid_request', 'interaction mismatch'));
    if (req.method === 'GET' && !step) {
      const csrf = randomBytes(24).toString('base64url');
      csrfByUid.set(uid, csrf);
      if (details.prompt.name === 'login') {
        return send(res, 200, loginPage({ action: `${MOUNT}/interaction/${uid}/login`, csrf, username: details.params.login_hint }));
      }
      if (details.prompt.name === 'consent') {
        const client = await provider.Client.find(details.params.client_id);
        return send(res, 200, consentPage({ action: `${MOUNT}/interaction/${uid}/consent`, csrf, client: client?.clientName || details.params.client_id, scopes: String(details.params.scope || '').split(' ') }));
      }
      return send(res, 501, errorPage('server_error', `prompt ${details.prompt.name}`));
    }
    if (req.method !== 'POST' || !step) return send(res, 405, errorPage('invalid_request', 'method'));
    const form = await readForm(req);
    const expected = csrfByUid.get(uid);
    if (!expected || !form.get('csrf') || !sameSecret(form.get('csrf'), expected)) {
      return send(res, 403, errorPage('invalid_request', 'bad or missing csrf token'));
    }
    if (step === 'login') {
      const username = form.get('username') || '';
      const user = [...users.values()].find((u) => u.username === username);
      if (!user || !sameSecret(form.get('password'), user.password)) {
        return send(res, 200, loginPage({ action: `${MOUNT}/interaction/${uid}/login`, csrf: expected, username, error: 'Incorrect username or password.' }));
      }
      csrfByUid.delete(uid);
      return provider.interactionFinished(req, res, { login: { accountId: user.sub, amr: ['pwd'] } }, { mergeWithLastSubmission: false });
    }
    // consent
    csrfByUid.delete(uid);
    const { prompt, params, session, grantId } = details;
    const grant = grantId ? await provider.Grant.find(grantId) : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes || {})) grant.addResourceScope(indicator, scopes.join(' '));
    const newGrantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: grantId ? {} : { grantId: newGrantId } }, { mergeWithLastSubmission: true });
  }

  server.on('request', (req, res) => {
    const url = new URL(req.url, origin);
    if (url.pathname.startsWith(`${MOUNT}/interaction/`)) {
      interaction(req, res, url).catch((e) => {
        if (!res.headersSent) send(res, 500, errorPage('server_error', e.message));
      });
      return;
    }
    if (url.pathname === MOUNT || url.pathname.startsWith(`${MOUNT}/`)) {
      req.originalUrl = req.url;
      req.url = req.url.slice(MOUNT.length) || '/';
      callback(req, res);
      return;
    }
    send(res, 404, errorPage('not_found'));
  });

  const clientAdapter = new MapAdapter('Client');

  return {
    issuer,
    origin,
    provider,
    /** Registers a client (oidc-provider client metadata). */
    async addClient(metadata) {
      await clientAdapter.upsert(metadata.client_id, metadata);
      return metadata;
    },
    /** Adds a user { username, password, email, name }; returns it with its sub. */
    addUser(user) {
      const sub = randomUUID();
      const u = { ...user, sub };
      users.set(sub, u);
      return u;
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      });
    },
  };
}

// `node lib/reference-op.mjs` runs it alone (for poking at it by hand).
if (import.meta.url === `file://${process.argv[1]}`) {
  const op = await startReferenceOp({ port: Number(process.env.PORT || 0) });
  await op.addClient({
    client_id: 'demo', client_secret: 'demo-secret-demo-secret-demo-secret', redirect_uris: ['http://127.0.0.1:8089/cb'],
    grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], scope: 'openid email profile',
  });
  op.addUser({ username: 'alice', password: 'Passw0rd!alice', email: 'alice@example.com', name: 'Alice' });
  console.log(`listen=${new URL(op.origin).host} issuer=${op.issuer} (client demo, user alice / Passw0rd!alice)`);
}
