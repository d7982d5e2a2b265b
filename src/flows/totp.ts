// Authenticator apps (TOTP, RFC 6238): set up on the user's own page after a fresh strong sign-in, confirmed with
// a first code, the key sealed at rest; a code proves one time step, accepted once (core/totp.ts).
import { hkdfSync } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';
import type { Config } from '../config.ts';
import type { Principal } from '../core/authorization.ts';
import { allow, type Decision, deny, SignetError } from '../core/errors.ts';
import { namesAnyGroup, targetsUser } from '../core/method-targets.ts';
import { mayChangeUser } from '../core/privileged-target.ts';
import { isStrongAuthFresh, STRONG_AUTH_FRESHNESS_MS } from '../core/registration-gate.ts';
import {
  evaluateTotpCode,
  matchTotpStep,
  TOTP_METHODS_PER_USER,
  TOTP_SECRET_BYTES,
  TOTP_SETUP_LIFETIME_MS,
  totpEnrollment,
} from '../core/totp.ts';
import type { Db } from '../store/db.ts';
import { type AuditRecord, insertAudit } from '../store/logs.ts';
import {
  advanceTotpStep,
  confirmTotp,
  deleteTotpMethod,
  findPendingTotp,
  insertPendingTotp,
  listTotpMethods,
  type TotpMethod,
} from '../store/otp-methods.ts';
import { methodPoliciesOf } from '../store/policy-cache.ts';
import { roleNamesOf } from '../store/role-assignments.ts';
import type { Session } from '../store/sessions.ts';
import type { Tenant } from '../store/tenants.ts';
import { findUserById, groupIdsOf, type User } from '../store/users.ts';
import type { Ctx } from './context.ts';
import { countOneTimeCodeAttempt } from './one-time-code-lockout.ts';
import { actorOf, findUserByKey } from './users.ts';

function sealingKey(secret: Buffer): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secret, 'signet', 'totp-secret-encryption', 32));
}

/** The key sealed for its method: the method id is the JWE's kid, checked on opening, so rows cannot swap keys. */
export async function sealTotpSecret(config: Config, methodId: string, secret: Uint8Array): Promise<string> {
  return new CompactEncrypt(secret)
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: methodId })
    .encrypt(sealingKey(config.secret));
}

export async function openTotpSecret(config: Config, m: Pick<TotpMethod, 'id' | 'secretSealed'>): Promise<Uint8Array> {
  const { plaintext, protectedHeader } = await compactDecrypt(m.secretSealed, sealingKey(config.secret), {
    keyManagementAlgorithms: ['dir'],
    contentEncryptionAlgorithms: ['A256GCM'],
  });
  if (protectedHeader.kid !== m.id) throw new Error('sealed TOTP key belongs to another method');
  return plaintext;
}

/** The SoftwareOath method configuration is enabled and targets the user (exclusion wins). */
export async function totpAllowedFor(ctx: Ctx, tenantId: string, user: User): Promise<Decision> {
  const doc = (await methodPoliciesOf(ctx, tenantId)).methods.SoftwareOath;
  if (doc.state !== 'enabled') return deny('OTP_TOTP_NOT_ALLOWED', { reason: 'the SoftwareOath method is disabled' });
  // Memberships matter only when a target names a group (the default all_users reads none).
  const groupIds = namesAnyGroup(doc) ? await groupIdsOf(ctx.db, tenantId, user.id) : [];
  if (!targetsUser(doc, { userId: user.id, groupIds }))
    return deny('OTP_TOTP_NOT_ALLOWED', { reason: 'the SoftwareOath method does not target this user' });
  return allow;
}

export interface TotpSetup {
  id: string;
  base32: string;
  uri: string;
  expiresAt: number;
}

/** The session's user, when the session proved a strong factor within 5 minutes and the method allows them. */
async function setupUser(ctx: Ctx, tenant: Tenant, session: Session): Promise<User> {
  const user = await findUserById(ctx.db, tenant.id, session.userId);
  if (!user?.enabled) throw new SignetError('SESSION_REQUIRED');
  if (!isStrongAuthFresh(session.strongAuthAt, ctx.now()))
    throw new SignetError('OTP_STRONG_AUTH_REQUIRED', { maxAgeSeconds: String(STRONG_AUTH_FRESHNESS_MS / 1000) });
  const allowed = await totpAllowedFor(ctx, tenant.id, user);
  if (!allowed.ok) throw new SignetError(allowed.code, allowed.detail);
  if ((await listTotpMethods(ctx.db, tenant.id, user.id)).length >= TOTP_METHODS_PER_USER)
    throw new SignetError('OTP_TOTP_LIMIT_REACHED', { limit: String(TOTP_METHODS_PER_USER) });
  return user;
}

/** The key to add to the app: the one already on screen while it lasts (a reload shows the same), else a new one. */
export async function beginTotpSetup(ctx: Ctx, tenant: Tenant, session: Session): Promise<TotpSetup> {
  const user = await setupUser(ctx, tenant, session);
  const now = ctx.now();
  const label = { issuer: tenant.displayName, account: user.userPrincipalName };
  const pending = await findPendingTotp(ctx.db, tenant.id, user.id);
  if (pending && now < pending.createdAt + TOTP_SETUP_LIFETIME_MS) {
    const e = totpEnrollment(await openTotpSecret(ctx.config, pending), label);
    return { id: pending.id, ...e, expiresAt: pending.createdAt + TOTP_SETUP_LIFETIME_MS };
  }
  const id = ctx.newId();
  const secret = ctx.randomBytes(TOTP_SECRET_BYTES);
  await insertPendingTotp(ctx.db, {
    id,
    tenantId: tenant.id,
    userId: user.id,
    secretSealed: await sealTotpSecret(ctx.config, id, secret),
    displayName: 'Authenticator app',
    createdAt: now,
  });
  return { id, ...totpEnrollment(secret, label), expiresAt: now + TOTP_SETUP_LIFETIME_MS };
}

/** Confirms the set-up with the first code the app shows; audited. The code is spent: it cannot sign in. */
export async function confirmTotpSetup(
  ctx: Ctx,
  tenant: Tenant,
  session: Session,
  p: { code: string; displayName?: string },
  client: { ip?: string } = {},
): Promise<TotpMethod> {
  const user = await setupUser(ctx, tenant, session);
  const now = ctx.now();
  const pending = await findPendingTotp(ctx.db, tenant.id, user.id);
  if (!pending || now >= pending.createdAt + TOTP_SETUP_LIFETIME_MS) throw new SignetError('OTP_TOTP_SETUP_EXPIRED');
  const attempt = await countOneTimeCodeAttempt(ctx, tenant.id, user, 'totp', client.ip);
  const step = matchTotpStep(await openTotpSecret(ctx.config, pending), p.code, now);
  if (step === undefined) throw new SignetError('OTP_CODE_INVALID');
  const displayName = (p.displayName ?? '').trim().slice(0, 64) || 'Authenticator app';
  return ctx.db.transaction().execute(async (trx) => {
    if (!(await confirmTotp(trx, tenant.id, pending.id, step, now))) throw new SignetError('OTP_TOTP_SETUP_EXPIRED');
    await trx.updateTable('totp_methods').set({ display_name: displayName }).where('id', '=', pending.id).execute();
    await attempt.clear(trx);
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: now,
      actorType: 'user',
      actorId: user.id,
      activity: 'Add software OATH method',
      targetType: 'user',
      targetId: user.id,
      detail: { methodId: pending.id, displayName },
    });
    return { ...pending, displayName, confirmedAt: now, lastStep: step, lastUsedAt: now };
  });
}

/**
 * A code from one of the user's authenticator apps, as a second factor (the caller has checked totpAllowedFor):
 * the code must prove a step later than the last accepted one, and that step is taken with one conditional write.
 * Only `db` is used (a transaction). Returns the method used; throws the refusal's code.
 */
export async function takeTotpCode(ctx: Ctx, db: Db, tenant: Tenant, user: User, code: string): Promise<TotpMethod> {
  const methods = await listTotpMethods(db, tenant.id, user.id);
  if (methods.length === 0) throw new SignetError('OTP_TOTP_NOT_REGISTERED');
  const now = ctx.now();
  let replayed = false;
  for (const m of methods) {
    const step = matchTotpStep(await openTotpSecret(ctx.config, m), code, now);
    const verdict = evaluateTotpCode(step, m.lastStep);
    if (!verdict.ok) {
      replayed ||= verdict.code === 'OTP_CODE_ALREADY_USED';
      continue;
    }
    if (await advanceTotpStep(db, tenant.id, m.id, step!, now)) return { ...m, lastStep: step!, lastUsedAt: now };
    replayed = true; // another request took this step first
  }
  throw new SignetError(replayed ? 'OTP_CODE_ALREADY_USED' : 'OTP_CODE_INVALID');
}

/** DELETE …/softwareOathMethods/{id} by an administrator (privileged targets as for passkeys); audited. */
export async function deleteUserTotp(ctx: Ctx, tenant: Tenant, by: Principal, userKey: string, id: string) {
  await ctx.db.transaction().execute(async (trx) => {
    const user = await findUserByKey(trx, tenant.id, userKey);
    if (!user) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'user' });
    const allowed = mayChangeUser(by, await roleNamesOf(trx, tenant.id, user.id));
    if (!allowed.ok) throw new SignetError(allowed.code, allowed.detail);
    await deleteTotpOf(ctx, trx, tenant, actorOf(by), user, id);
  });
}

/**
 * The user's own app, removed from their page or through /me, after a fresh strong sign-in (as for a passkey);
 * audited as the user's own change.
 */
export async function deleteOwnTotp(ctx: Ctx, tenant: Tenant, session: Session, id: string) {
  if (!isStrongAuthFresh(session.strongAuthAt, ctx.now()))
    throw new SignetError('OTP_STRONG_AUTH_REQUIRED', { maxAgeSeconds: String(STRONG_AUTH_FRESHNESS_MS / 1000) });
  const user = await findUserById(ctx.db, tenant.id, session.userId);
  if (!user) throw new SignetError('SESSION_REQUIRED');
  const actor: Actor = { actorType: 'user', actorId: user.id };
  await ctx.db.transaction().execute((trx) => deleteTotpOf(ctx, trx, tenant, actor, user, id));
}

type Actor = Pick<AuditRecord, 'actorType' | 'actorId'>;

async function deleteTotpOf(ctx: Ctx, trx: Db, tenant: Tenant, actor: Actor, user: User, id: string) {
  if (!(await deleteTotpMethod(trx, tenant.id, user.id, id)))
    throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'softwareOathAuthenticationMethod' });
  await insertAudit(trx, {
    id: ctx.newId(),
    tenantId: tenant.id,
    createdAt: ctx.now(),
    ...actor,
    activity: 'Delete software OATH method',
    targetType: 'user',
    targetId: user.id,
    detail: { methodId: id },
  });
}
