"""Galaxy's importer on the built collection, as Galaxy and Automation Hub run it on upload
(make importer; galaxy-importer from PyPI, in its own virtual environment .importer, without
a container: ansible-test's container run is the importer's opt-in `run_ansible_test`, which
make sanity stands for).

The importer builds nothing: it loads the artifact `ansible-galaxy collection build` writes,
reads every plugin's documentation with ansible-doc, lints the collection with ansible-lint
(offline), and checks the metadata, the required tags (Automation Hub's check_required_tags)
and the changelog. The run is clean when it completes and prints no WARNING or ERROR line.

One check cannot pass yet, by design: Galaxy refuses a collection whose metadata names no
`repository`, and galaxy.yml names none, since the project has no published repository and
galaxy.yml does not invent one. While that is so, this script says it in one line and runs the
importer on a copy whose MANIFEST.json names https://repository.invalid/... (RFC 6761: a name
that can never resolve), so that everything else is still checked. Once galaxy.yml names the
repository, the artifact is checked as built.

    python -m tests.galaxy_importer IMPORTER_PYTHON
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = "https://repository.invalid/volume_licensing/kms"


def build(output: Path) -> Path:
    ansible_galaxy = Path(sys.executable).parent / "ansible-galaxy"
    subprocess.run([str(ansible_galaxy), "collection", "build", str(ROOT), "--output-path", str(output)],
                   check=True, stdout=subprocess.DEVNULL)
    [artifact] = output.glob("volume_licensing-kms-*.tar.gz")
    return artifact


def with_repository(artifact: Path, url: str) -> None:
    """Rewrite the artifact in place with MANIFEST.json naming ``url`` as its repository."""
    with tarfile.open(artifact) as tar:
        members = [(m, tar.extractfile(m).read() if m.isfile() else None) for m in tar.getmembers()]
    with tarfile.open(artifact, "w:gz") as tar:
        for member, content in members:
            data = content
            if member.name == "MANIFEST.json":
                manifest = json.loads(content)
                manifest["collection_info"]["repository"] = url
                data = json.dumps(manifest, indent=4).encode()
                member.size = len(data)
            tar.addfile(member, io.BytesIO(data) if data is not None else None)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    importer_python = Path(argv[0]).absolute()  # not resolved: the venv's python is a link
    with tempfile.TemporaryDirectory(prefix="importer-") as tmp:
        artifact = build(Path(tmp))
        with tarfile.open(artifact) as tar:
            repository = json.load(tar.extractfile("MANIFEST.json"))["collection_info"].get("repository")
        if not repository:
            print("galaxy-importer: galaxy.yml names no repository, which Galaxy requires (the project has "
                  "none published yet); checking the rest with %s in a copy's MANIFEST.json." % PLACEHOLDER)
            with_repository(artifact, PLACEHOLDER)
        env = dict(os.environ, PATH="%s%s%s" % (importer_python.parent, os.pathsep, os.environ.get("PATH", "")),
                   GALAXY_IMPORTER_CHECK_REQUIRED_TAGS="True", HOME=tmp)
        env.pop("ANSIBLE_CONFIG", None)
        proc = subprocess.run([str(importer_python), "-m", "galaxy_importer.main", str(artifact)], cwd=tmp, env=env,
                              capture_output=True, text=True, check=False)
    output = proc.stdout + proc.stderr
    print(output, end="")
    findings = [line for line in output.splitlines() if line.startswith(("WARNING", "ERROR"))]
    if proc.returncode != 0 or findings or "Importer processing completed successfully" not in output:
        print("galaxy-importer: not clean (exit %d, %d findings)." % (proc.returncode, len(findings)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
