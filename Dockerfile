# syntax=docker/dockerfile:1
# CPU image (default):  docker build -t face-recognition .
# GPU image (CUDA 12):  docker build -t face-recognition:gpu \
#                         --build-arg ONNXRUNTIME_NODE_INSTALL=cuda12 \
#                         --build-arg RUNTIME_IMAGE=nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04 .
ARG NODE_IMAGE=node:20-bookworm-slim
ARG RUNTIME_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The node:20 image ships npm 10, which ignores package.json's allowScripts (adr/0002): npm 11 it is.
ARG NPM_VERSION=11.19.1
RUN npm install -g "npm@${NPM_VERSION}" --no-audit --no-fund
# skip (CPU image) or cuda12 (GPU image): onnxruntime-node's CUDA execution provider binaries.
ARG ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
COPY scripts ./scripts
# Installs dependencies and provisions models/ and samples/ from the npm registry; no dependency
# install script runs (package.json allowScripts).
RUN npm ci --no-audit --no-fund
# GPU image: onnxruntime-node's own install script fetches the CUDA binaries (from NuGet, not npm).
RUN if [ "$ONNXRUNTIME_NODE_INSTALL" != skip ]; then \
      ONNXRUNTIME_NODE_INSTALL="$ONNXRUNTIME_NODE_INSTALL" node node_modules/onnxruntime-node/script/install; \
    fi
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${RUNTIME_IMAGE} AS runtime
# jemalloc instead of glibc's malloc: RSS stays at its first high-water mark instead of climbing with bursts (adr/0010).
RUN apt-get update \
  && apt-get install -y --no-install-recommends libjemalloc2 \
  && rm -rf /var/lib/apt/lists/*
# The CUDA base image has no Node.js: bring the build stage's.
COPY --from=build /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
ENV NODE_ENV=production \
    HTTP_PORT=8003
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/models ./models
COPY --from=build /app/samples ./samples
COPY bin ./bin
USER 1000:1000
EXPOSE 8003
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8003/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The same start command as outside a container (npm start = build + this).
CMD ["bin/with-jemalloc", "node", "dist/main.js"]
