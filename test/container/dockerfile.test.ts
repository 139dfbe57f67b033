import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';

// No Docker engine runs where these tests run: the image cannot be built here. The Dockerfile is
// checked with the Docker language service's validator and for the properties the service relies on.
const dockerfile = readFileSync(join(import.meta.dirname, '..', '..', 'Dockerfile'), 'utf8');
const stages = dockerfile.split(/^FROM /m).slice(1);
const runtime = stages.at(-1) ?? '';

describe('Dockerfile', () => {
  it('has no problem the Dockerfile validator finds', () => {
    const problems = validate(dockerfile).map(
      (problem) => `line ${problem.range.start.line + 1}: ${problem.message}`,
    );
    expect(problems).toEqual([]);
  });

  it('builds in one stage and runs from a slim stage with production dependencies only', () => {
    expect(stages).toHaveLength(2);
    expect(runtime).toMatch(/^node:20-bookworm-slim AS runtime/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(runtime).not.toMatch(/\bnpm (ci|install)\b/);
    expect(runtime).toMatch(/COPY --from=build .*\/app\/dist/);
  });

  it('runs keywatch serve as a non-root user with a health check, a data volume and settings from the environment', () => {
    expect(runtime).toMatch(/^USER keywatch:keywatch$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n\s+CMD .*\/healthz/m);
    expect(runtime).toMatch(/^VOLUME \["\/var\/lib\/keywatch"\]$/m);
    expect(runtime).toMatch(/KEYWATCH_DATABASE_URL=sqlite:\/var\/lib\/keywatch\/keywatch\.db/);
    expect(runtime).toMatch(/^CMD \["serve"\]$/m);
    expect(runtime).toMatch(/^STOPSIGNAL SIGTERM$/m);
  });
});
