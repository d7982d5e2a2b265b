import type { Insertable } from 'kysely';
import { parseSignInFacts, type SignInConditionalAccessFacts, serializeSignInFacts } from '../core/sign-in-facts.ts';
import type { Db } from './db.ts';
import { hotInsert } from './hot-insert.ts';
import type { Database } from './schema.ts';

export interface SignInRecord {
  id: string;
  tenantId: string;
  createdAt: number;
  userId: string | null;
  userPrincipalName: string | null;
  appId: string | null;
  method: string;
  result: 'success' | 'failure';
  errorCode: string | null;
  detail: Record<string, string>;
  ip: string | null;
  userAgent: string | null;
  /** The authorization request the entry belongs to (several steps of one request share it). */
  correlationId?: string | null;
  sessionId?: string | null;
  /** How Conditional Access decided the sign-in; absent on entries written without it. */
  conditionalAccess?: SignInConditionalAccessFacts | null;
}

export async function insertSignIn(db: Db, r: SignInRecord): Promise<void> {
  const row: Insertable<Database['sign_ins']> = {
    id: r.id,
    tenant_id: r.tenantId,
    created_at: r.createdAt,
    user_id: r.userId,
    user_principal_name: r.userPrincipalName,
    app_id: r.appId,
    method: r.method,
    result: r.result,
    error_code: r.errorCode,
    detail: JSON.stringify(r.detail),
    ip: r.ip,
    user_agent: r.userAgent,
    // Left out when absent (the column's default is null): the hot path's statement stays as short as before.
    ...(r.correlationId ? { correlation_id: r.correlationId } : {}),
    ...(r.sessionId ? { session_id: r.sessionId } : {}),
    ...(r.conditionalAccess ? { conditional_access: serializeSignInFacts(r.conditionalAccess) } : {}),
  };
  // On the passkey sign-in's hot path: compiled once, then only executed.
  await hotInsert(db, 'sign_ins', row);
}

/** Sign-in log retention: rows older than `before` go (the audit log is kept). */
export async function purgeSignIns(db: Db, before: number): Promise<number> {
  const r = await db.deleteFrom('sign_ins').where('created_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function listSignIns(db: Db, tenantId: string, limit = 100): Promise<SignInRecord[]> {
  const rows = await db
    .selectFrom('sign_ins')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map(signInOf);
}

/** A stored sign-in row read back (the log queries of store/log-query.ts use it too). */
export const signInOf = (r: Database['sign_ins']): SignInRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  createdAt: Number(r.created_at),
  userId: r.user_id,
  userPrincipalName: r.user_principal_name,
  appId: r.app_id,
  method: r.method,
  result: r.result as SignInRecord['result'],
  errorCode: r.error_code,
  detail: JSON.parse(r.detail) as Record<string, string>,
  ip: r.ip,
  userAgent: r.user_agent,
  correlationId: r.correlation_id,
  sessionId: r.session_id,
  conditionalAccess: parseSignInFacts(r.conditional_access),
});

export interface AuditRecord {
  id: string;
  tenantId: string;
  createdAt: number;
  actorType: 'user' | 'app' | 'system';
  actorId: string | null;
  activity: string;
  targetType: string;
  targetId: string | null;
  detail: Record<string, string>;
}

/** The row an audit record is stored as. */
export const auditValues = (a: AuditRecord) => ({
  id: a.id,
  tenant_id: a.tenantId,
  created_at: a.createdAt,
  actor_type: a.actorType,
  actor_id: a.actorId,
  activity: a.activity,
  target_type: a.targetType,
  target_id: a.targetId,
  detail: JSON.stringify(a.detail),
});

export async function insertAudit(db: Db, a: AuditRecord): Promise<void> {
  // Every change writes one, registrations at hundreds a second: compiled once, then only executed.
  await hotInsert(db, 'audit_logs', auditValues(a));
}

export async function listAudits(db: Db, tenantId: string): Promise<AuditRecord[]> {
  const rows = await db
    .selectFrom('audit_logs')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    createdAt: r.created_at,
    actorType: r.actor_type as AuditRecord['actorType'],
    actorId: r.actor_id,
    activity: r.activity,
    targetType: r.target_type,
    targetId: r.target_id,
    detail: JSON.parse(r.detail) as Record<string, string>,
  }));
}
