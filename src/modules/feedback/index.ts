/**
 * Feedback: scores on objectives. Each one moves the Beta posterior of the variation that ran
 * the objective, which is what Thompson-sampling selection draws from (docs/decisions.md decision 6).
 */
export { feedbackRoutes } from './feedback.routes.ts'
export type { ObjectiveFeedback } from './feedback.schema.ts'
