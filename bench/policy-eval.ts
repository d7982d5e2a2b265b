// Policy evaluation per passkey sign-in, in memory (issue 8): the sign-in gate's policy part as sign-in calls it
// (core/sign-in-gate.ts: the account, the method, its targets, profilesForUser and evaluatePasskeyProfiles) over
// users in groups and their passkeys, for three tenants: the default (all users, one profile), ten profiles over
// group targets with exclusions and 50-AAGUID allow and block lists, and the same with every passkey refused (the
// refusal's detail built each time). Prints evaluations per second and the time of one, beside the machine's raw
// limit measured in this run: synchronous ECDSA P-256 verifications per second on one core, the signature check
// every sign-in also makes (as bench/passkey-signin.ts prints it).
//   node bench/policy-eval.ts [--seconds 3]
import { generateKeyPairSync, randomBytes, randomUUID, sign, verify } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  ALL_USERS,
  defaultPasskeyMethodConfig,
  type PasskeyMethodConfig,
  type PasskeyProfile,
} from '../src/core/passkey-method.ts';
import type { CredentialFacts } from '../src/core/passkey-profile.ts';
import { evaluateSignInGate } from '../src/core/sign-in-gate.ts';
import { machine } from './graph-bench.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' } } });
const SECONDS = Number(values.seconds);

function rawP256VerifyPerSecond(): number {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const data = randomBytes(100);
  const sig = sign('sha256', data, privateKey);
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000) {
    for (let i = 0; i < 100; i++) verify('sha256', data, publicKey, sig);
    n += 100;
  }
  return n / ((performance.now() - start) / 1000);
}

const aaguids = Array.from({ length: 200 }, () => randomUUID());
const groups = Array.from({ length: 50 }, () => randomUUID());

function profile(i: number, over: Partial<PasskeyProfile>): PasskeyProfile {
  return {
    id: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
    name: `Profile ${i}`,
    passkeyTypes: 'deviceBound,synced',
    attestationEnforcement: 'disabled',
    keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] },
    ...over,
  };
}

/** Ten profiles over group targets: allow lists and block lists of 50 AAGUIDs, device-bound only for some. */
function tenProfiles(refuseAll: boolean): PasskeyMethodConfig {
  const profiles = Array.from({ length: 10 }, (_, i) =>
    profile(i + 1, {
      passkeyTypes: i % 3 === 0 ? 'deviceBound' : 'deviceBound,synced',
      keyRestrictions: {
        isEnforced: true,
        enforcementType: refuseAll || i % 2 === 0 ? 'allow' : 'block',
        // Refusing all: allow lists that name none of the passkeys' models.
        aaGuids: refuseAll ? Array.from({ length: 50 }, () => randomUUID()) : aaguids.slice(i * 10, i * 10 + 50),
      },
    }),
  );
  return {
    ...defaultPasskeyMethodConfig(),
    includeTargets: [
      { id: ALL_USERS, targetType: 'group', isRegistrationRequired: false, allowedPasskeyProfiles: [profiles[1]!.id] },
      ...groups.slice(0, 20).map((g, i) => ({
        id: g,
        targetType: 'group' as const,
        isRegistrationRequired: false,
        allowedPasskeyProfiles: [profiles[i % 10]!.id, profiles[(i + 3) % 10]!.id],
      })),
    ],
    excludeTargets: groups.slice(45).map((id) => ({ id, targetType: 'group' as const })),
    passkeyProfiles: profiles,
    defaultPasskeyProfile: profiles[0]!.id,
  };
}

interface Case {
  user: { userId: string; groupIds: string[]; enabled: boolean };
  credential: CredentialFacts;
}
const cases: Case[] = Array.from({ length: 10_000 }, (_, i) => ({
  user: {
    userId: randomUUID(),
    groupIds: [groups[i % 40]!, groups[(i * 7) % 45]!, groups[(i * 13) % 50]!],
    enabled: true,
  },
  credential: { aaguid: aaguids[i % aaguids.length]!, backupEligible: i % 2 === 0, attestationTrust: 'none' },
}));

function run(config: PasskeyMethodConfig): { perSecond: number; allowed: number } {
  let n = 0;
  let allowed = 0;
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000) {
    for (const c of cases) if (evaluateSignInGate(config, c.user, c.credential).ok) allowed++;
    n += cases.length;
  }
  return { perSecond: n / ((performance.now() - start) / 1000), allowed: allowed / n };
}

console.log(`policy evaluation per sign-in, in memory; ${machine()}`);
const raw = rawP256VerifyPerSecond();
console.log(`raw limit: ${Math.round(raw).toLocaleString('en')} P-256 signature verifications/s on one core`);
const tenants: [string, PasskeyMethodConfig][] = [
  ['default (all users, one profile)', defaultPasskeyMethodConfig()],
  ['10 profiles, 20 group targets, 5 excluded groups, 50-AAGUID lists', tenProfiles(false)],
  ['the same, every passkey refused (detail built)', tenProfiles(true)],
];
for (const [name, config] of tenants) {
  const r = run(config);
  console.log(
    `${name}: ${Math.round(r.perSecond).toLocaleString('en')} evaluations/s (${((1e9 / r.perSecond) | 0).toLocaleString('en')} ns each, ${(r.perSecond / raw).toFixed(1)}× the signature check), ${(r.allowed * 100).toFixed(0)}% allowed`,
  );
}
