// An OIDC relying party for browser tests: a tiny callback server on a loopback port (so the browser lands on a
// real 200 page, not a 404), and the app's side of the code flow through openid-client.
import { createServer, type Server } from 'node:http';
import * as oidc from 'openid-client';

export type Tokens = Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;

export interface RelyingParty {
  redirectUri: string;
  /** Starts a code flow: the authorization URL to open, and how to redeem the callback the browser lands on. */
  begin(scope?: string): Promise<{ url: string; finish(callback: string): Promise<Tokens> }>;
  close(): Promise<void>;
}

export async function callbackServer(): Promise<{ redirectUri: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>App</title><h1>Signed in to the app</h1>');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return { redirectUri: `http://127.0.0.1:${port}/callback`, server };
}

export async function relyingParty(issuer: string, clientId: string, redirectUri: string, server: Server) {
  const config = await oidc.discovery(new URL(issuer), clientId, undefined, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
  const rp: RelyingParty = {
    redirectUri,
    async begin(scope = 'openid profile') {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      }).href;
      return {
        url,
        finish: (callback) =>
          oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier, expectedState: state }),
      };
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
  return rp;
}
