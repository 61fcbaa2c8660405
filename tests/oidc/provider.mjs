// A real OpenID Connect provider (npm oidc-provider) on 127.0.0.1 for chatd's tests.
//   node provider.mjs --redirect-uri http://127.0.0.1:9/auth/oidc/test/callback [--port 0] [--tls DIR]
// Prints one JSON line {"issuer": "...", "port": N} once it listens; exits when stdin closes, so
// the test process that started it cannot leave it behind. Two confidential clients:
//   chatd-rs / chatd-rs-secret (ID tokens RS256), chatd-es / chatd-es-secret (ES256).
// Logins use oidc-provider's development interactions: any login name is an account whose
// subject is that name.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
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

// --tls DIR: serve HTTPS with a certificate for "localhost" from a throw-away CA made in DIR
// (DIR/ca.pem is what a client must trust), so tests cover certificate verification for real.
const tlsDir = opt('tls', '');
let tlsOptions;
if (tlsDir) {
  mkdirSync(tlsDir, { recursive: true });
  const ssl = (...a) => {
    const r = spawnSync('openssl', a, { cwd: tlsDir, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`openssl ${a[0]} failed: ${r.stderr}`);
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj',
    '/CN=chatd test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext',
    'keyUsage=critical,keyCertSign');
  ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(tlsDir, 'ext.cnf'),
    'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  tlsOptions = {
    key: readFileSync(join(tlsDir, 'server.key')),
    cert: readFileSync(join(tlsDir, 'server.pem')),
  };
}

const server = await new Promise((resolve) => {
  // Bind first to learn the port: the issuer URL must contain it.
  const s = tlsOptions ? https.createServer(tlsOptions) : http.createServer();
  s.listen(Number(opt('port', '0')), '127.0.0.1', () => resolve(s));
});
const { port } = server.address();
const issuer = tlsOptions ? `https://localhost:${port}` : `http://127.0.0.1:${port}`;

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

console.log(JSON.stringify({ issuer, port, ca: tlsDir ? join(tlsDir, 'ca.pem') : undefined }));
// The starter reads only that line and may close the pipe: everything else goes to stderr.
process.stdout.on('error', () => {});
console.log = console.error;
console.info = console.error;
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
