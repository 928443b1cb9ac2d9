#!/bin/bash
# Instructions of one bench/library-worker.mjs run under callgrind, per thread, with V8's random hash-seed set-up
# (a randomized prime search, HashSeed::InitializeRoots) taken off the main thread's count.
#   MYSQL_PWD=... bench/profiling/cg.sh OUT IMPL COUNT CONCURRENCY   (IMPL galera-probe|floor; TLS; 127.0.0.1:3311 gp_native)
# Prints: main=<net main-thread Ir> workers=<Ir of all other threads> turbofan=<Ir under OptimizingCompileDispatcher::CompileTask>
# Per probe: run COUNT=200 and COUNT=400 and divide the difference by 200. Probes in flight under valgrind take
# seconds each; MariaDB's connect_timeout (10 s) resets galera-probe's connections at 16 and more at a time on a
# loaded machine, so 8 is the most that ran through here.
out=$1 impl=$2 count=$3 conc=$4
cd "$(dirname "$0")/../.."
env -i PATH=$PATH HOME=/nonexistent MYSQL_PWD=$MYSQL_PWD GP_BENCH_TIMEOUT=600000 valgrind --tool=callgrind --separate-threads=yes \
  --callgrind-out-file=$out node bench/library-worker.mjs $impl 127.0.0.1 3311 gp_native $count $conc tls > $out.stdout 2> $out.stderr
total=$(grep -m1 ^summary $out-01 | awk '{print $2}')
seed=$(callgrind_annotate --inclusive=yes --threshold=100 $out-01 2>/dev/null | grep -m1 'HashSeed::InitializeRoots' | awk '{gsub(",","",$1); print $1}')
workers=0 turbofan=0
for f in $out-0[2-9] $out-[1-9][0-9]; do
  [ -f $f ] || continue
  workers=$((workers + $(grep -m1 ^summary $f | awk '{print $2}')))
  t=$(callgrind_annotate --inclusive=yes --threshold=100 $f 2>/dev/null | grep -m1 'CompileTask::RunInternal' | awk '{gsub(",","",$1); print $1}')
  turbofan=$((turbofan + ${t:-0}))
done
echo "$impl $count $conc main=$((total - seed)) workers=$workers turbofan=$turbofan"
