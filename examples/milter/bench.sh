#!/bin/sh
# bench.sh: messages per second through Postfix -> milter -> maildir
# delivery, side by side: no milter (the ceiling), this milter with every
# check off ("null": the milter protocol's cost plus this milter's fixed
# work, its message copy and four header fields), this milter with every
# check on, and rspamd's milter (rspamd_proxy milter = yes) with comparable
# modules, on the same Postfix, the same local DNS zones and the same
# message stream (the SpamAssassin corpus at ../corpus/spamassassin,
# fetched by scripts/fetch-corpus, or a generated mix without it).
#
# Usage (as root: Postfix's master must start as root):
#   examples/milter/bench.sh [MESSAGES [CONCURRENCY]]     default 2000 20
#
# Needs: postfix, rspamd and redis-server (Debian packages; without rspamd
# its row is skipped with the reason). Runs the throughput benchmark at
# CONCURRENCY clients, then the spamkit milter alone at 200 concurrent
# clients for its memory (rss-MiB: peak resident set, VmHWM). Prints
# uptime beside the figures: wall-clock rates on a loaded machine are
# marked (loaded); filter-cpu-ms/msg (the filter's CPU time per message)
# is the figure a loaded machine distorts least.
#
# rspamd runs with its modules that have no counterpart in the milter off
# (SPAMKIT_BENCH_RSPAMD_MIN=1, comparable work: SPF, DKIM, DMARC, ARC,
# RBL/URIBL, Bayes); SPAMKIT_BENCH_RSPAMD_MIN= (empty) runs its stock rules.
set -eu
export SPAMKIT_BENCH_RSPAMD_MIN="${SPAMKIT_BENCH_RSPAMD_MIN-1}"
cd "$(dirname "$0")"
n=${1:-2000}
conc=${2:-20}
export PATH=/usr/local/go/bin:$PATH
echo "== $(date -u '+%F %T UTC'); uptime:$(uptime); SPAMKIT_BENCH_RSPAMD_MIN=$SPAMKIT_BENCH_RSPAMD_MIN"
SPAMKIT_BENCH_CONC=$conc go test -run '^$' -bench 'BenchmarkPostfix$' -benchtime "${n}x" -timeout 60m .
echo "== uptime:$(uptime)"
echo "== memory under 200 concurrent sessions"
SPAMKIT_BENCH_CONC=200 go test -run '^$' -bench 'BenchmarkPostfix/spamkit$' -benchtime "${n}x" -timeout 60m .
echo "== uptime:$(uptime)"
