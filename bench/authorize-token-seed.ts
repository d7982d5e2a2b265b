// The authorization benchmark's tenants (bench/authorize-token.ts), written straight into the database before the
// server starts: users with a device-bound passkey each and a live session started by it (as a passkey sign-in
// leaves it), one public app; for the busy tenant 1,200 groups (the users in up to 1,000), 20 named locations and
// the 200 policies of authorize-token-policies.ts through the admin flow. Before any load it checks what the
// provider's check will find: which policies apply, and that a passkey session meets every enforced one.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Config } from '../src/config.ts';
import { evaluateConditionalAccess } from '../src/core/conditional-access.ts';
import type { SessionStep } from '../src/core/session-steps.ts';
import { createNamedLocation } from '../src/flows/ca-locations-contexts.ts';
import { caSnapshotOf, createPolicy, signInContextFor } from '../src/flows/conditional-access.ts';
import { type Ctx, silentLogger, systemCtx } from '../src/flows/context.ts';
import { createApp, createTenant } from '../src/flows/directory.ts';
import { localOperator } from '../src/flows/local-operator.ts';
import { startSession } from '../src/flows/sessions.ts';
import { strengthsOf } from '../src/flows/strengths.ts';
import { sessionCookieName } from '../src/http/session-cookie.ts';
import { migrate, openStore } from '../src/store/db.ts';
import type { Tenant } from '../src/store/tenants.ts';
import { MetadataRegistry } from '../src/webauthn/metadata.ts';
import { policyBody } from './authorize-token-policies.ts';

export const POLICIES = 200;
export const REDIRECT = 'http://localhost/bench-callback';
const AAGUID = 'be9c4000-0000-4e70-9a55-7357a0c0ffee';

export interface SeedOptions {
  dbUrl: string;
  dataDir: string;
  origin: string;
  /** The instance secret the server is started with. */
  secret: Buffer;
  cases: readonly ('none' | 'ca')[];
  /** Users a tenant. */
  users: number;
  /** Groups each user of the busy tenant is in (of 1,000). */
  memberOf: number;
}

export interface Case {
  name: 'none' | 'ca';
  tenant: Tenant;
  clientId: string;
  /** One cookie jar per user, starting with the Signet session cookie only. */
  jars: Map<string, string>[];
}

/** `count` users with a device-bound passkey each and a live session started by it, in one transaction. */
async function seedUsers(ctx: Ctx, tenant: Tenant, count: number): Promise<string[]> {
  const now = Date.now();
  const ids = Array.from({ length: count }, () => randomUUID());
  await ctx.db.transaction().execute(async (trx) => {
    for (let i = 0; i < count; i += 500) {
      const slice = ids.slice(i, i + 500);
      await trx
        .insertInto('users')
        .values(
          slice.map((id, k) => ({
            id,
            tenant_id: tenant.id,
            user_principal_name: `user${i + k}@${tenant.slug}.example`,
            upn_lower: `user${i + k}@${tenant.slug}.example`,
            display_name: `User ${i + k}`,
            enabled: 1,
            user_handle: randomBytes(32).toString('base64url'),
            created_at: now,
          })) as never,
        )
        .execute();
      await trx
        .insertInto('passkeys')
        .values(
          slice.map((user_id) => ({
            id: randomUUID(),
            tenant_id: tenant.id,
            user_id,
            credential_id: randomBytes(32).toString('base64url'),
            public_key: randomBytes(77).toString('base64url'),
            alg: -7,
            counter: 0,
            aaguid: AAGUID,
            transports: '["usb"]',
            backup_eligible: 0,
            backup_state: 0,
            attestation_format: 'none',
            attestation_trust: 'none',
            display_name: 'Bench security key',
            created_at: now,
            last_used_at: null,
          })) as never,
        )
        .execute();
    }
  });
  return ids;
}

/** 1,000 groups every user is in, 200 none is in, 20 named locations and the 200 policies. */
async function seedConditionalAccess(
  ctx: Ctx,
  tenant: Tenant,
  userIds: string[],
  appId: string,
  memberOf: number,
): Promise<void> {
  const now = Date.now();
  const memberGroups = Array.from({ length: 1000 }, () => randomUUID());
  const otherGroups = Array.from({ length: 200 }, () => randomUUID());
  const all = [...memberGroups, ...otherGroups];
  const members = memberGroups.slice(0, memberOf);
  await ctx.db.transaction().execute(async (trx) => {
    for (let i = 0; i < all.length; i += 500)
      await trx
        .insertInto('groups')
        .values(
          all
            .slice(i, i + 500)
            .map((id, k) => ({ id, tenant_id: tenant.id, display_name: `Group ${i + k}`, created_at: now })),
        )
        .execute();
    const rows = userIds.flatMap((user_id) => members.map((group_id) => ({ tenant_id: tenant.id, group_id, user_id })));
    for (let i = 0; i < rows.length; i += 2000)
      await trx
        .insertInto('group_members')
        .values(rows.slice(i, i + 2000))
        .execute();
  });
  const by = localOperator(tenant.id);
  const locations: string[] = [];
  for (let i = 0; i < 20; i++) {
    const body = {
      '@odata.type': '#microsoft.graph.ipNamedLocation',
      displayName: `Site ${i}`,
      isTrusted: i % 4 === 0,
      ipRanges: [{ cidrAddress: `10.${i}.0.0/16` }, { cidrAddress: `2001:db8:${i.toString(16)}::/48` }],
    };
    locations.push((await createNamedLocation(ctx, tenant, by, body)).id);
  }
  const mix = {
    appId,
    otherApps: Array.from({ length: 40 }, () => randomUUID()),
    memberGroups: members,
    otherGroups,
    locations,
  };
  for (let i = 0; i < POLICIES; i++) await createPolicy(ctx, tenant, by, policyBody(i, mix), { confirmLockout: true });
}

export async function seed(o: SeedOptions): Promise<Case[]> {
  const store = openStore(o.dbUrl);
  await migrate(store.db);
  const config = {
    secret: o.secret,
    publicUrl: new URL(o.origin),
    origin: o.origin,
    rpId: 'localhost',
    dataDir: o.dataDir,
  } as Config;
  const ctx = systemCtx({ db: store.db, config, metadata: new MetadataRegistry(), log: silentLogger });
  const cases: Case[] = [];
  for (const name of o.cases) {
    const tenant = await createTenant(ctx, { slug: `bench-${name}` });
    const { app } = await createApp(ctx, tenant, { name: 'Bench app', redirectUris: [REDIRECT], publicClient: true });
    const userIds = await seedUsers(ctx, tenant, o.users);
    if (name === 'ca') await seedConditionalAccess(ctx, tenant, userIds, app.id, o.memberOf);
    const jars: Map<string, string>[] = [];
    let steps: SessionStep[] = [];
    for (const userId of userIds) {
      const { token, session } = await startSession(ctx, store.db, {
        tenantId: tenant.id,
        userId,
        method: 'passkey',
        facts: { passkey: { aaguid: AAGUID, type: 'deviceBound', attestation: 'none' } },
      });
      jars.push(new Map([[sessionCookieName(config, tenant), token]]));
      steps = session.steps;
    }
    // What the provider's check will find for these users: the policies that apply, and nothing left unmet.
    const context = await signInContextFor(ctx, tenant, { userId: userIds.at(-1)!, appId: app.id, ip: '127.0.0.1' });
    const r = evaluateConditionalAccess(
      (await caSnapshotOf(ctx, tenant.id)).policies,
      context,
      await strengthsOf(ctx, tenant.id),
      steps,
    );
    const count = (v: string) => r.results.filter((x) => x.result === v).length;
    console.log(
      `  ${tenant.slug}: ${r.results.length} policies (${count('success')} success, ${count('reportOnlySuccess') + count('reportOnlyFailure')} report-only applying, ${count('notApplied') + count('reportOnlyNotApplied')} not applying, ${count('notEnabled')} disabled), ${context.user.groupIds.length} groups a user, ${r.unmet.length} unmet`,
    );
    if (r.unmet.length > 0) throw new Error('the policy mix asks a device-bound passkey session for more');
    cases.push({ name, tenant, clientId: app.id, jars });
  }
  await store.close();
  return cases;
}
