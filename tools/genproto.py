"""Generate the Python modules and the Envoy descriptor set from ``proto/``.

One entry point for ``make proto`` (write) and ``make proto-check`` (compare), so that the
committed generated code can never drift from what the protos say.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import grpc_tools

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "proto"
PACKAGE_DIR = Path("botsift") / "v1"
# Hand-written files that live beside the generated ones.
KEEP = {"__init__.py"}


def _protoc(out: Path, descriptor: Path) -> None:
    site = Path(sysconfig.get_paths()["purelib"])
    include_wkt = Path(grpc_tools.__file__).parent / "_proto"
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in (PROTO_ROOT / PACKAGE_DIR).glob("*.proto"))
    bindir = Path(sys.executable).parent
    cmd = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{site}",
        f"-I{include_wkt}",
        f"--plugin=protoc-gen-mypy_grpc={bindir / 'protoc-gen-mypy_grpc'}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        f"--mypy_grpc_out={out}",
        f"--descriptor_set_out={descriptor}",
        "--include_imports",
        "--include_source_info",
        *protos,
    ]
    subprocess.run(cmd, check=True, cwd=PROTO_ROOT)


def _generated(directory: Path) -> dict[str, Path]:
    return {p.name: p for p in directory.glob("*") if p.is_file() and p.name not in KEEP}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="root of the Python package tree")
    parser.add_argument("--descriptor", type=Path, required=True, help="descriptor set for Envoy")
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp_out = Path(tmp) / "py"
        tmp_out.mkdir()
        tmp_desc = Path(tmp) / "descriptor.pb"
        _protoc(tmp_out, tmp_desc)
        fresh = _generated(tmp_out / PACKAGE_DIR)
        target_dir = (args.out / PACKAGE_DIR).resolve()
        current = _generated(target_dir) if target_dir.exists() else {}

        if args.check:
            stale = sorted(
                name
                for name in fresh.keys() | current.keys()
                if name not in fresh
                or name not in current
                or not filecmp.cmp(fresh[name], current[name], shallow=False)
            )
            if stale:
                print("generated code is stale; run `make proto` and commit:", *stale, sep="\n  ")
                return 1
            print(f"generated code is up to date ({len(fresh)} files)")
        else:
            target_dir.mkdir(parents=True, exist_ok=True)
            for name, path in current.items():
                if name not in fresh:
                    path.unlink()
            for name, path in fresh.items():
                shutil.copyfile(path, target_dir / name)
            print(f"wrote {len(fresh)} files to {target_dir}")
        args.descriptor.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_desc, args.descriptor)
    return 0


if __name__ == "__main__":
    sys.exit(main())
