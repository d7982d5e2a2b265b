// Registering a passkey (SPEC §2.2), top to bottom in the order the checks are made.
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { SignetError } from '../core/errors.ts';
import { profilesForUser, targetsAnyGroup } from '../core/passkey-method.ts';
import {
  attestationPreference,
  evaluatePasskeyProfiles,
  isMetadataStale,
  passkeyTypeOf,
} from '../core/passkey-profile.ts';
import { evaluateRegistrationGate } from '../core/registration-gate.ts';
import type { Challenge } from '../store/challenges.ts';
import { isUniqueViolation } from '../store/db.ts';
import { type AuditRecord, insertAudit } from '../store/logs.ts';
import { countPasskeys, insertPasskey, listPasskeys, type Passkey } from '../store/passkeys.ts';
import { passkeyMethodConfigOf } from '../store/policy-cache.ts';
import type { Session } from '../store/sessions.ts';
import type { Tenant } from '../store/tenants.ts';
import { findUserById, groupIdsOf, lockUserForUpdate, type User } from '../store/users.ts';
import { decodeClientData } from '../webauthn/client-data.ts';
import { buildRegistrationOptions, type VerifiedRegistration, verifyRegistration } from '../webauthn/registration.ts';
import { parseRegistrationResponse, type RegistrationResponse } from '../webauthn/response-shape.ts';
import { issueChallenge, takeSessionChallenge } from './challenges.ts';
import type { Ctx } from './context.ts';
import { compromiseDetail, metadataCurrent } from './metadata-service.ts';

/** Whom the policy is judged for: the user (read with the session or the caller's token), their groups, the policy. */
export async function loadRegistrationScope(ctx: Ctx, tenant: Tenant, user: User) {
  const config = await passkeyMethodConfigOf(ctx, tenant.id);
  // As at sign-in: the user's groups are read only when a target names a group (targetsAnyGroup).
  const groupIds = targetsAnyGroup(config) ? await groupIdsOf(ctx.db, tenant.id, user.id) : [];
  return { user, scope: { userId: user.id, groupIds, enabled: user.enabled }, config };
}
export type RegistrationScope = Awaited<ReturnType<typeof loadRegistrationScope>>;

/** The session's user: `known` when the caller read it with the session (the routes do), else read now. */
async function sessionUser(ctx: Ctx, tenant: Tenant, session: Session, known: User | undefined): Promise<User> {
  if (known?.id === session.userId) return known;
  const user = await findUserById(ctx.db, tenant.id, session.userId);
  if (!user) throw new SignetError('SESSION_REQUIRED');
  return user;
}

/** What the gate is judged on: the scope, and how many passkeys the user has. */
export async function loadGateFacts(ctx: Ctx, tenant: Tenant, user: User) {
  const [scope, passkeyCount] = await Promise.all([
    loadRegistrationScope(ctx, tenant, user),
    countPasskeys(ctx.db, tenant.id, user.id),
  ]);
  return { ...scope, passkeyCount };
}
export type GateFacts = Awaited<ReturnType<typeof loadGateFacts>>;

/**
 * The options for this user (shared with admin provisioning, flows/provision-passkey.ts): the tenant's RP ID,
 * the user's opaque handle, their passkeys (`existing`) excluded, resident key and UV required, attestation per
 * profile.
 */
export async function registrationOptionsFor(
  ctx: Ctx,
  tenant: Tenant,
  f: RegistrationScope,
  existing: readonly Passkey[],
  challenge: Uint8Array<ArrayBuffer>,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return buildRegistrationOptions({
    rpId: ctx.config.rpId,
    rpName: tenant.displayName,
    userHandle: f.user.userHandle,
    userName: f.user.userPrincipalName,
    userDisplayName: f.user.displayName,
    challenge,
    exclude: existing.map((p) => ({ credentialId: p.credentialId, transports: p.transports })),
    attestation: attestationPreference(profilesForUser(f.config, f.scope)),
  });
}

export async function beginPasskeyRegistration(
  ctx: Ctx,
  tenant: Tenant,
  session: Session,
  known?: User,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const user = await sessionUser(ctx, tenant, session, known);
  // 1–4. Method on and targeting the user, self-service, a strong sign-in within 5 minutes, the limit (counted
  // from the passkeys the options exclude).
  const [f, existing] = await Promise.all([
    loadRegistrationScope(ctx, tenant, user),
    listPasskeys(ctx.db, tenant.id, user.id),
  ]);
  const now = ctx.now();
  const gate = evaluateRegistrationGate({
    config: f.config,
    user: f.scope,
    strongAuthAt: session.strongAuthAt,
    passkeyCount: existing.length,
    now,
  });
  if (!gate.ok) throw new SignetError(gate.code, gate.detail);

  const challenge = new Uint8Array(ctx.randomBytes(32));
  const options = await registrationOptionsFor(ctx, tenant, f, existing, challenge);
  await issueChallenge(ctx, tenant.id, 'registration', options.challenge, { userId: user.id, sessionId: session.id });
  return options;
}

export async function finishPasskeyRegistration(
  ctx: Ctx,
  tenant: Tenant,
  session: Session,
  body: { credential: unknown; name?: string },
  known?: User,
): Promise<Passkey> {
  // 1. The response has the shape of a WebAuthn registration response.
  const response = parseRegistrationResponse(body.credential);
  // 2. Its challenge was issued to this session for a registration, once, and is still fresh.
  const clientData = decodeClientData(response.response.clientDataJSON);
  const issued = await takeSessionChallenge(ctx, tenant.id, 'registration', clientData.challenge, {
    sessionId: session.id,
    userId: session.userId,
  });
  // 3–4. Client data (exact origin), then the library's checks.
  const verified = await verifyCeremony(ctx, response, issued, [ctx.config.origin]);
  // 5. The gate still holds (user enabled, method targeted), judged as of when the ceremony began; the limit is
  // judged in step 7, under the user's row lock.
  const f = await loadRegistrationScope(ctx, tenant, await sessionUser(ctx, tenant, session, known));
  const gate = evaluateRegistrationGate({
    config: f.config,
    user: f.scope,
    strongAuthAt: session.strongAuthAt,
    now: issued.createdAt,
  });
  if (!gate.ok) throw new SignetError(gate.code, gate.detail);
  // 6. The model and the user's passkey profiles.
  assertModelAndProfileAllow(ctx, verified, f);
  // 7. Store and audit.
  return storeRegisteredPasskey(ctx, tenant, f, verified, cleanName(body.name), {
    actorType: 'user',
    actorId: f.user.id,
  });
}

/**
 * Steps 3–4 of a registration (webauthn/registration.ts): type, exact origin (one of `origins`), no cross-origin
 * embedding, token binding; then RP ID hash, UP and UV flags, algorithm, key strength, attestation statement.
 */
export async function verifyCeremony(
  ctx: Ctx,
  response: RegistrationResponse,
  issued: Challenge,
  origins: string[],
): Promise<VerifiedRegistration> {
  // The attestation roots and status reports are the BLOB in force in the database, not an older copy.
  await metadataCurrent(ctx);
  return verifyRegistration({
    response,
    expectedChallenge: issued.challenge,
    origins,
    rpId: ctx.config.rpId,
    requireUserVerification: true,
    metadata: ctx.metadata,
  });
}

/**
 * Step 6: the model is not reported compromised in the metadata, and the user's passkey profiles allow it:
 * type, attestation (a chain to a root metadata gives for the AAGUID, judged against metadata that is not past
 * its nextUpdate: REL-14), key restrictions.
 */
export function assertModelAndProfileAllow(ctx: Ctx, verified: VerifiedRegistration, f: RegistrationScope): void {
  const compromised = ctx.metadata.compromiseOf(verified.aaguid);
  if (compromised) throw new SignetError('PASSKEY_AUTHENTICATOR_COMPROMISED', compromiseDetail(compromised));
  const model = ctx.metadata.nameOf(verified.aaguid);
  const profile = evaluatePasskeyProfiles(
    {
      aaguid: verified.aaguid,
      backupEligible: verified.backupEligible,
      attestationTrust: verified.trust,
      format: verified.fmt,
      ...(model ? { model } : {}),
      metadataStale: isMetadataStale({
        blobNextUpdate: ctx.metadata.blob?.nextUpdate,
        fromAdministratorFile: ctx.metadata.fromAdministratorFile(verified.aaguid),
        now: ctx.now(),
      }),
    },
    profilesForUser(f.config, f.scope),
    'registration',
  );
  if (!profile.ok) throw new SignetError(profile.code, profile.detail);
}

/**
 * Step 7: store (the credential id is unique across every tenant, enforced by the database) and audit, with
 * the limit checked again under the user's row lock. `actor` is who registered it (the user, or an admin or
 * app provisioning it); `detail` adds to the audit entry.
 */
export async function storeRegisteredPasskey(
  ctx: Ctx,
  tenant: Tenant,
  f: RegistrationScope,
  verified: VerifiedRegistration,
  name: string | undefined,
  actor: Pick<AuditRecord, 'actorType' | 'actorId'>,
  detail: Record<string, string> = {},
): Promise<Passkey> {
  const passkey = newPasskey(ctx, tenant.id, f.user.id, verified, name);
  try {
    await ctx.db.transaction().execute(async (trx) => {
      // The limit again, under the user's row lock: parallel finishes cannot pass it together.
      await lockUserForUpdate(trx, tenant.id, f.user.id);
      if ((await countPasskeys(trx, tenant.id, f.user.id)) >= f.config.passkeysPerUserLimit)
        throw new SignetError('PASSKEY_LIMIT_REACHED', { limit: String(f.config.passkeysPerUserLimit) });
      await insertPasskey(trx, passkey);
      await insertAudit(trx, {
        id: ctx.newId(),
        tenantId: tenant.id,
        createdAt: passkey.createdAt,
        ...actor,
        activity: 'Register passkey',
        targetType: 'passkey',
        targetId: passkey.id,
        detail: {
          aaguid: passkey.aaguid,
          passkeyType: passkeyTypeOf(passkey),
          attestation: passkey.attestationTrust,
          ...detail,
        },
      });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new SignetError('PASSKEY_ALREADY_REGISTERED', {}, { cause: err });
    throw err;
  }
  ctx.log.info(
    { tenant: tenant.id, user: f.user.id, passkey: passkey.id, aaguid: passkey.aaguid },
    'passkey registered',
  );
  return passkey;
}

/** The stored record of a verified registration; named by the user, or after its authenticator model. */
export function newPasskey(
  ctx: Ctx,
  tenantId: string,
  userId: string,
  v: VerifiedRegistration,
  name: string | undefined,
): Passkey {
  const model = ctx.metadata.nameOf(v.aaguid);
  return {
    id: ctx.newId(),
    tenantId,
    userId,
    credentialId: v.credentialId,
    publicKey: v.publicKey,
    alg: v.alg,
    counter: v.counter,
    aaguid: v.aaguid,
    transports: v.transports,
    backupEligible: v.backupEligible,
    backupState: v.backupState,
    attestationFormat: v.fmt,
    attestationTrust: v.trust,
    displayName: name ?? model ?? (v.backupEligible ? 'Synced passkey' : 'Passkey'),
    createdAt: ctx.now(),
    lastUsedAt: null,
    cloneSuspectedAt: null,
  };
}

/** Names are shown in pages and logs: printable, trimmed, at most 64 characters. */
export function cleanName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we strip
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '').trim();
  if (clean === '' || clean.length > 64) throw new SignetError('PASSKEY_NAME_INVALID');
  return clean;
}
