import { type Kysely, sql } from 'kysely';

// Forward only, identical on both engines: the FIDO MDS3 BLOBs this instance loaded, so every process uses the
// same verified copy (src/flows/metadata-service.ts). A verified row keeps the raw BLOB (its JWS text), its `no`,
// `nextUpdate`, entry count and digest; a refused one keeps its code and reason but not the text. `no` is unique
// among verified rows: two processes that verify the same new BLOB at once store it once.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('metadata_blobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('no', 'bigint')
    .addColumn('next_update', 'text')
    .addColumn('entries', 'integer')
    .addColumn('digest', 'text')
    .addColumn('blob', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('loaded_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`CREATE UNIQUE INDEX metadata_blobs_verified_no ON metadata_blobs (no) WHERE result = 'verified'`.execute(
    db,
  );
  await db.schema.createIndex('metadata_blobs_loaded_at').on('metadata_blobs').column('loaded_at').execute();
}
