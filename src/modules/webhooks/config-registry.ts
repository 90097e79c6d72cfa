import type { WebhookConfig } from '../../config.ts'
import type { Deps } from '../deps.ts'

// Route handlers receive only `deps`; the composition root (app.ts) attaches the webhook policy
// (timeout, private targets) to that deps object. Keyed by deps: instances in one process differ.
const configs = new WeakMap<Deps, WebhookConfig>()

/** Makes `config` the webhook policy of requests served with `deps`. */
export function provideWebhookConfig(deps: Deps, config: WebhookConfig): void {
  configs.set(deps, config)
}

/** The policy attached by app.ts; without one, the defaults of a fresh configuration. */
export function webhookConfigOf(deps: Deps): WebhookConfig {
  return configs.get(deps) ?? DEFAULTS
}

const DEFAULTS: WebhookConfig = {
  allowPrivateTargets: false,
  maxAttempts: 8,
  backoffMs: 15_000,
  timeoutMs: 10_000,
  concurrency: 64,
  pollMs: 1000,
}
