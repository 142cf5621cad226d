"""Per (arch, depth, width): checkpoints written, achieved max λ_max·Δt and max η·λ_max over the
seeds, from the experiment's stderr logs (log-*.txt)."""
import re, glob, collections
rows = collections.defaultdict(list)
for path in sorted(glob.glob("experiments/lsi_n2048/log-*.txt")):
    lines = open(path).read().splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"training (\w+) depth (\d+) width (\d+) seed (\d+)", line)
        if m and i + 1 < len(lines):
            s = re.search(r"(\d+) checkpoints; max λ_max·Δt = ([\d.]+).*λ_max ≤ ([\d.]+), η·λ_max ≤ ([\d.]+)", lines[i + 1])
            if s:
                rows[(m[1], int(m[2]), int(m[3]))].append((int(s[1]), float(s[2]), float(s[3]), float(s[4])))
print("| arch | depth | width | checkpoints | max λ_max·Δt | max λ_max | max η·λ_max | seeds |")
print("|---|---|---|---|---|---|---|---|")
for (arch, d, w), v in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])):
    print(f"| {arch} | {d} | {w} | {min(x[0] for x in v)}–{max(x[0] for x in v)} | {max(x[1] for x in v):.2f} | {max(x[2] for x in v):.0f} | {max(x[3] for x in v):.3f} | {len(v)} |")
