import { describe, expect, it } from 'vitest';
import { slackBody } from '../../src/webhooks/slack-format.js';
import { alertFixture } from './harness.js';

describe('the Slack payload format', () => {
  it('gives Slack a notification text and blocks with the alert essentials', () => {
    const alert = alertFixture({
      severity: 'critical',
      keyId: 'app-key-7f3a',
      detectors: ['unfamiliar-ip', 'odd-hours'],
    });
    const message = JSON.parse(slackBody('alert.opened', alert)) as { text: string; blocks: unknown[] };
    expect(message.text).toContain(
      'New alert [CRITICAL] Key used from an unfamiliar network (key app-key-7f3a)',
    );
    const blocks = JSON.stringify(message.blocks);
    for (const part of ['unfamiliar-ip, odd-hours', alert.summary, alert.id, 'app-key-7f3a'])
      expect(blocks).toContain(part);
  });

  it('says when an alert is resolved', () => {
    const message = JSON.parse(slackBody('alert.resolved', alertFixture({ status: 'closed' }))) as {
      text: string;
    };
    expect(message.text).toMatch(/^:white_check_mark: Alert resolved/);
  });

  it('escapes text taken from logs so it cannot ping a channel or inject links', () => {
    const alert = alertFixture({ keyId: '<!channel> & <https://evil.example|click>', title: 'a <b> & c' });
    const body = slackBody('alert.opened', alert);
    expect(body).not.toContain('<!channel>');
    expect(body).not.toContain('<https://evil');
    expect(body).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
  });
});
