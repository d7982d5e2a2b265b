import { describe, expect, it } from 'vitest';
import type { Campaign } from './method-policy-schemas.ts';
import {
  CAMPAIGN_ALLOWED_SNOOZES,
  type CampaignFacts,
  decideCampaign,
  snoozeCampaign,
} from './registration-campaign.ts';

const DAY = 24 * 60 * 60_000;
const T0 = Date.UTC(2026, 11, 1, 9);
const GROUP = '11111111-2222-3333-4444-555555555555';
const USER = '99999999-8888-7777-6666-555555555555';

const campaign = (over: Partial<Campaign> = {}): Campaign => ({
  snoozeDurationInDays: 1,
  enforceRegistrationAfterAllowedSnoozes: true,
  state: 'enabled',
  excludeTargets: [],
  includeTargets: [{ id: 'all_users', targetType: 'group', targetedAuthenticationMethod: 'fido2' }],
  ...over,
});

const facts = (over: Partial<CampaignFacts> = {}): CampaignFacts => ({
  campaign: campaign(),
  user: { userId: USER, groupIds: [GROUP] },
  passkeyCount: 0,
  canRegister: true,
  snooze: undefined,
  sessionId: 's1',
  now: T0,
  ...over,
});

/** Answers "Not now" in a new sign-in each time, `days` apart, as a user would. */
function snoozeRepeatedly(times: number, f: CampaignFacts, days: number) {
  let snooze = f.snooze;
  let now = f.now;
  for (let i = 0; i < times; i++) {
    const r = snoozeCampaign({ ...f, snooze, now, sessionId: `s-${i}` });
    if (!r.ok || !r.next) throw new Error(`snooze ${i + 1} refused`);
    snooze = r.next;
    now += days * DAY;
  }
  return { snooze, now };
}

describe('decideCampaign: who is asked to set up a passkey after signing in', () => {
  it('asks a targeted user without a passkey, with three snoozes when registration is enforced after them', () => {
    expect(decideCampaign(facts())).toEqual({ ask: true, snoozesLeft: 3, snoozeDays: 1 });
  });

  it('asks nobody while the campaign is disabled or left at default (which Graph documents as disabled)', () => {
    expect(decideCampaign(facts({ campaign: campaign({ state: 'disabled' }) }))).toEqual({ ask: false, reason: 'off' });
    expect(decideCampaign(facts({ campaign: campaign({ state: 'default' }) }))).toEqual({ ask: false, reason: 'off' });
  });

  it('follows the campaign’s targets: a group of the user, and exclusion winning over inclusion', () => {
    const viaGroup = campaign({
      includeTargets: [{ id: GROUP, targetType: 'group', targetedAuthenticationMethod: 'fido2' }],
    });
    expect(decideCampaign(facts({ campaign: viaGroup })).ask).toBe(true);
    expect(decideCampaign(facts({ campaign: viaGroup, user: { userId: USER, groupIds: [] } }))).toEqual({
      ask: false,
      reason: 'notTargeted',
    });
    for (const excluded of [
      { id: GROUP, targetType: 'group' as const },
      { id: USER, targetType: 'user' as const },
    ])
      expect(decideCampaign(facts({ campaign: campaign({ excludeTargets: [excluded] }) }))).toEqual({
        ask: false,
        reason: 'notTargeted',
      });
  });

  it('does not ask a user who has a passkey, nor one who could not register one', () => {
    expect(decideCampaign(facts({ passkeyCount: 1 }))).toEqual({ ask: false, reason: 'hasPasskey' });
    expect(decideCampaign(facts({ canRegister: false }))).toEqual({ ask: false, reason: 'cannotRegister' });
  });

  it('after "Not now", waits snoozeDurationInDays, then asks again with one snooze fewer', () => {
    const r = snoozeCampaign(facts());
    expect(r).toEqual({ ok: true, next: { count: 1, until: T0 + DAY, sessionId: 's1' } });
    const snooze = r.ok ? r.next! : undefined;
    expect(decideCampaign(facts({ snooze, sessionId: 's2', now: T0 + DAY - 1 }))).toEqual({
      ask: false,
      reason: 'snoozed',
    });
    expect(decideCampaign(facts({ snooze, sessionId: 's2', now: T0 + DAY }))).toEqual({
      ask: true,
      snoozesLeft: 2,
      snoozeDays: 1,
    });
  });

  it('with 0 days asks again at the next sign-in, but never twice in the one where "Not now" was answered', () => {
    const f = facts({ campaign: campaign({ snoozeDurationInDays: 0 }) });
    const r = snoozeCampaign(f);
    const snooze = r.ok ? r.next! : undefined;
    expect(snooze).toEqual({ count: 1, until: T0, sessionId: 's1' });
    expect(decideCampaign({ ...f, snooze })).toEqual({ ask: false, reason: 'answeredThisSignIn' });
    expect(decideCampaign({ ...f, snooze, sessionId: 's2' })).toMatchObject({ ask: true, snoozesLeft: 2 });
  });

  it(`allows ${CAMPAIGN_ALLOWED_SNOOZES} snoozes when enforced, then only setting one up goes on`, () => {
    const { snooze, now } = snoozeRepeatedly(CAMPAIGN_ALLOWED_SNOOZES, facts(), 1);
    const after = facts({ snooze, now, sessionId: 'later' });
    expect(decideCampaign(after)).toEqual({ ask: true, snoozesLeft: 0, snoozeDays: 1 });
    expect(snoozeCampaign(after)).toEqual({
      ok: false,
      code: 'CAMPAIGN_SNOOZES_USED',
      detail: { allowedSnoozes: '3' },
    });
  });

  it('allows snoozing without limit when registration is not enforced after the snoozes', () => {
    const f = facts({
      campaign: campaign({ enforceRegistrationAfterAllowedSnoozes: false, snoozeDurationInDays: 14 }),
    });
    const { snooze, now } = snoozeRepeatedly(10, f, 14);
    expect(snooze?.count).toBe(10);
    const later = { ...f, snooze, now, sessionId: 'later' };
    expect(decideCampaign(later)).toEqual({ ask: true, snoozesLeft: null, snoozeDays: 14 });
    expect(snoozeCampaign(later)).toMatchObject({ ok: true, next: { count: 11, until: now + 14 * DAY } });
  });

  it('records nothing for "Not now" when there is no question to postpone', () => {
    expect(snoozeCampaign(facts({ passkeyCount: 2 }))).toEqual({ ok: true, next: null });
    expect(snoozeCampaign(facts({ campaign: campaign({ state: 'disabled' }) }))).toEqual({ ok: true, next: null });
  });

  it('a snooze that is spent still lets a passkey owner through: having one ends the campaign for them', () => {
    const { snooze, now } = snoozeRepeatedly(CAMPAIGN_ALLOWED_SNOOZES, facts(), 1);
    expect(decideCampaign(facts({ snooze, now, passkeyCount: 1 }))).toEqual({ ask: false, reason: 'hasPasskey' });
  });
});
