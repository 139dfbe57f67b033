import { KeywatchError } from '../errors.js';

/** Settings that the environment may override, as config overrides (env wins over the file). */
export function overridesFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const overrides: Record<string, Record<string, unknown>> = {};
  const set = (section: string, key: string, value: unknown) => {
    overrides[section] = { ...(overrides[section] ?? {}), [key]: value };
  };
  if (env.KEYWATCH_PORT !== undefined && env.KEYWATCH_PORT !== '') {
    const port = Number(env.KEYWATCH_PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new KeywatchError(
        'KW_ERR_CONFIG_INVALID',
        'Invalid configuration: KEYWATCH_PORT (server.port) must be an integer from 0 to 65535',
        { setting: 'KEYWATCH_PORT' },
      );
    }
    set('server', 'port', port);
  }
  if (env.KEYWATCH_HOST) set('server', 'host', env.KEYWATCH_HOST);
  if (env.KEYWATCH_DATABASE_URL) set('store', 'url', env.KEYWATCH_DATABASE_URL);
  if (env.KEYWATCH_WEBHOOKS_ALLOW_NETWORKS) {
    const networks = env.KEYWATCH_WEBHOOKS_ALLOW_NETWORKS.split(',')
      .map((network) => network.trim())
      .filter((network) => network !== '');
    set('webhooks', 'allowNetworks', networks);
  }
  if (env.KEYWATCH_TRUST_PROXY) {
    const proxies = env.KEYWATCH_TRUST_PROXY.split(',')
      .map((proxy) => proxy.trim())
      .filter((proxy) => proxy !== '');
    set('server', 'trustProxy', proxies);
  }
  if (env.KEYWATCH_WEBHOOK_SECRETS_KEY) set('webhooks', 'secretsKey', env.KEYWATCH_WEBHOOK_SECRETS_KEY);
  return overrides;
}
