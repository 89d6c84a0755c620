"""Run `ansible-test sanity` on a copy of the collection, as Galaxy's importer does.

make sanity (and so make test) runs this. ansible-test wants the collection at
ansible_collections/<namespace>/<name>, so the tracked files are copied into
.sanity/ansible_collections/volume_licensing/kms (git-ignored) and tested there.

Three runs:

1. every sanity test but `import`, under our virtual environment's Python (ansible-test's
   controller), by the ansible-core of that environment (the lowest end of the range);
2. the `import` test, by that ansible-core, on every Python that `ansible-test sanity
   --docker default` tests: modules (target code) on all of them, the other plugins, with
   plugin_utils (controller code), on the controller Pythons only; ansible-test decides which;
3. the same `import` test by each ansible-core named with --import-also (the Makefile names
   the highest end's environment, .smoke/highest), on that ansible-core's Pythons.

The Pythons are the ones the ansible-core's own `default` test container lists (for 2.19:
3.8-3.13, controller 3.11-3.13; for 2.20 and 2.21: 3.9-3.14, controller 3.12-3.14). Each is
looked for as pythonX.Y on PATH (one that runs: pyenv's shims fail for the versions pyenv
does not select) and then in pyenv's versions ($PYENV_ROOT, else ~/.pyenv), and linked into
.sanity/python/, which ansible-test finds on its PATH (right after the bin of the virtual
environment it runs from). A Python that cannot be found fails the whole run before anything
is tested, unless --without-python X.Y names it (the Makefile does, with its reason); one
named so is reported as not tested on every run.

ansible-test builds one virtual environment per sanity test and Python and puts pip into
each with a bootstrap script it downloads from ci-files.testing.ansible.com, which this
machine cannot reach. Its documented work-around (ansible/ansible#77304, and the message
ansible-test prints) is to save that script beforehand to
~/.ansible/test/cache/get_pip_<version>.py. We save a stand-in there instead: it installs the
pip wheel of the version each ansible-core asks for, downloaded from PyPI by the pip of our
own virtual environment. HOME points into .sanity/ for the runs, so the cache and the sanity
environments stay out of the user's home.

Other arguments are passed on to the first run's ansible-test: the Makefile names the tests
that cannot run here (--skip-test NAME), with the reason.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".sanity"
COLLECTION = WORK / "ansible_collections" / "volume_licensing" / "kms"
HOME = WORK / "home"
CACHE = HOME / ".ansible" / "test" / "cache"
PYTHONS = WORK / "python"
PATH = os.environ.get("PATH", os.defpath)

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

# Asked of each ansible-core's own ansible-test, in its environment's Python.
FACTS = """
import json, sys, types
from ansible.release import __version__
from ansible_test._internal.completion import docker_completion
from ansible_test._internal.constants import CONTROLLER_PYTHON_VERSIONS
from ansible_test._internal.python_requirements import get_venv_packages
pythons = docker_completion()["default"].supported_pythons
print(json.dumps(dict(
    ansible_core=__version__,
    python="%d.%d" % sys.version_info[:2],
    pythons=sorted(pythons, key=lambda v: [int(n) for n in v.split(".")]),
    controller=list(CONTROLLER_PYTHON_VERSIONS),
    pip=sorted({get_venv_packages(types.SimpleNamespace(version=v))["pip"] for v in pythons}),
)))
"""


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


def facts(python: Path) -> dict:
    """The ansible-core version and the Pythons and pip that python's ansible-test uses."""
    out = subprocess.run([str(python), "-c", FACTS], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def provide_pip_bootstrap(version: str) -> None:
    """Save the stand-in bootstrap and the pip wheel where ansible-test looks for them."""
    CACHE.mkdir(parents=True, exist_ok=True)
    if not list(CACHE.glob(f"pip-{version}-*.whl")):
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                        "--no-deps", "--dest", str(CACHE), f"pip=={version}"], check=True)
    (CACHE / f"get_pip_{version.replace('.', '_')}.py").write_text(BOOTSTRAP.format(version=version))


ASK_VERSION = "import sys; sys.stdout.write('%d.%d %s' % (sys.version_info[:2] + (sys.executable,)))"


def runs(candidate: str, version: str) -> str | None:
    """The real executable behind candidate if it runs as Python `version`, else None."""
    try:
        out = subprocess.run([candidate, "-c", ASK_VERSION], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found, executable = (out.stdout.split(" ", 1) + [""])[:2]
    return executable if out.returncode == 0 and found == version and executable else None


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def patch_level(python: Path) -> int:
    """3.12.1/bin/python3.12: 1 (-1 for a name such as 3.12-dev)."""
    patch = python.parent.parent.name.split(".")[2:]
    return int(patch[0]) if patch and patch[0].isdigit() else -1


def find_python(version: str) -> str | None:
    """pythonX.Y on PATH (the first that runs), else pyenv's newest X.Y.*."""
    name = f"python{version}"
    for directory in PATH.split(os.pathsep):
        candidate = os.path.join(directory or ".", name)
        if os.access(candidate, os.X_OK) and (found := runs(candidate, version)):
            return found
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    for candidate in sorted(pyenv.glob(f"{version}.*/bin/{name}"), key=patch_level, reverse=True):
        if found := runs(str(candidate), version):
            return found
    return None


def provide_pythons(versions: list[str], without: set[str]) -> list[str] | None:
    """Link each version's interpreter into PYTHONS; the versions to test, or None if one is missing."""
    PYTHONS.mkdir(parents=True, exist_ok=True)
    tested, missing = [], []
    for version in versions:
        link = PYTHONS / f"python{version}"
        link.unlink(missing_ok=True)
        found = find_python(version)
        if found:
            link.symlink_to(found)
            tested.append(version)
            print(f"  Python {version}: {found}" + (" (named by --without-python, found all the same)"
                                                    if version in without else ""))
        elif version in without:
            print(f"  Python {version}: NOT TESTED, none here (named by --without-python)")
        else:
            missing.append(version)
            print(f"  Python {version}: MISSING (no working python{version} on PATH, none in pyenv's versions)")
    if missing:
        print(f"sanity: the import test needs Python {', '.join(missing)}, which could not be found; nothing was "
              f"tested. Put python{missing[0]} on PATH or install it with pyenv (pyenv install {missing[0]}), or, if "
              f"none can be had, name it with --without-python {missing[0]} (the Makefile's SANITY_WITHOUT_PYTHON).",
              file=sys.stderr, flush=True)
        return None
    return tested


def ansible_test(bin_dir: Path, args: list[str]) -> int:
    command = [str(bin_dir / "ansible-test"), "sanity", "--requirements", "--color", "no", *args]
    print(f"sanity: {' '.join([os.path.relpath(command[0], ROOT), *command[1:]])}", flush=True)
    env = dict(os.environ, HOME=str(HOME), PATH=os.pathsep.join((str(bin_dir), str(PYTHONS), PATH)))
    start = time.monotonic()
    code = subprocess.run(command, cwd=COLLECTION, env=env, check=False).returncode
    print(f"sanity: exit {code} after {time.monotonic() - start:.0f} s", flush=True)
    return code


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--import-also", metavar="PYTHON", type=Path, action="append", default=[],
                        help="the Python of another ansible-core's virtual environment, whose ansible-test "
                             "runs the import test too")
    parser.add_argument("--without-python", metavar="X.Y", action="append", default=[],
                        help="a Python the import test is not run on when it cannot be found (say why)")
    options, extra = parser.parse_known_args(argv)

    # Every interpreter first: a missing one fails the run before anything is tested.
    own = Path(sys.executable)
    cores = [(python, facts(python)) for python in
             [own, *(p if p.is_absolute() else ROOT / p for p in options.import_also)]]
    for _python, info in cores:
        print(f"sanity: ansible-core {info['ansible_core']}: import test on Python {', '.join(info['pythons'])}, "
              f"controller code on {', '.join(v for v in info['pythons'] if v in info['controller'])}")
    versions = sorted({v for _python, info in cores for v in info["pythons"]}, key=version_key)
    tested = provide_pythons(versions, set(options.without_python))
    if tested is None:
        return 2

    copy_collection()
    for version in sorted({v for _python, info in cores for v in info["pip"]}):
        provide_pip_bootstrap(version)
    failed = []
    # The import test runs below on every Python, this one's included.
    if ansible_test(own.parent, ["--python", cores[0][1]["python"], "--skip-test", "import", *extra]):
        failed.append(f"ansible-core {cores[0][1]['ansible_core']}: sanity")
    for python, info in cores:
        targets = [arg for version in info["pythons"] if version in tested for arg in ("--target-python", version)]
        controller = ["--controller", f"origin:python={info['python']}"]
        if ansible_test(python.parent, ["--test", "import", *controller, *targets]):
            failed.append(f"ansible-core {info['ansible_core']}: import")
    if failed:
        print(f"sanity: failed: {'; '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
