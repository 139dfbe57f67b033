import type { Random } from './random.js';

/** A Webex REST operation as scenarios use it, with the typical size of its response. */
export interface Endpoint {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path with `{TYPE}` where a Webex id of that resource type goes. */
  template: string;
  /** Median response size in bytes. */
  bytesOut: number;
  /** Median request body size in bytes (0 for none). */
  bytesIn: number;
  /** Status of a successful call. */
  okStatus: number;
}

const endpoint = (
  name: string,
  method: Endpoint['method'],
  template: string,
  bytesOut: number,
  bytesIn = 0,
  okStatus = 200,
): Endpoint => ({ name, method, template, bytesOut, bytesIn, okStatus });

/** The operations of the Webex API the scenarios draw from, by name. */
export const ENDPOINTS = {
  listMessages: endpoint('listMessages', 'GET', '/v1/messages', 14_000),
  getMessage: endpoint('getMessage', 'GET', '/v1/messages/{MESSAGE}', 1_800),
  createMessage: endpoint('createMessage', 'POST', '/v1/messages', 1_500, 900),
  deleteMessage: endpoint('deleteMessage', 'DELETE', '/v1/messages/{MESSAGE}', 0, 0, 204),
  listRooms: endpoint('listRooms', 'GET', '/v1/rooms', 9_000),
  getRoom: endpoint('getRoom', 'GET', '/v1/rooms/{ROOM}', 1_100),
  listMemberships: endpoint('listMemberships', 'GET', '/v1/memberships', 6_500),
  createMembership: endpoint('createMembership', 'POST', '/v1/memberships', 900, 300),
  me: endpoint('me', 'GET', '/v1/people/me', 1_200),
  getPerson: endpoint('getPerson', 'GET', '/v1/people/{PEOPLE}', 1_300),
  listPeople: endpoint('listPeople', 'GET', '/v1/people', 4_000),
  getContent: endpoint('getContent', 'GET', '/v1/contents/{CONTENT}', 350_000),
  listTeams: endpoint('listTeams', 'GET', '/v1/teams', 2_500),
  listWebhooks: endpoint('listWebhooks', 'GET', '/v1/webhooks', 2_800),
  listMeetings: endpoint('listMeetings', 'GET', '/v1/meetings', 9_500),
  getMeeting: endpoint('getMeeting', 'GET', '/v1/meetings/{MEETING}', 2_400),
  listRecordings: endpoint('listRecordings', 'GET', '/v1/recordings', 7_000),
  getRecording: endpoint('getRecording', 'GET', '/v1/recordings/{RECORDING}', 4_800),
  attachmentAction: endpoint('attachmentAction', 'POST', '/v1/attachment/actions', 1_000, 1_800),
  listOrganizations: endpoint('listOrganizations', 'GET', '/v1/organizations', 1_600),
  listLicenses: endpoint('listLicenses', 'GET', '/v1/licenses', 3_200),
  listRoles: endpoint('listRoles', 'GET', '/v1/roles', 2_200),
  listDevices: endpoint('listDevices', 'GET', '/v1/devices', 5_400),
  listEvents: endpoint('listEvents', 'GET', '/v1/events', 12_000),
} satisfies Record<string, Endpoint>;

export type EndpointName = keyof typeof ENDPOINTS;

/** List endpoints an attacker walks to learn what a key can reach. */
export const RECON_ENDPOINTS: readonly Endpoint[] = [
  ENDPOINTS.me,
  ENDPOINTS.listRooms,
  ENDPOINTS.listTeams,
  ENDPOINTS.listWebhooks,
  ENDPOINTS.listPeople,
  ENDPOINTS.listOrganizations,
  ENDPOINTS.listLicenses,
  ENDPOINTS.listRoles,
  ENDPOINTS.listDevices,
  ENDPOINTS.listEvents,
  ENDPOINTS.listMemberships,
  ENDPOINTS.listRecordings,
];

/** Endpoints that return message and file content: what exfiltration pulls. */
export const BULK_ENDPOINTS: readonly Endpoint[] = [
  ENDPOINTS.getMessage,
  ENDPOINTS.getContent,
  ENDPOINTS.listMessages,
];

const UUID_ALPHABET = '0123456789abcdef';

/**
 * A Webex-style resource id: base64 of `ciscospark://us/TYPE/uuid` without padding, e.g.
 * `Y2lzY29zcGFyazovL3VzL01FU1NBR0UvM2Q…`.
 */
export function webexId(type: string, rng: Random): string {
  let uuid = '';
  for (let i = 0; i < 32; i++) {
    if (i === 8 || i === 12 || i === 16 || i === 20) uuid += '-';
    uuid += UUID_ALPHABET[Math.floor(rng.next() * 16)];
  }
  return Buffer.from(`ciscospark://us/${type}/${uuid}`).toString('base64').replace(/=+$/, '');
}

/** Fills the `{TYPE}` placeholder of an endpoint with a fresh or pooled id. */
export function endpointPath(
  target: Endpoint,
  rng: Random,
  pooledIds?: Record<string, readonly string[]>,
): string {
  const open = target.template.indexOf('{');
  if (open < 0) return target.template;
  const type = target.template.slice(open + 1, -1);
  const pool = pooledIds?.[type];
  const id = pool && pool.length > 0 ? rng.pick(pool) : webexId(type, rng);
  return target.template.slice(0, open) + id;
}

/** User agents of integrations, apps and scripts, by the kind of client. */
export const USER_AGENTS = {
  bot: [
    'acme-sync/2.4.1 node/20.11.1',
    'ticket-bridge/1.9.0 (+https://example.com/bot) Go-http-client/2.0',
    'webex-node-bot-framework/2.5.1 node/18.19.0',
    'alertmanager-webex/0.27.0',
    'jira-webex-connector/3.2.7 Java/17.0.9',
    'okhttp/4.12.0',
    'pagerduty-webex/1.4.2 python/3.11',
  ],
  office: [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0',
    'RoomPlanner/3.2.0 (Windows NT 10.0; x64) Electron/29.4.0',
    'HelpdeskDesk/5.1.4 (Macintosh; macOS 14.5) Electron/30.0.1',
  ],
  batch: [
    'python-requests/2.31.0',
    'archiver/1.3.2 python-httpx/0.27.0',
    'curl/7.88.1',
    'compliance-export/4.0.1 Java/21.0.3',
  ],
  global: [
    'SalesHub/5.1.0 (iPhone; iOS 17.5; Scale/3.00)',
    'SalesHub/5.1.0 (Android 14; Pixel 8)',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0 Safari/537.36 SalesHubWeb/5.1',
  ],
  attacker: [
    'curl/8.7.1',
    'python-requests/2.32.3',
    'Go-http-client/1.1',
    'PostmanRuntime/7.39.0',
    'Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0',
    'aiohttp/3.9.5 Python/3.12',
  ],
} as const;
