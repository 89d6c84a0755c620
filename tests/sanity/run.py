"""Run `ansible-test sanity` on a copy of the collection, as Galaxy's importer does.

make sanity (and so make test) runs this. ansible-test wants the collection at
ansible_collections/<namespace>/<name>, so the tracked files are copied into
.sanity/ansible_collections/volume_licensing/kms (git-ignored) and tested there.

ansible-test builds one virtual environment per sanity test and puts pip into each with a
bootstrap script it downloads from ci-files.testing.ansible.com, which this machine cannot
reach. Its documented work-around (ansible/ansible#77304, and the message ansible-test
prints) is to save that script beforehand to ~/.ansible/test/cache/get_pip_<version>.py.
We save a stand-in there instead: it installs the pip wheel of the version ansible-test
asks for, downloaded from PyPI by the pip of our own virtual environment. HOME points into
.sanity/ for the run, so the cache and the sanity environments stay out of the user's home.

Arguments are passed on to ansible-test: the Makefile names the tests that cannot run here
(--skip-test NAME), with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

# ansible-test's own table of the pip version it bootstraps into its sanity environments.
from ansible_test._internal.python_requirements import get_venv_packages

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".sanity"
COLLECTION = WORK / "ansible_collections" / "volume_licensing" / "kms"
HOME = WORK / "home"
BIN = Path(sys.executable).parent

# What ansible-test runs as get-pip.py: `python <script> [pip options] pip==<version>
# --no-setuptools --no-wheel` in an empty virtual environment.
BOOTSTRAP = '''"""Stand-in for get-pip.py (written by tests/sanity/run.py): install the pip wheel
saved beside this file, running pip from that wheel, as pip's documentation allows."""
import glob
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
wheel = glob.glob(os.path.join(here, "pip-{version}-*.whl"))[0]
sys.path.insert(0, wheel)
from pip._internal.cli.main import main  # noqa: E402

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", "--no-index", "--find-links", here] + args))
'''


def tracked_files() -> list[str]:
    """Files git tracks or would track (not ignored), as a fresh clone has them."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=ROOT, capture_output=True, check=True).stdout
    return [name for name in out.decode().split("\0") if name and (ROOT / name).is_file()]


def copy_collection() -> None:
    shutil.rmtree(COLLECTION, ignore_errors=True)
    for name in tracked_files():
        target = COLLECTION / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    # A repository of its own, so that ansible-test lists these files rather than asking the
    # enclosing checkout, which ignores .sanity/.
    subprocess.run(["git", "init", "--quiet"], cwd=COLLECTION, check=True)
    subprocess.run(["git", "add", "--all"], cwd=COLLECTION, check=True)


def provide_pip_bootstrap() -> None:
    """Save the stand-in bootstrap and the pip wheel where ansible-test looks for them."""
    version = get_venv_packages(types.SimpleNamespace(version=f"{sys.version_info[0]}.{sys.version_info[1]}"))["pip"]
    cache = HOME / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    if not list(cache.glob(f"pip-{version}-*.whl")):
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                        "--no-deps", "--dest", str(cache), f"pip=={version}"], check=True)
    (cache / f"get_pip_{version.replace('.', '_')}.py").write_text(BOOTSTRAP.format(version=version))


def main(extra: list[str]) -> int:
    copy_collection()
    provide_pip_bootstrap()
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    command = [str(BIN / "ansible-test"), "sanity", "--python", python, "--requirements", "--color", "no", *extra]
    print(" ".join(command[1:]))
    env = dict(os.environ, HOME=str(HOME), PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run(command, cwd=COLLECTION, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
