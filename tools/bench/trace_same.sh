#!/bin/sh
# trace_same.sh — does a faster `medel trace` still give the same bytes?
# Runs `medel trace` of each GRANT with the OLD and the NEW medel on the
# same ledger, in every format (tree, json, csv, svg, dot), at each date
# of $DATES (default: today and seven dates from 2000 to 2030), with and
# without --posts, and compares output and exit status byte for byte.
#
#   tools/bench/trace_same.sh OLD_MEDEL NEW_MEDEL DB GRANT...
#
# TRACE_SAME_OLD_DB=DIR gives OLD_MEDEL a copy of its own (made before
# NEW_MEDEL first opened DB) when OLD_MEDEL reads an older ledger format:
# NEW_MEDEL migrates what it opens, and an older medel refuses a newer
# format.
#
# Prints one line per difference and a summary; exits 1 on any.
# bench_trace.sh runs it on its ledger when given a baseline build; for
# the worked examples: medel --db DIR append docs/examples/*.jsonl, then
# every grant id of docs/examples.
set -u
[ $# -ge 4 ] || { echo "usage: trace_same.sh OLD NEW DB GRANT..." >&2; exit 2; }
OLD=$1 NEW=$2 DB=$3
OLD_DB=${TRACE_SAME_OLD_DB:-$DB}
shift 3
DATES=${DATES:-"today 2000-01-01 2012-06-30 2014-12-31 2020-06-30 2021-04-01 2022-06-01 2030-01-01"}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/medel-tracesame-XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
n=0 bad=0
for g in "$@"; do
	for d in $DATES; do
		for posts in "" --posts; do
			for f in tree json csv svg dot; do
				set -- trace "$g" --format "$f" $posts
				[ "$d" = today ] || set -- "$@" --as-of "$d"
				"$OLD" --db "$OLD_DB" "$@" >"$TMP/old" 2>&1
				ro=$?
				"$NEW" --db "$DB" "$@" >"$TMP/new" 2>&1
				rn=$?
				n=$((n + 1))
				if [ $ro != $rn ] || ! cmp -s "$TMP/old" "$TMP/new"; then
					echo "differs: medel $*"
					bad=$((bad + 1))
				fi
			done
		done
	done
done
echo "trace_same: $n traces compared, $bad differ"
[ $bad = 0 ]
