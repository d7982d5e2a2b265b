// For the package's tests only (not built): a tiny issuer on a real port, with its discovery document and JWKS,
// and access tokens signed by its key with jose.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT, UnsecuredJWT } from 'jose';

export interface TestIssuer {
  issuer: string;
  jwksUri: string;
  audience: string;
  /** A token for `user-1` from `app-1`, valid for five minutes; claims given here override (undefined removes). */
  token(claims?: Record<string, unknown>, header?: Record<string, unknown>, key?: CryptoKey): Promise<string>;
  /** Another RSA key the issuer does not publish. */
  strangerKey: CryptoKey;
  /** What the JWKS endpoint answers; `fail` makes it answer 500. */
  jwks: { keys: JWK[]; fail: boolean; requests: number };
  /** What the discovery document says; `issuer` defaults to the real one. */
  discovery: { issuer?: string; requests: number };
  close(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const [own, stranger] = await Promise.all([
    generateKeyPair('RS256', { extractable: true }),
    generateKeyPair('RS256', { extractable: true }),
  ]);
  const jwks = {
    keys: [{ ...(await exportJWK(own.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] as JWK[],
    fail: false,
    requests: 0,
  };
  const discovery: TestIssuer['discovery'] = { requests: 0 };
  let issuer = '';
  const server = createServer((req, res) => {
    if (req.url === '/t/discovery/v2.0/keys') {
      jwks.requests++;
      res.writeHead(jwks.fail ? 500 : 200, { 'content-type': 'application/json' });
      res.end(jwks.fail ? '{}' : JSON.stringify({ keys: jwks.keys }));
    } else if (req.url === '/t/v2.0/.well-known/openid-configuration') {
      discovery.requests++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ issuer: discovery.issuer ?? issuer, jwks_uri: `${issuer.slice(0, -5)}/discovery/v2.0/keys` }),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer = `${base}/t/v2.0`;
  const audience = 'api://orders';
  return {
    issuer,
    jwksUri: `${base}/t/discovery/v2.0/keys`,
    audience,
    strangerKey: stranger.privateKey,
    jwks,
    discovery,
    async token(claims = {}, header = {}, key = own.privateKey) {
      const now = Math.floor(Date.now() / 1000);
      const payload: JWTPayload = JSON.parse(
        JSON.stringify({
          iss: issuer,
          aud: audience,
          sub: 'user-1',
          client_id: 'app-1',
          scope: 'orders.read',
          iat: now,
          exp: now + 300,
          auth_time: now - 10,
          acr: 'pwd-only',
          amr: ['pwd'],
          ...claims,
        }),
      );
      return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt', ...header }).sign(key);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The routes both framework tests declare, with what each requires. */
export const ROUTES = {
  public: { method: 'GET', url: '/public' },
  read: { method: 'GET', url: '/orders', requirement: { scopes: ['orders.read'] } },
  exportAll: { method: 'GET', url: '/orders/export', requirement: { acr: ['phr'], maxAge: 300 } },
  keys: { method: 'GET', url: '/keys', requirement: { amr: ['hwk'] } },
  write: { method: 'POST', url: '/orders', requirement: { scopes: ['orders.write'] } },
} as const;

export interface RouteCase {
  name: string;
  route: keyof typeof ROUTES;
  authorization?: string;
  status: number;
  /** The exact header, or null for none. */
  wwwAuthenticate: string | null;
  body: Record<string, unknown>;
}

/** What a client sees from each route for each kind of token, the same through Fastify and Express (realm "orders"). */
export async function routeCases(rs: TestIssuer): Promise<RouteCase[]> {
  const now = Math.floor(Date.now() / 1000);
  const bearer = async (claims?: Record<string, unknown>, header?: Record<string, unknown>, key?: CryptoKey) =>
    `Bearer ${await rs.token(claims, header, key)}`;
  const hs256 = await new SignJWT({ sub: 'user-1', scope: 'orders.read' })
    .setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'at+jwt' })
    .setIssuer(rs.issuer)
    .setAudience(rs.audience)
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode('a-shared-secret-of-thirty-two-b!'));
  const invalid = (description: string) => ({
    status: 401,
    wwwAuthenticate: `Bearer realm="orders", error="invalid_token", error_description="${description}"`,
    body: { error: 'invalid_token', error_description: description },
  });
  const stepUp = (description: string, params: string) => ({
    status: 401,
    wwwAuthenticate: `Bearer realm="orders", error="insufficient_user_authentication", error_description="${description}"${params}`,
    body: { error: 'insufficient_user_authentication', error_description: description },
  });
  const unauthorized = {
    status: 401,
    wwwAuthenticate: 'Bearer realm="orders"',
    body: { error: 'unauthorized', error_description: 'An access token is required' },
  };
  return [
    { name: 'no Authorization header', route: 'read', ...unauthorized },
    { name: 'another scheme (Basic)', route: 'read', authorization: 'Basic dXNlcjpwYXNz', ...unauthorized },
    {
      name: 'a Bearer header that is not one token',
      route: 'read',
      authorization: 'Bearer two tokens',
      status: 400,
      wwwAuthenticate:
        'Bearer realm="orders", error="invalid_request", error_description="The Authorization header is not one bearer token"',
      body: { error: 'invalid_request', error_description: 'The Authorization header is not one bearer token' },
    },
    {
      name: 'a valid token with the scope',
      route: 'read',
      authorization: await bearer(),
      status: 200,
      wwwAuthenticate: null,
      body: { subject: 'user-1', clientId: 'app-1', acr: 'pwd-only', amr: ['pwd'], scopes: ['orders.read'] },
    },
    {
      name: 'an expired token',
      route: 'read',
      authorization: await bearer({ exp: now - 5 }),
      ...invalid('The access token expired'),
    },
    {
      name: 'a token from another issuer',
      route: 'read',
      authorization: await bearer({ iss: 'https://evil.example/t/v2.0' }),
      ...invalid('The access token is from another issuer'),
    },
    {
      name: 'a token for another audience',
      route: 'read',
      authorization: await bearer({ aud: 'api://payroll' }),
      ...invalid('The access token is for another audience'),
    },
    {
      name: 'alg none',
      route: 'read',
      authorization: `Bearer ${new UnsecuredJWT({ sub: 'user-1', scope: 'orders.read' }).setIssuer(rs.issuer).setAudience(rs.audience).setExpirationTime('5m').encode()}`,
      ...invalid('The access token is invalid'),
    },
    { name: 'HS256', route: 'read', authorization: `Bearer ${hs256}`, ...invalid('The access token is invalid') },
    {
      name: 'an unknown kid',
      route: 'read',
      authorization: await bearer({}, { kid: 'k-unknown' }, rs.strangerKey),
      ...invalid('The access token is invalid'),
    },
    {
      name: 'acr not met (password sign-in) → step-up to phr, max_age with it',
      route: 'exportAll',
      authorization: await bearer(),
      ...stepUp('A sign-in meeting phr is required', ', acr_values="phr", max_age="300"'),
    },
    {
      name: 'phr, but auth_time older than maxAge',
      route: 'exportAll',
      authorization: await bearer({ acr: 'phr', auth_time: now - 400 }),
      ...stepUp('A sign-in within the last 300 seconds is required', ', acr_values="phr", max_age="300"'),
    },
    {
      name: 'phr, signed in just now',
      route: 'exportAll',
      authorization: await bearer({ acr: 'phr', amr: ['pop', 'hwk', 'user'], auth_time: now - 5 }),
      status: 200,
      wwwAuthenticate: null,
      body: { subject: 'user-1', clientId: 'app-1', acr: 'phr', amr: ['pop', 'hwk', 'user'], scopes: ['orders.read'] },
    },
    {
      name: 'amr missing hwk (a synced passkey)',
      route: 'keys',
      authorization: await bearer({ acr: 'phr', amr: ['pop', 'swk', 'user'] }),
      ...stepUp('A sign-in with hwk is required', ''),
    },
    {
      name: 'scopes insufficient',
      route: 'write',
      authorization: await bearer(),
      status: 403,
      wwwAuthenticate:
        'Bearer realm="orders", error="insufficient_scope", error_description="The access token lacks a required scope", scope="orders.write"',
      body: { error: 'insufficient_scope', error_description: 'The access token lacks a required scope' },
    },
    {
      name: 'a route that asks for nothing',
      route: 'public',
      status: 200,
      wwwAuthenticate: null,
      body: { auth: null },
    },
  ];
}

/** What the handlers of both test apps answer: the facts requireAuth put on the request. */
export function authView(auth: {
  subject: string;
  clientId?: string;
  acr?: string;
  amr: readonly string[];
  scopes: readonly string[];
}) {
  return { subject: auth.subject, clientId: auth.clientId, acr: auth.acr, amr: auth.amr, scopes: auth.scopes };
}
