#!/usr/bin/env bash
# The Dockerfile's steps without Docker (the project's machines have no Docker engine): its three stages in folders
# under OUT, with the same commands (test/api/image.test.ts checks that every RUN of the build and deps stages appears
# here word for word). Leaves OUT/runtime/app as the image's /app: node_modules (production only), dist/, package.json.
# The runtime stage's apt-get (Debian's ffmpeg, tini) is the machine's business here: FFMPEG_PATH=/usr/bin/ffmpeg.
#   scripts/image-steps.sh OUT
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "${1:?usage: image-steps.sh OUT}" && cd "$1" && pwd)"
rm -rf "$out/build" "$out/deps" "$out/runtime"

# Stage deps: production packages only, without the npm ffmpeg. It needs nothing of the build stage, so it runs beside
# it, as BuildKit runs independent stages.
(
  mkdir -p "$out/deps/app"
  cd "$out/deps/app"
  cp "$src/package.json" "$src/package-lock.json" .
  npm ci --omit=dev --no-audit --no-fund && rm -rf node_modules/@ffmpeg-installer
) &
deps=$!
trap 'kill "$deps" 2>/dev/null || true' EXIT

# Stage build: COPY package.json package-lock.json; RUN npm ci; COPY . . (minus .dockerignore); RUN npm run build
mkdir -p "$out/build/app"
cd "$out/build/app"
cp "$src/package.json" "$src/package-lock.json" .
npm ci --no-audit --no-fund
# COPY . .: the context as .dockerignore leaves it (patterns anchored at the context's root, as Docker reads them).
grep -v '^\s*#' "$src/.dockerignore" | grep -v '^\s*$' | grep -v '^!' | sed 's#^#./#' > "$out/dockerignore.tar"
tar -C "$src" --anchored --exclude-from="$out/dockerignore.tar" -cf - . | tar -xf -
npm run build

wait "$deps"

# Stage runtime: COPY --from=deps node_modules, --from=build dist, package.json.
mkdir -p "$out/runtime/app"
cd "$out/runtime/app"
cp -a "$out/deps/app/node_modules" ./node_modules
cp -a "$out/build/app/dist" ./dist
cp "$src/package.json" .
echo "image-steps: $out/runtime/app (node dist/server.mjs)"
