"""`python -m pipeline.bench_memory`: the peak memory of a build of one disclosure at the read stage's limits.

Writes synthetic disclosures into a temporary folder and builds each with `python -m pipeline build` in a
child process, printing its peak resident memory:
- at the limits: MAX_SOURCE_BYTES of text holding a table of just under MAX_TABLE_CELLS cells (every cell
  becomes a cell and most become facts: the costliest input the limits let through);
- 50 MB, three times the size limit: refused up front, so it must stay small.
The limits in pipeline/read.py are set so that the first stays well under 1 GiB. Memory, like time, is
measured here and not in tests.
"""
from __future__ import annotations

import random
import subprocess
import sys
import tempfile
from pathlib import Path

from .read import MAX_SOURCE_BYTES, MAX_TABLE_CELLS

_PEAK = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], capture_output=True); "
         "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
_WORDS = "部门 预算 支出 收入 主要 用于 保障 机关 正常 运转 工作 人员 经费 比上年 增加 减少 万元 原因".split()


def disclosure(size: int, cells: int, seed: int = 1) -> str:
    """A budget disclosure of about `size` bytes: a 10-column expenditure table of about `cells` cells, then prose."""
    rng = random.Random(seed)
    lines = ["某某局2024年部门预算公开", "一般公共预算支出表", "单位：万元",
             "科目编码\t科目名称\t合计\t基本支出\t项目支出\t其他1\t其他2\t其他3\t其他4\t其他5"]
    for n in range(cells // 10 - 1):
        amounts = "\t".join(f"{rng.randint(0, 99999)}.{rng.randint(0, 99):02d}" for _ in range(8))
        lines.append(f"2{rng.randint(0, 999999):06d}\t项目{n}\t{amounts}")
    lines.append("说明：以上为本部门支出。")
    used = sum(len(ln.encode()) + 1 for ln in lines)
    while True:
        line = "".join(rng.choice(_WORDS) for _ in range(40)) + "。"
        if used + len(line.encode()) + 1 > size:
            break
        lines.append(line)
        used += len(line.encode()) + 1
    return "\n".join(lines) + "\n"


def peak(sources: Path, out: Path) -> tuple[int, int]:
    """(exit code, peak resident memory in KiB) of building the package from `sources`."""
    cmd = [sys.executable, "-m", "pipeline", "build", "--sources", str(sources), "--out", str(out)]
    got = subprocess.run([sys.executable, "-c", _PEAK, *cmd], capture_output=True, text=True, check=True)
    code, kib = got.stdout.split()
    return int(code), int(kib)


def main() -> int:
    cases = [("at the limits", MAX_SOURCE_BYTES, MAX_TABLE_CELLS - 100), ("50 MB (refused)", 50_000_000, 10_000)]
    with tempfile.TemporaryDirectory() as tmp:
        for name, size, cells in cases:
            src = Path(tmp) / name.split()[0] / "disclosures"
            src.mkdir(parents=True)
            (src / "big.txt").write_text(disclosure(size, cells), encoding="utf-8")
            code, kib = peak(src, src.parent / "datapackage")
            docs = (src.parent / "datapackage" / "documents.csv").read_text(encoding="utf-8").count("\n") - 1
            print(f"{name}: {(src / 'big.txt').stat().st_size / 2**20:.1f} MiB, about {cells:,} table cells: "
                  f"{'published' if docs == 1 else 'refused'}, peak {kib / 1024:.0f} MiB, exit {code}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
