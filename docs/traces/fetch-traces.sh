#!/usr/bin/env bash
# Fetches the full public traces behind the committed excerpts (docs/traces/README.md) into artifacts/traces.
#   docs/traces/fetch-traces.sh          the two full NAB series (MIT)
#   docs/traces/fetch-traces.sh --nasa   also the NASA-HTTP July 1995 log, aggregated to requests per minute
# Needs internet access (not available on the build machine this was written on; it has not been run there).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=artifacts/traces
mkdir -p "$out"
nab=https://raw.githubusercontent.com/numenta/NAB/ea702d75cc2258d9d7dd35ca8e5e2539d71f3140/data
curl -fsSL "$nab/realAWSCloudwatch/elb_request_count_8c0756.csv" -o "$out/nab-elb-request-count-8c0756.csv"
curl -fsSL "$nab/realTweets/Twitter_volume_AMZN.csv" -o "$out/nab-twitter-volume-amzn.csv"
echo "fetched: $out/nab-elb-request-count-8c0756.csv $out/nab-twitter-volume-amzn.csv"

if [[ "${1:-}" == "--nasa" ]]; then
  # One line per request: host - - [01/Jul/1995:00:00:01 -0400] "GET ..." 200 6245 ; count per minute.
  curl -fsSL https://ita.ee.lbl.gov/traces/NASA_access_log_Jul95.gz -o "$out/NASA_access_log_Jul95.gz"
  gzip -dc "$out/NASA_access_log_Jul95.gz" | LC_ALL=C awk '
    BEGIN { split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec", m, " "); for (i = 1; i <= 12; i++) mon[m[i]] = sprintf("%02d", i) }
    match($0, /\[[0-9]+\/[A-Za-z]+\/[0-9]+:[0-9]+:[0-9]+/) {
      s = substr($0, RSTART + 1, RLENGTH - 1); split(s, p, /[\/:]/)
      key = p[3] "-" mon[p[2]] "-" p[1] " " p[4] ":" p[5] ":00"; n[key]++ }
    END { for (k in n) print k "," n[k] }' | sort > "$out/nasa-jul95-per-minute.body"
  { echo "timestamp,value"; cat "$out/nasa-jul95-per-minute.body"; } > "$out/nasa-jul95-per-minute.csv"
  rm "$out/nasa-jul95-per-minute.body"
  echo "aggregated: $out/nasa-jul95-per-minute.csv (a minute without a request is absent: load it with RateTrace.Load(..., GapFill.Zero))"
fi
