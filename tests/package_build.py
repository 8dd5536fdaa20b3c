"""Build the data package the way `make package` does (the real CLI on the real disclosures), once per
test session, for test_package.py and test_readme_snippets.py."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_built: dict[str, Path] = {}


def build_package(out: Path) -> Path:
    """Run `python -m pipeline build --sources disclosures --out OUT` from the repository root."""
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "build", "--sources", "disclosures", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, f"build failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    assert (out / "datapackage.json").is_file(), f"no datapackage.json in {out}:\n{proc.stderr}"
    return out


def session_package(tmp_path_factory) -> Path:
    """The package built once per session, in <tmp>/datapackage (so snippets can read `datapackage/...`)."""
    if "pkg" not in _built:
        _built["pkg"] = build_package(tmp_path_factory.mktemp("build") / "datapackage")
    return _built["pkg"]
