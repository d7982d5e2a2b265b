// The impact preview of a passkey (Fido2) configuration (issue 8, "see the effect before you save"): for each user
// and passkey, what sign-in decides under the configuration in force and under the proposed one, with the very
// functions sign-in calls (sign-in-gate.ts, passkey-profile.ts), in its order (flows/sign-in-passkey.ts: a passkey
// marked as cloned, then the metadata's compromise report, then the gate). Pure: the flow (flows/policy-impact.ts)
// streams the users and passkeys in and the tally keeps only counts and a capped list.
import { allow, type Decision, deny, type ErrorCode } from './errors.ts';
import type { TapDocument } from './method-policy-schemas.ts';
import { namesAnyGroup, targetsUser } from './method-targets.ts';
import { type PasskeyMethodConfig, targetsAnyGroup } from './passkey-method.ts';
import { type AttestationTrust, passkeyTypeOf } from './passkey-profile.ts';
import { evaluateSignInGate } from './sign-in-gate.ts';
import { planTap } from './tap.ts';

export interface ImpactUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  enabled: boolean;
  /** The user's groups; may be empty when neither configuration names a group (they cannot matter then). */
  groupIds: readonly string[];
}

export interface ImpactPasskey {
  id: string;
  displayName: string;
  aaguid: string;
  backupEligible: boolean;
  attestationTrust: AttestationTrust;
  /** The authenticator model's name from metadata or the built-in list, if known. */
  model: string | null;
  cloneSuspected: boolean;
}

/** The metadata's refusal detail for a model reported compromised (the one sign-in gives), else undefined. */
export type CompromiseLookup = (aaguid: string) => Record<string, string> | undefined;

/** The reason sign-in gives for a passkey marked as possibly cloned (flows/sign-in-passkey.ts step 5). */
export const CLONE_SUSPECTED_REASON = 'marked as possibly cloned; delete it and register again';

/**
 * What sign-in decides for this passkey once its signature checks out: the steps that depend on stored facts and
 * policy, not on the assertion itself (a cloned mark, the model's compromise, the account, the method, the profiles).
 * Groups count only when the configuration names one, as at sign-in.
 */
export function signInVerdict(
  config: PasskeyMethodConfig,
  user: ImpactUser,
  passkey: ImpactPasskey,
  compromised: CompromiseLookup,
): Decision {
  if (passkey.cloneSuspected) return deny('SIGNIN_COUNTER_REGRESSION', { reason: CLONE_SUSPECTED_REASON });
  const report = compromised(passkey.aaguid);
  if (report) return deny('PASSKEY_AUTHENTICATOR_COMPROMISED', report);
  const groupIds = targetsAnyGroup(config) ? user.groupIds : [];
  // The facts sign-in has of a stored passkey; like sign-in, a refusal that names the AAGUID names the model too.
  const facts = {
    aaguid: passkey.aaguid,
    backupEligible: passkey.backupEligible,
    attestationTrust: passkey.attestationTrust,
  };
  const gate = evaluateSignInGate(config, { userId: user.id, groupIds, enabled: user.enabled }, facts);
  if (gate.ok) return allow;
  const model = gate.detail.aaguid ? passkey.model : null;
  return model ? deny(gate.code, { ...gate.detail, model }) : gate;
}

export interface PasskeyChange {
  passkey: ImpactPasskey;
  passkeyType: 'deviceBound' | 'synced';
  /** The refusal sign-in would give under the proposed configuration. */
  code: ErrorCode;
  detail: Record<string, string>;
}

export interface UserImpact {
  user: ImpactUser;
  passkeys: number;
  usableNow: number;
  usableAfter: number;
  /** Usable now, refused under the proposed configuration. */
  stopping: PasskeyChange[];
  /** Refused now, usable under the proposed configuration. */
  starting: number;
  /** Had a usable passkey and would have none: this user needs a Temporary Access Pass to sign in and register. */
  losesEveryPasskey: boolean;
  /** For a user who loses every passkey: whether the TAP method lets an administrator issue them a pass. */
  tap?: Decision;
}

/**
 * Could an administrator issue this user a Temporary Access Pass (with the policy's defaults) under the TAP method
 * configuration: the very rule the issuing flow applies (tap.ts planTap), with its targets (method-targets.ts).
 */
export function tapAvailability(tap: TapDocument, user: ImpactUser, now: number): Decision {
  const targeted = targetsUser(tap, { userId: user.id, groupIds: namesAnyGroup(tap) ? user.groupIds : [] });
  const plan = planTap(tap, targeted, {}, now);
  return plan.ok ? allow : deny(plan.code, plan.detail);
}

export function userImpact(
  current: PasskeyMethodConfig,
  proposed: PasskeyMethodConfig,
  user: ImpactUser,
  passkeys: readonly ImpactPasskey[],
  compromised: CompromiseLookup,
): UserImpact {
  let usableNow = 0;
  let usableAfter = 0;
  let starting = 0;
  const stopping: PasskeyChange[] = [];
  for (const p of passkeys) {
    const before = signInVerdict(current, user, p, compromised);
    const after = signInVerdict(proposed, user, p, compromised);
    if (before.ok) usableNow++;
    if (after.ok) usableAfter++;
    if (before.ok && !after.ok)
      stopping.push({ passkey: p, passkeyType: passkeyTypeOf(p), code: after.code, detail: after.detail });
    if (!before.ok && after.ok) starting++;
  }
  return {
    user,
    passkeys: passkeys.length,
    usableNow,
    usableAfter,
    stopping,
    starting,
    losesEveryPasskey: usableNow > 0 && usableAfter === 0,
  };
}

export interface GroupImpact {
  id: string;
  usersAffected: number;
  usersLosingEveryPasskey: number;
  passkeysThatStopWorking: number;
}

export interface ImpactSummary {
  users: number;
  usersWithPasskeys: number;
  passkeys: number;
  passkeysUsableNow: number;
  passkeysUsableAfter: number;
  passkeysThatStopWorking: number;
  passkeysThatStartWorking: number;
  /** Users with at least one passkey that would stop working. */
  usersAffected: number;
  usersLosingEveryPasskey: number;
  /** Of those, the users the TAP method gives no pass either: they would have no way to sign in at all. */
  usersLosingEveryPasskeyWithoutTap: number;
  /** The passkeys that would stop working, by the code sign-in would refuse them with (most first). */
  reasons: { code: ErrorCode; passkeys: number }[];
}

export interface PolicyImpact {
  summary: ImpactSummary;
  /** Per group of the affected users (most affected first); only when a configuration names a group. */
  groups: GroupImpact[];
  groupsCounted: boolean;
  /** The affected users in id order, at most `limit` of them; `summary.usersAffected` counts them all. */
  affectedUsers: UserImpact[];
  affectedUsersLimit: number;
  affectedUsersCapped: boolean;
}

/** A running tally over users streamed in: counts, per group and per code, and the first `limit` affected users. */
export class ImpactTally {
  readonly #limit: number;
  readonly #groupsCounted: boolean;
  readonly #summary: Omit<ImpactSummary, 'reasons'> = {
    users: 0,
    usersWithPasskeys: 0,
    passkeys: 0,
    passkeysUsableNow: 0,
    passkeysUsableAfter: 0,
    passkeysThatStopWorking: 0,
    passkeysThatStartWorking: 0,
    usersAffected: 0,
    usersLosingEveryPasskey: 0,
    usersLosingEveryPasskeyWithoutTap: 0,
  };
  readonly #reasons = new Map<ErrorCode, number>();
  readonly #groups = new Map<string, GroupImpact>();
  readonly #affected: UserImpact[] = [];

  constructor(limit: number, groupsCounted: boolean) {
    this.#limit = limit;
    this.#groupsCounted = groupsCounted;
  }

  add(u: UserImpact): void {
    const s = this.#summary;
    s.users++;
    if (u.passkeys > 0) s.usersWithPasskeys++;
    s.passkeys += u.passkeys;
    s.passkeysUsableNow += u.usableNow;
    s.passkeysUsableAfter += u.usableAfter;
    s.passkeysThatStartWorking += u.starting;
    if (u.stopping.length === 0) return;
    s.passkeysThatStopWorking += u.stopping.length;
    s.usersAffected++;
    if (u.losesEveryPasskey) s.usersLosingEveryPasskey++;
    if (u.losesEveryPasskey && u.tap && !u.tap.ok) s.usersLosingEveryPasskeyWithoutTap++;
    for (const c of u.stopping) this.#reasons.set(c.code, (this.#reasons.get(c.code) ?? 0) + 1);
    if (this.#groupsCounted)
      for (const g of u.user.groupIds) {
        let e = this.#groups.get(g);
        if (!e) {
          e = { id: g, usersAffected: 0, usersLosingEveryPasskey: 0, passkeysThatStopWorking: 0 };
          this.#groups.set(g, e);
        }
        e.usersAffected++;
        if (u.losesEveryPasskey) e.usersLosingEveryPasskey++;
        e.passkeysThatStopWorking += u.stopping.length;
      }
    if (this.#affected.length < this.#limit) this.#affected.push(u);
  }

  result(): PolicyImpact {
    const byCount =
      <T extends { id?: string; code?: string }>(count: (x: T) => number) =>
      (a: T, b: T) =>
        count(b) - count(a) || String(a.id ?? a.code).localeCompare(String(b.id ?? b.code));
    return {
      summary: {
        ...this.#summary,
        reasons: [...this.#reasons].map(([code, passkeys]) => ({ code, passkeys })).sort(byCount((r) => r.passkeys)),
      },
      groups: [...this.#groups.values()].sort(byCount((g) => g.usersAffected)),
      groupsCounted: this.#groupsCounted,
      affectedUsers: this.#affected,
      affectedUsersLimit: this.#limit,
      affectedUsersCapped: this.#summary.usersAffected > this.#affected.length,
    };
  }
}

/** Memberships matter only when one of the two configurations (or the TAP method's, when given) names a group. */
export function impactNeedsGroups(
  current: PasskeyMethodConfig,
  proposed: PasskeyMethodConfig,
  tap?: TapDocument,
): boolean {
  return targetsAnyGroup(current) || targetsAnyGroup(proposed) || (tap !== undefined && namesAnyGroup(tap));
}
