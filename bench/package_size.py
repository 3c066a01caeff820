"""Size of one state's Lambda deployment zip, and what fills it.

Packages the stage offline (`infra/package.py`, as `make package` does) and prints the zip
as Chalice built it, as shipped (without boto3/botocore, which the Lambda runtime already
has), the ten largest top-level entries of what ships, compressed, and the cold-start import
of the shipped code: `import app` in a fresh interpreter that sees only the zip and the
runtime's boto3 (median of 5), against `import chalice, boto3` there, as a ratio. Figures
only; `bench/coldstart.py` times the same imports from the development venv.

Run it with `make bench` or `.venv/bin/python bench/package_size.py [--stage odisha]`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import statistics  # noqa: E402

from infra.package import import_as_lambda, load_stage, package  # noqa: E402

RUNS = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", default="odisha")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        out = package(args.stage, Path(scratch))
        archive = out / "deployment.zip"
        by_entry: Counter[str] = Counter()
        with zipfile.ZipFile(archive) as shipped:
            for info in shipped.infolist():
                by_entry[info.filename.split("/", 1)[0]] += info.compress_size
            files = len(shipped.infolist())
        print(f"\nshipped zip: {archive.stat().st_size / 1e6:.2f} MB, {files} files")
        for entry, size in by_entry.most_common(10):
            print(f"  {size / 1e6:6.2f} MB  {entry}")
        stage = load_stage(args.stage)
        medians = {}
        for statement in ("import app", "import chalice, boto3"):
            runs = [import_as_lambda(archive, stage, statement) for _ in range(RUNS)]
            medians[statement] = statistics.median(runs) * 1000
            print(f"cold import from the zip, {statement!r}: median {medians[statement]:.0f} ms of {RUNS}")
        print(f"ratio app / (chalice+boto3): {medians['import app'] / medians['import chalice, boto3']:.2f}x")


if __name__ == "__main__":
    main()
