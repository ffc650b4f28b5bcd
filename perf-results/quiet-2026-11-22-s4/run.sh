#!/bin/bash
# Quiet-machine benchmark pass, session 4 (lead). Output under /work/quiet4/out. Nothing else may run.
set -x
cd /work/main
O=/work/quiet4/out; rm -rf $O; mkdir -p $O
FE="dotnet tools/FastEngine/bin/Release/net10.0/fastengine.dll"
BD="dotnet Benchmarks/bin/Release/net10.0/FastEngine.Benchmarks.dll"
date -u > $O/start.txt; uptime >> $O/start.txt; lscpu | head -20 > $O/lscpu.txt; git log --oneline | head -1 >> $O/start.txt
for r in 1 2 3; do for v in Binance Bybit Kraken Okx; do $BD venue-ratio $v 15; done; done > $O/venue-ratio.txt 2>&1
for v in Coinbase Gemini; do $BD venue-ratio $v 15; done > $O/venue-ratio-2.txt 2>&1
date -u >> $O/start.txt; uptime >> $O/start.txt
# Tick-to-intent: 3 measured runs merged per variant; tiered compilation on vs off (DOTNET_TieredCompilation).
DOTNET_TieredCompilation=1 $FE latency --config config/latency-demo.json --speed 10x --max-gap-ms 100 --runs 3 --out $O/lat-yield-tc1 > $O/lat-yield-tc1.txt 2>&1
DOTNET_TieredCompilation=0 $FE latency --config config/latency-demo.json --speed 10x --max-gap-ms 100 --runs 3 --out $O/lat-yield-tc0 > $O/lat-yield-tc0.txt 2>&1
DOTNET_TieredCompilation=0 $FE latency --config config/latency-demo-pinned.json --speed 10x --max-gap-ms 100 --runs 3 --out $O/lat-pinned-tc0 > $O/lat-pinned-tc0.txt 2>&1
DOTNET_TieredCompilation=1 $FE latency --config config/latency-demo-pinned.json --speed 10x --max-gap-ms 100 --runs 3 --out $O/lat-pinned-tc1 > $O/lat-pinned-tc1.txt 2>&1
DOTNET_TieredCompilation=0 $FE latency --config config/latency-demo-pinned.json --speed 10x --max-gap-ms 100 --out $O/lat-pinned-tc0-diag --diagnostics > $O/lat-pinned-tc0-diag.txt 2>&1
for i in 1 2 3; do for tc in 1 0; do DOTNET_TieredCompilation=$tc $FE replay --json --out $O/replay-tc$tc-$i > $O/replay-tc$tc-$i.json; done; done
date -u > $O/end.txt; uptime >> $O/end.txt
