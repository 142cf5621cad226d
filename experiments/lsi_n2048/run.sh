#!/usr/bin/env bash
# Plain vs residual networks at N = 2048 (EXPERIMENTS.md, "Plain vs residual at N = 2048").
# Run from the repository root after `cargo build --release`; about 80 minutes on 2 cores.
# The grid is split into three shards, one per seed (grid point k belongs to shard k mod 3 + 1,
# and the seed is the fastest-varying grid index), so a finished shard is a complete seed.
# Shards already written are skipped. Then:
#   target/release/renorm experiment merge experiments/lsi_n2048/shard-*.json \
#       --output experiments/lsi_n2048/table.md --figures experiments/lsi_n2048
#   python3 experiments/lsi_n2048/lambda_dt.py > experiments/lsi_n2048/lambda_dt.md
set -u
BIN=${BIN:-target/release/renorm}
OUT=${OUT:-experiments/lsi_n2048}
export RENORM_ENGINE=off
for i in 1 2 3; do
  [ -s "$OUT/shard-$i.json" ] && continue
  /usr/bin/time -v -o "$OUT/time-$i.log" "$BIN" --no-progress experiment lsi \
    --depths 4,8,16,32 --widths 16,32 --seeds 3 --samples 2048 --input-dim 8 \
    --steps 400 --lr 2.5e-5 --checkpoints 50 --max-lambda-dt 0.5 \
    --shard $i/3 --output "$OUT/shard-$i.json" 2> "$OUT/log-$i.txt"
  echo "shard $i rc=$? $(date -u +%H:%M:%S)" >> "$OUT/progress.txt"
done
