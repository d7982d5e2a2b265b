// The FIDO2 server conformance binding (SPEC §3), only on tenants created with conformance mode. It registers
// passkeys without prior authentication, so it never exists elsewhere. Its quirks are switched on from here
// only: user presence may be absent when verification is discouraged/preferred (FC-Q1, applied through
// verifyAssertion's fidoUserVerification), RS1 and the optional algorithms are accepted (FC-Q2), extensions are
// echoed (FC-Q3, in the route). Token binding is validated on every tenant (FC-Q5).
import { SignetError } from '../core/errors.ts';
import { evaluateSignCount } from '../core/sign-count.ts';
import { isUniqueViolation } from '../store/db.ts';
import { findPasskeyByCredentialId, insertPasskey, listPasskeys, recordPasskeyUse } from '../store/passkeys.ts';
import type { Tenant } from '../store/tenants.ts';
import { findUserById, findUserByName, insertUser, type User } from '../store/users.ts';
import { buildAuthenticationOptions, verifyAssertion } from '../webauthn/authentication.ts';
import { checkClientData, decodeClientData } from '../webauthn/client-data.ts';
import { buildRegistrationOptions, verifyRegistration } from '../webauthn/registration.ts';
import { parseAssertionResponse, parseRegistrationResponse } from '../webauthn/response-shape.ts';
import { issueChallenge, takeChallenge } from './challenges.ts';
import type { Ctx } from './context.ts';
import { recordSignIn } from './record-sign-in.ts';
import { newPasskey } from './register-passkey.ts';

/** ES256, EdDSA, RS256 and what the conformance tools also exercise: ES384/512, PS256/384/512, RS384/512, RS1. */
export const CONFORMANCE_ALGS = [-7, -8, -257, -35, -36, -37, -38, -39, -258, -259, -65535];

type UV = 'required' | 'preferred' | 'discouraged';

function requireConformance(tenant: Tenant): void {
  if (!tenant.conformance) throw new SignetError('ROUTE_NOT_FOUND');
}

async function userNamed(ctx: Ctx, tenant: Tenant, username: string, displayName: string): Promise<User> {
  const found = await findUserByName(ctx.db, tenant.id, username);
  if (found) return found;
  const user: User = {
    id: ctx.newId(),
    tenantId: tenant.id,
    userPrincipalName: username,
    displayName,
    enabled: true,
    userHandle: ctx.randomBytes(64).toString('base64url'),
    createdAt: ctx.now(),
  };
  await insertUser(ctx.db, user);
  return user;
}

export async function conformanceAttestationOptions(
  ctx: Ctx,
  tenant: Tenant,
  binding: string,
  req: {
    username: string;
    displayName: string;
    attestation?: 'none' | 'indirect' | 'direct' | 'enterprise';
    authenticatorSelection?: {
      userVerification?: UV;
      residentKey?: UV;
      requireResidentKey?: boolean;
      authenticatorAttachment?: 'platform' | 'cross-platform';
    };
  },
) {
  requireConformance(tenant);
  const user = await userNamed(ctx, tenant, req.username, req.displayName);
  const uv = req.authenticatorSelection?.userVerification ?? 'preferred';
  const existing = await listPasskeys(ctx.db, tenant.id, user.id);
  const options = await buildRegistrationOptions({
    rpId: ctx.config.rpId,
    rpName: tenant.displayName,
    userHandle: user.userHandle,
    userName: user.userPrincipalName,
    userDisplayName: user.displayName,
    challenge: new Uint8Array(ctx.randomBytes(32)),
    exclude: existing.map((p) => ({ credentialId: p.credentialId, transports: p.transports })),
    attestation: req.attestation === 'none' || req.attestation === undefined ? 'none' : 'direct',
    algs: CONFORMANCE_ALGS,
    userVerification: uv,
    residentKey:
      req.authenticatorSelection?.residentKey ??
      (req.authenticatorSelection?.requireResidentKey ? 'required' : 'preferred'),
    authenticatorAttachment: req.authenticatorSelection?.authenticatorAttachment,
  });
  await issueChallenge(ctx, tenant.id, 'registration', options.challenge, {
    userId: user.id,
    sessionId: binding,
    data: { userVerification: uv },
  });
  return { ...options, attestation: req.attestation ?? 'none' };
}

export async function conformanceAttestationResult(
  ctx: Ctx,
  tenant: Tenant,
  binding: string,
  body: unknown,
): Promise<void> {
  requireConformance(tenant);
  const response = parseRegistrationResponse(body);
  const clientData = decodeClientData(response.response.clientDataJSON);
  // The challenge must have been issued to this cookie.
  const issued = await takeChallenge(
    ctx,
    tenant.id,
    'registration',
    clientData.challenge,
    (c) => c.sessionId === binding,
  );
  // Client data (type, exact origin, token binding), then the attestation.
  const v = await verifyRegistration({
    response,
    expectedChallenge: issued.challenge,
    origins: [ctx.config.origin],
    rpId: ctx.config.rpId,
    requireUserVerification: issued.data.userVerification === 'required',
    algs: CONFORMANCE_ALGS,
    metadata: ctx.metadata,
  });
  const compromised = ctx.metadata.compromisedStatus(v.aaguid);
  if (compromised)
    throw new SignetError('PASSKEY_AUTHENTICATOR_COMPROMISED', { aaguid: v.aaguid, status: compromised });
  try {
    await insertPasskey(ctx.db, newPasskey(ctx, tenant.id, issued.userId!, v, 'Conformance passkey'));
  } catch (err) {
    if (isUniqueViolation(err)) throw new SignetError('PASSKEY_ALREADY_REGISTERED', {}, { cause: err });
    throw err;
  }
}

export async function conformanceAssertionOptions(
  ctx: Ctx,
  tenant: Tenant,
  binding: string,
  req: { username: string; userVerification?: UV },
) {
  requireConformance(tenant);
  const user = await findUserByName(ctx.db, tenant.id, req.username);
  if (!user) throw new SignetError('USER_NOT_FOUND');
  const uv = req.userVerification ?? 'preferred';
  const passkeys = await listPasskeys(ctx.db, tenant.id, user.id);
  const challenge = ctx.randomBytes(32).toString('base64url');
  await issueChallenge(ctx, tenant.id, 'authentication', challenge, {
    userId: user.id,
    sessionId: binding,
    data: { userVerification: uv },
  });
  return buildAuthenticationOptions({
    rpId: ctx.config.rpId,
    challenge,
    allow: passkeys.map((p) => ({ credentialId: p.credentialId, transports: p.transports })),
    userVerification: uv,
  });
}

export async function conformanceAssertionResult(
  ctx: Ctx,
  tenant: Tenant,
  binding: string,
  body: unknown,
): Promise<void> {
  requireConformance(tenant);
  const attempt: { user?: User; credentialId?: string } = {};
  try {
    await verifyConformanceAssertion(ctx, tenant, binding, body, attempt);
  } catch (err) {
    // Like every sign-in, a refused one lands in the sign-in log with the code the caller sees.
    await recordSignIn(ctx, ctx.db, {
      tenantId: tenant.id,
      method: 'passkey',
      userId: attempt.user?.id ?? null,
      userPrincipalName: attempt.user?.userPrincipalName ?? null,
      errorCode: err instanceof SignetError ? err.code : 'INTERNAL_ERROR',
      detail: {
        ...(err instanceof SignetError ? err.detail : {}),
        ...(attempt.credentialId ? { credentialId: attempt.credentialId } : {}),
        interface: 'fido2',
      },
    });
    throw err;
  }
}

async function verifyConformanceAssertion(
  ctx: Ctx,
  tenant: Tenant,
  binding: string,
  body: unknown,
  attempt: { user?: User; credentialId?: string },
): Promise<void> {
  const response = parseAssertionResponse(body);
  attempt.credentialId = response.id;
  const clientData = decodeClientData(response.response.clientDataJSON);
  const issued = await takeChallenge(
    ctx,
    tenant.id,
    'authentication',
    clientData.challenge,
    (c) => c.sessionId === binding,
  );
  const cd = checkClientData(clientData, { type: 'webauthn.get', origins: [ctx.config.origin] });
  if (!cd.ok) throw new SignetError(cd.code, cd.detail);
  const passkey = await findPasskeyByCredentialId(ctx.db, tenant.id, response.id);
  if (!passkey || passkey.userId !== issued.userId) throw new SignetError('SIGNIN_CREDENTIAL_UNKNOWN');
  // WebAuthn §7.2 step 6: a user handle, when sent, names the credential's owner.
  const owner = await findUserById(ctx.db, tenant.id, passkey.userId);
  attempt.user = owner;
  const handle = response.response.userHandle;
  if (handle && handle !== owner?.userHandle) throw new SignetError('SIGNIN_USER_HANDLE_MISMATCH');
  const uv = issued.data.userVerification as UV;
  const v = await verifyAssertion({
    response,
    expectedChallenge: issued.challenge,
    origins: [ctx.config.origin],
    rpId: ctx.config.rpId,
    credential: passkey,
    requireUserVerification: uv === 'required',
    fidoUserVerification: uv,
  });
  // Backup eligibility is fixed at creation (WebAuthn §7.2), here as on every sign-in path.
  if (v.backupEligible !== passkey.backupEligible)
    throw new SignetError('SIGNIN_BACKUP_ELIGIBILITY_CHANGED', {
      stored: passkey.backupEligible ? 'synced' : 'deviceBound',
      asserted: v.backupEligible ? 'synced' : 'deviceBound',
    });
  const count = evaluateSignCount(passkey.counter, v.counter);
  if (!count.ok) throw new SignetError(count.code, count.detail);
  await ctx.db.transaction().execute(async (trx) => {
    const advanced = await recordPasskeyUse(trx, tenant.id, passkey.id, passkey.counter, {
      counter: v.counter,
      backupState: v.backupState,
      at: ctx.now(),
    });
    if (!advanced) throw new SignetError('SIGNIN_COUNTER_REGRESSION', { reason: 'concurrent use' });
    await recordSignIn(ctx, trx, {
      tenantId: tenant.id,
      method: 'passkey',
      userId: passkey.userId,
      userPrincipalName: owner?.userPrincipalName ?? null,
      detail: { credentialId: passkey.credentialId, passkeyId: passkey.id, interface: 'fido2' },
    });
  });
}
