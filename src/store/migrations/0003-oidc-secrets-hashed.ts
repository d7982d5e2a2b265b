import { createHash } from 'node:crypto';
import { type Kysely, SqliteAdapter, sql } from 'kysely';

// Forward only, identical on both engines: OIDC payloads written before this migration hold their own bearer
// value in clear (a code's, a token's, a session cookie's or an interaction id's `jti`, an interaction's
// `returnTo` URL and the session cookie it began under). Each row is sealed as the adapter now writes it
// (store/oidc-payloads.ts), so live sign-ins and tokens keep working; a row whose value is not the one its id
// was hashed from cannot be sealed and is dropped. This file keeps its own copy of the sealing on purpose: a
// migration must do tomorrow what it did today.
const VALUE = '\u0001';

interface Row {
  tenant_id: string;
  model: string;
  id: string;
  payload: string;
  user_code: string | null;
}

function seal(id: string, payload: Record<string, unknown>): string {
  const { jti: _jti, userCode: _userCode, ...rest } = payload;
  const session = rest.session as Record<string, unknown> | undefined;
  if (session && typeof session === 'object' && 'cookie' in session) {
    const { cookie: _cookie, ...kept } = session;
    rest.session = kept;
  }
  return JSON.stringify(rest).replaceAll(id, VALUE);
}

const sha256 = (v: string) => createHash('sha256').update(v).digest('base64url');

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const p = JSON.parse(text) as unknown;
    return p && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export async function up(untyped: Kysely<unknown>): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: a migration works on the schema of its day, not today's types.
  const db = untyped as Kysely<any>;
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  // SQLite would keep the replaced text in freed space of its pages: zero it as rows are rewritten.
  if (sqlite) await sql`PRAGMA secure_delete = ON`.execute(db);
  const rows = (await db
    .selectFrom('oidc_payloads')
    .select(['tenant_id', 'model', 'id', 'payload', 'user_code'])
    .execute()) as Row[];
  for (const r of rows) {
    const payload = parse(r.payload);
    const value = payload?.jti;
    if (payload && typeof value === 'string' && sha256(value) === r.id) {
      await db
        .updateTable('oidc_payloads')
        .set({ payload: seal(value, payload), user_code: r.user_code === null ? null : sha256(r.user_code) })
        .where('tenant_id', '=', r.tenant_id)
        .where('model', '=', r.model)
        .where('id', '=', r.id)
        .execute();
    } else {
      await db
        .deleteFrom('oidc_payloads')
        .where('tenant_id', '=', r.tenant_id)
        .where('model', '=', r.model)
        .where('id', '=', r.id)
        .execute();
    }
  }
  // And the write-ahead log, which still holds the old page images until it is checkpointed and emptied.
  if (sqlite) await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
}
