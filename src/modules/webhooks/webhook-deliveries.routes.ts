import { route, type RouteDef } from '../route.ts'
import {
  AgentDeliveriesParams,
  AgentDeliveryParams,
  DeliveryParams,
  ListDeliveriesQuery,
  WebhookDelivery,
  WebhookDeliveryPage,
} from './webhook-delivery.schema.ts'
import { listDeliveries, redeliver } from './webhook-delivery.service.ts'

const tags = ['Webhooks']

/** The delivery log and redelivery. */
export const webhookRoutes: RouteDef[] = [
  route({
    method: 'get',
    path: '/agents/{agentId}/webhook_deliveries',
    scope: 'workspace',
    operationId: 'listWebhookDeliveries',
    summary: "List an agent's webhook deliveries with their attempts and outcomes",
    tags,
    params: AgentDeliveriesParams,
    query: ListDeliveriesQuery,
    response: WebhookDeliveryPage,
    handler: ({ deps, scope, params, query }) => listDeliveries(deps, scope, params.agentId, query),
  }),
  route({
    method: 'post',
    path: '/agents/{agentId}/webhook_deliveries/{id}/redeliver',
    scope: 'workspace',
    operationId: 'redeliverAgentWebhookDelivery',
    summary: 'Send one webhook delivery again',
    tags,
    params: AgentDeliveryParams,
    response: WebhookDelivery,
    handler: ({ deps, scope, params }) => redeliver(deps, scope, params.id, params.agentId),
  }),
  route({
    method: 'post',
    path: '/webhook_deliveries/{id}/redeliver',
    scope: 'workspace',
    operationId: 'redeliverWebhookDelivery',
    summary: 'Send one webhook delivery again',
    tags,
    params: DeliveryParams,
    response: WebhookDelivery,
    handler: ({ deps, scope, params }) => redeliver(deps, scope, params.id),
  }),
]
