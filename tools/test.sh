#!/usr/bin/env bash
# `make test`: every suite on SQLite, then the store, application and end-to-end suites again on
# a throwaway PostgreSQL cluster (unix socket only), which is stopped however the run ends.
set -uo pipefail
cd "$(dirname "$0")/.."
swift=${SWIFT:-swift}
export MSREVIEW_NOW=2026-11-25T12:00:00Z   # the pinned clock: no test depends on today's date
work=$(mktemp -d /tmp/msreview-test-XXXXXX)
chmod 755 "$work"
port=$((20000 + RANDOM % 20000))
stop() { tools/pg.sh stop "$work/pg" >/dev/null 2>&1; rm -rf "$work"; }
trap stop EXIT INT TERM

# The suites that run on both backends (the others test SQLite files, media and the decoder child).
both='MSRStoreTests.PostgresTests|MSRAppTests.(CLITests|StoreCopyTests|EvidenceTests|ReviewTests|ImportTests|FraudEngineTests|ReviewCLITests|ExportTests|AuditCLITests|ScorecardTests|RolesTests|CallbacksTests|AlertsTests|RetentionTests|PlayCLITests|TeamTests)|MSRWorkstationTests'

$swift build --build-tests || exit 1
echo "== all suites on SQLite"
$swift test --skip-build --disable-swift-testing || exit 1

echo "== store, application and end-to-end suites on PostgreSQL (cluster log: $work/pg/log)"
base=$(tools/pg.sh start "$work/pg" "$port") || exit 1
export MSREVIEW_TEST_PG="${base/\/msreview\?//postgres?}"
export MSREVIEW_TEST_BACKEND=postgres XDG_CACHE_HOME="$work/cache"
$swift test --skip-build --disable-swift-testing --filter "$both"
