// A real OpenID Connect provider (npm oidc-provider) on 127.0.0.1 for chatd's tests.
//   node provider.mjs --redirect-uri http://127.0.0.1:9/auth/oidc/test/callback [--port 0]
// Prints one JSON line {"issuer": "...", "port": N} once it listens; exits when stdin closes, so
// the test process that started it cannot leave it behind. Two confidential clients:
//   chatd-rs / chatd-rs-secret (ID tokens RS256), chatd-es / chatd-es-secret (ES256).
// Logins use oidc-provider's development interactions: any login name is an account whose
// subject is that name.
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const redirectUris = args.flatMap((a, i) => (args[i - 1] === '--redirect-uri' ? [a] : []));
if (redirectUris.length === 0) {
  console.error('provider.mjs: give at least one --redirect-uri');
  process.exit(2);
}

const jwk = (kp, kid, alg) => ({ ...kp.privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const client = (id, alg) => ({
  client_id: id,
  client_secret: `${id}-secret`,
  redirect_uris: redirectUris,
  response_types: ['code'],
  grant_types: ['authorization_code'],
  token_endpoint_auth_method: 'client_secret_basic',
  id_token_signed_response_alg: alg,
});

const server = await new Promise((resolve) => {
  // Bind first to learn the port: the issuer URL must contain it.
  import('node:http').then(({ createServer }) => {
    const s = createServer();
    s.listen(Number(opt('port', '0')), '127.0.0.1', () => resolve(s));
  });
});
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [client('chatd-rs', 'RS256'), client('chatd-es', 'ES256')],
  jwks: { keys: [jwk(rsa, 'rsa-test-1', 'RS256'), jwk(ec, 'ec-test-1', 'ES256')] },
  cookies: { keys: ['chatd-test-cookie-key'] },
  pkce: { required: () => true },
  ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 3600, AuthorizationCode: 60 },
  conformIdTokenClaims: false,  // put profile claims into the ID token (preferred_username)
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'name'],
    email: ['email', 'email_verified'],
  },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: id, name: id, email: `${id}@example.test`, email_verified: true };
      },
    };
  },
});
provider.on('server_error', (ctx, err) => console.error('provider server_error', err));
server.on('request', provider.callback());

console.log(JSON.stringify({ issuer, port }));
// The starter reads only that line and may close the pipe: everything else goes to stderr.
process.stdout.on('error', () => {});
console.log = console.error;
console.info = console.error;
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
