// Authenticator apps (TOTP), email methods and the email code last sent to a user (0017). Every query takes the
// tenant; single-use steps (a TOTP time step, an email code, a wrong attempt) are one conditional write each, so
// racing requests cannot both succeed on either engine.
import type { Selectable } from 'kysely';
import type { Db } from './db.ts';
import type { EmailCodesTable, TotpMethodsTable } from './schema.ts';

export interface TotpMethod {
  id: string;
  tenantId: string;
  userId: string;
  /** The key, sealed (JWE); only flows/totp.ts opens it. */
  secretSealed: string;
  displayName: string;
  createdAt: number;
  /** Null while the set-up waits for its first code. */
  confirmedAt: number | null;
  lastStep: number | null;
  lastUsedAt: number | null;
}

const toTotp = (r: Selectable<TotpMethodsTable>): TotpMethod => ({
  id: r.id,
  tenantId: r.tenant_id,
  userId: r.user_id,
  secretSealed: r.secret_sealed,
  displayName: r.display_name,
  createdAt: Number(r.created_at),
  confirmedAt: r.confirmed_at === null ? null : Number(r.confirmed_at),
  lastStep: r.last_step === null ? null : Number(r.last_step),
  lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
});

/** A new set-up replaces the user's unconfirmed one (one key on screen at a time). */
export async function insertPendingTotp(
  db: Db,
  m: Pick<TotpMethod, 'id' | 'tenantId' | 'userId' | 'secretSealed' | 'displayName' | 'createdAt'>,
): Promise<void> {
  await db
    .deleteFrom('totp_methods')
    .where('tenant_id', '=', m.tenantId)
    .where('user_id', '=', m.userId)
    .where('confirmed_at', 'is', null)
    .execute();
  await db
    .insertInto('totp_methods')
    .values({
      id: m.id,
      tenant_id: m.tenantId,
      user_id: m.userId,
      secret_sealed: m.secretSealed,
      display_name: m.displayName,
      created_at: m.createdAt,
      confirmed_at: null,
      last_step: null,
      last_used_at: null,
    })
    .execute();
}

export async function findPendingTotp(db: Db, tenantId: string, userId: string): Promise<TotpMethod | undefined> {
  const r = await db
    .selectFrom('totp_methods')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('confirmed_at', 'is', null)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  return r && toTotp(r);
}

/** The user's confirmed authenticator apps, oldest first. */
export async function listTotpMethods(db: Db, tenantId: string, userId: string): Promise<TotpMethod[]> {
  const rows = await db
    .selectFrom('totp_methods')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('confirmed_at', 'is not', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toTotp);
}

/**
 * Confirms a set-up with the step its first code proved, once: two racing confirmations cannot both add it, and
 * that first code cannot then sign in.
 */
export async function confirmTotp(db: Db, tenantId: string, id: string, step: number, at: number): Promise<boolean> {
  const r = await db
    .updateTable('totp_methods')
    .set({ confirmed_at: at, last_step: step, last_used_at: at })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('confirmed_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Accepts `step` for the method only if it is later than the last accepted one: a code works once. */
export async function advanceTotpStep(
  db: Db,
  tenantId: string,
  id: string,
  step: number,
  at: number,
): Promise<boolean> {
  const r = await db
    .updateTable('totp_methods')
    .set({ last_step: step, last_used_at: at })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('confirmed_at', 'is not', null)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function deleteTotpMethod(db: Db, tenantId: string, userId: string, id: string): Promise<boolean> {
  const r = await db
    .deleteFrom('totp_methods')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .where('confirmed_at', 'is not', null)
    .executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

export interface EmailMethod {
  tenantId: string;
  userId: string;
  emailAddress: string;
  createdAt: number;
}

export async function findEmailMethod(db: Db, tenantId: string, userId: string): Promise<EmailMethod | undefined> {
  const r = await db
    .selectFrom('email_methods')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return (
    r && { tenantId: r.tenant_id, userId: r.user_id, emailAddress: r.email_address, createdAt: Number(r.created_at) }
  );
}

/** False when the user already has one (at most one per user, as Graph has it). */
export async function insertEmailMethod(db: Db, m: EmailMethod): Promise<boolean> {
  const r = await db
    .insertInto('email_methods')
    .values({ tenant_id: m.tenantId, user_id: m.userId, email_address: m.emailAddress, created_at: m.createdAt })
    .onConflict((oc) => oc.columns(['tenant_id', 'user_id']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function updateEmailAddress(db: Db, tenantId: string, userId: string, address: string): Promise<boolean> {
  const r = await db
    .updateTable('email_methods')
    .set({ email_address: address })
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The method and any code sent to it: a code sent to a removed address stops working with it. */
export async function deleteEmailMethod(db: Db, tenantId: string, userId: string): Promise<boolean> {
  await db.deleteFrom('email_codes').where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
  const r = await db
    .deleteFrom('email_methods')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

export interface EmailCode {
  tenantId: string;
  userId: string;
  id: string;
  /** HMAC of the code under the instance secret; the code itself is only in the email. */
  hash: string;
  createdAt: number;
  expiresAt: number;
  wrongAttempts: number;
  usedAt: number | null;
}

const toCode = (r: Selectable<EmailCodesTable>): EmailCode => ({
  tenantId: r.tenant_id,
  userId: r.user_id,
  id: r.id,
  hash: r.hash,
  createdAt: Number(r.created_at),
  expiresAt: Number(r.expires_at),
  wrongAttempts: Number(r.wrong_attempts),
  usedAt: r.used_at === null ? null : Number(r.used_at),
});

export async function findEmailCode(db: Db, tenantId: string, userId: string): Promise<EmailCode | undefined> {
  const r = await db
    .selectFrom('email_codes')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return r && toCode(r);
}

/**
 * Stores a new code in place of the user's last one, only if that one was sent at or before `resendAfter` or was
 * spent: of racing resends one wins, so the once-a-minute limit holds. False when it did not.
 */
export async function putEmailCode(db: Db, c: EmailCode, resendAfter: number): Promise<boolean> {
  const values = {
    id: c.id,
    hash: c.hash,
    created_at: c.createdAt,
    expires_at: c.expiresAt,
    wrong_attempts: 0,
    used_at: null,
  };
  const r = await db
    .insertInto('email_codes')
    .values({ tenant_id: c.tenantId, user_id: c.userId, ...values })
    .onConflict((oc) =>
      oc
        .columns(['tenant_id', 'user_id'])
        .doUpdateSet(values)
        .where((eb) =>
          eb.or([eb('email_codes.created_at', '<=', resendAfter), eb('email_codes.used_at', 'is not', null)]),
        ),
    )
    .returning('id')
    .executeTakeFirst();
  return r !== undefined;
}

/** Spends the code once, while it is live and has not run out of attempts. */
export async function spendEmailCode(
  db: Db,
  c: Pick<EmailCode, 'tenantId' | 'userId' | 'id'>,
  maxWrong: number,
  at: number,
): Promise<boolean> {
  const r = await db
    .updateTable('email_codes')
    .set({ used_at: at })
    .where('tenant_id', '=', c.tenantId)
    .where('user_id', '=', c.userId)
    .where('id', '=', c.id)
    .where('used_at', 'is', null)
    .where('wrong_attempts', '<', maxWrong)
    .where('expires_at', '>', at)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Counts one wrong attempt against the code, up to `maxWrong`: false when none was left to count. */
export async function countWrongEmailCode(
  db: Db,
  c: Pick<EmailCode, 'tenantId' | 'userId' | 'id'>,
  maxWrong: number,
): Promise<boolean> {
  const r = await db
    .updateTable('email_codes')
    .set((eb) => ({ wrong_attempts: eb('wrong_attempts', '+', 1) }))
    .where('tenant_id', '=', c.tenantId)
    .where('user_id', '=', c.userId)
    .where('id', '=', c.id)
    .where('used_at', 'is', null)
    .where('wrong_attempts', '<', maxWrong)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
