"""The validity table of EXPERIMENTS.md ("Validity of the RG predictions").

Inputs, per coupling U (made by the commands in EXPERIMENTS.md):
  u{U}.json         renorm rg predict u{U}.toml --exact --format json
  s{U}/table.json   renorm rg sample u{U}.toml --steps 5e7 --out s{U}
Prints one Markdown row per U. Relative errors are against the exact moments (quadrature);
z-scores use the sampled standard errors (blocked, see `rg sample`) of that run.
"""
import json
import sys
from pathlib import Path

here = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent


def rel(x, ref):
    return abs(x - ref) / abs(ref)


for u in ["0.05", "0.3", "1", "3"]:
    p = json.loads((here / f"u{u}.json").read_text())
    s = json.loads((here / f"s{u}" / "table.json").read_text())
    val = p["validity"]
    err = {e["method"]: e for e in val["exact"]["errors"]}
    rows, srows = p["rows"], s["rows"]
    inside = [r for r in rows if not r["beyond_threshold"]]
    rg_inside = max((max(rel(r["mean"][2], r["exact"][0]), rel(r["variance"][2], r["exact"][1])) for r in inside), default=None)
    # RG error in units of the sampled SE, and the sampler against the exact moments.
    z_rg, z_rg_inside, z_samp, z2 = [], [0.0], [], []
    for r, sr in zip(rows, srows):
        m, se_m, v, se_v = sr["sampled"]
        z = max(abs(r["variance"][2] - r["exact"][1]) / se_v, abs(r["mean"][2] - r["exact"][0]) / se_m)
        z_rg.append(z)
        if not r["beyond_threshold"]:
            z_rg_inside.append(z)
        for zz in ((m - r["exact"][0]) / se_m, (v - r["exact"][1]) / se_v):
            z_samp.append(abs(zz))
            z2.append(zz * zz)
    reliable = all(d["reliable"] for sr in srows for d in sr["sampled_diagnostics"])
    neg = sorted({n["method"].replace("_", " ") for n in val["negative_variances"]}) or ["—"]
    print(
        f"| {u} | {100 * val['largest_shift']['value']:.1f} % | {len(val['beyond_threshold'])}/16 | "
        f"{100 * err['first_order']['variance']:.2f} / {100 * err['first_order']['mean']:.2f} | "
        f"{100 * err['rg']['variance']:.2f} / {100 * err['rg']['mean']:.2f} | "
        f"{'—' if rg_inside is None else f'{100 * rg_inside:.2f}'} | {max(z_rg):.1f} | "
        f"{'—' if rg_inside is None else f'{max(z_rg_inside):.1f}'} | "
        f"{max(z_samp):.2f} / {sum(z2) / len(z2):.2f}{'' if reliable else ' (flagged)'} | {', '.join(neg)} |"
    )
