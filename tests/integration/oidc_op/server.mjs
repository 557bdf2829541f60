// A real OpenID Provider for authprobe's integration tests (oidc-provider, OpenID Certified).
//
//   node server.mjs CONFIG.json
//
// CONFIG: {"port": 0, "clients": [...oidc-provider client metadata...],
//          "accounts": {"<login>": {"sub": "...", ...claims released...}},
//          "scopes": {"campus": ["employeeid", "upn"]}}
// Listens on 127.0.0.1 (issuer http://127.0.0.1:PORT), prints "LISTENING <port>" on stdout,
// and signs ID tokens with RSA and EC keys made at start. Logins use oidc-provider's own
// development interactions (a login form, then a consent form); only the configured
// accounts can sign in. Claims go into the ID token (conformIdTokenClaims: false), as
// Entra ID, Google and Keycloak do.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function key(type, options, alg) {
  const { privateKey } = generateKeyPairSync(type, options);
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, alg, use: 'sig', kid: `test-${alg.toLowerCase()}` };
}

const jwks = {
  keys: [
    key('rsa', { modulusLength: 2048 }, 'RS256'),
    key('ec', { namedCurve: 'P-256' }, 'ES256'),
  ],
};

const accounts = config.accounts;
const scopes = config.scopes || {};
const claims = {
  openid: ['sub'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username'],
  email: ['email', 'email_verified'],
  ...scopes,
};

const server = http.createServer();
server.listen(config.port || 0, '127.0.0.1', () => {
  const { port } = server.address();
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients: config.clients,
    jwks,
    claims,
    scopes: ['openid', 'offline_access', ...Object.keys(claims)],
    conformIdTokenClaims: false,
    cookies: { keys: ['authprobe-test-cookie-key'] },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    async findAccount(ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return { ...account, sub: account.sub || id };
        },
      };
    },
  });
  provider.on('server_error', (ctx, error) => console.error('server_error', error));
  server.on('request', provider.callback());
  console.log(`LISTENING ${port}`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
