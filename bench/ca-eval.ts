// Conditional Access per authorization request (issue 9): 200 policies (groups, roles, exclusions, apps, contexts,
// named locations, block, mfa, strengths, sign-in frequency) and a user in 1,000 groups. Prints decisions per
// second of evaluateConditionalAccess alone (in memory, the documents cached), and of the whole per-request work the
// sign-in path does — signInContextFor (the user's groups and roles in one query, the cached documents) plus the
// evaluation — on a real database, with latency percentiles; beside the machine's raw limit measured in this run
// (synchronous P-256 verifications per second on one core, the signature check every passkey sign-in makes).
//   node bench/ca-eval.ts [--seconds 3] [--engine sqlite|postgres|both]
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Config } from '../src/config.ts';
import { ROLE_TEMPLATE_IDS } from '../src/core/authorization.ts';
import { evaluateConditionalAccess } from '../src/core/conditional-access.ts';
import type { SessionStep } from '../src/core/session-steps.ts';
import { MFA_STRENGTH_ID, PHISHING_RESISTANT_STRENGTH_ID } from '../src/core/strengths.ts';
import { createNamedLocation } from '../src/flows/ca-locations-contexts.ts';
import { caSnapshotOf, createPolicy, signInContextFor } from '../src/flows/conditional-access.ts';
import { silentLogger, systemCtx } from '../src/flows/context.ts';
import { createTenant, createUser } from '../src/flows/directory.ts';
import { localOperator } from '../src/flows/local-operator.ts';
import { strengthsOf } from '../src/flows/strengths.ts';
import { migrate, openStore } from '../src/store/db.ts';
import { assignRole } from '../src/store/users.ts';
import { MetadataRegistry } from '../src/webauthn/metadata.ts';
import { benchDatabase, enginesOf, machine } from './graph-bench.ts';
import { percentile, rawP256VerifyPerSecond } from './measure.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '3' }, engine: { type: 'string', default: 'sqlite' } },
});
const SECONDS = Number(values.seconds);
const POLICIES = 200;
const GROUPS = 1000;
const APPS = Array.from({ length: 20 }, () => randomUUID());
const now = Date.now();
const steps: SessionStep[] = [
  { method: 'password', at: now - 30 * 60_000 },
  { method: 'softwareOath', at: now - 30 * 60_000 },
];

/** The i-th policy: a spread of every condition and control the evaluation judges. */
function policyBody(i: number, groups: readonly string[], locations: readonly string[]) {
  const g = (k: number) => groups[(i * 37 + k * 101) % groups.length]!;
  const users =
    i % 4 === 0
      ? { includeUsers: ['All'], excludeGroups: [g(1), g(2)] }
      : i % 4 === 1
        ? { includeGroups: [g(0), g(3), g(4)], excludeRoles: [ROLE_TEMPLATE_IDS['Global Administrator']] }
        : i % 4 === 2
          ? { includeRoles: [ROLE_TEMPLATE_IDS['Conditional Access Administrator']] }
          : { includeGroups: Array.from({ length: 20 }, (_, k) => g(k + 5)) };
  const applications =
    i % 10 === 9
      ? { includeAuthenticationContextClassReferences: [`c${(i % 5) + 1}`] }
      : i % 3 === 0
        ? { includeApplications: ['All'], excludeApplications: [APPS[i % APPS.length]!] }
        : { includeApplications: APPS.slice(i % 15, (i % 15) + 5) };
  const grant =
    i % 7 === 0
      ? { operator: 'OR', builtInControls: ['block'] }
      : i % 2 === 0
        ? { operator: 'OR', builtInControls: ['mfa'] }
        : {
            operator: 'OR',
            authenticationStrength: { id: i % 4 === 1 ? PHISHING_RESISTANT_STRENGTH_ID : MFA_STRENGTH_ID },
          };
  return {
    displayName: `Bench policy ${i}`,
    state: i % 5 === 4 ? 'enabledForReportingButNotEnforced' : 'enabled',
    conditions: {
      users,
      applications,
      clientAppTypes: i % 6 === 5 ? ['mobileAppsAndDesktopClients'] : ['all'],
      locations:
        i % 3 === 1
          ? { includeLocations: ['All'], excludeLocations: [locations[i % locations.length]!, 'AllTrusted'] }
          : null,
    },
    grantControls: grant,
    sessionControls:
      i % 8 === 3
        ? { signInFrequency: { isEnabled: true, frequencyInterval: 'timeBased', type: 'hours', value: 4 } }
        : null,
  };
}

console.log(`Conditional Access per authorization: ${POLICIES} policies, a user in ${GROUPS} groups; ${machine()}`);
const raw = rawP256VerifyPerSecond();
console.log(`raw limit: ${Math.round(raw).toLocaleString('en')} P-256 signature verifications/s on one core`);

for (const engine of enginesOf(values.engine)) {
  const db = await benchDatabase(engine);
  const store = openStore(db.url);
  try {
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
    const by = localOperator(tenant.id);
    const user = await createUser(ctx, tenant, { userPrincipalName: 'bench@bench.example' });
    await assignRole(store.db, tenant.id, user.id, 'Conditional Access Administrator');
    const groups = Array.from({ length: GROUPS }, () => randomUUID());
    for (let i = 0; i < GROUPS; i += 500) {
      await store.db
        .insertInto('groups')
        .values(
          groups
            .slice(i, i + 500)
            .map((id, k) => ({ id, tenant_id: tenant.id, display_name: `Group ${i + k}`, created_at: now })),
        )
        .execute();
      await store.db
        .insertInto('group_members')
        .values(groups.slice(i, i + 500).map((group_id) => ({ tenant_id: tenant.id, group_id, user_id: user.id })))
        .execute();
    }
    const locations: string[] = [];
    for (let i = 0; i < 20; i++)
      locations.push(
        (
          await createNamedLocation(ctx, tenant, by, {
            '@odata.type': '#microsoft.graph.ipNamedLocation',
            displayName: `Site ${i}`,
            isTrusted: i % 4 === 0,
            ipRanges: [
              { cidrAddress: `10.${i}.0.0/16` },
              { cidrAddress: `2001:db8:${i.toString(16)}::/48` },
              { cidrAddress: `192.0.2.${i * 8}/29` },
            ],
          })
        ).id,
      );
    for (let i = 0; i < POLICIES; i++)
      await createPolicy(ctx, tenant, by, policyBody(i, groups, locations), { confirmLockout: true });

    const facts = (i: number) => ({
      userId: user.id,
      appId: APPS[i % APPS.length]!,
      ip: i % 2 === 0 ? `10.${i % 20}.1.2` : '203.0.113.9',
      authenticationContexts: i % 4 === 0 ? ['c2'] : [],
    });
    // Warm: the documents and strengths cached, as on a running server.
    const [docs, strengths, c0] = await Promise.all([
      caSnapshotOf(ctx, tenant.id),
      strengthsOf(ctx, tenant.id),
      signInContextFor(ctx, tenant, facts(0)),
    ]);
    let applying = 0;
    let unmet = 0;
    {
      const r = evaluateConditionalAccess(docs.policies, c0, strengths, steps);
      applying = r.results.filter((x) => x.applies).length;
      unmet = r.unmet.length;
    }

    // 1. The evaluation alone, in memory.
    let n = 0;
    let start = performance.now();
    while (performance.now() - start < SECONDS * 1000) {
      for (let i = 0; i < 100; i++) evaluateConditionalAccess(docs.policies, c0, strengths, steps);
      n += 100;
    }
    const evalRate = n / ((performance.now() - start) / 1000);

    // 2. What the sign-in path does per authorization request: context (one query) + cached documents + evaluation.
    const latencies: number[] = [];
    n = 0;
    start = performance.now();
    while (performance.now() - start < SECONDS * 1000) {
      const t0 = performance.now();
      const [d, s, c] = await Promise.all([
        caSnapshotOf(ctx, tenant.id),
        strengthsOf(ctx, tenant.id),
        signInContextFor(ctx, tenant, facts(n)),
      ]);
      evaluateConditionalAccess(d.policies, c, s, steps);
      latencies.push(performance.now() - t0);
      n++;
    }
    const fullRate = n / ((performance.now() - start) / 1000);
    latencies.sort((a, b) => a - b);
    console.log(
      `\n${engine}: ${docs.policies.length} policies, ${c0.user.groupIds.length} groups of the user; ${applying} policies apply, ${unmet} unmet, for a password + TOTP session`,
    );
    console.log(
      `  evaluateConditionalAccess alone: ${Math.round(evalRate).toLocaleString('en')} decisions/s (${Math.round(1e6 / evalRate).toLocaleString('en')} µs each, ${(evalRate / raw).toFixed(2)}× the signature check)`,
    );
    console.log(
      `  signInContextFor + evaluation: ${Math.round(fullRate).toLocaleString('en')} decisions/s (${(fullRate / raw).toFixed(2)}× the signature check), p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms`,
    );
  } finally {
    await store.close();
    db.remove();
  }
}
