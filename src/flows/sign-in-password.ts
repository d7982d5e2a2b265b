// Signing in with a password (SPEC §2.4), top to bottom in the order the checks are made. The Password method
// configuration decides who may (state, includeTargets, excludeTargets). An unknown name, an account without a
// password and a wrong password get one answer (SIGNIN_PASSWORD_INVALID) after the same work (a decoy hash is
// verified when there is nothing to verify), and are counted alike by smart lockout; what only the right password
// may learn (disabled account, method not for this user) is said after it. A password session is one factor:
// amr ['pwd'] and no strong authentication, so it never opens passkey registration by itself. Every attempt lands in
// the sign-in log with its code.
import { SignetError } from '../core/errors.ts';
import { namesAnyGroup, targetsUser } from '../core/method-targets.ts';
import {
  decoyPasswordHash,
  findPasswordCredential,
  hashPassword,
  needsRehash,
  rehashPasswordCredential,
  verifyPassword,
} from '../store/password-credentials.ts';
import { methodPoliciesOf } from '../store/policy-cache.ts';
import type { Tenant } from '../store/tenants.ts';
import { findUserByName, groupIdsOf } from '../store/users.ts';
import type { Ctx } from './context.ts';
import { type ClientInfo, recordSignIn } from './record-sign-in.ts';
import { startSession } from './sessions.ts';
import type { SignedIn } from './sign-in-passkey.ts';
import { countAttempt, recordSuccess } from './smart-lockout.ts';

/** RFC 8176: `pwd`, password-based authentication; one factor. */
export const PASSWORD_AMR = ['pwd'];

type PasswordRefusal =
  | 'PASSWORD_SIGNIN_DISABLED'
  | 'PASSWORD_LOCKED_OUT'
  | 'SIGNIN_PASSWORD_INVALID'
  | 'SIGNIN_USER_DISABLED'
  | 'PASSWORD_METHOD_NOT_TARGETED';

export async function signInWithPassword(
  ctx: Ctx,
  tenant: Tenant,
  p: { username: string; password: string },
  client: ClientInfo & { previousSessionToken?: string } = {},
): Promise<SignedIn> {
  const user = await findUserByName(ctx.db, tenant.id, p.username);
  // The log keeps the reason a person is not told (which of the three a SIGNIN_PASSWORD_INVALID was).
  const fail = async (
    code: PasswordRefusal,
    shown: Record<string, string> = {},
    logged: Record<string, string> = {},
  ) => {
    await recordSignIn(ctx, ctx.db, {
      tenantId: tenant.id,
      method: 'password',
      userId: user?.id ?? null,
      userPrincipalName: user?.userPrincipalName ?? p.username.slice(0, 256),
      errorCode: code,
      detail: { ...shown, ...logged },
      client,
    });
    return new SignetError(code, shown);
  };

  // 1. The method is on in this tenant (tenant-wide, so it tells nothing of the account).
  const policy = (await methodPoliciesOf(ctx, tenant.id)).methods.Password;
  if (policy.state !== 'enabled') throw await fail('PASSWORD_SIGNIN_DISABLED');

  // 2. Counted before the password is compared, so parallel guesses in any number of processes cannot pass the
  // threshold; failures from the user's familiar addresses on counters of their own (flows/smart-lockout.ts).
  let attempt: Awaited<ReturnType<typeof countAttempt>>;
  try {
    attempt = await countAttempt(ctx, {
      tenantId: tenant.id,
      kind: 'password',
      userId: user?.id,
      username: p.username,
      address: client.ip,
    });
  } catch (err) {
    if (err instanceof SignetError && err.code === 'PASSWORD_LOCKED_OUT')
      throw await fail('PASSWORD_LOCKED_OUT', err.detail);
    throw err;
  }

  // 3. The password, against the stored hash or the decoy: the same work whether or not there is one.
  const credential = user ? await findPasswordCredential(ctx.db, tenant.id, user.id) : undefined;
  const matches = await verifyPassword(p.password, credential?.hash ?? (await decoyPasswordHash()));
  if (!user || !credential || !matches) {
    const reason = !user ? 'no such account' : !credential ? 'the account has no password' : 'wrong password';
    throw await fail('SIGNIN_PASSWORD_INVALID', {}, { reason });
  }

  // 4. What only the right password may learn: the account is enabled, and the method covers this user.
  if (!user.enabled) throw await fail('SIGNIN_USER_DISABLED');
  const groupIds = namesAnyGroup(policy) ? await groupIdsOf(ctx.db, tenant.id, user.id) : [];
  if (!targetsUser(policy, { userId: user.id, groupIds })) throw await fail('PASSWORD_METHOD_NOT_TARGETED');

  // 5. The session, the lockout counter cleared and the address made familiar, and the log: one transaction.
  const signedIn = await ctx.db.transaction().execute(async (trx) => {
    // A one-factor session (amr pwd, no strong authentication); the id rotates as at every sign-in.
    const started = await startSession(ctx, trx, {
      tenantId: tenant.id,
      userId: user.id,
      method: 'password',
      ...(client.correlationId ? { facts: { request: client.correlationId } } : {}),
      previousToken: client.previousSessionToken,
    });
    await recordSuccess(ctx, trx, attempt);
    await recordSignIn(ctx, trx, {
      tenantId: tenant.id,
      method: 'password',
      userId: user.id,
      userPrincipalName: user.userPrincipalName,
      client,
    });
    return { user, ...started };
  });

  // 6. A hash of older parameters (or scrypt) is replaced now that the password is known; never fails the sign-in.
  if (needsRehash(credential.hash)) {
    try {
      const hash = await hashPassword(p.password, ctx.randomBytes(16));
      await rehashPasswordCredential(ctx.db, tenant.id, user.id, credential.hash, hash);
    } catch (err) {
      ctx.log.warn({ tenant: tenant.id, user: user.id, err: String(err) }, 'password rehash failed');
    }
  }
  return signedIn;
}
