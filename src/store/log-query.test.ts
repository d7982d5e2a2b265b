import { randomBytes, randomUUID } from 'node:crypto';
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, openTestStore } from '../../test/support/engines.ts';
import { directoryAuditQuerySpec } from '../core/graph-directory-audit.ts';
import { signInQuerySpec } from '../core/graph-sign-in.ts';
import { type CollectionQuery, parseCollectionQuery, type ResourceSpec } from '../core/odata.ts';
import type { SignInConditionalAccessFacts } from '../core/sign-in-facts.ts';
import type { Store } from './db.ts';
import { auditPageQuery, findAudit, findSignIn, queryAudits, querySignIns, signInPageQuery } from './log-query.ts';
import { insertAudit, insertSignIn, listSignIns, type SignInRecord } from './logs.ts';

const key = randomBytes(32);
function q(params: Record<string, string>, spec: ResourceSpec = signInQuerySpec): CollectionQuery {
  const r = parseCollectionQuery(params, spec);
  if (!r.ok) throw new Error(JSON.stringify(r.detail));
  return r.query;
}

describe.each(engines)('log queries on %s', (engine) => {
  let store: Store;
  const t1 = randomUUID();
  const t2 = randomUUID();
  beforeAll(async () => {
    store = await openTestStore(engine);
    for (const [tenantId, n] of [
      [t1, 5],
      [t2, 3],
    ] as const)
      for (let i = 0; i < n; i++) {
        await insertSignIn(store.db, {
          id: `${tenantId}-s${i}`,
          tenantId,
          createdAt: 1_000 + i,
          userId: `user-${i % 2}`,
          userPrincipalName: `U${i % 2}@x.test`,
          appId: null,
          method: 'passkey',
          result: i === 0 ? 'success' : 'failure',
          errorCode: i === 0 ? null : "TAP_INVALID' OR 1=1 --",
          detail: {},
          ip: null,
          userAgent: null,
        });
        await insertAudit(store.db, {
          id: `${tenantId}-a${i}`,
          tenantId,
          createdAt: 1_000 + i,
          actorType: i % 2 ? 'app' : 'user',
          actorId: `actor-${i % 2}`,
          activity: i % 2 ? 'Update user' : 'Add application',
          targetType: i % 2 ? 'user' : 'app',
          targetId: `target-${i}`,
          detail: {},
        });
      }
  });
  afterAll(async () => store?.close());

  it('reads only the tenant’s rows, newest first, and pages by keyset', async () => {
    const first = await querySignIns(store.db, t1, q({ $top: '2' }), { skiptokenKey: key });
    if (!first.ok) throw new Error('refused');
    expect(first.page.rows.map((r) => r.id)).toEqual([`${t1}-s4`, `${t1}-s3`]);
    const second = await querySignIns(store.db, t1, q({ $top: '2', $skiptoken: first.page.skiptoken! }), {
      skiptokenKey: key,
    });
    expect(second.ok && second.page.rows.map((r) => r.id)).toEqual([`${t1}-s2`, `${t1}-s1`]);
    // A token of tenant 1 does not page tenant 2, and one MAC'd with another key is refused.
    expect(
      (await querySignIns(store.db, t2, q({ $top: '2', $skiptoken: first.page.skiptoken! }), { skiptokenKey: key })).ok,
    ).toBe(false);
    expect(
      (
        await querySignIns(store.db, t1, q({ $top: '2', $skiptoken: first.page.skiptoken! }), {
          skiptokenKey: randomBytes(32),
        })
      ).ok,
    ).toBe(false);
    expect(await findSignIn(store.db, t2, `${t1}-s1`)).toBeUndefined();
    expect((await findSignIn(store.db, t1, `${t1}-s1`))?.userId).toBe('user-1');
  });

  it('filters with parameters: a literal full of SQL matches itself only', async () => {
    const r = await querySignIns(store.db, t1, q({ $filter: "status/errorCode eq 'TAP_INVALID'' OR 1=1 --'" }), {
      skiptokenKey: key,
    });
    expect(r.ok && r.page.rows).toHaveLength(4);
    const none = await querySignIns(store.db, t1, q({ $filter: "status/errorCode eq 'TAP_INVALID'" }), {
      skiptokenKey: key,
    });
    expect(none.ok && none.page.rows).toHaveLength(0);
    const upn = await querySignIns(store.db, t1, q({ $filter: "userPrincipalName eq 'u1@X.TEST'" }), {
      skiptokenKey: key,
    });
    expect(upn.ok && upn.page.rows.map((x) => x.id)).toEqual([`${t1}-s3`, `${t1}-s1`]);
    const range = await querySignIns(
      store.db,
      t1,
      q({ $filter: 'createdDateTime gt 1970-01-01T00:00:01.001Z and createdDateTime le 1970-01-01T00:00:01.003Z' }),
      { skiptokenKey: key },
    );
    expect(range.ok && range.page.rows.map((x) => x.id)).toEqual([`${t1}-s3`, `${t1}-s2`]);
  });

  it('filters audit rows by initiator, activity and category', async () => {
    const spec = directoryAuditQuerySpec;
    const run = async (filter: string) => {
      const r = await queryAudits(store.db, t1, q({ $filter: filter }, spec), { skiptokenKey: key });
      if (!r.ok) throw new Error('refused');
      return r.page.rows.map((x) => x.id);
    };
    expect(await run("initiatedBy/app/appId eq 'actor-1'")).toEqual([`${t1}-a3`, `${t1}-a1`]);
    expect(await run("initiatedBy/user/id eq 'actor-1'")).toEqual([]);
    expect(await run("activityDisplayName eq 'add APPLICATION'")).toEqual([`${t1}-a4`, `${t1}-a2`, `${t1}-a0`]);
    expect(await run("category eq 'ApplicationManagement'")).toEqual([`${t1}-a4`, `${t1}-a2`, `${t1}-a0`]);
    expect(await findAudit(store.db, t2, `${t1}-a1`)).toBeUndefined();
  });
});

describe.each(engines)('sign-ins by Conditional Access status and correlation on %s', (engine) => {
  let store: Store;
  const tenantId = randomUUID();
  const other = randomUUID();
  const facts = (status: SignInConditionalAccessFacts['conditionalAccessStatus']): SignInConditionalAccessFacts => ({
    authenticationRequirement: 'multiFactorAuthentication',
    steps: [
      {
        method: 'passkey',
        at: 5,
        succeeded: status !== 'failure',
        detail: 'Model - aaguid',
        resultDetail: null,
        requirement: 'Phishing-resistant MFA',
        passkeyType: 'synced',
      },
    ],
    // A policy's own text naming another status must not fool the prefix match.
    appliedConditionalAccessPolicies: [
      { id: 'p', displayName: '"conditionalAccessStatus":"failure",', result: status },
    ],
    conditionalAccessStatus: status,
    authenticationContextClassReferences: [],
    strengthsRequired: [],
    strengthsSatisfied: [],
  });
  const row = (id: string, over: Partial<SignInRecord>): SignInRecord => ({
    id,
    tenantId,
    createdAt: 2_000 + Number(id.slice(1)),
    userId: 'u',
    userPrincipalName: 'u@x.test',
    appId: null,
    method: 'passkey',
    result: 'success',
    errorCode: null,
    detail: {},
    ip: null,
    userAgent: null,
    ...over,
  });
  beforeAll(async () => {
    store = await openTestStore(engine);
    await insertSignIn(store.db, row('e1', {})); // written without facts, as before issue 9
    await insertSignIn(
      store.db,
      row('e2', { correlationId: 'req-a', sessionId: 's', conditionalAccess: facts('success') }),
    );
    await insertSignIn(
      store.db,
      row('e3', {
        correlationId: 'req-a',
        result: 'failure',
        errorCode: 'TAP_INVALID',
        conditionalAccess: facts('failure'),
      }),
    );
    await insertSignIn(store.db, row('e4', { correlationId: 'req-b', conditionalAccess: facts('notApplied') }));
    await insertSignIn(store.db, {
      ...row('e5', { correlationId: 'req-a', conditionalAccess: facts('failure') }),
      tenantId: other,
    });
  });
  afterAll(async () => store?.close());

  const ids = async (filter: string) => {
    const r = await querySignIns(store.db, tenantId, q({ $filter: filter }), { skiptokenKey: key });
    if (!r.ok) throw new Error('refused');
    return r.page.rows.map((x) => x.id);
  };

  it('filters by status, an entry without facts being notApplied, with ne keeping it', async () => {
    expect(await ids("conditionalAccessStatus eq 'failure'")).toEqual(['e3']);
    expect(await ids("conditionalAccessStatus eq 'success'")).toEqual(['e2']);
    expect(await ids("conditionalAccessStatus eq 'notApplied'")).toEqual(['e4', 'e1']);
    expect(await ids("conditionalAccessStatus ne 'failure'")).toEqual(['e4', 'e2', 'e1']);
    expect(await ids("not (conditionalAccessStatus eq 'notApplied')")).toEqual(['e3', 'e2']);
    expect(await ids("conditionalAccessStatus in ('success', 'failure')")).toEqual(['e3', 'e2']);
    expect(await ids("conditionalAccessStatus eq 'unknownFutureValue'")).toEqual([]);
  });

  it('filters by correlation, in the tenant only', async () => {
    expect(await ids("correlationId eq 'req-a'")).toEqual(['e3', 'e2']);
    expect(await ids("correlationId in ('req-b', 'nope')")).toEqual(['e4']);
    expect(await ids("correlationId eq 'req-a' and conditionalAccessStatus eq 'failure'")).toEqual(['e3']);
  });

  it('pages a long correlation by keyset, newest first, as any other filter', async () => {
    const paged = randomUUID();
    for (let i = 0; i < 5; i++)
      await insertSignIn(store.db, { ...row(`p${i}`, { correlationId: 'req-long' }), tenantId: paged, createdAt: 7 });
    const seen: string[] = [];
    let skiptoken: string | undefined;
    do {
      const params: Record<string, string> = { $filter: "correlationId eq 'req-long'", $top: '2' };
      if (skiptoken) params.$skiptoken = skiptoken;
      const r = await querySignIns(store.db, paged, q(params), { skiptokenKey: key });
      if (!r.ok) throw new Error('refused');
      seen.push(...r.page.rows.map((x) => x.id));
      skiptoken = r.page.skiptoken;
    } while (skiptoken);
    // One time for all five: the id breaks the tie, every entry once.
    expect(seen).toEqual(['p4', 'p3', 'p2', 'p1', 'p0']);
  });

  it('reads the facts back as written, and none for an entry without them', async () => {
    const e2 = await findSignIn(store.db, tenantId, 'e2');
    expect(e2).toMatchObject({ correlationId: 'req-a', sessionId: 's', conditionalAccess: facts('success') });
    expect(await findSignIn(store.db, tenantId, 'e1')).toMatchObject({
      correlationId: null,
      sessionId: null,
      conditionalAccess: null,
    });
    expect((await listSignIns(store.db, tenantId)).find((r) => r.id === 'e3')?.conditionalAccess).toEqual(
      facts('failure'),
    );
  });
});

describe.each(engines)('log query plans on %s', (engine) => {
  let store: Store;
  afterAll(async () => store?.close());

  // Deep in a long log a page must be an index range scan in order (migration 0008), never a sort.
  for (const [name, build] of [
    ['sign_ins_tenant_time_id', signInPageQuery],
    ['audit_logs_tenant_time_id', auditPageQuery],
  ] as const)
    it(`reads a later page of ${name.split('_tenant')[0]} from ${name}, without sorting`, async () => {
      store ??= await openTestStore(engine);
      const c = build(store.db, randomUUID(), q({ $top: '100' }), { key: '1000', id: randomUUID() }).compile();
      const plan = await store.db.transaction().execute(async (trx) => {
        if (engine === 'postgres') await sql`SET LOCAL enable_seqscan = off`.execute(trx);
        const prefix = engine === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
        const r = await trx.executeQuery(CompiledQuery.raw(prefix + c.sql, [...c.parameters]));
        return r.rows.map((row) => Object.values(row as object).join(' ')).join('\n');
      });
      expect(plan).toContain(name);
      expect(plan).not.toMatch(engine === 'sqlite' ? /TEMP B-TREE/ : /\bSort\b/);
    });

  // An authorization request's few entries come from sign_ins_correlation (then sorted), at any depth of the log.
  for (const filter of ["correlationId eq 'req-1'", "correlationId in ('req-1', 'req-2') and userId eq 'u'"])
    it(`reads ${filter} from sign_ins_correlation`, async () => {
      store ??= await openTestStore(engine);
      const c = signInPageQuery(store.db, randomUUID(), q({ $filter: filter, $top: '50' }), {
        key: '1000',
        id: randomUUID(),
      }).compile();
      const plan = await store.db.transaction().execute(async (trx) => {
        if (engine === 'postgres') await sql`SET LOCAL enable_seqscan = off`.execute(trx);
        const prefix = engine === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
        const r = await trx.executeQuery(CompiledQuery.raw(prefix + c.sql, [...c.parameters]));
        return r.rows.map((row) => Object.values(row as object).join(' ')).join('\n');
      });
      expect(plan).toContain('sign_ins_correlation');
      expect(plan).not.toContain('sign_ins_tenant_time_id');
    });
});
