// Registering a passkey through the Graph API (graph.md §3.2: creationOptions, then POST …/fido2Methods), for a
// user by an administrator or an app (provisioning: SPEC §2.2's separate path, privileged targets as for the
// other method writes), or by the signed-in user for themselves (/me: the full registration gate, the strong
// sign-in judged from the Signet session behind the token). The ceremony's steps are register-passkey.ts's; what
// differs here is who may start it, which origins may answer it, and how long its challenge lives.
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import type { Principal } from '../core/authorization.ts';
import { allowedCeremonyOrigins, type CeremonyOriginFacts, judgeCeremonyOrigin } from '../core/ceremony-origin.ts';
import type { Decision } from '../core/errors.ts';
import { SignetError } from '../core/errors.ts';
import type { Fido2MethodCreate } from '../core/graph-fido2-provisioning.ts';
import { mayChangeUser } from '../core/privileged-target.ts';
import { evaluateProvisioningGate } from '../core/provisioning-gate.ts';
import { evaluateRegistrationGate } from '../core/registration-gate.ts';
import { findApp } from '../store/apps.ts';
import { type Challenge, insertChallenge } from '../store/challenges.ts';
import { listPasskeys, type Passkey } from '../store/passkeys.ts';
import { roleNamesOf } from '../store/role-assignments.ts';
import { findLiveSession, type Session } from '../store/sessions.ts';
import type { Tenant } from '../store/tenants.ts';
import { findUserById, type User } from '../store/users.ts';
import { decodeClientData } from '../webauthn/client-data.ts';
import { parseRegistrationResponse } from '../webauthn/response-shape.ts';
import { takeChallenge } from './challenges.ts';
import type { Ctx } from './context.ts';
import {
  assertModelAndProfileAllow,
  cleanName,
  type GateFacts,
  loadGateFacts,
  registrationOptionsFor,
  storeRegisteredPasskey,
  verifyCeremony,
} from './register-passkey.ts';
import { actorOf, findUserByKey } from './users.ts';

/** Who registers: an administrator or app for the user named in the path, or the signed-in user for themselves. */
export type Registrant = { kind: 'admin'; by: Principal; userKey: string } | { kind: 'self'; by: Principal };

export const NO_SESSION = { reason: 'no live sign-in session behind the token' };

/** Marks a challenge as this path's, so neither the pages' ceremony nor the other path can take it. */
const VIA = { admin: 'graph-provisioning', self: 'graph-me' } as const;

interface Resolved {
  user: User;
  /** /me: the live Signet session the token was issued from, when there is one. */
  session?: Session;
}

/** The user, and for an administrator whether they may change this one (privileged-target.ts). */
async function resolve(ctx: Ctx, tenant: Tenant, who: Registrant): Promise<Resolved> {
  if (who.kind === 'admin') {
    const user = await findUserByKey(ctx.db, tenant.id, who.userKey);
    if (!user) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'user' });
    const allowed = mayChangeUser(who.by, await roleNamesOf(ctx.db, tenant.id, user.id));
    if (!allowed.ok) throw new SignetError(allowed.code, allowed.detail);
    return { user };
  }
  if (who.by.kind !== 'delegated') throw new SignetError('GRAPH_PERMISSION_DENIED', { reason: 'no signed-in user' });
  const user = await findUserById(ctx.db, tenant.id, who.by.userId);
  if (!user) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'user' });
  const session = await sessionBehindToken(ctx, tenant, who.by);
  return { user, ...(session ? { session } : {}) };
}

/**
 * The live Signet session a delegated token was issued from (its `signet_sid`), when it is the token user's; the
 * strong sign-in the /me routes need is that session's. Undefined for app tokens, refreshed ones, ended sessions.
 */
export async function sessionBehindToken(ctx: Ctx, tenant: Tenant, by: Principal): Promise<Session | undefined> {
  if (by.kind !== 'delegated' || !by.sessionId) return undefined;
  const session = await findLiveSession(ctx.db, tenant.id, by.sessionId, ctx.now());
  return session?.userId === by.userId ? session : undefined;
}

/**
 * The gate of the path: provisioning (method on and targeting the user, the limit), or for the user's own
 * registration SPEC §2.2 in full, the strong sign-in being the token's session's — unknown counts as stale.
 */
function gateOf(who: Registrant, f: GateFacts, r: Resolved, now: number): Decision {
  if (who.kind === 'admin')
    return evaluateProvisioningGate({ config: f.config, user: f.scope, passkeyCount: f.passkeyCount });
  return evaluateRegistrationGate({
    config: f.config,
    user: f.scope,
    strongAuthAt: r.session?.strongAuthAt ?? null,
    passkeyCount: f.passkeyCount,
    now,
  });
}

export interface GraphCreationOptions {
  user: User;
  options: PublicKeyCredentialCreationOptionsJSON;
  challengeExpiresAt: number;
}

export async function beginGraphRegistration(
  ctx: Ctx,
  tenant: Tenant,
  who: Registrant,
  timeoutMinutes: number,
): Promise<GraphCreationOptions> {
  const r = await resolve(ctx, tenant, who);
  const f = await loadGateFacts(ctx, tenant, r.user);
  const now = ctx.now();
  const gate = gateOf(who, f, r, now);
  if (!gate.ok) throw new SignetError(gate.code, gate.detail);
  const existing = await listPasskeys(ctx.db, tenant.id, r.user.id);
  const options = await registrationOptionsFor(ctx, tenant, f, existing, new Uint8Array(ctx.randomBytes(32)));
  const challengeExpiresAt = now + timeoutMinutes * 60_000;
  // Bound to the user and to this path (and for /me to the token's session); no browser session of the pages.
  await insertChallenge(ctx.db, {
    id: ctx.newId(),
    tenantId: tenant.id,
    purpose: 'registration',
    challenge: options.challenge,
    userId: r.user.id,
    sessionId: null,
    data: { via: VIA[who.kind], ...(r.session ? { session: r.session.id } : {}), issuedBy: actorOf(who.by).actorId },
    createdAt: now,
    expiresAt: challengeExpiresAt,
    usedAt: null,
  });
  return { user: r.user, options, challengeExpiresAt };
}

/** The caller's app (an app's own token, or the app a user signed in to) and the origins it may answer from. */
async function originFacts(ctx: Ctx, tenant: Tenant, by: Principal): Promise<CeremonyOriginFacts> {
  const appId = by.kind === 'application' ? by.appId : by.clientId;
  const app = appId ? await findApp(ctx.db, tenant.id, appId) : undefined;
  return { signetOrigin: ctx.config.origin, rpId: ctx.config.rpId, appRedirectUris: app?.redirectUris ?? [] };
}

export async function finishGraphRegistration(
  ctx: Ctx,
  tenant: Tenant,
  who: Registrant,
  body: Fido2MethodCreate,
): Promise<{ user: User; passkey: Passkey }> {
  // 0. The user exists in this tenant and the caller may change them (before anything is consumed).
  const r = await resolve(ctx, tenant, who);
  // /me: without a live session behind the token the sign-in's recency is unknown; the app must sign the user in.
  if (who.kind === 'self' && !r.session) throw new SignetError('PASSKEY_STRONG_AUTH_REQUIRED', NO_SESSION);
  const name = cleanName(body.displayName);
  // 1. The response has the shape of a WebAuthn registration response (its fields named as in the body).
  let response: ReturnType<typeof parseRegistrationResponse>;
  try {
    response = parseRegistrationResponse(body.credential);
  } catch (err) {
    if (err instanceof SignetError && err.detail.field !== undefined)
      throw new SignetError(err.code, { ...err.detail, field: `publicKeyCredential.${err.detail.field}` });
    throw err;
  }
  // 2. Its challenge was issued by this path for this user (for /me: to the token's session), once, and is fresh.
  const clientData = decodeClientData(response.response.clientDataJSON);
  const issued = await takeChallenge(ctx, tenant.id, 'registration', clientData.challenge, (c: Challenge) => {
    if (c.userId !== r.user.id || c.sessionId !== null || c.data.via !== VIA[who.kind]) return false;
    return who.kind === 'admin' || (r.session !== undefined && c.data.session === r.session.id);
  });
  // 3. The page that ran it is Signet's or the calling app's own (ceremony-origin.ts); 3–4 as the pages do.
  const origins = await originFacts(ctx, tenant, who.by);
  const judged = judgeCeremonyOrigin(clientData.origin, origins);
  if (!judged.ok) throw new SignetError(judged.code, judged.detail);
  const verified = await verifyCeremony(ctx, response, issued, allowedCeremonyOrigins(origins));
  // 5. The gate still holds, judged as of when the ceremony began.
  const f = await loadGateFacts(ctx, tenant, r.user);
  const gate = gateOf(who, f, r, issued.createdAt);
  if (!gate.ok) throw new SignetError(gate.code, gate.detail);
  // 6–7. The model and the user's passkey profiles; store (limit under the user's lock) and audit, naming who.
  assertModelAndProfileAllow(ctx, verified, f);
  const passkey = await storeRegisteredPasskey(ctx, tenant, f, verified, name, actorOf(who.by), {
    userId: r.user.id,
    via: VIA[who.kind],
  });
  return { user: r.user, passkey };
}
