// Which web origins may answer a passkey registration that the Graph API finishes (an admin provisioning for a
// user, or the user's own /me call): Signet's own origin, or the origin of a redirect URI registered to the
// calling app — the app that runs the ceremony in its own page, on a host under the tenant's RP ID. Exact
// comparisons of serialized origins (scheme, host, port), never prefixes or suffixes of strings.
import { allow, type Decision, deny } from './errors.ts';

export interface CeremonyOriginFacts {
  /** Signet's public origin (SIGNET_PUBLIC_URL's). */
  signetOrigin: string;
  /** The tenant's RP ID: an app's page can only create a passkey for it from this host or one below it. */
  rpId: string;
  /** The redirect URIs registered to the calling app (none for a caller without an app). */
  appRedirectUris: readonly string[];
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function isUnderRpId(hostname: string, rpId: string): boolean {
  const host = hostname.toLowerCase();
  const rp = rpId.toLowerCase();
  return host === rp || host.endsWith(`.${rp}`);
}

/**
 * The origins of an app's redirect URIs that can run a WebAuthn ceremony for the RP ID: https, or http on a
 * loopback host (browsers offer WebAuthn nowhere else); custom schemes and other hosts are left out.
 */
export function appCeremonyOrigins(redirectUris: readonly string[], rpId: string): string[] {
  const origins = new Set<string>();
  for (const raw of redirectUris) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      continue;
    }
    const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
    if (secure && isUnderRpId(url.hostname, rpId)) origins.add(url.origin);
  }
  return [...origins];
}

/** The origins that may answer, Signet's first. */
export function allowedCeremonyOrigins(f: CeremonyOriginFacts): string[] {
  return [f.signetOrigin, ...appCeremonyOrigins(f.appRedirectUris, f.rpId).filter((o) => o !== f.signetOrigin)];
}

/** Allows `origin` (clientDataJSON's, as the browser wrote it) when it is exactly one of the allowed origins. */
export function judgeCeremonyOrigin(origin: string, f: CeremonyOriginFacts): Decision {
  if (allowedCeremonyOrigins(f).includes(origin)) return allow;
  return deny('GRAPH_PASSKEY_ORIGIN_NOT_ALLOWED', { origin: origin.slice(0, 200) });
}
