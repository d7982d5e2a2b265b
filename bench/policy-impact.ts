// The passkey policy impact preview (issue 8): a tenant of 100,000 users and 200,000 passkeys (two in three synced,
// five models, every user in one or two of 20 groups) seeded in bulk, then the preview of two proposals timed through
// the flow the admin API and `signet policy set --dry-run` call (flows/policy-impact.ts): a device-bound-only profile
// (no target names a group, so no membership is read) and a group-targeted one (an excluded group, a group with its
// own allow-listed profile: every membership is read). Prints the time, rows read per second, memory, and beside it
// the raw limit measured in the same run: the same keyset batches read from the database with no evaluation.
//   node bench/policy-impact.ts [--users 100000] [--passkeys 200000] [--engine sqlite|postgres|both]
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Config } from '../src/config.ts';
import { ALL_USERS, DEFAULT_PROFILE_ID, defaultPasskeyMethodConfig } from '../src/core/passkey-method.ts';
import { silentLogger, systemCtx } from '../src/flows/context.ts';
import { createTenant } from '../src/flows/directory.ts';
import { previewFido2Patch } from '../src/flows/policy-impact.ts';
import { migrate, openStore, type Store } from '../src/store/db.ts';
import { IMPACT_BATCH_USERS, impactBatches } from '../src/store/impact-query.ts';
import { MetadataRegistry } from '../src/webauthn/metadata.ts';
import { benchDatabase, enginesOf, machine, ms } from './graph-bench.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    passkeys: { type: 'string', default: '200000' },
    engine: { type: 'string', default: 'sqlite' },
  },
});
const USERS = Number(values.users);
const PASSKEYS = Number(values.passkeys);
const GROUPS = 20;
const MODELS = [
  'cb69481e-8ff7-4039-93ec-0a2729a154a8',
  'ee882879-721c-4913-9775-3dfcce97072a',
  'fa2b99dc-9e39-4257-8f92-4a30d23c4118',
  'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4',
  'adce0002-35bc-c60a-648b-0b25f1f05503',
];
const FIDO2 = '#microsoft.graph.fido2AuthenticationMethodConfiguration';

async function bulk(store: Store, table: 'users' | 'passkeys' | 'groups' | 'group_members', rows: object[]) {
  await store.db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 500)
      await trx
        .insertInto(table)
        .values(rows.slice(i, i + 500) as never)
        .execute();
  });
}

async function seed(store: Store, tenantId: string) {
  const now = Date.now();
  const groups = Array.from({ length: GROUPS }, (_, i) => ({
    id: randomUUID(),
    tenant_id: tenantId,
    display_name: `Group ${i}`,
    created_at: now,
  }));
  const users: object[] = [];
  const members: object[] = [];
  const passkeys: object[] = [];
  const ids: string[] = [];
  for (let i = 0; i < USERS; i++) {
    const id = randomUUID();
    ids.push(id);
    users.push({
      id,
      tenant_id: tenantId,
      user_principal_name: `user${i}@bench.example`,
      upn_lower: `user${i}@bench.example`,
      display_name: `User ${i}`,
      enabled: i % 50 === 0 ? 0 : 1,
      user_handle: randomBytes(16).toString('base64url'),
      created_at: now,
    });
    members.push({ tenant_id: tenantId, group_id: groups[i % GROUPS]!.id, user_id: id });
    if (i % 3 === 0) members.push({ tenant_id: tenantId, group_id: groups[(i + 7) % GROUPS]!.id, user_id: id });
  }
  for (let i = 0; i < PASSKEYS; i++) {
    // Two in three synced, spread so that users hold both kinds, or synced ones only, or device-bound ones only.
    const synced = i % 3 !== 0;
    passkeys.push({
      id: randomUUID(),
      tenant_id: tenantId,
      user_id: ids[i % USERS]!,
      credential_id: randomBytes(16).toString('base64url'),
      public_key: 'bench',
      alg: -7,
      counter: 0,
      aaguid: MODELS[i % MODELS.length]!,
      transports: synced ? '["internal","hybrid"]' : '["usb"]',
      backup_eligible: synced ? 1 : 0,
      backup_state: synced ? 1 : 0,
      attestation_format: 'none',
      attestation_trust: 'none',
      display_name: 'Bench passkey',
      created_at: now,
      last_used_at: null,
    });
  }
  await bulk(store, 'groups', groups);
  await bulk(store, 'users', users);
  await bulk(store, 'group_members', members);
  await bulk(store, 'passkeys', passkeys);
  return { groups: groups.map((g) => g.id), memberships: members.length };
}

/** Peak resident memory while `run` runs, sampled every 20 ms. */
async function withPeakRss<T>(
  run: () => Promise<T>,
): Promise<{ value: T; rssBefore: number; peakRss: number; seconds: number }> {
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const start = performance.now();
  try {
    const value = await run();
    return {
      value,
      rssBefore,
      peakRss: Math.max(peak, process.memoryUsage().rss),
      seconds: (performance.now() - start) / 1000,
    };
  } finally {
    clearInterval(timer);
  }
}

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

console.log(`policy impact preview: ${USERS} users, ${PASSKEYS} passkeys, ${GROUPS} groups; ${machine()}`);
for (const engine of enginesOf(values.engine)) {
  const db = await benchDatabase(engine);
  try {
    const store = openStore(db.url);
    await migrate(store.db);
    const origin = 'http://localhost:3999';
    const config = { secret: randomBytes(32), publicUrl: new URL(origin), origin, rpId: 'localhost', dataDir: db.dir };
    const ctx = systemCtx({
      db: store.db,
      config: config as Config,
      metadata: new MetadataRegistry(),
      log: silentLogger,
    });
    const tenant = await createTenant(ctx, { slug: 'bench' });
    const seedStart = performance.now();
    const { groups, memberships } = await seed(store, tenant.id);
    const seedSeconds = (performance.now() - seedStart) / 1000;
    const seeded = USERS + PASSKEYS + memberships + GROUPS;
    console.log(
      `\n${engine}: seeded ${seeded} rows in ${seedSeconds.toFixed(1)} s (${Math.round(seeded / seedSeconds)} rows/s)`,
    );

    // The raw limit: the preview's own batched reads (users, passkeys, memberships), nothing evaluated.
    for (const withGroups of [false, true]) {
      const raw = await withPeakRss(async () => {
        let rows = 0;
        for await (const batch of impactBatches(store.db, tenant.id, { withGroups }))
          for (const u of batch) rows += 1 + u.passkeys.length + u.groupIds.length;
        return rows;
      });
      console.log(
        `  raw read${withGroups ? ' with memberships' : ''}: ${raw.value} rows in ${ms(raw.seconds * 1000)} ms (${Math.round(raw.value / raw.seconds)} rows/s), batches of ${IMPACT_BATCH_USERS} users`,
      );
    }

    const profile = defaultPasskeyMethodConfig().passkeyProfiles[0]!;
    const strict = '00000000-0000-0000-0000-00000000000a';
    const proposals = {
      'device-bound only (no group named)': {
        '@odata.type': FIDO2,
        passkeyProfiles: [{ ...profile, passkeyTypes: 'deviceBound' }],
      },
      'groups: one excluded, one with an allow-listed device-bound profile': {
        '@odata.type': FIDO2,
        includeTargets: [
          { id: ALL_USERS, targetType: 'group', allowedPasskeyProfiles: [DEFAULT_PROFILE_ID] },
          { id: groups[1], targetType: 'group', allowedPasskeyProfiles: [strict] },
        ],
        excludeTargets: [{ id: groups[3], targetType: 'group' }],
        passkeyProfiles: [
          { ...profile, keyRestrictions: { isEnforced: true, enforcementType: 'block', aaGuids: [MODELS[4]] } },
          {
            id: strict,
            name: 'Strict',
            passkeyTypes: 'deviceBound',
            attestationEnforcement: 'disabled',
            keyRestrictions: { isEnforced: true, enforcementType: 'allow', aaGuids: MODELS.slice(0, 2) },
          },
        ],
      },
    };
    for (const [name, body] of Object.entries(proposals)) {
      const heapBefore = process.memoryUsage().heapUsed;
      const run = await withPeakRss(() => previewFido2Patch(ctx, tenant, body));
      const r = run.value;
      const read = r.summary.users + r.summary.passkeys + (r.groupsCounted ? memberships : 0);
      console.log(`  preview, ${name}:`);
      console.log(
        `    ${ms(run.seconds * 1000)} ms for ${r.summary.users} users and ${r.summary.passkeys} passkeys (${Math.round(read / run.seconds)} rows/s); RSS ${mb(run.rssBefore)} before, peak ${mb(run.peakRss)} (+${mb(run.peakRss - run.rssBefore)}); heap +${mb(Math.max(0, process.memoryUsage().heapUsed - heapBefore))}`,
      );
      console.log(
        `    ${r.summary.passkeysThatStopWorking} passkeys would stop working, ${r.summary.usersAffected} users affected, ${r.summary.usersLosingEveryPasskey} left without one; ${r.groups.length} groups affected; reasons ${r.summary.reasons.map((x) => `${x.code} ${x.passkeys}`).join(', ')}`,
      );
    }
    await store.close();
  } finally {
    db.remove();
  }
}
