/** How the CLI prints objective events: one readable line (or block) per event. */
type Event = { metadata: { id: string }; data: { type?: string; [key: string]: any } }

const clip = (s: string, n = 400) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s)

export function formatEvent(event: Event): string | undefined {
  const type = event.data.type ?? Object.keys(event.data).find((k) => k !== 'type')
  const d = type ? (event.data[type] ?? {}) : {}
  switch (type) {
    case 'userMessage':
      return `you: ${d.content ?? ''}`
    case 'assistantMessage': {
      const lines: string[] = []
      if (d.content) lines.push(`agent: ${d.content}`)
      for (const call of d.toolCalls ?? [])
        lines.push(`  → ${call.functionName}(${clip(call.arguments ?? '', 200)})`)
      return lines.join('\n') || undefined
    }
    case 'toolCalled':
      return undefined
    case 'toolResult':
      return `  ← ${clip(String(d.content ?? ''))}`
    case 'toolError':
      return `  ✗ ${d.message ?? 'tool error'}`
    case 'toolApprovalRequested':
      return `  ? tool call ${d.toolCallId} waits for approval`
    case 'toolApproved':
      return `  ✓ tool call ${d.toolCallId} approved`
    case 'toolDenied':
      return `  ✗ tool call ${d.toolCallId} denied${d.memo ? `: ${d.memo}` : ''}`
    case 'error':
      return `error: ${d.message ?? ''}`
    case 'cancelled':
      return `cancelled${d.message ? `: ${d.message}` : ''}`
    case 'finalized':
      return `output: ${JSON.stringify(d.output ?? {})}`
    case 'subObjectiveCreated':
      return `  ↳ sub-objective ${d.metadata?.id ?? ''} started`
    case 'subAgentSpawned':
      return `  ↳ ${d.agent?.name ?? 'sub-agent'} started ${d.objective?.id ?? ''}: ${clip(String(d.task ?? ''), 200)}`
    case 'subAgentUpdated':
      return `  ↳ ${d.agent?.name ?? 'sub-agent'} ${String(d.status ?? '')
        .replace('STATUS_', '')
        .toLowerCase()}: ${clip(String(d.message ?? ''), 200)}`
    case 'notice':
      return `${d.level === 'LEVEL_WARN' ? '!' : 'i'} ${d.message ?? ''} [${d.key ?? ''}]`
    case 'memoryRead':
      return `  ⇡ memory ${d.message ?? ''} (${d.memoryLayerId ?? ''}/${d.memoryEntryId ?? ''})`
    default:
      return type ? `[${type}]` : undefined
  }
}

export function formatStatus(objective: any): string {
  const info = objective.info ?? {}
  return [
    `● ${objective.metadata.id}`,
    objective.status?.state ?? '',
    objective.status?.message ? `(${objective.status.message})` : '',
    `· ${info.totalToolCalls ?? 0} tool calls`,
    `· ${info.totalInputTokens ?? 0} in / ${info.totalOutputTokens ?? 0} out tokens`,
    // Sub-objectives included; a model without known prices has no cost to show.
    info.totalCostUsdWithSubObjectives !== undefined
      ? `· $${info.totalCostUsdWithSubObjectives}`
      : '· cost unknown',
  ]
    .filter(Boolean)
    .join(' ')
}
