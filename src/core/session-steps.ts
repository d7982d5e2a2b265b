// A session is the list of the authentication steps it holds, each with its time and facts; how it is described to
// apps (amr, auth_time) and whether it counts as strong are pure functions of that list (SPEC §1 "session").
import type { AttestationTrust } from './passkey-profile.ts';

export type StepMethod = 'passkey' | 'password' | 'temporaryAccessPass' | 'softwareOath' | 'email';

export type PasskeyType = 'deviceBound' | 'synced';

export interface PasskeyStepFacts {
  aaguid: string;
  type: PasskeyType;
  /** What the passkey's attestation proved when it was registered. */
  attestation: AttestationTrust;
}

export interface SessionStep {
  method: StepMethod;
  /** When the step succeeded, epoch milliseconds. */
  at: number;
  /** A passkey step: the passkey's model, type and attestation, for strengths that restrict them. */
  passkey?: PasskeyStepFacts;
  /** A Temporary Access Pass step: whether the pass was one-time (Graph's two TAP modes). */
  tap?: { oneTime: boolean };
  /** The app's authorization request the step was made for (its sign-in log correlation id), if any. */
  request?: string;
}

/** The steps a sign-in method starts a session with (a passkey or pass with its facts). */
export function firstStep(method: StepMethod, at: number, facts: Omit<SessionStep, 'method' | 'at'> = {}): SessionStep {
  return { method, at, ...facts };
}

/**
 * amr (RFC 8176, OpenID EAP) per step. A passkey is proof of possession of a key (`hwk` when the key cannot leave
 * its authenticator, `swk` when it is synced) with a user verified on the device (`user`), two factors at once
 * (`mfa`); `fido` is the alias apps written for Entra look for. A TAP is a passcode issued out of band (`otp`),
 * which Entra counts as multi-factor, and never a passkey's values, so it can never satisfy a phishing-resistant
 * strength. A password is `pwd`, a TOTP or email code `otp`; two factors of different kinds are `mfa`.
 */
export function amrOf(steps: readonly SessionStep[]): string[] {
  const amr = new Set<string>();
  const kinds = new Set<string>();
  for (const s of steps) {
    switch (s.method) {
      case 'passkey':
        // A passkey whose facts are unknown is taken as synced: never credited as hardware-bound.
        for (const v of ['pop', s.passkey?.type === 'deviceBound' ? 'hwk' : 'swk', 'user', 'fido', 'mfa']) amr.add(v);
        break;
      case 'temporaryAccessPass':
        amr.add('otp');
        amr.add('mfa');
        break;
      case 'password':
        amr.add('pwd');
        kinds.add('knowledge');
        break;
      case 'softwareOath':
      case 'email':
        amr.add('otp');
        kinds.add('possession');
        break;
    }
  }
  if (kinds.size >= 2) amr.add('mfa');
  // Passkey values first (when present), as apps that read only the first value expect.
  return AMR_ORDER.filter((v) => amr.has(v));
}
const AMR_ORDER = ['pop', 'hwk', 'swk', 'user', 'fido', 'pwd', 'otp', 'mfa'];

/** When the user last authenticated (OIDC auth_time): the newest step, epoch milliseconds; 0 for no step. */
export function authTimeOf(steps: readonly SessionStep[]): number {
  return steps.reduce((t, s) => Math.max(t, s.at), 0);
}

/** Whether a step, alone, is strong authentication (a passkey or a Temporary Access Pass). */
export function isStrongStep(s: SessionStep): boolean {
  return s.method === 'passkey' || s.method === 'temporaryAccessPass';
}

/**
 * When the session last became strongly authenticated (for the registration gate of SPEC §2.2): the newest
 * passkey or pass step, or the newest one-time code that joined a password; null when it never was.
 */
export function strongAuthAtOf(steps: readonly SessionStep[]): number | null {
  let at: number | null = null;
  const hasPassword = steps.some((s) => s.method === 'password');
  for (const s of steps) {
    const strong = isStrongStep(s) || (hasPassword && (s.method === 'softwareOath' || s.method === 'email'));
    if (strong && (at === null || s.at > at)) at = s.at;
  }
  return at;
}

/**
 * The steps a token's amr and auth_time stand for, when the session behind it is no longer known: the weakest
 * reading (a passkey of unknown model, unattested; a code taken as email), dated auth_time.
 */
export function stepsFromTokenAmr(amr: readonly string[], authTime: number): SessionStep[] {
  if (amr.includes('fido'))
    return [
      {
        method: 'passkey',
        at: authTime,
        passkey: { aaguid: '', type: amr.includes('hwk') ? 'deviceBound' : 'synced', attestation: 'none' },
      },
    ];
  if (amr.includes('pwd'))
    return [
      { method: 'password', at: authTime },
      ...(amr.includes('otp') ? [{ method: 'email' as const, at: authTime }] : []),
    ];
  if (amr.includes('otp') && amr.includes('mfa'))
    return [{ method: 'temporaryAccessPass', at: authTime, tap: { oneTime: false } }];
  return [];
}

/** The steps of a session stored before sessions kept their steps: rebuilt from its amr and times. */
export function stepsFromLegacyAmr(
  amr: readonly string[],
  authTime: number,
  strongAuthAt: number | null,
): SessionStep[] {
  const steps: SessionStep[] = [];
  const strongAt = strongAuthAt ?? authTime;
  if (amr.includes('fido'))
    steps.push({ method: 'passkey', at: authTime, passkey: { aaguid: '', type: 'synced', attestation: 'none' } });
  else if (amr.includes('tap')) steps.push({ method: 'temporaryAccessPass', at: authTime, tap: { oneTime: false } });
  else if (amr.includes('pwd')) {
    steps.push({ method: 'password', at: authTime });
    // Which code it was is not known: email is the weaker of the two, so no strength is over-credited.
    if (amr.includes('otp')) steps.push({ method: 'email', at: strongAt });
  }
  return steps;
}
