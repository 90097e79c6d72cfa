import { sql, type Kysely } from 'kysely'

// The webhook backlog per agent (the delivery log's `backlog` and webhookBacklog() for metrics):
// its pending deliveries, oldest first, without scanning the agent's whole delivery history.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE INDEX webhook_deliveries_pending_agent ON webhook_deliveries (agent_id, created_at)
      WHERE status = 'PENDING'
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS webhook_deliveries_pending_agent`.execute(db)
}
