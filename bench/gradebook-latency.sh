#!/usr/bin/env bash
# Gradebook latency (issue 9): the instructor's gradebook page and its JSON API for a synthetic class, measured with
# wrk on loopback after a warm-up. Prints p50/p95/p99 and requests per second for each.
#   bash bench/gradebook-latency.sh [students=500] [seconds=30] [connections=4]
set -euo pipefail
students=${1:-500}
seconds=${2:-30}
connections=${3:-4}
port=${GRADER_BENCH_PORT:-5187}
folder=${GRADER_BENCH_FOLDER:-/tmp/grader-gradebook-bench}
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

# A load tool from outside the project: wrk from Debian when it can be had, else autocannon from npm; the bench
# project's own closed-loop generator (LoadGenerator.cs) when neither can be installed.
if ! command -v wrk >/dev/null; then
  apt-get install -y -qq wrk >/dev/null 2>&1 || echo "wrk could not be installed; trying autocannon (npm)" >&2
fi
if ! command -v wrk >/dev/null && ! command -v autocannon >/dev/null; then
  npm install -g autocannon >/dev/null 2>&1 || echo "autocannon could not be installed either; using grader-bench-web load" >&2
fi

dotnet build -c Release -v quiet -nologo bench/Grader.Bench.Web >/dev/null
dotnet bench/Grader.Bench.Web/bin/Release/net10.0/grader-bench-web.dll --students "$students" --folder "$folder"

# After every deadline of the term, so every grade is final and nothing is provisional.
Course__Root="$folder/course" Course__DataFolder="$folder/data" Course__SeedDemo=false Course__Now=2023-06-01T12:00:00Z \
  ASPNETCORE_URLS="http://127.0.0.1:$port" Logging__LogLevel__Default=Warning \
  dotnet src/Grader.Web/bin/Release/net10.0/Grader.Web.dll >"$folder/web.log" 2>&1 &
web=$!
trap 'kill $web 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fs -o /dev/null "http://127.0.0.1:$port/Account/Login" && break
  sleep 0.5
done

jar="$folder/cookies.txt"
token=$(curl -fs -c "$jar" "http://127.0.0.1:$port/Account/Login" | grep -o 'name="__RequestVerificationToken" type="hidden" value="[^"]*"' | sed 's/.*value="//; s/"$//')
curl -fs -b "$jar" -c "$jar" -o /dev/null \
  --data-urlencode "UserName=bench-instructor" --data-urlencode "Password=Bench-instructor-1" \
  --data-urlencode "__RequestVerificationToken=$token" "http://127.0.0.1:$port/Account/Login"
cookie=$(awk '$6 == "grader.auth" { print $6 "=" $7 }' "$jar")
[ -n "$cookie" ] || { echo "sign-in failed; see $folder/web.log" >&2; exit 1; }

cat >"$folder/percentiles.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("  p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms; %d requests, %.1f/s, %d errors\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests, summary.requests / (summary.duration / 1e6),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA

for path in /Instructor/Gradebook /api/gradebook; do
  status=$(curl -s -o "$folder/body" -w '%{http_code}' -H "Cookie: $cookie" "http://127.0.0.1:$port$path")
  [ "$status" = 200 ] || { echo "$path answered $status" >&2; exit 1; }
  echo "$path ($(wc -c <"$folder/body") bytes), $students students x $(grep -c '^  - assignment:' "$folder/course/assignments/course.yaml") components:"
  if command -v wrk >/dev/null; then
    wrk -t1 -c"$connections" -d10s -H "Cookie: $cookie" "http://127.0.0.1:$port$path" >/dev/null   # warm-up
    wrk -t1 -c"$connections" -d"${seconds}s" --timeout 10s -s "$folder/percentiles.lua" -H "Cookie: $cookie" "http://127.0.0.1:$port$path" | tail -1
  elif command -v autocannon >/dev/null; then
    # autocannon reports p90 and p97.5, not p95: p97.5 under the target puts p95 under it too.
    autocannon -c "$connections" -d 10 -H "Cookie=$cookie" "http://127.0.0.1:$port$path" >/dev/null 2>&1   # warm-up
    autocannon -c "$connections" -d "$seconds" -j -H "Cookie=$cookie" "http://127.0.0.1:$port$path" 2>/dev/null | node -e '
      let s = ""; process.stdin.on("data", d => s += d).on("end", () => { const r = JSON.parse(s), l = r.latency;
        console.log(`  p50 ${l.p50} ms, p90 ${l.p90} ms, p97.5 ${l.p97_5} ms, p99 ${l.p99} ms, max ${l.max} ms; ${r.requests.total} requests, ${r.requests.average}/s, ${r.errors + r.non2xx} errors (autocannon, 1 ms resolution)`); });'
  else
    dotnet bench/Grader.Bench.Web/bin/Release/net10.0/grader-bench-web.dll load "http://127.0.0.1:$port$path" \
      --cookie "$cookie" --connections "$connections" --seconds "$seconds" --warmup 10
  fi
done
echo "web app working set: $(awk '/VmRSS/ { print $2 / 1024 " MB" }' /proc/$web/status)"
