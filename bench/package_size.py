"""Size of one state's Lambda deployment zip, and what fills it.

Packages the stage offline (`infra/package.py`, as `make package` does) and prints the zip
as Chalice built it, as shipped (without boto3/botocore, which the Lambda runtime already
has), and the ten largest top-level entries of what ships, compressed. Figures only; the
import-time side of cold start is `bench/coldstart.py`.

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

from infra.package import package  # noqa: E402


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


if __name__ == "__main__":
    main()
