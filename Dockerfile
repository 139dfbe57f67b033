# syntax=docker/dockerfile:1.7
# Keywatch: build stage compiles TypeScript; the runtime stage holds production dependencies only.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles when no prebuilt binary matches: keep the toolchain in the build stage only.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY detectors ./detectors
COPY config ./config
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    KEYWATCH_PORT=8080 \
    KEYWATCH_DATABASE_URL=sqlite:/var/lib/keywatch/keywatch.db
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/config ./config
RUN groupadd --system --gid 10001 keywatch \
 && useradd --system --uid 10001 --gid keywatch --home-dir /nonexistent --shell /usr/sbin/nologin keywatch \
 && mkdir -p /var/lib/keywatch \
 && chown keywatch:keywatch /var/lib/keywatch
USER keywatch:keywatch
VOLUME ["/var/lib/keywatch"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.KEYWATCH_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["serve"]
