#!/bin/bash
# Quiet-machine benchmark pass, session 3 (lead). Output under /work/quiet3/out.
set -x
cd /work/main
O=/work/quiet3/out; rm -rf $O; mkdir -p $O
FE="dotnet tools/FastEngine/bin/Release/net10.0/fastengine.dll"
BD="dotnet Benchmarks/bin/Release/net10.0/FastEngine.Benchmarks.dll"
date -u > $O/start.txt; uptime >> $O/start.txt; lscpu | head -20 > $O/lscpu.txt; git log --oneline | head -1 >> $O/start.txt
$BD ring-floor 5 2 0 1 yielding > $O/ring-floor-pinned.txt 2>&1
for i in 1 2 3 4 5; do $FE bench ring --topology 1p1c --seconds 5 --json; done > $O/ring-1p1c.jsonl
for i in 1 2 3; do $FE bench ring --topology 1p1c --seconds 5 --cpus 0,1 --json; done > $O/ring-1p1c-pinned01.jsonl
for i in 1 2 3; do $FE bench ring --topology 1p1c --seconds 5 --cpus 1,1 --json; done > $O/ring-1p1c-pinned11.jsonl
for i in 1 2 3; do $FE bench ring --topology 1p1c --seconds 5 --wait busy-spin --cpus 0,1 --json; done > $O/ring-1p1c-busy-pinned.jsonl
for t in pipeline3 3p1c; do for i in 1 2 3; do $FE bench ring --topology $t --seconds 5 --json; done; done > $O/ring-other.jsonl
for i in 1 2 3; do $BD ring-pingpong 1000000 $O/ring-pingpong-$i.hgrm 1; done > $O/ring-pingpong.txt 2>&1
for v in Binance Bybit Coinbase Gemini Kraken Okx; do $BD venue-ratio $v 15; done > $O/venue-ratio.txt 2>&1
for i in 1 2 3; do $FE latency --config config/latency-demo.json --speed 10x --max-gap-ms 100 --out $O/lat-yield-$i > $O/lat-yield-$i.txt 2>&1; done
for i in 1 2 3; do $FE latency --config config/latency-demo-busyspin.json --speed 10x --max-gap-ms 100 --out $O/lat-busy-$i > $O/lat-busy-$i.txt 2>&1; done
for i in 1 2 3; do $FE replay --json --out $O/replay-$i > $O/replay-$i.json; done
$BD ring-floor 5 2 - - yielding > $O/ring-floor-unpinned.txt 2>&1 || true
date -u > $O/end.txt; uptime >> $O/end.txt
