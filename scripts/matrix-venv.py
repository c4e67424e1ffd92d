"""Build the venv of one support-matrix combination: .venvs/<name> from requirements/matrix-<name>.txt.

The requirement file pins the Python packages; its header comments name the Python version
(``# python: 3.11``) and where each collection comes from
(``# collection: kubernetes.core==6.1.0 from ansible==12.0.0``): that collection is extracted from
the `ansible` bundle's wheel (pip's cache keeps the download) into ``.venvs/<name>/collections``,
and its MANIFEST.json must carry exactly the claimed version.
"""

import argparse
import glob
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import zipfile

REPO = pathlib.Path(__file__).resolve().parents[1]
HEADER = re.compile(r"^#\s*(python|collection):\s*(.+?)\s*$")
COLLECTION = re.compile(r"^(\w+)\.(\w+)==([\w.]+) from (ansible==[\w.]+)$")


def read_header(requirements):
    python, collections = None, []
    for line in requirements.read_text(encoding="utf-8").splitlines():
        match = HEADER.match(line)
        if not match:
            continue
        key, value = match.groups()
        if key == "python":
            python = value
            continue
        parsed = COLLECTION.match(value)
        if not parsed:
            sys.exit("%s: cannot read %r (want 'ns.name==X.Y.Z from ansible==A.B.C')" % (requirements, line))
        collections.append(parsed.groups())
    if python is None:
        sys.exit("%s: no '# python: X.Y' line" % requirements)
    return python, collections


def find_python(version):
    """An interpreter of exactly ``version`` (pyenv shims of inactive versions fail, so each is run)."""
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = ["python" + version] + sorted(glob.glob(os.path.join(root, "versions", version + ".*", "bin", "python" + version)))
    for candidate in candidates:
        try:
            found = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2], sys.executable)"],
                                   capture_output=True, text=True, check=False)
        except OSError:
            continue
        if found.returncode == 0 and found.stdout.split()[0] == version:
            return found.stdout.split()[1]
    sys.exit("matrix-venv: no Python %s found (looked for python%s and pyenv's versions/%s.*)" % (version, version, version))


def pip(python, *args):
    subprocess.run([python, "-m", "pip", "--disable-pip-version-check", *args], check=True)


def extract(wheel, namespace, name, version, target):
    prefix = "ansible_collections/%s/%s/" % (namespace, name)
    destination = target / namespace / name
    shutil.rmtree(destination, ignore_errors=True)
    with zipfile.ZipFile(wheel) as archive:
        members = [member for member in archive.namelist() if member.startswith(prefix)]
        if not members:
            sys.exit("matrix-venv: %s has no %s.%s" % (wheel.name, namespace, name))
        archive.extractall(target.parent, members)
    found = json.loads((destination / "MANIFEST.json").read_text(encoding="utf-8"))["collection_info"]["version"]
    if found != version:
        sys.exit("matrix-venv: %s carries %s.%s %s, not %s" % (wheel.name, namespace, name, found, version))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name")
    parser.add_argument("--dir", default=str(REPO / ".venvs"))
    options = parser.parse_args()
    requirements = REPO / "requirements" / ("matrix-%s.txt" % options.name)
    python_version, collections = read_header(requirements)
    venv = pathlib.Path(options.dir) / options.name
    wheels = pathlib.Path(options.dir) / "wheels"
    if not (venv / "bin" / "python").exists():
        subprocess.run([find_python(python_version), "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    pip(python, "install", "--quiet", "--upgrade", "pip")
    pip(python, "install", "--quiet", "-r", str(requirements))
    target = venv / "collections" / "ansible_collections"
    for namespace, name, version, bundle in collections:
        wheel = wheels / ("ansible-%s-py3-none-any.whl" % bundle.split("==")[1])
        if not wheel.exists():
            pip(python, "download", "--quiet", "--no-deps", "--only-binary", ":all:", "-d", str(wheels), bundle)
        extract(wheel, namespace, name, version, target)
        print("matrix-venv: %s.%s %s from %s" % (namespace, name, version, bundle))


if __name__ == "__main__":
    main()
