// Entra's registration campaign (authenticationMethodsRegistrationCampaign, graph.md §2.1), with Signet's one
// target, Fido2: after a sign-in, a user the campaign targets who has no passkey is asked to set one up, and may
// answer "Not now" for snoozeDurationInDays days (0: asked again at the next sign-in), at most three times when
// enforceRegistrationAfterAllowedSnoozes is true (then setting one up is the only way on), without limit when it is
// false. State `default` is Entra's "not set", which Graph documents as disabled. A user who could not register a
// passkey anyway (the method off for them, self-service off, their limit reached, a one-factor sign-in) is never
// asked. Pure.
import type { ErrorCode } from './errors.ts';
import type { Campaign } from './method-policy-schemas.ts';
import { targetsUser } from './method-targets.ts';
import type { UserScope } from './passkey-method.ts';

/** Entra's fixed number of snoozes when enforceRegistrationAfterAllowedSnoozes is true. */
export const CAMPAIGN_ALLOWED_SNOOZES = 3;
const DAY_MS = 24 * 60 * 60_000;

/** What is stored per user: how often they said "Not now", until when, and in which sign-in the last time. */
export interface CampaignSnooze {
  count: number;
  until: number;
  sessionId: string | null;
}

export interface CampaignFacts {
  campaign: Campaign;
  user: UserScope;
  passkeyCount: number;
  /** This user could register one themselves (method on and targeting them, self-service, limit, an MFA session). */
  canRegister: boolean;
  snooze: CampaignSnooze | undefined;
  /** The sign-in (session) the question would interrupt. */
  sessionId: string;
  now: number;
}

export type CampaignSkip = 'off' | 'notTargeted' | 'hasPasskey' | 'cannotRegister' | 'answeredThisSignIn' | 'snoozed';

export type CampaignDecision =
  | { ask: false; reason: CampaignSkip }
  | {
      ask: true;
      /** Snoozes the user has left; null when they are unlimited. 0 means they must set one up to go on. */
      snoozesLeft: number | null;
      snoozeDays: number;
    };

/** Whether to show "Set up a passkey" before the app continues, and with which choices. */
export function decideCampaign(f: CampaignFacts): CampaignDecision {
  const c = f.campaign;
  if (c.state !== 'enabled') return { ask: false, reason: 'off' };
  if (!targetsUser(c, f.user)) return { ask: false, reason: 'notTargeted' };
  if (f.passkeyCount > 0) return { ask: false, reason: 'hasPasskey' };
  if (!f.canRegister) return { ask: false, reason: 'cannotRegister' };
  // "Not now" answers the question for the sign-in it was asked in, even with 0 days (Entra: "every sign-in").
  if (f.snooze && f.snooze.sessionId === f.sessionId) return { ask: false, reason: 'answeredThisSignIn' };
  if (f.snooze && f.now < f.snooze.until) return { ask: false, reason: 'snoozed' };
  const count = f.snooze?.count ?? 0;
  return {
    ask: true,
    snoozesLeft: c.enforceRegistrationAfterAllowedSnoozes ? Math.max(0, CAMPAIGN_ALLOWED_SNOOZES - count) : null,
    snoozeDays: c.snoozeDurationInDays,
  };
}

export type SnoozeResult =
  | { ok: true; next: CampaignSnooze | null }
  | { ok: false; code: ErrorCode; detail: Record<string, string> };

/**
 * "Not now": the next snooze state, null when there is nothing to postpone (the question would not be asked now),
 * or a refusal once the allowed snoozes are spent.
 */
export function snoozeCampaign(f: CampaignFacts): SnoozeResult {
  const d = decideCampaign(f);
  if (!d.ask) return { ok: true, next: null };
  if (d.snoozesLeft === 0)
    return {
      ok: false,
      code: 'CAMPAIGN_SNOOZES_USED',
      detail: { allowedSnoozes: String(CAMPAIGN_ALLOWED_SNOOZES) },
    };
  return {
    ok: true,
    next: { count: (f.snooze?.count ?? 0) + 1, until: f.now + d.snoozeDays * DAY_MS, sessionId: f.sessionId },
  };
}
