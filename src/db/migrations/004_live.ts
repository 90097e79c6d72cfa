import { sql, type Kysely } from 'kysely'

// Live events: the webhook outbox and the fan-out NOTIFY, both written by triggers so that they
// commit in the same transaction as the events they describe, whoever inserts them.
//
// The events trigger is statement-level (one run per engine step, not per row) and costs two
// primary-key joins plus one NOTIFY per objective. Delivery ids reuse the event's ULID: one
// event has at most one delivery, and the id needs no generator inside Postgres.
//
// Notification payload on `sortie_events`: `<workspace_id>:<objective_id>:<max seq>:<min seq>`
// (ids only; readers load the rows). A state change with no new event sends min = max + 1.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE webhook_deliveries (
      id text PRIMARY KEY,
      account_id text NOT NULL,
      workspace_id text NOT NULL,
      profile_id text NOT NULL,
      agent_id text NOT NULL,
      objective_id text NOT NULL REFERENCES objectives(id) ON DELETE CASCADE,
      event_id text NOT NULL,
      event_seq integer NOT NULL,
      event_type text NOT NULL,
      url text NOT NULL,
      status text NOT NULL DEFAULT 'PENDING',
      attempt_count integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      last_attempt_at timestamptz,
      http_status_code integer NOT NULL DEFAULT 0,
      latency_ms integer NOT NULL DEFAULT 0,
      response_content_length bigint NOT NULL DEFAULT 0,
      response_headers jsonb NOT NULL DEFAULT '{}',
      error_message text NOT NULL DEFAULT '',
      lease_owner text,
      lease_expires_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX webhook_deliveries_agent ON webhook_deliveries (workspace_id, agent_id, id);
    CREATE INDEX webhook_deliveries_objective ON webhook_deliveries (objective_id, id);
    -- The dispatcher's queue: the head of each objective's pending deliveries.
    CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (objective_id, event_seq)
      WHERE status = 'PENDING';

    -- A 410 Gone disables an agent's webhook for that URL; setting another URL re-enables it.
    CREATE TABLE webhook_disabled_targets (
      agent_id text PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
      url text NOT NULL,
      reason text NOT NULL DEFAULT '',
      disabled_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE FUNCTION sortie_live_events() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO webhook_deliveries (id, account_id, workspace_id, profile_id, agent_id,
        objective_id, event_id, event_seq, event_type, url)
      SELECT 'whd_' || split_part(e.id, '_', 2), o.account_id, o.workspace_id, o.profile_id,
        o.agent_id, o.id, e.id, e.seq, e.type, a.spec->>'webhookEventsUrl'
      FROM new_events e
      JOIN objectives o ON o.id = e.objective_id
      JOIN agents a ON a.id = o.agent_id
      WHERE coalesce(a.spec->>'webhookEventsUrl', '') <> ''
        AND NOT EXISTS (SELECT 1 FROM webhook_disabled_targets d
                        WHERE d.agent_id = a.id AND d.url = a.spec->>'webhookEventsUrl');
      IF FOUND THEN
        PERFORM pg_notify('sortie_webhooks', '');
      END IF;
      PERFORM pg_notify('sortie_events',
        o.workspace_id || ':' || o.id || ':' || m.max_seq || ':' || m.min_seq)
      FROM (SELECT objective_id, max(seq) AS max_seq, min(seq) AS min_seq
            FROM new_events GROUP BY objective_id) m
      JOIN objectives o ON o.id = m.objective_id;
      RETURN NULL;
    END $$;
    CREATE TRIGGER objective_events_live AFTER INSERT ON objective_events
      REFERENCING NEW TABLE AS new_events
      FOR EACH STATEMENT EXECUTE FUNCTION sortie_live_events();

    -- Streams end on a state (FINALIZED, WAITING...); tell them even when no event came with it.
    CREATE FUNCTION sortie_live_state() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('sortie_events',
        NEW.workspace_id || ':' || NEW.id || ':' || NEW.event_seq || ':' || (NEW.event_seq + 1));
      RETURN NULL;
    END $$;
    CREATE TRIGGER objectives_state_live AFTER UPDATE OF state ON objectives
      FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
      EXECUTE FUNCTION sortie_live_state();
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP TRIGGER IF EXISTS objectives_state_live ON objectives;
    DROP TRIGGER IF EXISTS objective_events_live ON objective_events;
    DROP FUNCTION IF EXISTS sortie_live_state();
    DROP FUNCTION IF EXISTS sortie_live_events();
    DROP TABLE IF EXISTS webhook_disabled_targets, webhook_deliveries;
  `.execute(db)
}
