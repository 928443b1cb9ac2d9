#!/usr/bin/env bash
# A short run of every benchmark, so that they cannot rot: tiny counts, no assertion on
# timings; fails if a benchmark crashes or does not print one valid JSON object.
# Needs what the benchmarks need: a built checkout (npm ci), the test cluster running
# (scripts/galera-cluster.sh start, which also installs valgrind for bench:instructions), and
# for bench:serve wrk (installed if missing).
set -uo pipefail
cd "$(dirname "$0")/.."
failed=0
run() { # run NAME NPM-SCRIPT ARGS...
  local name="$1" script="$2"; shift 2
  local out
  echo "--- bench smoke: $name"
  if ! out="$(npm run --silent "$script" -- "$@")"; then
    echo "bench smoke: $name failed"; failed=$((failed + 1)); return
  fi
  if ! printf '%s' "$out" | node -e '
    let t = ""; process.stdin.on("data", (d) => (t += d)).on("end", () => {
      const r = JSON.parse(t);
      if (typeof r !== "object" || r === null) throw new Error("not an object");
      console.log(JSON.stringify(r.targets ?? r.results ?? {}));
    });'; then
    echo "bench smoke: $name printed no valid JSON:"; printf '%s\n' "$out" | head -20; failed=$((failed + 1))
  fi
}
run startup bench:startup --runs 2 --warmup 0
run snapshot bench:snapshot --runs 2 --warmup 0
run cli bench:cli --runs 2 --warmup 0
run library bench:library --count 50 --rounds 1
run ab-cli bench:ab-cli 1 "version=node bin/galera-probe --version" "help=node bin/galera-probe --help"
run instructions bench:instructions --runs 1 --skip-cluster
run deadlines bench:deadlines --count 5 --limit 50 --concurrency 5
run leaks bench:leaks --count 200 --limit 10 --concurrency 20
run serve-memory bench:serve-memory --seconds 5 --sample 1 --rate 10
run serve bench:serve --duration 1 --rounds 1
run exporter bench:exporter --targets 20 --interval 1 --seconds 2
run attacks bench:attacks --seconds 1 --rounds 1
echo "bench smoke: $failed failed"
[ "$failed" -eq 0 ]
