import { decodePageRequest, toPage, type Page } from '../../lib/pagination.ts'
import type { Profile } from '../../lib/schemas.ts'
import { loadProfiles } from '../profiles/index.ts'
import { findAgentRow, findVariationRow, posteriorUpdate } from '../agents/index.ts'
import type { Deps, Scope } from '../deps.ts'
import { findObjectiveRow } from '../objectives/index.ts'
import type {
  CreateFeedbackBody,
  ListAgentFeedbackQuery,
  ListFeedbackQuery,
  ObjectiveFeedback,
} from './feedback.schema.ts'
import * as repo from './feedback.repository.ts'

/** The one row -> ObjectiveFeedback mapping. */
export function feedbackOf(
  row: repo.FeedbackRow,
  info?: { submittedBy?: Profile; variationName?: string },
): ObjectiveFeedback {
  return {
    metadata: {
      id: row.id,
      accountId: row.account_id,
      workspaceId: row.workspace_id,
      profileId: row.profile_id,
      externalId: row.external_id,
      labels: row.labels ?? {},
      createdAt: row.created_at.toISOString(),
    },
    data: {
      ...(row.score !== null ? { score: row.score } : {}),
      comment: row.comment,
      attributes: row.attributes ?? {},
    },
    ...(info
      ? {
          info: {
            ...(info.submittedBy ? { submittedBy: info.submittedBy } : {}),
            objective: { id: row.objective_id },
            agentVariation: {
              id: row.variation_id,
              ...(info.variationName !== undefined ? { name: info.variationName } : {}),
            },
          },
        }
      : {}),
  }
}

async function withInfo(deps: Deps, rows: repo.FeedbackRow[]): Promise<ObjectiveFeedback[]> {
  const [profiles, variations] = await Promise.all([
    loadProfiles(
      deps,
      rows.map((r) => r.profile_id),
    ),
    repo.variationNames(deps.db, [...new Set(rows.map((r) => r.variation_id))]),
  ])
  const names = new Map(variations.map((v) => [v.id, v.name]))
  return rows.map((r) =>
    feedbackOf(r, {
      submittedBy: profiles.get(r.profile_id),
      variationName: names.get(r.variation_id),
    }),
  )
}

/**
 * Records feedback on an objective and, in the same transaction, moves the posterior of the
 * variation that ran it: later selections of the agent see it at once (docs/decisions.md decision 6).
 */
export async function createFeedback(
  deps: Deps,
  scope: Scope,
  objectiveRef: string,
  body: CreateFeedbackBody,
): Promise<ObjectiveFeedback> {
  const objective = await findObjectiveRow(deps, scope, objectiveRef)
  const data = body.data ?? {
    score: body.score,
    comment: body.comment,
    attributes: body.attributes,
  }
  const score = data.score ?? null
  const row = await deps.db.transaction().execute(async (trx) => {
    const row = await repo.insertFeedback(trx, {
      id: deps.ids('feedback'),
      account_id: objective.account_id,
      workspace_id: objective.workspace_id,
      profile_id: scope.profileId,
      objective_id: objective.id,
      agent_id: objective.agent_id,
      variation_id: objective.variation_id,
      external_id: body.metadata?.externalId ?? '',
      labels: JSON.stringify(body.metadata?.labels ?? {}),
      score,
      comment: data.comment ?? '',
      attributes: JSON.stringify(data.attributes ?? {}),
    })
    await repo.recordObservation(trx, objective.variation_id, posteriorUpdate(score))
    return row
  })
  return (await withInfo(deps, [row]))[0]!
}

async function page(
  deps: Deps,
  query: ListFeedbackQuery,
  filters: repo.FeedbackFilters,
): Promise<Page<ObjectiveFeedback>> {
  const position = decodePageRequest(query)
  const { rows, total } = await repo.listFeedback(deps.db, position, filters)
  const raw = toPage(rows, position, total, (r) => r)
  const items = query.includeInfo
    ? await withInfo(deps, raw.items)
    : raw.items.map((r) => feedbackOf(r))
  return { ...raw, items }
}

export async function listObjectiveFeedback(
  deps: Deps,
  scope: Scope,
  objectiveRef: string,
  query: ListFeedbackQuery,
): Promise<Page<ObjectiveFeedback>> {
  const objective = await findObjectiveRow(deps, scope, objectiveRef)
  return page(deps, query, { workspaceId: scope.workspaceId, objectiveId: objective.id })
}

const SENTIMENT = {
  SENTIMENT_POSITIVE: 'positive',
  SENTIMENT_NEGATIVE: 'negative',
  SENTIMENT_NEUTRAL: 'neutral',
} as const

/** Feedback on every objective of an agent, with the seed-003 filters. */
export async function listAgentFeedback(
  deps: Deps,
  scope: Scope,
  agentRef: string,
  query: ListAgentFeedbackQuery,
): Promise<Page<ObjectiveFeedback>> {
  const agent = await findAgentRow(deps, scope, agentRef)
  const variation = query.agentVariationId
    ? await findVariationRow(deps, scope, agent.id, query.agentVariationId)
    : undefined
  return page(deps, query, {
    workspaceId: scope.workspaceId,
    agentId: agent.id,
    variationId: variation?.id,
    createdAfter: query.createdAfter,
    createdBefore: query.createdBefore,
    query: query.query || undefined,
    sentiment:
      query.sentiment && query.sentiment !== 'SENTIMENT_UNSPECIFIED'
        ? SENTIMENT[query.sentiment]
        : undefined,
  })
}
