// Which web origins may call the token endpoint (and the provider's other client-based CORS endpoints) from a
// browser. Pure: oidc-provider's `clientBasedCORS` (src/oidc/provider.ts) asks it once the client is known.

export interface CorsClient {
  /** A public client (no secret, PKCE): the only kind that runs in a browser. */
  publicClient: boolean;
  redirectUris: readonly string[];
}

/**
 * A browser app may call cross-origin from exactly the origins of its registered redirect URIs, and only a public
 * one: a confidential client keeps its secret on a server, so a browser calling as it is refused. The opaque
 * origin `null` (sandboxed frames, file: pages) is never an app's.
 */
export function clientCorsAllowed(origin: string, client: CorsClient): boolean {
  if (!client.publicClient || origin === 'null') return false;
  return client.redirectUris.some((uri) => URL.parse(uri)?.origin === origin);
}
