"""The execution environment's build context, made offline with ansible-builder (docs/aap.md).

Building the image needs a registry; the context is what we control: the Python requirements, the
collections (ours from the tarball, kubernetes.core and amazon.aws), and the system packages the
collections ask for, which must all exist in the UBI-based image's package manager.
"""

import os
import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile

import pytest
import yaml

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
EE_FILE = REPO_ROOT / "execution-environment" / "execution-environment.yml"
# System packages a collection may request for the EE build, each checked to exist in UBI 9's
# BaseOS/AppStream repositories (what microdnf in ee-minimal-rhel9 installs from). Empty today:
# nothing outside test profiles applies to RHEL.
UBI9_PACKAGES = frozenset()


def clean_env():
    """The environment of a fresh shell: nothing another test (a lab, ansible-runner) left behind."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("ANSIBLE_", "K8S_AUTH_", "AWS_", "MOTO_")) and key not in ("TMPDIR", "KUBECONFIG")}
    env["TMPDIR"] = tempfile.mkdtemp(prefix="ee-test-")
    return env


def run(*command, cwd=REPO_ROOT):
    completed = subprocess.run([str(part) for part in command], cwd=cwd, env=clean_env(), capture_output=True, text=True,
                               check=False, timeout=300)
    assert completed.returncode == 0, "%s failed:\n%s\n%s" % (command, completed.stdout[-3000:], completed.stderr[-3000:])
    return completed.stdout


@pytest.fixture(name="ee_context", scope="module")
def ee_context_fixture(tmp_path_factory):
    """`make ee-context`'s steps in a temporary folder: collection tarball, then ansible-builder create."""
    work = tmp_path_factory.mktemp("ee")
    dist = work / "dist"
    run(BIN / "ansible-galaxy", "collection", "build", "--output-path", dist, REPO_ROOT)
    tarball = next(dist.glob("acm-submariner-*.tar.gz"))
    definition_dir = work / "execution-environment"
    shutil.copytree(REPO_ROOT / "execution-environment", definition_dir)
    shutil.copy(REPO_ROOT / "requirements.txt", work / "requirements.txt")
    collections = work / "build" / "ee-collections"
    collections.mkdir(parents=True)
    shutil.copy(tarball, collections / "acm-submariner.tar.gz")
    context = work / "context"
    run(BIN / "ansible-builder", "create", "-f", definition_dir / "execution-environment.yml", "-c", context, "--output-filename", "Containerfile")
    return context


def test_context_holds_python_requirements_and_collections(ee_context):
    build = ee_context / "_build"
    python_requirements = (build / "requirements.txt").read_text(encoding="utf-8")
    for requirement in ("kubernetes>=24.2.0,<37", "boto3>=", "botocore>=", "jsonpatch", "PyYAML"):
        assert requirement in python_requirements, requirement
    galaxy = yaml.safe_load((build / "requirements.yml").read_text(encoding="utf-8"))["collections"]
    names = [entry["name"] for entry in galaxy]
    assert {"kubernetes.core", "amazon.aws"} <= set(names)
    ours = next(entry for entry in galaxy if entry.get("type") == "file")
    assert (build / ours["name"]).is_file(), "the collection tarball is in the build context"
    containerfile = (ee_context / "Containerfile").read_text(encoding="utf-8")
    assert "ansible-galaxy collection install" in containerfile
    assert re.search(r"ansible-core>=2\.18", containerfile)


def test_collections_request_no_system_package_missing_from_ubi(ee_context, tmp_path):
    """Install the three collections as the EE would, then let ansible-builder's own introspection
    list their Python and system requirements."""
    collections = tmp_path / "collections"
    run(BIN / "ansible-galaxy", "collection", "install", "--no-deps", "-p", collections,
        ee_context / "_build" / "collections" / "acm-submariner.tar.gz")
    site = pathlib.Path(sysconfig.get_paths()["purelib"]) / "ansible_collections"
    for namespace, name in (("kubernetes", "core"), ("amazon", "aws")):
        shutil.copytree(site / namespace / name, collections / "ansible_collections" / namespace / name)
    report = yaml.safe_load(run(sys.executable, ee_context / "_build" / "scripts" / "introspect.py", "introspect", collections))

    assert any("from collection acm.submariner" in line for line in report["python"])
    applicable = [line for line in report.get("system") or [] if applies_to_rhel_build(line)]
    missing = [line for line in applicable if line.split()[0] not in UBI9_PACKAGES]
    assert missing == [], "system packages the EE build would install but UBI 9 does not ship: %s" % missing


def applies_to_rhel_build(bindep_line):
    """Whether a bindep line is installed by an EE build on RHEL (no test profile; platform matches)."""
    selectors = re.findall(r"\[([^\]]*)\]", bindep_line.split("#")[0])
    terms = " ".join(selectors).split()
    if any(term in ("test", "doc") for term in terms):
        return False
    platforms = [term.split(":", 1)[1] for term in terms if term.startswith("platform:")]
    return not platforms or any(platform in ("rpm", "redhat", "rhel", "centos") for platform in platforms)


@pytest.mark.parametrize("line, expected", [
    ("openssl [test platform:rpm]", False),
    ("kubernetes-client [platform:fedora]", False),
    ("gcc [platform:rpm]", True),
    ("libxml2", True),
])
def test_bindep_selection(line, expected):
    assert applies_to_rhel_build(line) is expected
