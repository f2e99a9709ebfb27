// The oidc-provider peer for bench/oidc.py: npm oidc-provider (the version bench/oidc.sh pins),
// in-memory adapter, listening on 127.0.0.1:$PORT only. Configured to do what Warden does in
// each workload, with the same algorithms:
// - client_credentials, client_secret_basic, JWT (at+jwt) access tokens signed ES256 or RS256:
//   resource indicators are on and the resource the request names picks the algorithm
//   (https://es256.api.test -> ES256, https://rs256.api.test -> RS256), as Warden's service
//   clients pick theirs with --signing-alg;
// - refresh_token with rotation (rotateRefreshToken: true): every refresh consumes the old token
//   and issues a new one, plus an access token and an ID token signed with the client's
//   id_token_signed_response_alg (RS256 for `web`, ES256 for `web-es`, as Warden's `web` and
//   `web-es` clients);
// - userinfo (GET /me) and introspection (POST /token/introspection) of the user's access token;
// - discovery (GET /.well-known/openid-configuration).
// Refresh tokens are issued without offline_access/prompt=consent (issueRefreshToken below),
// because Warden issues them on every code redemption too. Sign-in is devInteractions (any
// login): bench/oidc.py drives it over HTTP to collect codes before each measured run.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const PORT = Number(process.env.PORT || 3000);
const ISSUER = `http://127.0.0.1:${PORT}`;
const SECRET = process.env.CLIENT_SECRET || 'bench-client-secret-0123456789abcdef0123456789';
const REDIRECT = process.env.REDIRECT_URI || 'http://127.0.0.1:9/cb';

const jwk = (pair, alg, kid) => ({ ...pair.privateKey.export({ format: 'jwk' }), use: 'sig', alg, kid });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
// RS256 first: it is the default ID token algorithm, as Warden's.
const jwks = { keys: [jwk(rsa, 'RS256', 'rs1'), jwk(ec, 'ES256', 'es1')] };

const RESOURCES = {
  'https://es256.api.test': 'ES256',
  'https://rs256.api.test': 'RS256',
};

const web = (clientId, alg) => ({
  client_id: clientId,
  client_secret: SECRET,
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: [REDIRECT],
  scope: 'openid email',
  id_token_signed_response_alg: alg,
});

const provider = new Provider(ISSUER, {
  jwks,
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  clients: [
    {
      client_id: 'svc',
      client_secret: SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'api:read',
    },
    web('web', 'RS256'),
    web('web-es', 'ES256'),
  ],
  scopes: ['openid', 'email', 'api:read'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return { sub, email: `${sub}@example.com`, email_verified: true };
      },
    };
  },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // No resource named: the token is for userinfo (opaque), as in the code flow here.
      defaultResource: () => undefined,
      useGrantedResource: () => false,
      getResourceServerInfo(ctx, resourceIndicator) {
        const alg = RESOURCES[resourceIndicator];
        if (!alg) throw new Error(`unknown resource ${resourceIndicator}`);
        return {
          scope: 'api:read',
          audience: resourceIndicator,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 3600,
          jwt: { sign: { alg } },
        };
      },
    },
  },
  rotateRefreshToken: true,
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  ttl: { AccessToken: 3600, ClientCredentials: 3600, IdToken: 3600, RefreshToken: 30 * 24 * 3600 },
});

provider.listen(PORT, '127.0.0.1');
