import Type, { type Static } from 'typebox';
import { KeywatchError } from '../errors.js';

const Milliseconds = (defaultValue: number, minimum: number, description: string) =>
  Type.Integer({ minimum, maximum: 3_600_000, default: defaultValue, description });

/** TLS towards the brokers (`ssl` in kafkajs). */
export const KafkaSslConfig = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description: 'Connect over TLS (env KEYWATCH_KAFKA_SSL=true).',
    }),
    rejectUnauthorized: Type.Boolean({
      default: true,
      description: 'Refuse brokers whose certificate does not verify (turn off only for a test cluster).',
    }),
    caFile: Type.String({
      default: '',
      description: 'PEM file of the certificate authorities to trust; empty trusts the system store.',
    }),
    certFile: Type.String({
      default: '',
      description: 'PEM client certificate for mutual TLS; empty for none.',
    }),
    keyFile: Type.String({ default: '', description: 'PEM private key of certFile; empty for none.' }),
  },
  { default: {}, additionalProperties: false },
);

/** SASL authentication; the password is never logged. */
export const KafkaSaslConfig = Type.Object(
  {
    mechanism: Type.Union(
      [
        Type.Literal('none'),
        Type.Literal('plain'),
        Type.Literal('scram-sha-256'),
        Type.Literal('scram-sha-512'),
      ],
      {
        default: 'none',
        description:
          'SASL mechanism: none, plain, scram-sha-256 or scram-sha-512 (env KEYWATCH_KAFKA_SASL_MECHANISM).',
      },
    ),
    username: Type.String({ default: '', description: 'SASL user name (env KEYWATCH_KAFKA_SASL_USERNAME).' }),
    password: Type.String({
      default: '',
      description:
        'SASL password; prefer env KEYWATCH_KAFKA_SASL_PASSWORD to writing it in a file. Never logged.',
    }),
  },
  { default: {}, additionalProperties: false },
);

/** When the store falls behind: pause fetching, probe the store, resume when it answers quickly again. */
export const KafkaPauseConfig = Type.Object(
  {
    commitLatencyMs: Milliseconds(
      2000,
      1,
      'A batch whose store commit takes longer than this pauses consumption (the store is falling behind).',
    ),
    checkEveryMs: Milliseconds(2000, 10, 'While paused, how often the store is probed.'),
    resumeBelowMs: Milliseconds(250, 1, 'Consumption resumes once a store probe answers within this time.'),
  },
  { default: {}, additionalProperties: false },
);

/** Backoff of the client's own retries and of restarting a crashed consumer. */
export const KafkaRetryConfig = Type.Object(
  {
    initialRetryTimeMs: Milliseconds(300, 1, 'First wait before retrying a failed request.'),
    maxRetryTimeMs: Milliseconds(30_000, 1, 'Longest wait between retries.'),
    retries: Type.Integer({
      minimum: 0,
      maximum: 100,
      default: 8,
      description:
        'Retries of a failed request (set explicitly: kafkajs shrinks its defaults under NODE_ENV=test).',
    }),
    restartMaxDelayMs: Milliseconds(
      30_000,
      100,
      'A consumer that crashed for good is recreated with doubling delays up to this.',
    ),
  },
  { default: {}, additionalProperties: false },
);

/**
 * The `kafka:` section: where Keywatch reads access logs from. Nothing is consumed while `brokers`
 * is empty.
 */
export const KafkaConfig = Type.Object(
  {
    brokers: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
      default: [],
      maxItems: 64,
      description:
        'Bootstrap brokers as host:port (env KEYWATCH_KAFKA_BROKERS, comma-separated); empty turns the Kafka consumer off.',
    }),
    topics: Type.Array(Type.String({ minLength: 1, maxLength: 249 }), {
      default: ['access-logs'],
      minItems: 1,
      maxItems: 64,
      description:
        'Topics of access-log events, one event per message (env KEYWATCH_KAFKA_TOPICS, comma-separated). Several instances need one topic keyed by keyId.',
    }),
    groupId: Type.String({
      minLength: 1,
      maxLength: 255,
      default: 'keywatch',
      description:
        'Consumer group: instances with the same group share the partitions (env KEYWATCH_KAFKA_GROUP_ID).',
    }),
    clientId: Type.String({
      minLength: 1,
      maxLength: 255,
      default: 'keywatch',
      description: 'Client id shown in broker logs and quotas (env KEYWATCH_KAFKA_CLIENT_ID).',
    }),
    format: Type.Union(
      [
        Type.Literal('inherit'),
        Type.Literal('canonical'),
        Type.Literal('webex-audit'),
        Type.Literal('mapped'),
      ],
      {
        default: 'inherit',
        description:
          'Input format of the messages; inherit uses events.format. One pipeline parses every source, so a value here applies to POST /v1/events too.',
      },
    ),
    fromBeginning: Type.Boolean({
      default: true,
      description:
        'Where a new consumer group starts: the oldest retained message (true) or the next new one (false). Later starts resume from the stored offsets (env KEYWATCH_KAFKA_FROM_BEGINNING).',
    }),
    partitionedByKeyId: Type.Boolean({
      default: true,
      description:
        'Messages are keyed (partitioned) by keyId, so each key lives in one partition: required to run several instances. Set false for input partitioned otherwise (one instance only).',
    }),
    deadLetterTopic: Type.String({
      maxLength: 249,
      default: '{topic}.dlq',
      description:
        'Where rejected messages go, with headers giving the reason and origin; {topic} is the source topic. Empty: rejected messages are only counted and logged.',
    }),
    deadLetterMaxValueBytes: Type.Integer({
      minimum: 1024,
      maximum: 104_857_600,
      default: 900_000,
      description:
        'A rejected message larger than this is dead-lettered cut to this size (header keywatch-original-bytes), so it fits the broker limit of the dead-letter topic.',
    }),
    batchSize: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 1000,
      description: 'Most messages handed to the engine at once (their alerts are stored in one transaction).',
    }),
    maxBufferedMessages: Type.Integer({
      minimum: 1000,
      maximum: 10_000_000,
      default: 60_000,
      description:
        'Fetched messages waiting to be processed, over all partitions; a partition with its share waiting is not fetched until half of it is processed.',
    }),
    alignWindowMs: Type.Integer({
      minimum: 0,
      maximum: 86_400_000,
      default: 3_600_000,
      description:
        'Partitions are processed in the order of their record timestamps (event time, when producers set it), give or take this much, so that a backlog is not learned one partition days ahead of another (larger: longer runs, less exact). 0 processes batches as they arrive.',
    }),
    alignWaitMs: Milliseconds(
      1000,
      0,
      'How long processing waits for a partition that is behind but has delivered nothing yet, before going on without it.',
    ),
    minBytes: Type.Integer({
      minimum: 1,
      maximum: 104_857_600,
      default: 1,
      description: 'A fetch waits (up to maxWaitTimeMs) until this many bytes are available.',
    }),
    maxBytes: Type.Integer({
      minimum: 1024,
      maximum: 1_073_741_824,
      default: 10_485_760,
      description: 'Most bytes fetched at once over all partitions.',
    }),
    maxBytesPerPartition: Type.Integer({
      minimum: 1024,
      maximum: 1_073_741_824,
      default: 1_048_576,
      description: 'Most bytes fetched at once per partition (a larger single message is still delivered).',
    }),
    maxWaitTimeMs: Milliseconds(
      100,
      0,
      'How long the broker may hold a fetch waiting for minBytes (also the pause between fetches while every partition is paused).',
    ),
    sessionTimeoutMs: Milliseconds(
      30_000,
      1000,
      'A member silent for this long is dropped from the group and its partitions move to the others.',
    ),
    rebalanceTimeoutMs: Milliseconds(60_000, 1000, 'How long members have to rejoin during a rebalance.'),
    heartbeatIntervalMs: Milliseconds(
      3000,
      100,
      'Heartbeat period (about a third of sessionTimeoutMs); heartbeats also go out between batches.',
    ),
    offsetCommitIntervalMs: Milliseconds(
      2000,
      100,
      "How often the offsets stored with the key states are copied to Kafka's committed offsets (for lag monitoring; Keywatch resumes from its store).",
    ),
    connectionTimeoutMs: Milliseconds(3000, 100, 'Time to establish a broker connection.'),
    requestTimeoutMs: Milliseconds(30_000, 100, 'Time a broker has to answer a request.'),
    retry: KafkaRetryConfig,
    pause: KafkaPauseConfig,
    ssl: KafkaSslConfig,
    sasl: KafkaSaslConfig,
  },
  { default: {}, additionalProperties: false },
);
export type KafkaConfig = Static<typeof KafkaConfig>;

function list(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

function flag(name: string, value: string): boolean {
  const normalized = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(normalized)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(normalized)) return false;
  throw new KeywatchError('KW_ERR_CONFIG_INVALID', `Invalid configuration: ${name} must be true or false`, {
    setting: name,
  });
}

/**
 * The `kafka` settings that the environment overrides, as config overrides (env wins over the file):
 * KEYWATCH_KAFKA_BROKERS, _TOPICS (comma-separated), _GROUP_ID, _CLIENT_ID, _FROM_BEGINNING, _SSL,
 * _SASL_MECHANISM, _SASL_USERNAME, _SASL_PASSWORD. Values are validated with the rest of the config.
 *
 * @example
 * kafkaOverridesFromEnv({ KEYWATCH_KAFKA_BROKERS: 'k1:9092,k2:9092' })
 * // { kafka: { brokers: ['k1:9092', 'k2:9092'] } }
 */
export function kafkaOverridesFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const kafka: Record<string, unknown> = {};
  const sasl: Record<string, unknown> = {};
  const present = (name: string) => env[name] !== undefined && env[name] !== '';
  if (present('KEYWATCH_KAFKA_BROKERS')) kafka.brokers = list(env.KEYWATCH_KAFKA_BROKERS!);
  if (present('KEYWATCH_KAFKA_TOPICS')) kafka.topics = list(env.KEYWATCH_KAFKA_TOPICS!);
  if (present('KEYWATCH_KAFKA_GROUP_ID')) kafka.groupId = env.KEYWATCH_KAFKA_GROUP_ID;
  if (present('KEYWATCH_KAFKA_CLIENT_ID')) kafka.clientId = env.KEYWATCH_KAFKA_CLIENT_ID;
  if (present('KEYWATCH_KAFKA_FROM_BEGINNING'))
    kafka.fromBeginning = flag('KEYWATCH_KAFKA_FROM_BEGINNING', env.KEYWATCH_KAFKA_FROM_BEGINNING!);
  if (present('KEYWATCH_KAFKA_SSL'))
    kafka.ssl = { enabled: flag('KEYWATCH_KAFKA_SSL', env.KEYWATCH_KAFKA_SSL!) };
  if (present('KEYWATCH_KAFKA_SASL_MECHANISM'))
    sasl.mechanism = env.KEYWATCH_KAFKA_SASL_MECHANISM!.trim().toLowerCase();
  if (present('KEYWATCH_KAFKA_SASL_USERNAME')) sasl.username = env.KEYWATCH_KAFKA_SASL_USERNAME;
  if (present('KEYWATCH_KAFKA_SASL_PASSWORD')) sasl.password = env.KEYWATCH_KAFKA_SASL_PASSWORD;
  if (Object.keys(sasl).length > 0) kafka.sasl = sasl;
  return Object.keys(kafka).length > 0 ? { kafka } : {};
}

/** The settings as they may appear in a log line: the SASL password replaced. */
export function describeKafkaConfig(config: KafkaConfig): Record<string, unknown> {
  return {
    brokers: config.brokers,
    topics: config.topics,
    groupId: config.groupId,
    clientId: config.clientId,
    fromBeginning: config.fromBeginning,
    ssl: config.ssl.enabled,
    sasl: config.sasl.mechanism === 'none' ? 'none' : `${config.sasl.mechanism} as ${config.sasl.username}`,
    deadLetterTopic: config.deadLetterTopic || '(off)',
  };
}

/** The dead-letter topic of one source topic, or undefined when dead-lettering is off. */
export function deadLetterTopicOf(template: string, topic: string): string | undefined {
  return template === '' ? undefined : template.replaceAll('{topic}', topic);
}

/**
 * The configuration the runtime should run with: `events.format` replaced by `kafka.format` when
 * Kafka is on and sets one (one pipeline parses every source).
 */
export function withKafkaFormat<T extends { kafka: KafkaConfig; events: { format: string } }>(config: T): T {
  const format = config.kafka.format;
  if (config.kafka.brokers.length === 0 || format === 'inherit' || format === config.events.format)
    return config;
  return { ...config, events: { ...config.events, format } };
}
