// The targets every test runs against, behind one interface:
//   warden-sqlite, warden-postgres (when WARDEN_TEST_POSTGRES_URL is set), oidc-provider.
// A target has an issuer, a fixed set of clients and users made at start, the selectors of its
// hosted pages, and `features` describing where it legitimately differs from the other targets.
import { startReferenceOp, API_SCOPES } from './reference-op.mjs';
import { WardenServer, PG_URL } from './warden.mjs';

export const PASSWORDS = {
  alice: 'Passw0rd!alice-1',
  bob: 'Passw0rd!bob-22',
  carol: 'Temp-Passw0rd!c3',
  carolNew: 'New-Passw0rd!c33',
};

const CODE_SCOPES = 'openid email profile phone';

/** The target names selected by CONFORMANCE_TARGETS (default "warden,oidc-provider"). */
export function selectedTargets() {
  const raw = (process.env.CONFORMANCE_TARGETS || 'warden,oidc-provider').split(',').map((s) => s.trim()).filter(Boolean);
  const out = [];
  for (const t of raw) {
    if (t === 'warden') {
      out.push('warden-sqlite');
      if (PG_URL) out.push('warden-postgres');
    } else if (['warden-sqlite', 'warden-postgres', 'oidc-provider'].includes(t)) {
      out.push(t);
    } else {
      throw new Error(`unknown conformance target ${t} (known: warden, warden-sqlite, warden-postgres, oidc-provider)`);
    }
  }
  return [...new Set(out)];
}

/** The relying party's URLs (nothing listens there: the browser's requests to it are routed). */
export function rpUrls(base) {
  return {
    base,
    callback: `${base}/cb`,
    callback2: `${base}/cb2`,
    unregistered: `${base}/not-registered`,
    logout: `${base}/logged-out`,
    unregisteredLogout: `${base}/not-registered-logout`,
  };
}

const SELECTORS = {
  username: 'input[name=username]',
  password: 'input[name=password]',
  csrf: 'input[name=csrf]',
  submit: 'button[type=submit]',
  newPassword: 'input[name=new_password]',
  confirmPassword: 'input[name=confirm_password]',
  totp: 'input[name=code]',
  logoutConfirm: 'button[type=submit]',
  error: '#error',
};

// The clients every target has. auth: how the harness authenticates it at the token endpoint.
const CLIENT_SPECS = {
  basic: { auth: 'client_secret_basic', rotate: false },
  post: { auth: 'client_secret_post', rotate: false },
  rotating: { auth: 'client_secret_basic', rotate: true },
  public: { auth: 'none', rotate: false },
  publicRotating: { auth: 'none', rotate: true },
  other: { auth: 'client_secret_basic', rotate: false },
  service: { auth: 'client_secret_basic', service: true },
};

export async function startTarget(name, rp) {
  if (name === 'oidc-provider') return startOidcProvider(rp);
  if (name === 'warden-sqlite') return startWarden('sqlite', rp);
  if (name === 'warden-postgres') return startWarden('postgres', rp);
  throw new Error(`unknown target ${name}`);
}

async function startOidcProvider(rp) {
  const op = await startReferenceOp();
  const clients = {};
  for (const [key, spec] of Object.entries(CLIENT_SPECS)) {
    const id = `${key}-client`;
    const secret = spec.auth === 'none' ? undefined : `${key}-secret-${Math.random().toString(36).slice(2)}-0123456789abcdef`;
    const meta = spec.service
      ? { client_id: id, client_secret: secret, grant_types: ['client_credentials'], response_types: [], redirect_uris: [], token_endpoint_auth_method: spec.auth, scope: 'api/read' }
      : {
        client_id: id,
        ...(secret ? { client_secret: secret } : {}),
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [rp.callback, rp.callback2],
        post_logout_redirect_uris: [rp.logout],
        token_endpoint_auth_method: spec.auth,
        scope: CODE_SCOPES,
        require_auth_time: true,
        x_rotate_refresh_tokens: spec.rotate,
      };
    await op.addClient(meta);
    clients[key] = { key, id, secret, auth: spec.auth, rotate: !!spec.rotate, scope: spec.service ? 'api/read' : CODE_SCOPES };
  }
  // A third-party client: oidc-provider asks for consent (Warden has no consent page yet).
  await op.addClient({
    client_id: 'third-party-client', client_secret: 'third-party-secret-0123456789abcdef0123456789', grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'], redirect_uris: [rp.callback], token_endpoint_auth_method: 'client_secret_basic', scope: CODE_SCOPES, x_third_party: true, client_name: 'Third Party App',
  });
  clients.thirdParty = { key: 'thirdParty', id: 'third-party-client', secret: 'third-party-secret-0123456789abcdef0123456789', auth: 'client_secret_basic', rotate: false, scope: CODE_SCOPES };
  const users = {
    alice: { username: 'alice', password: PASSWORDS.alice, email: 'alice@example.com', name: 'Alice Example' },
    bob: { username: 'bob', password: PASSWORDS.bob, email: 'bob@example.com', name: 'Bob Example' },
  };
  for (const u of Object.values(users)) u.sub = op.addUser(u).sub;
  return {
    name: 'oidc-provider',
    kind: 'oidc-provider',
    issuer: op.issuer,
    origin: op.origin,
    rfc8414Url: null,
    clients,
    users,
    selectors: { ...SELECTORS, consent: 'button[name=consent]' },
    features: {
      consent: true,
      refreshWithoutRotation: 'same', // RFC 6749 §6 allows re-sending the same refresh token
      codeFlowAccessToken: 'opaque',
      serviceAudience: (clientId) => clientId,
      profileClaims: ['name'],
      forceChangePassword: false,
      // oidc-provider only serves POST at the authorization endpoint when its session cookie is
      // SameSite=None, which browsers accept only over HTTPS; this harness runs on plain loopback.
      authorizationPost: false,
      // oidc-provider refuses to introspect its structured (JWT) access tokens.
      introspectsJwtAccessTokens: false,
      openidAloneReleasesAllClaims: false,
      // Where the reference OP answers differently from the RFC value the tests expect. Used only
      // for this target; every entry is a known oidc-provider behaviour, not a harness choice.
      deviations: {
        // RFC 6749 §5.2 says unauthorized_client; oidc-provider: invalid_request "requested grant
        // type is not allowed for this client".
        client_credentials_code_client: { status: 400, error: 'invalid_request' },
        client_credentials_public_client: { status: 400, error: 'invalid_request' },
        // RFC 6749 §5.2 (used by RFC 7662 §2.1 and RFC 7009 §2.1): no client authentication is
        // invalid_client (401); oidc-provider: 400 invalid_request "no client authentication
        // mechanism provided".
        introspection_no_auth: { status: 400, error: 'invalid_request' },
        revocation_no_auth: { status: 400, error: 'invalid_request' },
      },
    },
    async stop() {
      await op.close();
      return [];
    },
  };
}

async function startWarden(backend, rp) {
  const server = await new WardenServer(backend).start();
  try {
    const pool = await server.cli(['pool', 'create', '--name', `conformance-${backend}`]);
    const poolId = pool.Id;
    if (!poolId) throw new Error(`pool create printed no Id: ${JSON.stringify(pool)}`);
    const users = {
      alice: { username: 'alice', password: PASSWORDS.alice, email: 'alice@example.com' },
      bob: { username: 'bob', password: PASSWORDS.bob, email: 'bob@example.com' },
    };
    for (const u of Object.values(users)) {
      await server.cli(['user', 'create', '--pool-id', poolId, '--username', u.username, '--password', u.password, '--email', u.email]);
    }
    const carol = { username: 'carol', password: PASSWORDS.carol, newPassword: PASSWORDS.carolNew, email: 'carol@example.com' };
    await server.cli(['user', 'create', '--pool-id', poolId, '--username', carol.username, '--temporary-password', carol.password, '--email', carol.email]);
    await server.cli(['resource-server', 'create', '--pool-id', poolId, '--identifier', 'api', '--name', 'API', '--scopes', 'read,write']);
    const clients = {};
    for (const [key, spec] of Object.entries(CLIENT_SPECS)) {
      let args;
      if (spec.service) {
        args = ['client', 'create', '--pool-id', poolId, '--name', key, '--service', '--oauth-scopes', 'api/read'];
      } else {
        args = ['client', 'create', '--pool-id', poolId, '--name', key, '--oauth-flows', 'code', '--oauth-scopes', CODE_SCOPES,
          '--callback-urls', `${rp.callback},${rp.callback2}`, '--logout-urls', rp.logout];
        if (spec.auth !== 'none') args.push('--secret');
        // Public code clients rotate by default (RFC 9700); the non-rotating public one asks not to.
        args.push(spec.rotate ? '--rotate-refresh-tokens' : '--no-rotate-refresh-tokens');
      }
      const c = await server.cli(args);
      if (!c.ClientId) throw new Error(`client create printed no ClientId: ${JSON.stringify(c)}`);
      if (spec.auth !== 'none' && !c.ClientSecret) throw new Error(`client create printed no ClientSecret: ${JSON.stringify(c)}`);
      clients[key] = { key, id: c.ClientId, secret: c.ClientSecret, auth: spec.auth, rotate: !!spec.rotate, scope: spec.service ? 'api/read' : CODE_SCOPES };
    }
    // A third-party client: users are asked to consent to its scopes.
    const tp = await server.cli(['client', 'create', '--pool-id', poolId, '--name', 'thirdParty', '--oauth-flows', 'code',
      '--oauth-scopes', CODE_SCOPES, '--callback-urls', `${rp.callback},${rp.callback2}`, '--logout-urls', rp.logout,
      '--secret', '--third-party']);
    clients.thirdParty = { key: 'thirdParty', id: tp.ClientId, secret: tp.ClientSecret, auth: 'client_secret_basic', rotate: false, scope: CODE_SCOPES };
    return {
      name: `warden-${backend}`,
      kind: 'warden',
      backend,
      server,
      poolId,
      issuer: `${server.url}/${poolId}`,
      origin: server.url,
      rfc8414Url: `${server.url}/.well-known/oauth-authorization-server/${poolId}`,
      clients,
      users: { ...users, carol },
      selectors: { ...SELECTORS, consent: 'button[name=decision][value=allow]' },
      features: {
        consent: true,
        refreshWithoutRotation: 'absent', // Cognito: no refresh_token in a refresh response
        codeFlowAccessToken: 'jwt',
        // RFC 9068 §3: the audience of a client_credentials token is the resource server
        // (here the resource server `api` whose scope was granted), not the client.
        serviceAudience: () => 'api',
        profileClaims: [],
        forceChangePassword: true,
        authorizationPost: true,
        introspectsJwtAccessTokens: true,
        // Cognito: "openid" alone releases every attribute the client can read (ID token and
        // userInfo); with other scopes, the scopes decide.
        openidAloneReleasesAllClaims: true,
        deviations: {},
      },
      async stop() {
        return server.stop();
      },
    };
  } catch (e) {
    const problems = await server.stop();
    e.message = `${e.message}\n--- warden log tail ---\n${server.logTail()}${problems.length ? `\n${problems.join('\n')}` : ''}`;
    throw e;
  }
}

export { API_SCOPES };
