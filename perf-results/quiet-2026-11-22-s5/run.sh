#!/bin/bash
# Quiet-machine benchmark pass, session 5 (lead). Output under /work/quiet5/out. Nothing else may run.
set -x
cd /work/main
O=/work/quiet5/out; rm -rf $O; mkdir -p $O
FE="dotnet tools/FastEngine/bin/Release/net10.0/fastengine.dll"
BD="dotnet Benchmarks/bin/Release/net10.0/FastEngine.Benchmarks.dll"
date -u > $O/start.txt; uptime >> $O/start.txt; lscpu | head -20 > $O/lscpu.txt; git log --oneline | head -1 >> $O/start.txt
for r in 1 2 3; do for v in Binance Bybit Kraken Okx Coinbase Gemini; do $BD venue-ratio $v 15; done; done > $O/venue-ratio.txt 2>&1
date -u >> $O/start.txt; uptime >> $O/start.txt
$BD ring-floor 5 2 0 1 yielding > $O/ring-floor.txt 2>&1
for i in 1 2 3; do $BD ring-pingpong 1000000 $O/ring-pingpong-$i.hgrm 1; done > $O/ring-pingpong.txt 2>&1
for i in 1 2 3; do $FE bench ring --topology 1p1c --seconds 5 --json; done > $O/ring-1p1c.txt 2>&1
for i in 1 2 3; do $FE bench ring --topology 1p1c --seconds 5 --cpus 1,1 --json; done > $O/ring-1p1c-onecpu.txt 2>&1
date -u >> $O/start.txt; uptime >> $O/start.txt
DOTNET_TieredCompilation=1 $FE latency --config config/latency-demo-pinned.json --speed 10x --max-gap-ms 100 --runs 3 --out $O/lat-pinned-tc1 > $O/lat-pinned-tc1.txt 2>&1
for i in 1 2 3; do $FE replay --json --out $O/replay-$i > $O/replay-$i.json; done
date -u > $O/end.txt; uptime >> $O/end.txt
