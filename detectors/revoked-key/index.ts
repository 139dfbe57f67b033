import Type from 'typebox';
import type { DetectorDefinition } from '../types.js';

const configSchema = Type.Object(
  {
    score: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 1,
      description: 'Score of any use of a revoked key (1 = critical on its own).',
    }),
  },
  { additionalProperties: false },
);

/** How many uses of the revoked key were seen; 0 for a key in good standing. */
export interface RevokedKeyState {
  uses: number;
}

/**
 * `revoked-key`: once a key is revoked (`POST /v1/keys/:keyId/revoke` or `revoked: true` in a
 * policy), any use of it is a critical finding. This is also the honeytoken behaviour: a key that
 * was never meant to be used raises an alert the first time someone tries it.
 */
export const revokedKey: DetectorDefinition<RevokedKeyState | null, typeof configSchema> = {
  id: 'revoked-key',
  version: 1,
  title: 'Revoked key used',
  description: 'Any use of a key marked revoked (or a honeytoken) is critical.',
  configSchema,
  initialState: () => null,
  evaluate(event, state, config, ctx) {
    if (ctx.policy.revoked !== true) return { state };
    const uses = (state?.uses ?? 0) + 1;
    const where = [event.geo.city, event.geo.country].filter((part) => part !== null).join(', ');
    return {
      state: { uses },
      finding: {
        detector: 'revoked-key',
        score: config.score,
        subject: `ip:${event.ipNormalized}`,
        title: 'Revoked key used',
        explanation: `Key ${event.keyId} was revoked but was used from ${event.ipNormalized}${where ? ` (${where})` : ''}${event.path ? ` for ${event.method ?? ''} ${event.route ?? event.path}`.replace('  ', ' ') : ''}.`,
        evidence: {
          ip: event.ipNormalized,
          network: event.network,
          geo: event.geo,
          userAgent: event.userAgent ?? null,
          usesSinceRevocation: uses,
        },
      },
    };
  },
  describeState: (state) => ({ usesSinceRevocation: state?.uses ?? 0 }),
};
