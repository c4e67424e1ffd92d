"""Secrets never leave the hub and the vault of variables: no AWS key, token or PSK in any output, report or returned fact.

site.yml, verify.yml and uninstall.yml run with ``-vvv --diff`` (module arguments and results printed
in full) against one lab; the known secret values are then searched for in everything they printed
and wrote. The TLS tests check that the default verifies the lab's CA and that no test, benchmark or
playbook of this repository turns verification off.
"""

import base64
import pathlib
import re

import pytest

from tests.lab.runtime import AWS_KEYS, REPO_ROOT
from tests.reliability import labrun, state

BROKER_API = "submariner.io/v1alpha1"
SCANNED = ("tests", "benchmarks", "playbooks", "roles", "extensions", "site.yml")


def secret_values(lab, broker_namespace):
    """Every credential the lab knows: AWS keys, API tokens, the broker PSK and the clusters' broker tokens."""
    values = {"aws_access_key_id": AWS_KEYS["AWS_ACCESS_KEY_ID"], "aws_secret_access_key": AWS_KEYS["AWS_SECRET_ACCESS_KEY"]}
    for context, tokens in lab.tokens.items():
        for kind, token in tokens.items():
            values["%s %s token" % (context, kind)] = token
    for secret in lab.hub.list("v1", "Secret", namespace=broker_namespace):
        for key, encoded in (secret.get("data") or {}).items():
            if key in ("psk", "token"):
                values["%s/%s %s" % (broker_namespace, secret["metadata"]["name"], key)] = encoded
                decoded = base64.b64decode(encoded)
                if decoded.isascii():
                    values["%s/%s %s (decoded)" % (broker_namespace, secret["metadata"]["name"], key)] = decoded.decode()
    return values


def leaks(values, texts):
    return sorted({"%s in %s" % (label, where) for label, value in values.items() for where, text in texts.items() if value in text})


@pytest.mark.converges
@pytest.mark.usefixtures("stop_labs_after")
def test_no_secret_in_output_reports_or_facts(fresh_lab, tmp_path):
    lab = fresh_lab
    report_dir = tmp_path / "report"
    before = lab.dump()
    texts = {}
    site = labrun.run(lab, labrun.SITE, verbosity=3, diff=True, callback="default").check()
    texts["site.yml output"] = site.output
    values = secret_values(lab, "submariner-broker")
    assert any("psk" in label for label in values), "no broker PSK on the hub after site.yml: %s" % sorted(values)
    verify = labrun.run(lab, labrun.VERIFY, verbosity=3, diff=True, callback="default",
                        extra_vars={"verify_report_dir": str(report_dir)}).check()
    texts["verify.yml output"] = verify.output
    for path in report_dir.rglob("*"):
        if path.is_file():
            texts[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    assert len(texts) > 2, "verify.yml wrote no report under %s" % report_dir
    uninstall = labrun.run(lab, labrun.UNINSTALL, verbosity=3, diff=True, callback="default").check()
    texts["uninstall.yml output"] = uninstall.output
    assert leaks(values, texts) == []
    assert state.residue(before, lab.dump()) == []


def test_default_verifies_the_lab_ca(clean_lab):
    """The lab's kubeconfig names its CA and no insecure flag: every converging run in this suite verified it."""
    kubeconfig = (clean_lab.state_dir / "kubeconfig").read_text(encoding="utf-8")
    assert "certificate-authority: %s" % clean_lab.ca_file in kubeconfig
    assert "insecure-skip-tls-verify" not in kubeconfig


def _insecure_patterns():
    # Built from parts so that this file does not match itself.
    key = "validate" + "_certs"
    return re.compile(r"\b%s\s*[:=]\s*[\"']?(false|no|off|0)\b|insecure-skip-tls-verify\s*:\s*true|\bverify\s*=\s*False" % key,
                      re.IGNORECASE)


def test_certificate_verification_is_never_turned_off():
    pattern = _insecure_patterns()
    found = []
    for top in SCANNED:
        root = REPO_ROOT / top
        paths = [root] if root.is_file() else [p for p in root.rglob("*") if p.suffix in (".py", ".yml", ".yaml", ".j2", ".sh", ".cfg")]
        for path in paths:
            if "output" in path.relative_to(REPO_ROOT).parts[:2]:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                if pattern.search(line):
                    found.append("%s:%d: %s" % (pathlib.Path(path).relative_to(REPO_ROOT), number, line.strip()))
    assert found == []
