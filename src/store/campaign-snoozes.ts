// Each user's answers to the registration campaign (migration 0015): one row per user, in their tenant.
import type { CampaignSnooze } from '../core/registration-campaign.ts';
import type { Db } from './db.ts';

export async function findCampaignSnooze(
  db: Db,
  tenantId: string,
  userId: string,
): Promise<CampaignSnooze | undefined> {
  const r = await db
    .selectFrom('campaign_snoozes')
    .select(['snooze_count', 'snoozed_until', 'session_id'])
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return r && { count: Number(r.snooze_count), until: Number(r.snoozed_until), sessionId: r.session_id };
}

/**
 * Stores the next snooze only if the user's row is still `previous` (compare-and-set on the count): two "Not now"
 * posts racing each other count once. False when another write came first.
 */
export async function saveCampaignSnooze(
  db: Db,
  tenantId: string,
  userId: string,
  previous: CampaignSnooze | undefined,
  next: CampaignSnooze,
  at: number,
): Promise<boolean> {
  const values = {
    snooze_count: next.count,
    snoozed_until: next.until,
    session_id: next.sessionId,
    updated_at: at,
  };
  if (!previous) {
    const r = await db
      .insertInto('campaign_snoozes')
      .values({ tenant_id: tenantId, user_id: userId, ...values })
      .onConflict((oc) => oc.columns(['tenant_id', 'user_id']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  }
  const r = await db
    .updateTable('campaign_snoozes')
    .set(values)
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('snooze_count', '=', previous.count)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
