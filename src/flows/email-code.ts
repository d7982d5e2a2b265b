// Email one-time codes: an administrator sets the user's address (Graph emailMethods); at the second-factor step
// a code is sent (at most once a minute), stored as an HMAC, valid 10 minutes, spent once, dead after 5 wrong
// attempts (core/one-time-code.ts). The Email method configuration must be enabled and target the user.
import type { Principal } from '../core/authorization.ts';
import { allow, type Decision, deny, SignetError } from '../core/errors.ts';
import type { TargetsDocument } from '../core/method-policy-schemas.ts';
import { namesAnyGroup, targetsUser } from '../core/method-targets.ts';
import {
  EMAIL_CODE_LIFETIME_MS,
  EMAIL_CODE_MAX_WRONG,
  EMAIL_CODE_RESEND_MS,
  emailCodeFrom,
  evaluateEmailCode,
  evaluateResend,
  isEmailAddress,
} from '../core/one-time-code.ts';
import { mayChangeUser } from '../core/privileged-target.ts';
import { normalizeCode } from '../core/totp.ts';
import type { Db } from '../store/db.ts';
import { insertAudit } from '../store/logs.ts';
import {
  countWrongEmailCode as countWrongEmailAttempt,
  deleteEmailMethod,
  type EmailMethod,
  findEmailCode,
  findEmailMethod,
  insertEmailMethod,
  putEmailCode,
  spendEmailCode,
  updateEmailAddress,
} from '../store/otp-methods.ts';
import { methodPoliciesOf } from '../store/policy-cache.ts';
import { roleNamesOf } from '../store/role-assignments.ts';
import type { Tenant } from '../store/tenants.ts';
import { groupIdsOf, type User } from '../store/users.ts';
import { type Ctx, hashSecret, secretMatches } from './context.ts';
import { mailerOf } from './mailer.ts';
import { actorOf, findUserByKey } from './users.ts';

/** The Email method configuration is enabled and targets the user (exclusion wins). */
export async function emailAllowedFor(ctx: Ctx, tenantId: string, user: User): Promise<Decision> {
  const doc: TargetsDocument = (await methodPoliciesOf(ctx, tenantId)).methods.Email;
  if (doc.state !== 'enabled') return deny('OTP_EMAIL_NOT_ALLOWED', { reason: 'the Email method is disabled' });
  // Memberships matter only when a target names a group (the default all_users reads none).
  const groupIds = namesAnyGroup(doc) ? await groupIdsOf(ctx.db, tenantId, user.id) : [];
  if (!targetsUser(doc, { userId: user.id, groupIds }))
    return deny('OTP_EMAIL_NOT_ALLOWED', { reason: 'the Email method does not target this user' });
  return allow;
}

const codeHash = (ctx: Ctx, codeId: string, code: string) => hashSecret(ctx, 'email-code', `${codeId}\0${code}`);

/** Sends the user a new code (replacing the last one), unless one was sent within the last minute. */
export async function sendEmailCode(ctx: Ctx, tenant: Tenant, user: User): Promise<{ to: string; expiresAt: number }> {
  const allowed = await emailAllowedFor(ctx, tenant.id, user);
  if (!allowed.ok) throw new SignetError(allowed.code, allowed.detail);
  const method = await findEmailMethod(ctx.db, tenant.id, user.id);
  if (!method) throw new SignetError('OTP_EMAIL_NOT_REGISTERED');
  const now = ctx.now();
  const last = await findEmailCode(ctx.db, tenant.id, user.id);
  const resend = evaluateResend(last, now);
  if (!resend.ok) throw new SignetError(resend.code, resend.detail);
  const code = emailCodeFrom(ctx.randomBytes(32));
  const id = ctx.newId();
  const stored = {
    tenantId: tenant.id,
    userId: user.id,
    id,
    hash: codeHash(ctx, id, code),
    createdAt: now,
    expiresAt: now + EMAIL_CODE_LIFETIME_MS,
    wrongAttempts: 0,
    usedAt: null,
  };
  // One conditional write: of racing resends one stores its code, and only that one is mailed.
  if (!(await putEmailCode(ctx.db, stored, now - EMAIL_CODE_RESEND_MS)))
    throw new SignetError('OTP_RESEND_TOO_SOON', { retryAfterSeconds: '60' });
  try {
    await mailerOf(ctx).send({
      to: method.emailAddress,
      subject: `Your ${tenant.displayName} sign-in code: ${code}`,
      text: `Your code to sign in to ${tenant.displayName} is ${code}\n\nIt works once, for 10 minutes. If you did not try to sign in, someone else may know your password: change it, and tell your help desk.\n`,
    });
  } catch (err) {
    // Not sent: the code goes, so the person may try again at once rather than wait a minute for nothing.
    await ctx.db
      .deleteFrom('email_codes')
      .where('tenant_id', '=', tenant.id)
      .where('user_id', '=', user.id)
      .where('id', '=', id)
      .execute();
    ctx.log.error({ err, tenant: tenant.id }, 'email code could not be sent');
    throw new SignetError('OTP_EMAIL_NOT_SENT', {}, { cause: err });
  }
  return { to: method.emailAddress, expiresAt: stored.expiresAt };
}

/**
 * The code the user typed, as a second factor (the caller has checked emailAllowedFor), compared in constant time:
 * a match is spent with one conditional write in `db` (the caller's transaction); a mismatch writes nothing here
 * and answers 'wrong', for countWrongEmailCode after the transaction. Other refusals are thrown.
 */
export async function takeEmailCode(
  ctx: Ctx,
  db: Db,
  tenant: Tenant,
  user: User,
  typed: string,
): Promise<'spent' | 'wrong'> {
  const now = ctx.now();
  const code = await findEmailCode(db, tenant.id, user.id);
  const live = evaluateEmailCode(code, now);
  if (!live.ok || !code) throw new SignetError(live.ok ? 'OTP_CODE_NOT_SENT' : live.code, live.ok ? {} : live.detail);
  if (!secretMatches(code.hash, codeHash(ctx, code.id, normalizeCode(typed) ?? ''))) return 'wrong';
  if (await spendEmailCode(db, code, EMAIL_CODE_MAX_WRONG, now)) return 'spent';
  const again = evaluateEmailCode(await findEmailCode(db, tenant.id, user.id), now);
  throw new SignetError(again.ok ? 'OTP_CODE_ALREADY_USED' : again.code);
}

/** Counts a wrong code against the user's live code, one conditional write; throws what the person is told. */
export async function countWrongEmailCode(ctx: Ctx, tenant: Tenant, user: User): Promise<never> {
  const code = await findEmailCode(ctx.db, tenant.id, user.id);
  if (code && (await countWrongEmailAttempt(ctx.db, code, EMAIL_CODE_MAX_WRONG)))
    throw new SignetError('OTP_CODE_INVALID');
  throw new SignetError('OTP_CODE_ATTEMPTS_EXCEEDED');
}

/** The user of `key` in the tenant, when `by` may change their methods (privileged-target.ts). */
async function changeableUser(db: Db, tenant: Tenant, by: Principal, key: string): Promise<User> {
  const user = await findUserByKey(db, tenant.id, key);
  if (!user) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'user' });
  const allowed = mayChangeUser(by, await roleNamesOf(db, tenant.id, user.id));
  if (!allowed.ok) throw new SignetError(allowed.code, allowed.detail);
  return user;
}

function checkAddress(address: unknown): string {
  if (typeof address !== 'string' || !isEmailAddress(address.trim()))
    throw new SignetError('OTP_EMAIL_ADDRESS_INVALID', { field: 'emailAddress' });
  return address.trim();
}

const audit = (ctx: Ctx, db: Db, tenant: Tenant, by: Principal, user: User, activity: string) =>
  insertAudit(db, {
    id: ctx.newId(),
    tenantId: tenant.id,
    createdAt: ctx.now(),
    ...actorOf(by),
    activity,
    targetType: 'user',
    targetId: user.id,
    detail: {},
  });

/** POST …/emailMethods: the user's address for codes (one per user), while the Email method targets them. */
export async function addUserEmailMethod(
  ctx: Ctx,
  tenant: Tenant,
  by: Principal,
  userKey: string,
  address: unknown,
): Promise<EmailMethod> {
  const emailAddress = checkAddress(address);
  // The policy is read before the transaction (through the per-process cache, outside it).
  const target = await changeableUser(ctx.db, tenant, by, userKey);
  const allowed = await emailAllowedFor(ctx, tenant.id, target);
  if (!allowed.ok) throw new SignetError(allowed.code, allowed.detail);
  return ctx.db.transaction().execute(async (trx) => {
    const user = await changeableUser(trx, tenant, by, userKey);
    const method = { tenantId: tenant.id, userId: user.id, emailAddress, createdAt: ctx.now() };
    if (!(await insertEmailMethod(trx, method))) throw new SignetError('OTP_EMAIL_METHOD_EXISTS');
    await audit(ctx, trx, tenant, by, user, 'Add email method');
    return method;
  });
}

/** PATCH …/emailMethods/{id}: a new address; a code sent to the old one stops working. */
export async function updateUserEmailMethod(
  ctx: Ctx,
  tenant: Tenant,
  by: Principal,
  userKey: string,
  address: unknown,
): Promise<EmailMethod> {
  const emailAddress = checkAddress(address);
  return ctx.db.transaction().execute(async (trx) => {
    const user = await changeableUser(trx, tenant, by, userKey);
    if (!(await updateEmailAddress(trx, tenant.id, user.id, emailAddress)))
      throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'emailAuthenticationMethod' });
    await trx.deleteFrom('email_codes').where('tenant_id', '=', tenant.id).where('user_id', '=', user.id).execute();
    await audit(ctx, trx, tenant, by, user, 'Update email method');
    return (await findEmailMethod(trx, tenant.id, user.id))!;
  });
}

export async function deleteUserEmailMethod(ctx: Ctx, tenant: Tenant, by: Principal, userKey: string) {
  await ctx.db.transaction().execute(async (trx) => {
    const user = await changeableUser(trx, tenant, by, userKey);
    if (!(await deleteEmailMethod(trx, tenant.id, user.id)))
      throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'emailAuthenticationMethod' });
    await audit(ctx, trx, tenant, by, user, 'Delete email method');
  });
}
