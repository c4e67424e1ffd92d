"""Secrets never leave the hub and the vault of variables: no AWS key, token or PSK in any output, report, fact or file left behind.

One lab goes through a whole lifecycle with every auth shape (hub and clusters by API host + token as in
inventory/example/hosts.yml, by kubeconfig, and every hub/cluster mix of the two) and every output: the
default callback with ``-vvv --diff``, the json callback, ansible-runner's artifacts (job events, stdout,
the jsonfile fact cache), the verify report, a failing run, and the temporary folders of runs interrupted
with SIGKILL and SIGTERM. The known secret values are then searched for, in clear and in base64. The TLS
tests check that the default verifies the lab's CA and that no test, benchmark or playbook of this
repository turns verification off.
"""

import base64
import pathlib
import re
import signal

import pytest

from tests.lab.runtime import AWS_KEYS, REPO_ROOT
from tests.reliability import labrun, state

BROKER_API = "submariner.io/v1alpha1"
SCANNED = ("tests", "benchmarks", "playbooks", "roles", "extensions", "site.yml")


def secret_values(lab, broker_namespace):
    """Every credential the lab knows: AWS keys, API tokens, the broker PSK and the clusters' broker tokens (and their base64)."""
    values = {"aws_access_key_id": AWS_KEYS["AWS_ACCESS_KEY_ID"], "aws_secret_access_key": AWS_KEYS["AWS_SECRET_ACCESS_KEY"]}
    for context, tokens in lab.tokens.items():
        for kind, token in tokens.items():
            values["%s %s token" % (context, kind)] = token
    for secret in lab.hub.list("v1", "Secret"):  # the clusters' AWS credentials secrets the roles read the keys from
        for key, encoded in (secret.get("data") or {}).items():
            if key in ("aws_access_key_id", "aws_secret_access_key"):
                values["%s/%s %s" % (secret["metadata"]["namespace"], secret["metadata"]["name"], key)] = base64.b64decode(encoded).decode()
    for label, value in list(values.items()):
        values[label + " (base64)"] = base64.b64encode(value.encode()).decode()
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


def files(root, skip=()):
    """``{path: text}`` of every file under ``root`` (``skip``: file names left out, with the reason at the caller)."""
    root = pathlib.Path(root)
    return {str(path): path.read_text(encoding="utf-8", errors="replace")
            for path in (root.rglob("*") if root.is_dir() else []) if path.is_file() and path.name not in skip}


@pytest.mark.converges
@pytest.mark.usefixtures("stop_labs_after")
def test_no_secret_in_any_output_with_any_auth_shape(fresh_lab, tmp_path):
    lab = fresh_lab
    before = lab.dump()
    tokens = labrun.token_auth_inventory(lab, tmp_path / "token.yml")
    # Every hub/cluster auth mix, end to end: site.yml with the hub by token, aws-sub1 by kubeconfig (the mix whose
    # kubeconfig hook once sent the hub's requests to the cluster) and aws-sub2 by token; verify.yml with the hub by
    # kubeconfig, aws-sub1 by token and aws-sub2 by kubeconfig.
    mixed = labrun.token_auth_inventory(lab, tmp_path / "mixed.yml", token_hosts=("hub", "aws-sub2"))
    mixed_verify = labrun.token_auth_inventory(lab, tmp_path / "mixed-verify.yml", token_hosts=("aws-sub1",))
    temporary = (pathlib.Path(lab.tmpdir) / "ansible-remote", pathlib.Path(lab.tmpdir) / "ansible-local")
    texts = {}
    # Killed while a module with a token in its arguments is at work: nothing of it may stay in the temporary folders.
    for index, signum in ((1, signal.SIGKILL), (2, signal.SIGTERM)):
        log = tmp_path / ("interrupted-%d.log" % index)
        labrun.kill_after(lab, labrun.spawn(lab, inventory=tokens, log_path=log), 2, signum)
        texts["interrupted run %d output" % index] = log.read_text(encoding="utf-8", errors="replace")
        for folder in temporary:
            texts.update({"after interruption %d: %s" % (index, path): text for path, text in files(folder).items()})
    fact_cache = {"ANSIBLE_CACHE_PLUGIN": "jsonfile", "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(tmp_path / "fact_cache")}
    site = labrun.run(lab, inventory=mixed, verbosity=3, diff=True, callback="default", env=fact_cache).check()
    texts["site.yml output (mixed auth, -vvv --diff)"] = site.output
    values = secret_values(lab, "submariner-broker")
    assert any("psk" in label for label in values), "no broker PSK on the hub after site.yml: %s" % sorted(values)

    report_dir = tmp_path / "report"
    verify = labrun.run(lab, labrun.VERIFY, inventory=mixed_verify, verbosity=3, diff=True, extra_vars={"verify_report_dir": str(report_dir)},
                        env=fact_cache)
    texts["verify.yml output (mixed auth, json callback, -vvv --diff)"] = verify.check().output
    code, artifacts = labrun.run_with_runner(lab, labrun.VERIFY, tokens, tmp_path / "runner", cmdline="-vvv --diff",
                                             extra_vars={"verify_report_dir": str(report_dir)})
    assert code == 0, (artifacts / "job" / "stdout").read_text(encoding="utf-8")[-4000:]
    # `command` records the environment the caller set (AAP's injected credentials); the playbooks never write it.
    texts.update(files(artifacts, skip=("command",)))
    assert list((artifacts / "job" / "job_events").glob("*.json")), "ansible-runner wrote no job events"
    texts.update(files(report_dir))
    assert len(list(report_dir.iterdir())) > 0, "verify.yml wrote no report under %s" % report_dir

    uninstall = labrun.run(lab, labrun.UNINSTALL, inventory=tokens, env=fact_cache)
    texts["uninstall.yml output (token auth, json callback)"] = uninstall.check().output
    failing = labrun.run(lab, inventory=tokens, verbosity=3, diff=True,
                         callback="default", extra_vars={"acm_submariner_nat_t_port": 70000})
    assert failing.returncode != 0 and failing.mutating == []
    texts["failing site.yml output (token auth, -vvv --diff)"] = failing.output
    assert list((tmp_path / "fact_cache").iterdir()), "the jsonfile fact cache was not written"
    texts.update(files(tmp_path / "fact_cache"))
    for folder in temporary:
        texts.update(files(folder))
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
