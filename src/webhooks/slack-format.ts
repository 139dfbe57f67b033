import type { Alert, Severity } from '../engine/types.js';
import type { WebhookEventType } from '../store/types.js';

const SEVERITY_MARK: Record<Severity, string> = {
  low: ':information_source:',
  medium: ':warning:',
  high: ':rotating_light:',
  critical: ':rotating_light:',
};

const HEADLINE: Record<WebhookEventType, string> = {
  'alert.opened': 'New alert',
  'alert.updated': 'Alert escalated',
  'alert.resolved': 'Alert resolved',
  'webhook.test': 'Test message from Keywatch',
};

/**
 * Text for Slack's mrkdwn: `&`, `<` and `>` escaped (so a key id or user agent cannot smuggle in
 * `<!channel>` or a link) and cut to Slack's block limits.
 */
function mrkdwn(text: string, limit: number): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return escaped.length > limit ? `${escaped.slice(0, limit - 1)}…` : escaped;
}

/**
 * A message for Slack incoming webhooks (`text` for notifications, `blocks` for the channel): what
 * happened, the alert's title and summary, severity, key, detectors, counts and its id.
 *
 * @example slackBody('alert.opened', alert) // '{"text":":rotating_light: New alert [HIGH] …","blocks":[…]}'
 */
export function slackBody(type: WebhookEventType, alert: Alert): string {
  const mark = type === 'alert.resolved' ? ':white_check_mark:' : SEVERITY_MARK[alert.severity];
  const headline = HEADLINE[type];
  const field = (name: string, value: string) => ({
    type: 'mrkdwn',
    text: `*${name}*\n${mrkdwn(value, 1900)}`,
  });
  return JSON.stringify({
    text: mrkdwn(
      `${mark} ${headline} [${alert.severity.toUpperCase()}] ${alert.title} (key ${alert.keyId})`,
      2900,
    ),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `${mark} *${headline}: ${mrkdwn(alert.title, 500)}*\n${mrkdwn(alert.summary, 2400)}`,
        },
      },
      {
        type: 'section',
        fields: [
          field('Severity', `${alert.severity} (score ${alert.score.toFixed(2)})`),
          field('Key', alert.orgId === undefined ? alert.keyId : `${alert.keyId} (org ${alert.orgId})`),
          field('Detectors', alert.detectors.join(', ')),
          field('Status', alert.status),
          field('First event', alert.ts),
          field('Findings', `${alert.count}, latest ${alert.lastSeen}`),
        ],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: mrkdwn(`Keywatch alert ${alert.id}`, 300) }] },
    ],
  });
}
