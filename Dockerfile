# syntax=docker/dockerfile:1
#
# The Aftercall server as a container image, built from this repository:
#
#   docker build -t aftercall .
#   docker run -p 8787:8787 -v aftercall-data:/data aftercall
#
# Three stages: `pack` builds and packs the public packages exactly as they are published (npm pack
# runs each package's prepack), `install` installs those tarballs with production dependencies only
# (and the optional destination SDKs), and the final image holds Node.js and that installation: no
# repository, no dev dependencies, no compiler. It runs as an unprivileged user with its SQLite data in
# the /data volume (or PostgreSQL with DATABASE_URL), answers SIGTERM with a graceful shutdown, and
# reports its health from /readyz.
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS pack
WORKDIR /src
# Manifests first, so the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json ./
COPY packages/schema/package.json packages/schema/
COPY packages/api/package.json packages/api/
COPY packages/client/package.json packages/client/
COPY packages/widget/package.json packages/widget/
COPY packages/dashboard/package.json packages/dashboard/
COPY packages/server/package.json packages/server/
# Scripts off: packing builds TypeScript and the bundles; nothing native runs in this stage.
RUN PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN node scripts/pack-packages.mjs /tarballs

FROM node:${NODE_VERSION}-bookworm-slim AS install
# better-sqlite3 13 (what npm picks on Node 22 and 24) ships prebuilt binaries in its package; on Node 20
# npm picks 12.x, which compiles here (python3, make, g++).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/aftercall
COPY --from=pack /tarballs/*.tgz /tarballs/
RUN echo '{"name":"aftercall-image","private":true}' > package.json \
 && npm install --omit=dev --no-audit --no-fund --loglevel=warn /tarballs/*.tgz \
      @nats-io/transport-node@^3.3.1 @nats-io/jetstream@^3.3.1 @azure/storage-blob@^12.32.0 @aws-sdk/client-s3@^3.1173.0 \
 && node -e 'new (require("better-sqlite3"))(":memory:").close()'

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    AFTERCALL_HOST=0.0.0.0 \
    AFTERCALL_PORT=8787 \
    AFTERCALL_DATA_DIR=/data
RUN groupadd --gid 10001 aftercall \
 && useradd --uid 10001 --gid aftercall --home-dir /data --no-create-home --shell /usr/sbin/nologin aftercall \
 && mkdir -p /data \
 && chown aftercall:aftercall /data
COPY --from=install /opt/aftercall /opt/aftercall
RUN ln -s /opt/aftercall/node_modules/@aftercall/server/bin/aftercall.js /usr/local/bin/aftercall
USER aftercall:aftercall
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8787
# The server drains in-flight requests and commits on SIGTERM (10 s at most); give it that long.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.AFTERCALL_PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["aftercall"]
CMD ["serve"]
