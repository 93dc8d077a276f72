# Showcart server image: the esbuild bundle (dist/server.mjs + dist/web, built once here), production npm packages
# only, Debian's ffmpeg, running as the unprivileged `node` user. Not built on the project's machines (they have no
# Docker engine): CI lints this file and runs the same steps without Docker (scripts/image-steps.sh, test/api/image.test.ts).

# Stage 1: the build, with the dev dependencies (esbuild, tsx).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Stage 2: production dependencies only. The npm ffmpeg is left out: the image uses Debian's (FFMPEG_PATH below).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && rm -rf node_modules/@ffmpeg-installer

# Stage 3: what runs.
FROM node:20-bookworm-slim AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg tini \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /var/lib/showcart \
  && chown node:node /var/lib/showcart
ENV NODE_ENV=production \
  FFMPEG_PATH=/usr/bin/ffmpeg \
  DATA_DIR=/var/lib/showcart \
  HOST=0.0.0.0 \
  PORT=3000 \
  RTMP_PORT=1935 \
  DEMO=0
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
USER node
EXPOSE 3000 1935
VOLUME ["/var/lib/showcart"]
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini reaps the ffmpeg children and passes SIGTERM on: the server stops its transcoders and closes cleanly.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--enable-source-maps", "dist/server.mjs"]
