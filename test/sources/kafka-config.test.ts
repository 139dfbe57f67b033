import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { validateSection } from '../../src/config/validate.js';
import {
  deadLetterTopicOf,
  describeKafkaConfig,
  KafkaConfig,
  kafkaOverridesFromEnv,
  withKafkaFormat,
} from '../../src/sources/kafka-config.js';

const defaults = () => validateSection<KafkaConfig>(KafkaConfig, {}, 'kafka');

describe('the kafka settings', () => {
  it('default to no brokers (no consumer), topic access-logs, group keywatch and a <topic>.dlq dead-letter topic', () => {
    const config = defaults();
    expect(config.brokers).toEqual([]);
    expect(config.topics).toEqual(['access-logs']);
    expect(config.groupId).toBe('keywatch');
    expect(config.deadLetterTopic).toBe('{topic}.dlq');
    expect(config.sasl.mechanism).toBe('none');
    expect(config.ssl.enabled).toBe(false);
  });

  it('give every setting a default and a description (config/default.yaml documents them all)', () => {
    const walk = (schema: { properties?: Record<string, unknown> }, path: string): string[] =>
      Object.entries(schema.properties ?? {}).flatMap(([name, child]) => {
        const node = child as {
          description?: string;
          default?: unknown;
          properties?: Record<string, unknown>;
        };
        const here = `${path}.${name}`;
        const problems = [
          ...(node.default === undefined ? [`${here} has no default`] : []),
          ...(node.properties === undefined && !node.description ? [`${here} has no description`] : []),
        ];
        return [...problems, ...walk(node, here)];
      });
    expect(walk(KafkaConfig as never, 'kafka')).toEqual([]);
  });

  it('are part of the Keywatch configuration and reject unknown settings by name', () => {
    expect(loadConfig().kafka.topics).toEqual(['access-logs']);
    expect(() => loadConfig({ overrides: { kafka: { brokerz: ['x:1'] } } })).toThrow(/kafka\.brokerz/);
    expect(() => loadConfig({ overrides: { kafka: { sasl: { mechanism: 'gssapi' } } } })).toThrow(
      /kafka\.sasl\.mechanism/,
    );
  });

  it('take brokers, topics, group, client id, start position, TLS and SASL from the environment', () => {
    const overrides = kafkaOverridesFromEnv({
      KEYWATCH_KAFKA_BROKERS: 'k1:9092, k2:9092',
      KEYWATCH_KAFKA_TOPICS: 'logs,audit',
      KEYWATCH_KAFKA_GROUP_ID: 'kw-prod',
      KEYWATCH_KAFKA_CLIENT_ID: 'kw-1',
      KEYWATCH_KAFKA_FROM_BEGINNING: 'false',
      KEYWATCH_KAFKA_SSL: 'true',
      KEYWATCH_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KEYWATCH_KAFKA_SASL_USERNAME: 'keywatch',
      KEYWATCH_KAFKA_SASL_PASSWORD: 's3cret',
    });
    const config = loadConfig({ overrides }).kafka;
    expect(config.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(config.topics).toEqual(['logs', 'audit']);
    expect(config.groupId).toBe('kw-prod');
    expect(config.clientId).toBe('kw-1');
    expect(config.fromBeginning).toBe(false);
    expect(config.ssl.enabled).toBe(true);
    expect(config.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'keywatch', password: 's3cret' });
    expect(kafkaOverridesFromEnv({})).toEqual({});
  });

  it('refuses a flag that is neither true nor false, naming the variable', () => {
    expect(() => kafkaOverridesFromEnv({ KEYWATCH_KAFKA_SSL: 'maybe' })).toThrow(/KEYWATCH_KAFKA_SSL/);
  });

  it('never show the SASL password in what is logged', () => {
    const config = validateSection<KafkaConfig>(
      KafkaConfig,
      { brokers: ['k:9092'], sasl: { mechanism: 'plain', username: 'kw', password: 'hunter2' } },
      'kafka',
    );
    const described = JSON.stringify(describeKafkaConfig(config));
    expect(described).not.toContain('hunter2');
    expect(described).toContain('plain as kw');
  });

  it('name the dead-letter topic after the source topic, or none when the template is empty', () => {
    expect(deadLetterTopicOf('{topic}.dlq', 'logs')).toBe('logs.dlq');
    expect(deadLetterTopicOf('dead-{topic}-letters', 'logs')).toBe('dead-logs-letters');
    expect(deadLetterTopicOf('', 'logs')).toBeUndefined();
  });

  it('replace the event format only when Kafka is on and names a format of its own', () => {
    const base = loadConfig();
    expect(withKafkaFormat(base)).toBe(base);
    const kafkaOn = loadConfig({ overrides: { kafka: { brokers: ['k:9092'], format: 'webex-audit' } } });
    expect(withKafkaFormat(kafkaOn).events.format).toBe('webex-audit');
    const inherit = loadConfig({
      overrides: { kafka: { brokers: ['k:9092'] }, events: { format: 'webex-audit' } },
    });
    expect(withKafkaFormat(inherit).events.format).toBe('webex-audit');
  });
});
