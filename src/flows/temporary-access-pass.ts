// Temporary Access Pass: issued by an administrator (or `signet init`) as the tenant's TAP method configuration
// allows (core/tap.ts planTap), shown once, stored as an HMAC; signing in with it, while that configuration still
// covers the user, is strong authentication that allows registering a passkey (SPEC §2.4).
import type { Principal } from '../core/authorization.ts';
import { SignetError } from '../core/errors.ts';
import { namesAnyGroup, targetsUser } from '../core/method-targets.ts';
import { mayChangeUser } from '../core/privileged-target.ts';
import {
  evaluateTapUse,
  formatTap,
  planTap,
  type TapPlan,
  type TapPolicyFacts,
  type TapRequest,
  tapRandomBytesFor,
} from '../core/tap.ts';
import type { Db } from '../store/db.ts';
import { clearLockoutsStartingWith } from '../store/lockouts.ts';
import { insertAudit } from '../store/logs.ts';
import { methodPoliciesOf } from '../store/policy-cache.ts';
import { roleNamesOf } from '../store/role-assignments.ts';
import { consumeTap, findTapOfUser, replaceTap } from '../store/taps.ts';
import type { Tenant } from '../store/tenants.ts';
import { findUserByName, groupIdsOf, type User } from '../store/users.ts';
import { type Ctx, hashSecret, secretMatches } from './context.ts';
import { type ClientInfo, recordSignIn } from './record-sign-in.ts';
import { startSession } from './sessions.ts';
import type { SignedIn } from './sign-in-passkey.ts';
import { type CountedAttempt, countAttempt, recordSuccess } from './smart-lockout.ts';
import { actorOf, findUserByKey } from './users.ts';

export interface IssuedTap {
  /** The pass's method id (Graph's temporaryAccessPassAuthenticationMethod id). */
  id: string;
  createdAt: number;
  pass: string;
  startsAt: number;
  expiresAt: number;
  oneTime: boolean;
}

type TapActor = { type: 'user' | 'app' | 'system'; id: string | null };

/**
 * The TAP method configuration of the tenant and whether it covers the user (their groups read only when a target
 * names a group). Read through the per-tenant cache, outside any transaction (SQLite has one connection).
 */
export async function tapPolicyOf(ctx: Ctx, tenantId: string, userId: string) {
  const policy = (await methodPoliciesOf(ctx, tenantId)).methods.TemporaryAccessPass;
  const groupIds = namesAnyGroup(policy) ? await groupIdsOf(ctx.db, tenantId, userId) : [];
  const facts: TapPolicyFacts = { state: policy.state, targeted: targetsUser(policy, { userId, groupIds }) };
  return { policy, facts };
}

/** The pass's characters from the cryptographic source, drawing again in the rare case the bytes run out. */
function newPass(ctx: Ctx, length: number): string {
  for (;;) {
    const pass = formatTap(ctx.randomBytes(tapRandomBytesFor(length)), length);
    if (pass !== null) return pass;
  }
}

/** The policy's answer to a request for a pass for `user`, refused with its code before anything is written. */
async function plannedTap(ctx: Ctx, tenant: Tenant, user: User, req: TapRequest): Promise<TapPlan> {
  const { policy, facts } = await tapPolicyOf(ctx, tenant.id, user.id);
  const plan = planTap(policy, facts.targeted, req, ctx.now());
  if (!plan.ok) throw new SignetError(plan.code, plan.detail);
  return plan.value;
}

export async function issueTap(
  ctx: Ctx,
  tenant: Tenant,
  user: User,
  p: TapRequest & { actor: TapActor },
): Promise<IssuedTap> {
  const plan = await plannedTap(ctx, tenant, user, p);
  return ctx.db.transaction().execute((trx) => writeTap(ctx, trx, tenant, user, plan, p.actor));
}

/** Replaces the user's pass with a new one (at most one per user, as Graph has it), audited, in `trx`. */
async function writeTap(
  ctx: Ctx,
  trx: Db,
  tenant: Tenant,
  user: User,
  plan: TapPlan,
  actor: TapActor,
): Promise<IssuedTap> {
  const pass = newPass(ctx, plan.length);
  const now = ctx.now();
  const issued = {
    id: ctx.newId(),
    createdAt: now,
    pass,
    startsAt: plan.startsAt,
    expiresAt: plan.expiresAt,
    oneTime: plan.oneTime,
  };
  await replaceTap(trx, {
    id: issued.id,
    tenantId: tenant.id,
    userId: user.id,
    hash: hashSecret(ctx, 'tap', pass),
    oneTime: issued.oneTime,
    createdAt: now,
    startsAt: issued.startsAt,
    expiresAt: issued.expiresAt,
    usedAt: null,
  });
  await clearLockoutsStartingWith(trx, tenant.id, `tap:${user.id}:`);
  await insertAudit(trx, {
    id: ctx.newId(),
    tenantId: tenant.id,
    createdAt: now,
    actorType: actor.type,
    actorId: actor.id,
    activity: 'Issue Temporary Access Pass',
    targetType: 'user',
    targetId: user.id,
    detail: {
      methodId: issued.id,
      lifetimeInMinutes: String(plan.lifetimeMinutes),
      isUsableOnce: String(issued.oneTime),
      length: String(plan.length),
      ...(plan.startsAt <= now ? {} : { startDateTime: new Date(plan.startsAt).toISOString() }),
    },
  });
  return issued;
}

/** The user of `key` (id or UPN) in the tenant, when `by` may change their methods (privileged-target.ts). */
async function changeableUser(trx: Db, tenant: Tenant, by: Principal, key: string): Promise<User> {
  const user = await findUserByKey(trx, tenant.id, key);
  if (!user) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'user' });
  const allowed = mayChangeUser(by, await roleNamesOf(trx, tenant.id, user.id));
  if (!allowed.ok) throw new SignetError(allowed.code, allowed.detail);
  return user;
}

/** POST /users/{id}/authentication/temporaryAccessPassMethods: a new pass replaces the user's current one. */
export async function issueUserTap(
  ctx: Ctx,
  tenant: Tenant,
  by: Principal,
  userKey: string,
  p: TapRequest,
): Promise<IssuedTap> {
  const actor = actorOf(by);
  // Who may act, then what the policy allows, then the write: a refusal by role tells nothing of the policy.
  const user = await changeableUser(ctx.db, tenant, by, userKey);
  const plan = await plannedTap(ctx, tenant, user, p);
  return ctx.db.transaction().execute(async (trx) => {
    const same = await changeableUser(trx, tenant, by, user.id);
    return writeTap(ctx, trx, tenant, same, plan, { type: actor.actorType as TapActor['type'], id: actor.actorId });
  });
}

/** DELETE /users/{id}/authentication/temporaryAccessPassMethods/{id}: the pass stops working at once. */
export async function deleteUserTap(
  ctx: Ctx,
  tenant: Tenant,
  by: Principal,
  userKey: string,
  id: string,
): Promise<void> {
  const now = ctx.now();
  await ctx.db.transaction().execute(async (trx) => {
    const user = await changeableUser(trx, tenant, by, userKey);
    const r = await trx
      .deleteFrom('taps')
      .where('tenant_id', '=', tenant.id)
      .where('user_id', '=', user.id)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(r.numDeletedRows) !== 1)
      throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'temporaryAccessPassAuthenticationMethod' });
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: now,
      ...actorOf(by),
      activity: 'Delete Temporary Access Pass',
      targetType: 'user',
      targetId: user.id,
      detail: { methodId: id },
    });
  });
}

export async function signInWithTap(
  ctx: Ctx,
  tenant: Tenant,
  p: { username: string; pass: string },
  client: ClientInfo & { previousSessionToken?: string } = {},
): Promise<SignedIn> {
  const user = await findUserByName(ctx.db, tenant.id, p.username);
  const fail = async (
    code:
      | 'TAP_INVALID'
      | 'TAP_EXPIRED'
      | 'TAP_ALREADY_USED'
      | 'TAP_LOCKED_OUT'
      | 'SIGNIN_USER_DISABLED'
      | 'TAP_METHOD_DISABLED'
      | 'TAP_METHOD_NOT_TARGETED',
    detail: Record<string, string> = {},
  ) => {
    await recordSignIn(ctx, ctx.db, {
      tenantId: tenant.id,
      method: 'temporaryAccessPass',
      userId: user?.id ?? null,
      userPrincipalName: user?.userPrincipalName ?? p.username.slice(0, 256),
      errorCode: code,
      detail,
      client,
    });
    return new SignetError(code, detail);
  };
  // The candidate is hashed whether or not the account exists: no timing difference between the two.
  const candidate = hashSecret(ctx, 'tap', p.pass);
  // Every attempt is counted before the pass is compared, so parallel guesses cannot exceed the threshold;
  // names without an account are counted too, so the lockout does not tell them apart.
  // Smart lockout (flows/smart-lockout.ts): failures from the user's familiar addresses are counted apart from
  // everyone else's, so a stranger cannot lock the owner's pass where the owner signs in.
  let attempt: CountedAttempt;
  try {
    attempt = await countAttempt(ctx, {
      tenantId: tenant.id,
      kind: 'tap',
      userId: user?.id,
      username: p.username,
      address: client.ip,
    });
  } catch (err) {
    // The lockout's end (until, retryAfterSeconds) goes to the person and the log: the wait grows with each lockout.
    if (err instanceof SignetError && err.code === 'TAP_LOCKED_OUT') throw await fail('TAP_LOCKED_OUT', err.detail);
    throw err;
  }
  const now = ctx.now();
  if (!user) throw await fail('TAP_INVALID');
  const tap = await findTapOfUser(ctx.db, tenant.id, user.id);
  if (!tap || !secretMatches(tap.hash, candidate)) throw await fail('TAP_INVALID');
  // The policy as it is now, not as it was at issuance: a pass stops working when the method no longer covers the user.
  const usable = evaluateTapUse(tap, (await tapPolicyOf(ctx, tenant.id, user.id)).facts, now);
  if (!usable.ok) throw await fail(usable.code as Parameters<typeof fail>[0]);
  if (!user.enabled) throw await fail('SIGNIN_USER_DISABLED');
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      // One conditional write: racing requests cannot both spend a one-time pass.
      if (tap.oneTime && !(await consumeTap(trx, tenant.id, tap.id, now))) throw new SignetError('TAP_ALREADY_USED');
      const { token, session } = await startSession(ctx, trx, {
        tenantId: tenant.id,
        userId: user.id,
        method: 'temporaryAccessPass',
        facts: { tap: { oneTime: tap.oneTime }, ...(client.correlationId ? { request: client.correlationId } : {}) },
        previousToken: client.previousSessionToken,
      });
      await recordSuccess(ctx, trx, attempt);
      await recordSignIn(ctx, trx, {
        tenantId: tenant.id,
        method: 'temporaryAccessPass',
        userId: user.id,
        userPrincipalName: user.userPrincipalName,
        client,
      });
      return { user, token, session };
    });
  } catch (err) {
    if (err instanceof SignetError && err.code === 'TAP_ALREADY_USED') throw await fail('TAP_ALREADY_USED');
    throw err;
  }
}
