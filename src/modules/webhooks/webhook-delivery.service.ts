import { failedPrecondition, notFound } from '../../lib/errors.ts'
import { decodePageRequest, toPage, type Page } from '../../lib/pagination.ts'
import { findAgentRow } from '../agents/index.ts'
import { getWebhookSigningSecret } from '../accounts/index.ts'
import type { Deps, Scope } from '../deps.ts'
import { attemptDelivery } from './attempt.ts'
import { WEBHOOKS_CHANNEL } from './dispatcher.ts'
import { envelopeOf } from './envelope.ts'
import { createAgents } from './sender.ts'
import type {
  ListDeliveriesQuery,
  WebhookBacklog,
  WebhookDelivery,
} from './webhook-delivery.schema.ts'
import { eventTypeEnum, eventTypeOfEnum } from './webhook-delivery.ts'
import * as repo from './webhook-deliveries.repository.ts'

/** The one row -> WebhookDelivery mapping. */
export function deliveryOf(row: repo.DeliveryRow): WebhookDelivery {
  return {
    metadata: {
      id: row.id,
      accountId: row.account_id,
      workspaceId: row.workspace_id,
      profileId: row.profile_id,
      externalId: '',
      labels: {},
      createdAt: row.created_at.toISOString(),
    },
    data: {
      agentId: row.agent_id,
      objectiveId: row.objective_id,
      objectiveEventId: row.event_id,
      webhookId: row.id,
      webhookUrl: row.url,
      status: `WEBHOOK_DELIVERY_STATUS_${row.status}` as WebhookDelivery['data']['status'],
      attemptCount: row.attempt_count,
      ...(row.last_attempt_at ? { lastAttemptAt: row.last_attempt_at.toISOString() } : {}),
      ...(row.status === 'PENDING' ? { nextAttemptAt: row.next_attempt_at.toISOString() } : {}),
      httpStatusCode: row.http_status_code,
      latencyMs: row.latency_ms,
      responseContentLength: String(row.response_content_length),
      responseHeaders: row.response_headers ?? {},
      errorMessage: row.error_message,
      eventType: eventTypeEnum(row.event_type),
    },
  }
}

export async function listDeliveries(
  deps: Deps,
  scope: Scope,
  agentRef: string,
  query: ListDeliveriesQuery,
): Promise<Page<WebhookDelivery> & { backlog: WebhookBacklog }> {
  const agent = await findAgentRow(deps, scope, agentRef)
  const position = decodePageRequest(query)
  const unspecified = (v: string | undefined) => !v || v.endsWith('_UNSPECIFIED')
  const { rows, total } = await repo.listDeliveries(
    deps.db,
    scope.workspaceId,
    agent.id,
    position,
    {
      objectiveId: query.objectiveId,
      eventType: unspecified(query.eventType) ? undefined : eventTypeOfEnum(query.eventType!),
      status: unspecified(query.status)
        ? undefined
        : query.status!.slice('WEBHOOK_DELIVERY_STATUS_'.length),
    },
  )
  const backlog = await repo.agentBacklog(deps.db, agent.id)
  return { ...toPage(rows, position, total, deliveryOf), backlog: backlogOf(backlog) }
}

function backlogOf(b: repo.Backlog): WebhookBacklog {
  return {
    pendingCount: b.pending,
    ...(b.oldestPendingCreatedAt
      ? { oldestPendingCreatedAt: b.oldestPendingCreatedAt.toISOString() }
      : {}),
    oldestPendingAgeSeconds: Math.round(b.oldestPendingAgeSeconds * 1000) / 1000,
  }
}

/**
 * The webhook backlog of every agent with pending deliveries, oldest first: for metrics (a gauge
 * per agent of pending deliveries and of the oldest one's age).
 */
export function webhookBacklog(deps: Pick<Deps, 'db'>) {
  return repo.backlogByAgent(deps.db)
}

async function findDeliveryRow(deps: Deps, scope: Scope, id: string, agentRef?: string) {
  const agentId = agentRef ? (await findAgentRow(deps, scope, agentRef)).id : undefined
  const row = await repo.findDelivery(deps.db, scope.workspaceId, id)
  if (!row || (agentId && row.agent_id !== agentId)) throw notFound('webhook delivery', id)
  return row
}

/**
 * Re-sends one delivery now, to the agent's current webhook URL, and records the attempt on it.
 * A finished one (COMPLETED, FAILED, DISABLED) gets one attempt. The head of an objective's pending
 * deliveries (the one holding the later ones back, typically in backoff after failures) gets the
 * attempt it would have had at its next retry: when it succeeds, the dispatchers are woken and the
 * objective's later deliveries flow at once; when it fails it keeps its retry schedule. A later
 * pending delivery is only moved to the front of its backoff (sending it now would break the
 * objective's order), as is a head a dispatcher is sending right now.
 */
export async function redeliver(
  deps: Deps,
  scope: Scope,
  id: string,
  agentRef?: string,
): Promise<WebhookDelivery> {
  const config = deps.webhooks
  const row = await findDeliveryRow(deps, scope, id, agentRef)
  // A pending delivery keeps its own URL when the agent's was removed (as the dispatcher would).
  const url =
    (await repo.currentWebhookUrl(deps.db, row.agent_id)) ||
    (row.status === 'PENDING' ? row.url : '')
  if (!url) throw failedPrecondition(`agent ${row.agent_id} has no webhookEventsUrl`)
  const owner = `redeliver:${deps.ids('webhookDelivery')}`
  const leased = await repo.leaseForRedelivery(deps.db, row.id, owner, config.timeoutMs + 30_000)
  if (!leased) {
    if (row.status === 'PENDING') return deliveryOf((await repo.retryNow(deps.db, row.id)) ?? row)
    throw failedPrecondition(`webhook delivery ${row.id} is being sent right now`)
  }
  const pending = leased.status === 'PENDING'
  const [envelope] = await repo.loadEnvelopeRows(deps.db, [row.event_id])
  const agents = createAgents()
  try {
    const updated = await attemptDelivery(
      { db: deps.db, config, agents, owner },
      {
        delivery: leased,
        url,
        body: envelope ? envelopeOf(envelope) : undefined,
        secret: await getWebhookSigningSecret(deps, row.account_id),
        retry: pending,
      },
    )
    if (pending && updated?.status !== 'PENDING') {
      await repo.wakeDispatchers(deps.db, WEBHOOKS_CHANNEL)
    }
    return deliveryOf(updated ?? leased)
  } finally {
    agents.http.destroy()
    agents.https.destroy()
  }
}
