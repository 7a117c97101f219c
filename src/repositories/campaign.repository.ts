import type { Tx } from '../db/database.js';
import type { CampaignDefinition } from '../domain/campaign.js';

export async function findActiveCampaign(db: Tx): Promise<CampaignDefinition | undefined> {
  const row = await db.selectFrom('campaigns').select('definition').where('active', '=', 1).executeTakeFirst();
  return row ? (JSON.parse(row.definition) as CampaignDefinition) : undefined;
}

/**
 * The active campaign, its row locked until the transaction ends (PostgreSQL; on SQLite, BEGIN IMMEDIATE
 * already serialises writers): a roster import and a change of terms cannot interleave.
 */
export async function lockActiveCampaign(tx: Tx, dialect: 'sqlite' | 'postgres'): Promise<CampaignDefinition | undefined> {
  let q = tx.selectFrom('campaigns').select('definition').where('active', '=', 1);
  if (dialect === 'postgres') q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row ? (JSON.parse(row.definition) as CampaignDefinition) : undefined;
}

export async function findCampaign(db: Tx, id: string): Promise<CampaignDefinition | undefined> {
  const row = await db.selectFrom('campaigns').select('definition').where('id', '=', id).executeTakeFirst();
  return row ? (JSON.parse(row.definition) as CampaignDefinition) : undefined;
}

/** Inserts or replaces the campaign and makes it the only active one. */
export async function saveActiveCampaign(tx: Tx, campaign: CampaignDefinition, now: string): Promise<void> {
  await tx.updateTable('campaigns').set({ active: 0 }).where('id', '!=', campaign.id).execute();
  const existing = await tx.selectFrom('campaigns').select('id').where('id', '=', campaign.id).executeTakeFirst();
  if (existing) {
    await tx.updateTable('campaigns').set({ definition: JSON.stringify(campaign), active: 1, updated_at: now }).where('id', '=', campaign.id).execute();
  } else {
    await tx.insertInto('campaigns').values({ id: campaign.id, definition: JSON.stringify(campaign), active: 1, created_at: now, updated_at: now }).execute();
  }
}
