// Signing in with a passkey (SPEC §2.3): username-first or discoverable (autofill), top to bottom in the
// order the checks are made. Every attempt, success or failure, lands in the sign-in log with its code.
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { type ErrorCode, SignetError } from '../core/errors.ts';
import { targetsAnyGroup } from '../core/passkey-method.ts';
import { evaluateSignCount } from '../core/sign-count.ts';
import { evaluateSignInGate } from '../core/sign-in-gate.ts';
import { type Challenge, consumeChallenge, findChallenge } from '../store/challenges.ts';
import { findPasskeyByCredentialId, markCloneSuspected, recordPasskeyUse } from '../store/passkeys.ts';
import { passkeyMethodConfigOf } from '../store/policy-cache.ts';
import type { Session } from '../store/sessions.ts';
import type { Tenant } from '../store/tenants.ts';
import { findUserById, findUserByName, groupIdsOf, type User } from '../store/users.ts';
import { checkAuthenticatorData } from '../webauthn/assertion-verifier.ts';
import { buildAuthenticationOptions, verifyAssertion } from '../webauthn/authentication.ts';
import { checkClientData, decodeClientData } from '../webauthn/client-data.ts';
import { parseAssertionResponse } from '../webauthn/response-shape.ts';
import { issueChallenge } from './challenges.ts';
import type { Ctx } from './context.ts';
import { assertModelNotCompromised } from './metadata-service.ts';
import { type ClientInfo, recordSignIn } from './record-sign-in.ts';
import { startSession } from './sessions.ts';

const NO_USER = '00000000-0000-0000-0000-000000000000';

// A throwaway key for the decoy path's signature check: made once, used only to spend the same time.
const decoyKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const decoyData = Buffer.alloc(69);
const decoySignature = sign('sha256', decoyData, decoyKey.privateKey);
function decoySignatureCheck(): void {
  verify('sha256', decoyData, decoyKey.publicKey, decoySignature);
}

/**
 * Options for a sign-in, discoverable (autofill) or username-first. Username-first options list no credentials
 * (`allowCredentials: []`): every Signet passkey is discoverable (registration requires a resident key), so a list
 * would only tell accounts apart — a decoy list cannot match a real one in count, id lengths (security keys
 * make 64-byte ids and more) and transports without keeping a shadow copy of every account's shape (WA-25,
 * WA-26). Known and unknown names, and the autofill request, thus get the very same options but for the
 * challenge, by construction. The name is remembered with the challenge, and the credential that answers must
 * be that user's: any other is refused with the same work and the same code (SIGNIN_PASSKEY_NOT_FOR_ACCOUNT) as
 * for an unknown name.
 */
export async function beginPasskeySignIn(
  ctx: Ctx,
  tenant: Tenant,
  p: { username?: string },
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  // The same single read for a known and an unknown name.
  const user = p.username !== undefined ? await findUserByName(ctx.db, tenant.id, p.username) : undefined;
  const challenge = ctx.randomBytes(32).toString('base64url');
  // Username-first binds the ceremony to that name, even when no such account exists.
  await issueChallenge(ctx, tenant.id, 'authentication', challenge, {
    userId: user?.id ?? null,
    data: p.username !== undefined ? { username: p.username } : {},
  });
  return buildAuthenticationOptions({ rpId: ctx.config.rpId, challenge, allow: [] });
}

export interface SignedIn {
  user: User;
  token: string;
  session: Session;
}

export async function finishPasskeySignIn(
  ctx: Ctx,
  tenant: Tenant,
  body: unknown,
  client: ClientInfo & { previousSessionToken?: string } = {},
): Promise<SignedIn> {
  const attempt: { issued?: Challenge; user?: User; credentialId?: string } = {};
  try {
    return await verifyAndStart(ctx, tenant, body, client, attempt);
  } catch (err) {
    const code: ErrorCode = err instanceof SignetError ? err.code : 'INTERNAL_ERROR';
    // A failed attempt burns its challenge and is logged with the code the user sees.
    if (attempt.issued) await consumeChallenge(ctx.db, tenant.id, attempt.issued.id, ctx.now());
    await recordSignIn(ctx, ctx.db, {
      tenantId: tenant.id,
      method: 'passkey',
      userId: attempt.user?.id ?? null,
      userPrincipalName: attempt.user?.userPrincipalName ?? null,
      errorCode: code,
      detail: {
        ...(err instanceof SignetError ? err.detail : {}),
        ...(attempt.credentialId ? { credentialId: attempt.credentialId } : {}),
      },
      client,
    });
    if (code === 'SIGNIN_COUNTER_REGRESSION')
      ctx.log.warn(
        { tenant: tenant.id, user: attempt.user?.id, credentialId: attempt.credentialId },
        'possible cloned passkey',
      );
    if (code === 'SIGNIN_BACKUP_ELIGIBILITY_CHANGED')
      ctx.log.warn(
        { tenant: tenant.id, user: attempt.user?.id, credentialId: attempt.credentialId },
        'passkey backup eligibility changed',
      );
    throw err;
  }
}

async function verifyAndStart(
  ctx: Ctx,
  tenant: Tenant,
  body: unknown,
  client: ClientInfo & { previousSessionToken?: string },
  attempt: { issued?: Challenge; user?: User; credentialId?: string },
): Promise<SignedIn> {
  // 1. The response has the shape of a WebAuthn assertion (id equals rawId).
  const response = parseAssertionResponse(body);
  attempt.credentialId = response.id;
  // 2. Its challenge was issued here for a sign-in, is unused and fresh.
  const clientData = decodeClientData(response.response.clientDataJSON);
  const issued = await findChallenge(ctx.db, tenant.id, 'authentication', clientData.challenge);
  // A challenge bound to a session (the conformance binding's) is not a sign-in challenge.
  if (!issued || issued.usedAt !== null || issued.sessionId !== null)
    throw new SignetError('WEBAUTHN_CHALLENGE_UNKNOWN');
  attempt.issued = issued;
  if (ctx.now() > issued.expiresAt) throw new SignetError('WEBAUTHN_CHALLENGE_EXPIRED');
  // 3. Type, exact origin, no cross-origin embedding, token binding.
  const cd = checkClientData(clientData, { type: 'webauthn.get', origins: [ctx.config.origin] });
  if (!cd.ok) throw new SignetError(cd.code, cd.detail);
  // 4. Authenticator data: RP ID hash, user presence and verification, backup flags — before any lookup, so
  // these answers are the same whether or not the credential exists.
  checkAuthenticatorData({ response, rpId: ctx.config.rpId, requireUserVerification: true });
  // 5. The credential is registered in this tenant; for username-first, to the user who was named.
  const passkey = await findPasskeyByCredentialId(ctx.db, tenant.id, response.id);
  const named = issued.data.username !== undefined;
  // Username-first: a credential that is not the named user's is refused as such, with one code for a known and an
  // unknown name alike, so the answer tells no accounts apart (WA-25). It says what happened (a typo in the name,
  // or another account's passkey), not "bad signature", which would send a person to delete a good passkey.
  // Naming it reveals nothing: the options list no credentials, so a caller never learns which credential ids a
  // name owns and can only present ones that are not that name's (their own, or made up), and those get this
  // code whether the name exists or not. Only the named user's own credential reaches the signature check below;
  // telling that apart would take holding the credential id already, which no route of a sign-in tenant hands out
  // for a name (the FIDO binding's options list them, but it answers USER_NOT_FOUND for unknown names anyway).
  if (named && (!passkey || passkey.userId !== issued.userId)) {
    // The same work as a real account's refusal (a user read, a signature check), so time does not tell either.
    await findUserById(ctx.db, tenant.id, NO_USER);
    decoySignatureCheck();
    throw new SignetError('SIGNIN_PASSKEY_NOT_FOR_ACCOUNT');
  }
  if (!passkey) throw new SignetError('SIGNIN_CREDENTIAL_UNKNOWN');
  if (passkey.cloneSuspectedAt !== null)
    throw new SignetError('SIGNIN_COUNTER_REGRESSION', {
      reason: 'marked as possibly cloned; delete it and register again',
    });
  const user = await findUserById(ctx.db, tenant.id, passkey.userId);
  if (!user) throw new SignetError('SIGNIN_CREDENTIAL_UNKNOWN');
  attempt.user = user;
  // 6. Without a username, the user handle names the account (WA-16); with one, it is checked after the
  // signature, so a forged response learns nothing about the named account.
  const handle = response.response.userHandle;
  if (!named && !handle)
    throw new SignetError('WEBAUTHN_RESPONSE_MALFORMED', {
      field: 'response.userHandle',
      reason: 'required for a passkey sign-in without a username',
    });
  if (!named && handle !== user.userHandle) throw new SignetError('SIGNIN_USER_HANDLE_MISMATCH');
  // 7. The signature, with the stored key.
  const v = await verifyAssertion({
    response,
    expectedChallenge: issued.challenge,
    origins: [ctx.config.origin],
    rpId: ctx.config.rpId,
    credential: passkey,
    requireUserVerification: true,
  });
  if (named && handle && handle !== user.userHandle) throw new SignetError('SIGNIN_USER_HANDLE_MISMATCH');
  // 8. Backup eligibility is fixed when a credential is made (WebAuthn §6.1.3, §7.2), and Signet's policy uses the
  // passkey type it gives: a change either way is refused with its own code (BS=1 with BE=0 was refused in 4).
  if (v.backupEligible !== passkey.backupEligible)
    throw new SignetError('SIGNIN_BACKUP_ELIGIBILITY_CHANGED', {
      stored: passkey.backupEligible ? 'synced' : 'deviceBound',
      asserted: v.backupEligible ? 'synced' : 'deviceBound',
    });
  // 8b. The model is not reported compromised in the authenticator metadata (MDS3 status reports count at every
  // sign-in, not only at registration): a map lookup against the BLOB in force.
  await assertModelNotCompromised(ctx, passkey.aaguid);
  // 9. The account is enabled, the passkey method still targets it, and a profile still allows this passkey.
  // The policy is in memory per process (store/policy-cache.ts); the user's groups are read only when a target
  // names a group, so a tenant targeting all users pays no query here.
  const config = await passkeyMethodConfigOf(ctx, tenant.id);
  const groupIds = targetsAnyGroup(config) ? await groupIdsOf(ctx.db, tenant.id, user.id) : [];
  const gate = evaluateSignInGate(config, { userId: user.id, groupIds, enabled: user.enabled }, passkey);
  if (!gate.ok) {
    // A passkey the policy no longer allows: the refusal (and the sign-in log) names its model, found only now.
    const model = gate.detail.aaguid ? ctx.metadata.nameOf(passkey.aaguid) : undefined;
    throw new SignetError(gate.code, { ...gate.detail, ...(model ? { model } : {}) });
  }
  // 10. The counter moves forward, or the passkey may have been cloned.
  const count = evaluateSignCount(passkey.counter, v.counter);
  if (!count.ok) {
    // A replay racing its original reads the counter the original just advanced: that is a replay, not a clone.
    const reread = await findChallenge(ctx.db, tenant.id, 'authentication', issued.challenge);
    if (reread?.usedAt !== null) throw new SignetError('WEBAUTHN_CHALLENGE_UNKNOWN');
    // A genuine signature with a counter that went backwards: two copies of the key exist. The passkey is
    // marked and refused from now on, whichever copy comes next (SPEC §2.3).
    await markCloneSuspected(ctx.db, tenant.id, passkey.id, ctx.now());
    throw new SignetError(count.code, count.detail);
  }
  // 11. One transaction: consume the challenge, advance the counter, start the session, log the success.
  const now = ctx.now();
  return ctx.db.transaction().execute(async (trx) => {
    if (!(await consumeChallenge(trx, tenant.id, issued.id, now))) throw new SignetError('WEBAUTHN_CHALLENGE_UNKNOWN');
    const advanced = await recordPasskeyUse(trx, tenant.id, passkey.id, passkey.counter, {
      counter: v.counter,
      backupState: v.backupState,
      at: now,
    });
    if (!advanced) throw new SignetError('SIGNIN_COUNTER_REGRESSION', { reason: 'concurrent use' });
    const { token, session } = await startSession(ctx, trx, {
      tenantId: tenant.id,
      userId: user.id,
      method: 'passkey',
      facts: {
        passkey: {
          aaguid: passkey.aaguid,
          type: passkey.backupEligible ? 'synced' : 'deviceBound',
          attestation: passkey.attestationTrust,
        },
        ...(client.correlationId ? { request: client.correlationId } : {}),
      },
      previousToken: client.previousSessionToken,
    });
    await recordSignIn(ctx, trx, {
      tenantId: tenant.id,
      method: 'passkey',
      userId: user.id,
      userPrincipalName: user.userPrincipalName,
      detail: { credentialId: passkey.credentialId, passkeyId: passkey.id },
      client,
    });
    return { user, token, session };
  });
}
