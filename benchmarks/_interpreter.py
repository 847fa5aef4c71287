"""Which Python ran a benchmark, and where its peers' virtual environments live.

Two builds of CPython 3.11 on one machine can differ by a third in speed: a build made with
profile-guided optimization and link-time optimization (what python.org, Docker's official
images and the Linux distributions ship) and a plain ``-O3`` build (what ``pyenv install``
makes unless told otherwise). A figure therefore names the interpreter it was measured on, and
a peer always runs on the same interpreter as ours: each interpreter gets its own peer
environments.
"""

from __future__ import annotations

import hashlib
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def base_executable() -> str:
    """The interpreter behind the running one (a virtual environment's base)."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return str(Path(base).resolve())


def print_interpreter() -> None:
    """Print the ``name: value`` lines naming the interpreter; every benchmark does so first."""
    print(f"python_version: {platform.python_version()}")
    print(f"python_executable: {base_executable()}")


def peer_venv(name: str) -> Path:
    """``.bench-venvs/NAME-<interpreter>``: a peer's environment for the running interpreter."""
    tag = hashlib.sha256(f"{base_executable()}|{sys.version}".encode()).hexdigest()[:10]
    return ROOT / ".bench-venvs" / f"{name}-{platform.python_version()}-{tag}"
