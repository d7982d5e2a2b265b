// The app's side of the Conditional Access browser tests: a callback server on a loopback port that remembers every
// request it got (so a test can say the app received nothing), and code flows through openid-client whose state
// tells one request's callback from another's.
import { createServer } from 'node:http';
import * as oidc from 'openid-client';
import type { Tenant } from '../../src/store/tenants.ts';
import type { TestServer } from './server.ts';

export type Tokens = Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;

export interface AppCallback {
  redirectUri: string;
  /** Every URL the callback was asked for, in order (path and query). */
  hits: string[];
  close(): Promise<void>;
}

export async function recordingCallback(): Promise<AppCallback> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html lang="en"><title>App</title><h1>Signed in to the app</h1></html>');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    hits,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

export interface CodeFlow {
  url: string;
  state: string;
  /** The callback requests the app got for this flow (by its state). */
  received(): string[];
  finish(callback: string): Promise<Tokens>;
}

/** An app of the tenant as openid-client knows it: `begin()` starts one code flow (PKCE, state, nonce). */
export async function appClient(server: TestServer, tenant: Tenant, clientId: string, callback: AppCallback) {
  const config = await oidc.discovery(new URL(`${server.url}/${tenant.id}/v2.0`), clientId, undefined, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
  return {
    async begin(): Promise<CodeFlow> {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: callback.redirectUri,
        scope: 'openid profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      }).href;
      return {
        url,
        state,
        received: () =>
          callback.hits.filter((h) => new URL(h, callback.redirectUri).searchParams.get('state') === state),
        finish: (cb) =>
          oidc.authorizationCodeGrant(config, new URL(cb), {
            pkceCodeVerifier: verifier,
            expectedState: state,
            expectedNonce: nonce,
            idTokenExpected: true,
          }),
      };
    },
  };
}
