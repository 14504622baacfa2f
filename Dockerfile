# The chat API. Build from the repository root:  docker build -t chat-api .
# Production runs the compiled bundle (`npm run build -w @chat/api` → api/dist/main.js)
# with plain node: no TypeScript loader at run time.

FROM node:24-slim AS base
WORKDIR /app
# better-sqlite3 is native: its prebuilt binary is used when available, these tools
# compile it when not (@node-rs/argon2 ships prebuilt binaries per platform).
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
# Manifests first so the dependency layers are cached across source changes. The desktop
# manifest is needed for the lockfile to match, but its dependencies are not installed.
COPY package.json package-lock.json ./
COPY protocol/package.json protocol/
COPY api/package.json api/
COPY desktop/package.json desktop/

# Build: the API's and the contract's sources bundled into api/dist.
FROM base AS build
RUN npm ci --workspace api --workspace protocol --include-workspace-root=false
COPY protocol/src protocol/src
COPY api/src api/src
COPY api/scripts api/scripts
RUN npm run build -w @chat/api

# Runtime dependencies only.
FROM base AS deps
RUN npm ci --omit=dev --workspace api --workspace protocol --include-workspace-root=false \
  && npm cache clean --force \
  && mkdir -p api/node_modules

# chrt (util-linux, Essential in Debian, so in every node:*-slim) starts the image processes
# under SCHED_IDLE; without it they run at a nice value only (api/src/uploads/images.ts).
FROM node:24-slim
ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  PORT=4000 \
  DATABASE_URL=sqlite:/data/chat.sqlite
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/api/node_modules ./api/node_modules
COPY package.json ./
COPY api/package.json api/
COPY --from=build /app/api/dist api/dist
COPY api/scripts/backup.mjs api/scripts/backup.mjs
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4000
# Ready, not just alive: the store (and Redis, when configured) answer.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/api/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node directly (not npm) so SIGTERM from `docker stop` reaches the API's graceful shutdown.
WORKDIR /app/api
CMD ["node", "--enable-source-maps", "dist/main.js"]
