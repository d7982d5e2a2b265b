import type { Kysely } from 'kysely';

// Forward only, identical on both engines: GET /auditLogs/signIns and /directoryAudits page newest first on
// (created_at, id) within a tenant; with id in the index a page is read in index order at any depth of the log.
// The (tenant_id, created_at) indexes of 0001 are prefixes of these and go.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('sign_ins_tenant_time_id')
    .on('sign_ins')
    .columns(['tenant_id', 'created_at', 'id'])
    .execute();
  await db.schema.dropIndex('sign_ins_time').execute();
  await db.schema
    .createIndex('audit_logs_tenant_time_id')
    .on('audit_logs')
    .columns(['tenant_id', 'created_at', 'id'])
    .execute();
  await db.schema.dropIndex('audit_logs_time').execute();
}
