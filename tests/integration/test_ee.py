"""The execution environment (execution-environment.yml), as far as this machine can build it:
no container engine is used. `make ee` makes its build context in a temporary directory; then
each stage of the context's Containerfile that installs something is played in a clean virtual
environment on the image's Python, from the context's own files: the base stage's pip install
of ansible-core and ansible-runner, the galaxy stage's collection install from requirements.yml,
the builder stage's introspection (ansible-builder's introspect.py, with the options the
Containerfile gives it, on the collections just installed), so the Python and system
requirements are computed as the build computes them, and the final stage's pip install of
those, each with the stage's PIP_CONSTRAINT. Then that environment's ansible-playbook runs
volume_licensing.kms.report, by its name, from the installed collection, against the simulated
lab over Kerberos (a real MIT KDC), outside the repository; the report must say what the lab's
hosts hold. The system packages (bindep.txt) are evaluated with bindep for the image's CentOS
Stream 9; on this Debian machine, whose packages compile pykerberos here, bindep checks the
dpkg ones are installed."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.integration.conftest import BIN, ROOT
from tests.integration.test_kerberos import lab_for
from tests.integration.test_report import DOWN, expected_outcome, office_products
from tests.simlab.kdc import Kdc

COLLECTION = "volume_licensing.kms"
CONTAINER_COLLECTIONS = "/usr/share/ansible/collections"
# What bindep reports as the platform of the image's base (quay.io/centos/centos:stream9):
# its /etc/os-release says ID=centos, VERSION_ID=9, NAME="CentOS Stream", no codename.
CENTOS_STREAM_9 = {"id": "centos", "version": "9", "codename": "", "name": "CentOS Stream"}
BINDEP_LISTS = """
import json, sys
from unittest import mock
import distro
from bindep.depends import Depends
platform = json.loads(sys.argv[2])
with open(sys.argv[1]) as handle:
    depends = Depends(handle.read())
with mock.patch.object(distro, "id", return_value=platform["id"]), \\
        mock.patch.object(distro, "version", return_value=platform["version"]), \\
        mock.patch.object(distro, "codename", return_value=platform["codename"]), \\
        mock.patch.object(distro, "name", return_value=platform["name"]):
    profiles = depends.platform_profiles()
# assemble's `bindep -l newline` (the default profile: the image) and `bindep -b compile` (the builder)
print(json.dumps({"platform": profiles,
                  "run": [rule[0] for rule in depends.active_rules(["default"] + profiles)],
                  "compile": [rule[0] for rule in depends.active_rules(["compile"] + profiles)]}))
"""


def requirement_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def without_comment(line: str) -> str:
    return re.sub(r"\s+#.*$", "", line).strip()


@dataclass
class Containerfile:
    """A Containerfile's build arguments (the ARG defaults before the first FROM) and its
    stages' lines by stage name."""

    args: dict[str, str]
    stages: dict[str, list[str]]

    @classmethod
    def read(cls, context: Path) -> Containerfile:
        path = next(p for p in (context / "Containerfile", context / "Dockerfile") if p.exists())
        args: dict[str, str] = {}
        stages: dict[str, list[str]] = {}
        current = None
        for line in path.read_text().splitlines():
            found = re.match(r"FROM \S+ AS (\w+)$", line)
            if found:
                current = stages.setdefault(found.group(1), [])
            elif current is not None:
                current.append(line)
            elif found := re.match(r'ARG (\w+)="(.*)"$', line):
                args[found.group(1)] = found.group(2)
        return cls(args, stages)

    def step(self, stage: str, prefix: str) -> tuple[str, dict[str, str]]:
        """The stage's one line starting with ``prefix``, with the ARGs given a value before it
        in the stage (what its RUN has in its environment, beside the build arguments)."""
        lines = self.stages[stage]
        [index] = [i for i, line in enumerate(lines) if line.startswith(prefix)]
        env = dict(re.match(r"ARG (\w+)=(.*)$", line).groups() for line in lines[:index]
                   if re.match(r"ARG \w+=", line))
        return lines[index], env

    def copied(self, context: Path) -> dict[str, Path]:
        """Container path -> the context's file, for the base stage's COPY of single files, which
        every later stage starts from."""
        found = {}
        for line in self.stages["base"]:
            words = line.split()
            if words[:1] == ["COPY"] and len(words) == 3 and words[2].startswith("/") and not words[1].endswith("/"):
                found[words[2]] = context / words[1]
        return found


@dataclass
class Environment:
    """The image, played on this machine: the context, its Containerfile, the clean virtual
    environment with what the stages installed, the collections path the galaxy stage filled,
    and what the builder stage's introspection wrote."""

    context: Path
    containerfile: Containerfile
    venv: Path
    collections: Path
    introspected: Path
    tools: Path
    constraints: dict[str, Path]
    seconds: dict[str, float]

    def python(self) -> str:
        return str(self.venv / "bin" / "python")


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without what would reach into the repository, its virtual
    environment or a running make."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "PYTHON", "MAKE", "PIP_CONSTRAINT"))
           and k not in ("VIRTUAL_ENV", "MFLAGS")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p) != BIN)
    env.update(extra)
    return env


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(command, capture_output=True, text=True, check=False, timeout=1200, **kwargs)
    assert proc.returncode == 0, "%s\n%s\n%s" % (shlex.join(command), proc.stdout[-4000:], proc.stderr[-4000:])
    return proc


def timed(seconds: dict[str, float], name: str, command: list[str], **kwargs) -> subprocess.CompletedProcess:
    start = time.monotonic()
    proc = run(command, **kwargs)
    seconds[name] = round(time.monotonic() - start, 1)
    return proc


@pytest.fixture(scope="module")
def ee(tmp_path_factory) -> Environment:
    """make ee's context (make ee also rebuilds build/, as it always does), and the stages of
    its Containerfile played in a clean venv: about 20 s on a 2-core machine with the index
    close by (pykerberos is compiled, ansible-core and cryptography are fetched)."""
    top = tmp_path_factory.mktemp("ee")
    names = ("context", "venv", "collections", "src", "builder-tools")
    context, venv, collections, src, tools = (top / name for name in names)
    seconds: dict[str, float] = {}
    timed(seconds, "make ee", ["make", "--no-print-directory", "-o", "venv", "ee", "VENV=%s" % BIN.parent,
                               "EE_CONTEXT=%s" % context], cwd=ROOT, env=clean_env())
    containerfile = Containerfile.read(context)
    copied = containerfile.copied(context)

    def step_env(stage: str, prefix: str) -> dict[str, str]:
        """The step's ARGs, with container paths the base stage copied read as the context's files."""
        _unused, env = containerfile.step(stage, prefix)
        return {name: str(copied.get(value, value)) for name, value in env.items()}

    constraints = {}
    # Base stage: the image's Python (python_interpreter), pip, then ansible-core and ansible-runner.
    pycmd = containerfile.args["PYCMD"]
    python = pycmd if os.access(pycmd, os.X_OK) else shutil.which(Path(pycmd).name)
    assert python, "%s (the image's Python) is not on this machine" % pycmd
    run([python, "-m", "venv", str(venv)], env=clean_env())
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-cache-dir"]
    env = step_env("base", "RUN $PYCMD -m pip install --no-cache-dir $ANSIBLE_INSTALL_REFS")
    constraints["base"] = Path(env.get("PIP_CONSTRAINT", ""))
    timed(seconds, "base: ansible-core, ansible-runner", pip + containerfile.args["ANSIBLE_INSTALL_REFS"].split(),
          env=clean_env(**env))

    # Galaxy stage: COPY _build /build, WORKDIR /build, ansible-galaxy collection install.
    line, _unused = containerfile.step("galaxy",
                                       "RUN ANSIBLE_GALAXY_DISABLE_GPG_VERIFY=1 ansible-galaxy collection install")
    assert '-r requirements.yml --collections-path "%s"' % CONTAINER_COLLECTIONS in line
    run([str(venv / "bin" / "ansible-galaxy"), "collection", "install", "-r", "requirements.yml",
         "--collections-path", str(collections)], cwd=context / "_build",
        env=clean_env(ANSIBLE_GALAXY_DISABLE_GPG_VERIFY="1", ANSIBLE_HOME=str(top / "ansible-home")))

    # Builder stage: its tools (bindep, pyyaml, packaging) beside the image's Python, then
    # introspect.py as the Containerfile runs it, in /build where it copied the user's files.
    line, _unused = containerfile.step("builder", "RUN $PYCMD -m pip install --no-cache-dir ")
    run(pip + ["--target", str(tools)] + line.split("--no-cache-dir", 1)[1].split(), env=clean_env())
    line, _unused = containerfile.step("builder", "RUN $PYCMD /output/scripts/introspect.py introspect")
    arguments = shlex.split(line)[3:]  # after RUN $PYCMD <script>
    for option in ("--user-pip=requirements.txt", "--user-bindep=bindep.txt"):
        assert option in arguments, line
    # --write-pip and --write-bindep: assemble's source directory in the container, here src/.
    arguments = [re.sub(r"^(--write-\w+=).*/", r"\g<1>%s/" % src, a) for a in arguments]
    run([str(venv / "bin" / "python"), str(context / "_build" / "scripts" / "introspect.py"), *arguments,
         str(collections)], cwd=context / "_build", env=clean_env(PYTHONPATH=str(tools)))
    constraints["builder"] = Path(step_env("builder", "RUN /output/scripts/assemble").get("PIP_CONSTRAINT", ""))

    # Final stage: install-from-bindep installs the introspected requirements (assemble has
    # built the wheels with the same file in the builder stage).
    env = step_env("final", "RUN /output/scripts/install-from-bindep")
    constraints["final"] = Path(env.get("PIP_CONSTRAINT", ""))
    timed(seconds, "final: the introspected requirements", pip + ["-r", str(src / "requirements.txt")],
          env=clean_env(**env))
    print("test_ee: seconds per step: %s" % seconds)
    return Environment(context, containerfile, venv, collections, src, tools, constraints, seconds)


# -- what the context holds -----------------------------------------------------------------
def test_context_carries_the_files_the_definition_names(ee):
    definition = yaml.safe_load((ROOT / "execution-environment.yml").read_text())
    build = ee.context / "_build"
    core = next(r for r in requirement_lines(ROOT / "requirements.txt") if r.startswith("ansible-core"))
    assert ee.containerfile.args["ANSIBLE_INSTALL_REFS"].split() == [core, "ansible-runner"]
    assert definition["dependencies"]["python"] == "requirements-kerberos.txt"
    assert (build / "requirements.txt").read_text() == (ROOT / "requirements-kerberos.txt").read_text()
    assert definition["dependencies"]["system"] == "bindep.txt"
    assert (build / "bindep.txt").read_text() == (ROOT / "bindep.txt").read_text()
    assert yaml.safe_load((build / "requirements.yml").read_text()) == {
        "collections": [{"name": "collection/volume_licensing-kms.tar.gz", "type": "file"}]}
    meta = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    with tarfile.open(build / "collection" / "volume_licensing-kms.tar.gz") as tar:
        manifest = json.load(tar.extractfile("MANIFEST.json"))["collection_info"]
    assert (manifest["namespace"], manifest["name"], manifest["version"]) == (
        meta["namespace"], meta["name"], meta["version"])
    installed = ee.collections / "ansible_collections" / "volume_licensing" / "kms"
    assert json.loads((installed / "MANIFEST.json").read_text())["collection_info"]["version"] == meta["version"]


def test_every_pip_install_of_the_build_is_constrained_by_constraints_txt(ee):
    """ansible-core's and ansible-runner's dependencies (base), the wheels (builder) and the
    image's requirements (final): each stage's PIP_CONSTRAINT is the repository's file."""
    assert set(ee.constraints) == {"base", "builder", "final"}
    for stage, path in ee.constraints.items():
        assert path.is_file() and ee.context in path.parents, (stage, path)
        assert path.read_text() == (ROOT / "constraints.txt").read_text(), stage


def test_introspection_adds_kerberos_to_the_collection_s_own_requirements(ee):
    """As the builder stage computes them: the installed collection's requirements.txt (without
    ansible-core and PyYAML, which introspection leaves to the base stage) and the definition's
    Kerberos lines; the system packages come from the definition only (the collection's
    artifact declares none, so an EE of someone else's that includes it gets no compiler)."""
    python = [line for line in (ee.introspected / "requirements.txt").read_text().splitlines() if line]
    collection_lines = [without_comment(line) for line in python if line.endswith("# from collection %s" % COLLECTION)]
    user_lines = [without_comment(line) for line in python if line.endswith("# from collection user")]
    assert len(collection_lines) + len(user_lines) == len(python), python
    runtime = [r for r in requirement_lines(ROOT / "requirements.txt")
               if not re.match(r"(ansible-core|pyyaml)\b", r, re.IGNORECASE)]
    assert collection_lines == runtime
    assert user_lines == requirement_lines(ROOT / "requirements-kerberos.txt")
    assert "pywinrm[kerberos]" in " ".join(user_lines)

    system = [line for line in (ee.introspected / "bindep.txt").read_text().splitlines() if line]
    assert all(line.endswith("# from collection user") for line in system), system
    assert [without_comment(line) for line in system] == requirement_lines(ROOT / "bindep.txt")


def bindep_lists(ee: Environment, platform: dict[str, str]) -> dict[str, list[str]]:
    proc = run([ee.python(), "-c", BINDEP_LISTS, str(ee.introspected / "bindep.txt"), json.dumps(platform)],
               env=clean_env(PYTHONPATH=str(ee.tools)))
    return json.loads(proc.stdout)


def test_bindep_gives_the_image_kerberos_and_kinit_and_the_builder_the_compiler(ee):
    lists = bindep_lists(ee, CENTOS_STREAM_9)
    assert {"platform:centos", "platform:rpm"} <= set(lists["platform"])
    # install-from-bindep (the image): the libraries pykerberos links and kinit; no compiler.
    assert sorted(lists["run"]) == ["krb5-libs", "krb5-workstation"]
    # assemble (the builder stage, where the pykerberos wheel is built).
    assert sorted(lists["compile"]) == ["gcc", "krb5-devel", "krb5-libs", "krb5-workstation", "python3.11-devel"]
    assert "python3.11" in ee.containerfile.args["PYCMD"]  # the -devel package is the image's Python's
    # This machine (Debian) compiled pykerberos for the clean venv with the dpkg packages: all
    # installed, as bindep checks them.
    proc = subprocess.run([ee.python(), "-m", "bindep", "-b", "-f", str(ee.introspected / "bindep.txt"), "compile"],
                          capture_output=True, text=True, env=clean_env(PYTHONPATH=str(ee.tools)), check=False)
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout + proc.stderr


def test_the_environment_holds_the_pinned_versions(ee):
    freeze = run([ee.python(), "-m", "pip", "freeze"], env=clean_env()).stdout
    installed = {}
    for line in freeze.splitlines():
        name, _sep, version = line.partition("==")
        installed[re.sub(r"[-_.]+", "-", name).lower()] = version
    pins = requirement_lines(ROOT / "constraints.txt") + [
        r for r in requirement_lines(ROOT / "requirements-kerberos.txt") + requirement_lines(ROOT / "requirements.txt")
        if "==" in r]
    checked = 0
    for pin in pins:
        name, version = without_comment(pin).split("==")
        key = re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()
        if key in installed:
            assert installed[key] == version, (pin, installed[key])
            checked += 1
    for needed in ("pykerberos", "pywinrm", "cryptography", "ansible-core", "ansible-runner"):
        assert needed in installed, needed
    assert checked >= 10


# -- the report, from the installed collection, over Kerberos --------------------------------
@pytest.fixture(scope="module")
def kdc():
    with Kdc() as running:
        yield running


@pytest.fixture(scope="module")
def report(ee, kdc, tmp_path_factory):
    """volume_licensing.kms.report over the whole default lab over Kerberos (pc20 down), run
    from a directory outside the repository with no ansible.cfg, by the clean venv's
    ansible-playbook, from the collection the galaxy stage installed."""
    workdir = tmp_path_factory.mktemp("ee-run")
    with lab_for(kdc, "kerberos") as lab:
        inventory = lab.inventory()
        inventory["all"]["children"]["simlab"]["hosts"][DOWN]["ansible_port"] = 1  # nothing listens
        (workdir / "inventory.yml").write_text(yaml.safe_dump(inventory, sort_keys=False))
        env = clean_env(
            PATH=os.pathsep.join([str(ee.venv / "bin"), "/usr/bin", "/bin"]),
            ANSIBLE_COLLECTIONS_PATH=str(ee.collections),
            ANSIBLE_HOME=str(workdir / "ansible-home"),
            ANSIBLE_LOCAL_TEMP=str(workdir / "ansible-tmp"),
            ANSIBLE_NOCOLOR="1",
            KRB5_CONFIG=str(kdc.krb5_conf),
            KRB5CCNAME="FILE:%s" % (workdir / "ccache"),
        )
        version = run([str(ee.venv / "bin" / "ansible-playbook"), "--version"], cwd=workdir, env=env).stdout
        proc = subprocess.run([str(ee.venv / "bin" / "ansible-playbook"), "-i", "inventory.yml",
                               "%s.report" % COLLECTION], cwd=workdir, env=env, capture_output=True, text=True,
                              timeout=900, check=False)
        yield lab, proc, version, workdir


def test_report_runs_from_the_environment_over_kerberos(ee, report):
    lab, proc, version, workdir = report
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "config file = None" in version, version  # no ansible.cfg: not the repository's
    assert "ansible collection location = %s" % ee.collections in version, version
    assert "(%s" % (ee.venv / "bin") in version, version  # the clean venv's Python
    assert str(ROOT) not in proc.stdout
    # Reports are written under the directory ansible-playbook runs from, not in the collection.
    assert sorted(p.name for p in (workdir / "reports").iterdir()) == [
        "kms-report.csv", "kms-report.html", "kms-report.json"]
    for host in lab.host_names:
        if host == DOWN:
            assert lab.server.wire_log(host) == []
            continue
        wire = lab.server.wire_log(host)
        assert wire and wire[0].auth == "kerberos-token" and wire[0].status == 200, (host, wire[:2])
        assert all(w.auth == "kerberos-session" for w in wire[1:]), host


def test_report_says_what_the_lab_s_hosts_hold(report):
    lab, proc, _version, workdir = report
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    document = json.loads((workdir / "reports" / "kms-report.json").read_text(encoding="utf-8"))
    hosts = {h["host"]: h for h in document["hosts"]}
    assert sorted(hosts) == sorted(lab.host_names)
    assert document["summary"]["hosts"] == len(lab.host_names)
    for name in lab.host_names:
        entry = hosts[name]
        assert entry["outcome"] == expected_outcome(lab.state(name)), (name, entry["outcome"], entry["reason"])
        if name == DOWN:
            continue
        state = lab.state(name)
        want = sorted((p["ID"].lower(), p["LicenseStatus"], "VOLUME_KMSCLIENT" in p["Description"].upper())
                      for p in office_products(state))
        got = sorted((p["sku_id"], p["license_status_code"], p["kms_client"])
                     for p in entry["products"] if p["application"] == "office")
        assert got == want, name
        assert entry["computer_name"] == state.computer_name, name
    outcomes = {h["outcome"] for h in document["hosts"]}
    assert {"activated", "expiring", "not_activated", "no_kms_office", "unreachable"} <= outcomes
