# The chat API. Build from the repository root:  docker build -t chat-api .
# Runs the TypeScript sources with tsx (no build step, the same code the tests run).

FROM node:20-bookworm-slim AS deps
WORKDIR /app
# better-sqlite3 is native: its prebuilt binary is used when available, these tools
# compile it when not (@node-rs/argon2 ships prebuilt binaries per platform).
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
# Manifests first so the dependency layer is cached across source changes. The desktop
# manifest is needed for the lockfile to match, but its dependencies are not installed.
COPY package.json package-lock.json ./
COPY protocol/package.json protocol/
COPY api/package.json api/
COPY desktop/package.json desktop/
RUN npm ci --omit=dev --workspace api --workspace protocol --include-workspace-root=false \
  && npm cache clean --force \
  && mkdir -p api/node_modules protocol/node_modules

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  PORT=4000 \
  DATABASE_URL=sqlite:/data/chat.sqlite
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/api/node_modules ./api/node_modules
COPY --from=deps /app/protocol/node_modules ./protocol/node_modules
COPY package.json ./
COPY protocol/package.json protocol/
COPY protocol/src protocol/src
COPY api/package.json api/
COPY api/src api/src
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node directly (not npm) so SIGTERM from `docker stop` reaches the API's graceful shutdown.
CMD ["node", "--import", "tsx", "api/src/main.ts"]
