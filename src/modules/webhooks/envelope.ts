// The objectives module's own mappings: the webhook's objectiveEvent must be exactly what the
// events list serves.
import { eventOf, objectiveMetadata, type ObjectiveRow } from '../objectives/index.ts'
import type { EnvelopeRow } from './webhook-deliveries.repository.ts'
import { envelopeType } from './webhook-delivery.ts'

/**
 * The webhook body (docs/api.md section 8.1): `{type, timestamp, data: {agent, agentVariation,
 * objective, objectiveEvent}}`, the agent and variation as frozen into the objective at its start.
 * Built from rows on every attempt, so each attempt of a delivery sends the same bytes.
 */
export function envelopeOf(row: EnvelopeRow): string {
  // eventOf and objectiveMetadata read only these metadata columns of the objective.
  const parent = {
    id: row.objective_id,
    account_id: row.o_account_id,
    workspace_id: row.o_workspace_id,
    profile_id: row.o_profile_id,
    external_id: row.o_external_id,
    labels: row.o_labels,
    created_at: row.o_created_at,
  } as ObjectiveRow
  // Receivers know the seed-003/HEAD event union (`sub_agent_spawned`, not
  // `sub_objective_created`): the workspace family's presentation.
  const objectiveEvent = eventOf(parent, row, 'workspace')
  return JSON.stringify({
    type: envelopeType(objectiveEvent.data.type),
    timestamp: row.created_at.toISOString(),
    data: {
      agent: row.agent_metadata ?? {},
      agentVariation: row.variation_metadata ?? {},
      objective: objectiveMetadata(parent),
      objectiveEvent,
    },
  })
}
