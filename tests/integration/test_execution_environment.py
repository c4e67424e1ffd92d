"""The execution environment's build context, made offline with ansible-builder (docs/aap.md).

Building the image needs a registry; the context is what we control: a base image pinned by tag,
exactly one ansible-core, the Python requirements, the collections (ours from the tarball,
kubernetes.core and amazon.aws), and the system packages the collections ask for, which must all
exist in UBI 9's repositories (kubernetes.core's openshift-clients does not: it is excluded,
ansible-collections/kubernetes.core#537). Where a container engine and the base image are present,
the image is built for real.
"""

import os
import pathlib
import re
import shlex
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
# Images known to carry no ansible-core of their own (the definition installs the only one).
BASES_WITHOUT_ANSIBLE = ("registry.access.redhat.com/ubi9/ubi-minimal:", "quay.io/centos/centos:stream9-minimal")


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


def containerfile_args(containerfile):
    return dict(re.findall(r'^ARG (\w+)="([^"]*)"$', containerfile, re.MULTILINE))


def test_containerfile_base_is_pinned_and_ansible_core_installed_once(ee_context):
    containerfile = (ee_context / "Containerfile").read_text(encoding="utf-8")
    args = containerfile_args(containerfile)
    base = args["EE_BASE_IMAGE"]
    name, _sep, tag = base.rpartition(":")
    assert "/" in name and tag and tag != "latest" and "/" not in tag, "base image pinned by tag: %s" % base
    assert base.startswith(BASES_WITHOUT_ANSIBLE), "a base with its own ansible-core would make two: %s" % base
    installs = shlex.split(args["ANSIBLE_INSTALL_REFS"]) + (ee_context / "_build" / "requirements.txt").read_text(
        encoding="utf-8").split()
    assert [ref for ref in installs if ref.startswith("ansible-core")] == ["ansible-core>=2.18,<2.22"]
    assert containerfile.count("$ANSIBLE_INSTALL_REFS") == 1
    assert "RUN /output/scripts/check_ansible $PYCMD" in containerfile


def test_header_commands_use_paths_that_exist():
    """The commands in the definition's header name files `make ee-context` creates."""
    header = [line for line in EE_FILE.read_text(encoding="utf-8").splitlines() if line.startswith("#   ")]
    commands = [line.strip("# ").split("  #")[0] for line in header]
    assert any(command.startswith("make ee-context") for command in commands)
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    made = set(re.findall(r"build/[\w-]+", makefile.split("ee-context:", 1)[1].split("\n\n", 1)[0]))
    for command in commands:
        for path in re.findall(r"(?:\.\./)?build/[\w/.-]+", command):
            assert path.startswith("build/") and path.split("/")[0] + "/" + path.split("/")[1] in made, (command, path)
        for path in re.findall(r"execution-environment/[\w.-]+", command):
            assert (REPO_ROOT / path).is_file(), (command, path)


@pytest.mark.parametrize("kubernetes_core", ["installed", "before-6.5"])
def test_collections_request_no_system_package_missing_from_ubi(ee_context, tmp_path, kubernetes_core):
    """Install the three collections as the EE would, then let ansible-builder's own introspection
    list their Python and system requirements, with the definition's exclusions (as the builder stage
    does). execution-environment/requirements.yml admits kubernetes.core 6.0 to 6.4, whose only
    system requirements are bindep.txt's, openshift-clients on RHEL 8 and 9 (kubernetes.core#537,
    #1141; 6.5 added meta/execution-environment.yml without it): "before-6.5" is that layout."""
    collections = tmp_path / "collections"
    # Outside the checkout: its ansible.cfg lists the checkout itself as installed acm.submariner.
    run(BIN / "ansible-galaxy", "collection", "install", "--no-deps", "-p", collections,
        ee_context / "_build" / "collections" / "acm-submariner.tar.gz", cwd=tmp_path)
    site = pathlib.Path(sysconfig.get_paths()["purelib"]) / "ansible_collections"
    for namespace, name in (("kubernetes", "core"), ("amazon", "aws")):
        shutil.copytree(site / namespace / name, collections / "ansible_collections" / namespace / name)
    introspect = ee_context / "_build" / "scripts" / "introspect.py"
    if kubernetes_core == "before-6.5":
        (collections / "ansible_collections" / "kubernetes" / "core" / "meta" / "execution-environment.yml").unlink()
        unfiltered = yaml.safe_load(run(sys.executable, introspect, "introspect", collections))
        assert any(line.startswith("openshift-clients") and applies_to_rhel_build(line) for line in unfiltered["system"])
    report = yaml.safe_load(run(sys.executable, introspect, "introspect", "--exclude-bindep-reqs",
                                ee_context / "_build" / "exclude-bindep.txt", collections))

    assert any("from collection acm.submariner" in line for line in report["python"])
    applicable = [line for line in report.get("system") or [] if applies_to_rhel_build(line)]
    missing = [line for line in applicable if line.split()[0] not in UBI9_PACKAGES]
    assert missing == [], "system packages the EE build would install but UBI 9 does not ship: %s" % missing


def applies_to_rhel_build(bindep_line):
    """Whether a bindep line is installed by an EE build on RHEL 9 (no test profile; platform matches)."""
    selectors = re.findall(r"\[([^\]]*)\]", bindep_line.split("#")[0])
    terms = " ".join(selectors).split()
    if any(term in ("test", "doc") for term in terms):
        return False
    platforms = [term.split(":", 1)[1] for term in terms if term.startswith("platform:")]
    return not platforms or any(platform in ("rpm", "redhat", "rhel", "rhel-9", "centos", "centos-9") for platform in platforms)


@pytest.mark.parametrize("line, expected", [
    ("openssl [test platform:rpm]", False),
    ("kubernetes-client [platform:fedora]", False),
    ("openshift-clients [platform:rhel-8]", False),
    ("openshift-clients [platform:rhel-9]", True),
    ("gcc [platform:rpm]", True),
    ("libxml2", True),
])
def test_bindep_selection(line, expected):
    assert applies_to_rhel_build(line) is expected


def container_engine():
    return shutil.which("podman") or shutil.which("buildah")


def base_image_present(engine, image):
    if engine is None:
        return False
    command = [engine, "image", "exists", image] if engine.endswith("podman") else [engine, "inspect", "--type", "image", image]
    return subprocess.run(command, capture_output=True, check=False, timeout=60).returncode == 0


BASE_IMAGE = yaml.safe_load(EE_FILE.read_text(encoding="utf-8"))["images"]["base_image"]["name"]


@pytest.mark.skipif(not base_image_present(container_engine(), BASE_IMAGE),
                    reason="needs podman or buildah and the base image %s locally (this machine reaches no container "
                           "registry)" % BASE_IMAGE)
def test_image_builds(ee_context):
    engine = container_engine()
    build = [engine, "build"] if engine.endswith("podman") else [engine, "bud"]
    run(*build, "--pull=never", "-f", ee_context / "Containerfile", "-t", "localhost/acm-submariner-ee:test", ee_context)
    versions = run(engine if engine.endswith("podman") else "podman", "run", "--rm", "localhost/acm-submariner-ee:test",
                   "ansible-galaxy", "collection", "list", "acm.submariner")
    assert "acm.submariner" in versions
