import type { AlertChange } from '../engine/types.js';
import type { AlertEventType } from '../store/types.js';

/**
 * The webhook event of an engine change, or undefined when it is not news: an update is only
 * `alert.updated` when the severity rose or a detector joined (one more finding of the same kind
 * pages nobody), and the end of an episode is `alert.resolved`.
 */
export function eventTypeOfChange(change: AlertChange): AlertEventType | undefined {
  if (change.kind === 'opened') return 'alert.opened';
  if (change.kind === 'closed') return 'alert.resolved';
  return change.severityRaised || change.detectorJoined ? 'alert.updated' : undefined;
}
