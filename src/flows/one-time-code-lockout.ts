// The one place one-time codes meet the lockout: smart lockout (flows/smart-lockout.ts, core/lockout.ts), with its
// own counters for authenticator-app and email codes per user and source class, so failed codes do not lock out a
// password or a TAP, and a stranger elsewhere cannot cheaply lock the owner out of their familiar places.
import type { LockoutKind } from '../core/lockout.ts';
import type { Db } from '../store/db.ts';
import type { User } from '../store/users.ts';
import type { Ctx } from './context.ts';
import { countAttempt, recordSuccess } from './smart-lockout.ts';

/**
 * Counts one code attempt of the user from `address` before the code is compared (so parallel guesses cannot pass
 * the threshold); throws SIGNIN_LOCKED_OUT while locked. `clear` (in the success's transaction) forgets the count.
 */
export async function countOneTimeCodeAttempt(
  ctx: Ctx,
  tenantId: string,
  user: Pick<User, 'id' | 'userPrincipalName'>,
  kind: Extract<LockoutKind, 'totp' | 'email-code'>,
  address: string | undefined,
): Promise<{ clear(db: Db): Promise<void> }> {
  const attempt = await countAttempt(ctx, {
    tenantId,
    kind,
    userId: user.id,
    username: user.userPrincipalName,
    address,
  });
  return { clear: (db) => recordSuccess(ctx, db, attempt) };
}
