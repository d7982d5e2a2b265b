import { type Kysely, sql } from 'kysely';

// Forward only, identical on both engines: GET /auditLogs/signIns filtered by userId or userPrincipalName (a help
// desk's first question, and what Get-MgAuditLogSignIn scripts ask), alone or with a time range, reads that
// user's rows newest first from these indexes instead of walking the tenant's whole log on the 0008 time index
// and discarding other users' rows (bench/sign-in-logs.ts: 0.1–1.4 s a page at 1,000,000 rows, then ~1 ms).
// User ids are random UUIDs, unique across tenants, so the user index leads with user_id (the tenant stays in
// every WHERE): with tenant_id first, SQLite without statistics (Signet never runs ANALYZE) prefers the time
// index for a user and a time range. UPNs repeat across tenants and are compared case-folded (lower() on both
// sides, src/store/log-query.ts), so that index is per tenant on the same expression.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('sign_ins_user_time_id')
    .on('sign_ins')
    .columns(['user_id', 'created_at', 'id'])
    .execute();
  await sql`CREATE INDEX sign_ins_tenant_upn_time_id ON sign_ins (tenant_id, lower(user_principal_name), created_at, id)`.execute(
    db,
  );
}
