"""The playbooks run through ansible-runner the way AAP runs a job template (docs/aap.md).

AAP hands ansible-runner a private data directory: the inventory, the survey answers as extra
variables, and each credential's injection (here the multi-cluster kubeconfig credential: a private
file plus the extra variable pointing at it). The inventory itself names only contexts.
"""

import base64
import dataclasses
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest
import yaml

from tests.lab.fixtures import collections_path, mutating_requests, without_run_lease
from tests.lab.runtime import HUB_CONTEXT, REPO_ROOT

pytestmark = pytest.mark.lab

SURVEY_ANSWERS = {  # as AAP sends them: multiple-choice answers are strings
    "acm_submariner_cluster_set": "submariner",
    "acm_submariner_aws_prep_mode": "addon",
    "acm_submariner_globalnet": "true",
    "acm_submariner_gateways": 1,
}
BEARER_CREDENTIAL_ENV = ("K8S_AUTH_HOST", "K8S_AUTH_API_KEY")


@pytest.fixture(name="aap_lab", scope="module")
def aap_lab_fixture(lab_factory):
    """A fresh acm-2.12 lab for this module (overlapping CIDRs, as two default installs have)."""
    return lab_factory.get("acm-2.12", clusters=2, overlap=True)


def private_data_dir(lab, base, extra_env=None):
    """Lay out a private data directory as AAP does for a job with the kubeconfig credential."""
    pdd = pathlib.Path(base)
    shutil.rmtree(pdd, ignore_errors=True)
    (pdd / "env").mkdir(parents=True)
    (pdd / "inventory").mkdir()
    os.symlink(REPO_ROOT, pdd / "project")

    credential_file = pdd / "env" / "tmp_kubeconfig_credential"
    credential_file.write_text(lab.kubeconfig.read_text(encoding="utf-8"), encoding="utf-8")
    credential_file.chmod(0o600)

    inventory = yaml.safe_load((lab.state_dir / "inventory.yml").read_text(encoding="utf-8"))
    for group in inventory["all"]["children"].values():
        for host_vars in group["hosts"].values():
            host_vars.pop("acm_submariner_kubeconfig", None)  # comes from the credential
    (pdd / "inventory" / "hosts.yml").write_text(yaml.safe_dump(inventory), encoding="utf-8")

    extra_vars = dict(SURVEY_ANSWERS, acm_submariner_kubeconfig=str(credential_file))
    (pdd / "env" / "extravars").write_text(yaml.safe_dump(extra_vars), encoding="utf-8")

    tmpdir = pathlib.Path(lab.tmpdir)
    env = dict(line.split("=", 1) for line in (lab.state_dir / "aws.env").read_text(encoding="utf-8").splitlines() if "=" in line)
    env.update({
        # ansible-playbook of this Python first, as in an EE image.
        "PATH": os.pathsep.join([str(pathlib.Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "TMPDIR": str(tmpdir),
        "ANSIBLE_COLLECTIONS_PATH": collections_path(),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "true",
        "ANSIBLE_LOCAL_TEMP": str(tmpdir / "ansible-local"),
        "ANSIBLE_REMOTE_TEMP": str(tmpdir / "ansible-remote"),
        "ANSIBLE_HOME": str(tmpdir / "ansible-home"),
        "ACM_SUBMARINER_KUBECONFIG": str(credential_file),
        # AAP keeps facts between jobs in a JSON fact cache: make it part of what is checked.
        "ANSIBLE_CACHE_PLUGIN": "jsonfile",
        "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(pdd / "artifacts" / "fact_cache"),
    })
    env.update(extra_env or {})
    (pdd / "env" / "envvars").write_text(yaml.safe_dump(env), encoding="utf-8")
    return pdd


@dataclasses.dataclass
class Job:
    """What AAP reads back from a job: its status, its events and the play recap."""
    status: str
    events: list
    stats: dict


def run_job(pdd, playbook, ident):
    """Run the playbook with the ansible-runner command, in its own process as AAP does, and read
    the job's artifacts (status, job events, play recap)."""
    command = [str(pathlib.Path(sys.executable).with_name("ansible-runner")), "run", str(pdd), "-p", playbook,
               "--ident", ident, "--forks", "10"]
    subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    artifacts = pdd / "artifacts" / ident
    status = (artifacts / "status").read_text(encoding="utf-8").strip() if (artifacts / "status").is_file() else "missing"
    events = [json.loads(path.read_text(encoding="utf-8")) for path in sorted((artifacts / "job_events").glob("*.json"),
                                                                              key=lambda p: int(p.name.split("-", 1)[0]))]
    recap = next((event["event_data"] for event in events if event.get("event") == "playbook_on_stats"), {})
    return Job(status, events, recap)


def changed_count(job):
    return sum((job.stats.get("changed") or {}).values())


def failure_messages(job):
    return [event["event_data"]["res"].get("msg", "") for event in job.events
            if event.get("event") == "runner_on_failed" and "res" in event.get("event_data", {})]


def lab_secrets(lab):
    """Every secret value the jobs could leak: API tokens, AWS keys, the broker's IPsec PSK."""
    kubeconfig = yaml.safe_load(lab.kubeconfig.read_text(encoding="utf-8"))
    values = {user["user"]["token"] for user in kubeconfig["users"] if user.get("user", {}).get("token")}
    for secret in lab.hub.list("v1", "Secret"):
        name = secret["metadata"]["name"]
        if name.endswith("-aws-creds") or name == "submariner-ipsec-psk":
            values.update(base64.b64decode(value).decode("utf-8", "replace") for value in secret.get("data", {}).values())
    return {value for value in values if len(value) >= 8}


def leaked(pdd, secrets):
    """(file, secret) pairs for every secret found in the job's output, in clear or base64.

    Output is what AAP shows and keeps of a job: job events, stdout/stderr and the fact cache.
    (ansible-runner's ``command`` artifact records the environment the credentials injected.)
    """
    found = []
    for path in (pdd / "artifacts").rglob("*"):
        relative = path.relative_to(pdd / "artifacts")
        if not path.is_file() or not ({"job_events", "fact_cache"} & set(relative.parts) or path.name in ("stdout", "stderr")):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for secret in secrets:
            if secret in text or base64.b64encode(secret.encode()).decode() in text:
                found.append((str(path.relative_to(pdd)), secret[:4] + "…"))
    return found


def test_site_verify_uninstall_through_ansible_runner(aap_lab, tmp_path):
    pdd = private_data_dir(aap_lab, tmp_path / "job")

    first = run_job(pdd, "playbooks/site.yml", "site-1")
    assert first.status == "successful", failure_messages(first)
    gateways = aap_lab.spokes["cluster1"].list("submariner.io/v1", "Gateway")
    assert gateways and all(connection["status"] == "connected"
                            for gateway in gateways for connection in gateway["status"]["connections"])

    mark = aap_lab.requests.mark()
    second = run_job(pdd, "playbooks/site.yml", "site-2")
    assert second.status == "successful", failure_messages(second)
    assert changed_count(second) == 0, second.stats
    assert without_run_lease(mutating_requests(aap_lab, mark)) == []

    verify = run_job(pdd, "playbooks/verify.yml", "verify")
    assert verify.status == "successful", failure_messages(verify)

    uninstall = run_job(pdd, "playbooks/uninstall.yml", "uninstall")
    assert uninstall.status == "successful", failure_messages(uninstall)

    assert leaked(pdd, lab_secrets(aap_lab)) == []


def test_bearer_token_credential_is_refused_before_any_request(aap_lab, tmp_path):
    kubeconfig = yaml.safe_load(aap_lab.kubeconfig.read_text(encoding="utf-8"))
    hub_context = next(c["context"] for c in kubeconfig["contexts"] if c["name"] == HUB_CONTEXT)
    hub_cluster = next(c["cluster"] for c in kubeconfig["clusters"] if c["name"] == hub_context["cluster"])
    hub_user = next(u["user"] for u in kubeconfig["users"] if u["name"] == hub_context["user"])
    bearer_env = {"K8S_AUTH_HOST": hub_cluster["server"], "K8S_AUTH_API_KEY": hub_user["token"],
                  "K8S_AUTH_SSL_CA_CERT": str(aap_lab.state_dir / "ca.crt"), "K8S_AUTH_VERIFY_SSL": "True"}
    pdd = private_data_dir(aap_lab, tmp_path / "job", extra_env=bearer_env)

    mark = aap_lab.requests.mark()
    runner = run_job(pdd, "playbooks/site.yml", "site-bearer")

    assert runner.status == "failed"
    message = " ".join(failure_messages(runner))
    for variable in BEARER_CREDENTIAL_ENV:
        assert variable in message
    assert "OpenShift or Kubernetes API Bearer Token" in message
    assert aap_lab.requests.since(mark) == [], "no request may reach any cluster"
    assert leaked(pdd, lab_secrets(aap_lab)) == []


def test_credential_types_and_job_templates_fit_the_playbooks():
    """The as-code definitions name variables the playbooks really read, and mark secrets secret."""
    credential_types = yaml.safe_load((REPO_ROOT / "aap" / "credential_types.yml").read_text(encoding="utf-8"))
    templates = yaml.safe_load((REPO_ROOT / "aap" / "job_templates.yml").read_text(encoding="utf-8"))
    playbook_text = "\n".join(path.read_text(encoding="utf-8") for path in
                              [*REPO_ROOT.glob("playbooks/*.yml"), *REPO_ROOT.glob("roles/*/defaults/main.yml"),
                               *REPO_ROOT.glob("roles/*/tasks/*.yml")])
    for credential_type in credential_types["controller_credential_types"]:
        for field in credential_type["inputs"]["fields"]:
            if any(word in field["id"] for word in ("kubeconfig", "secret", "token", "key")) and field["id"] != "aws_access_key_id":
                assert field.get("secret") is True, field["id"]
        for variable in credential_type["injectors"].get("extra_vars", {}):
            assert variable in playbook_text, "%s is injected but no playbook reads it" % variable
    for template in templates["controller_templates"]:
        assert (REPO_ROOT / template["playbook"]).is_file()
        for question in (template.get("survey_spec") or {}).get("spec", []):
            assert question["type"] != "password", "secrets belong in credentials, not surveys"
            assert question["variable"] in playbook_text, question["variable"]
    assert json.dumps(templates).count("Bearer") == 0 or "Never attach" in (REPO_ROOT / "aap" / "job_templates.yml").read_text()
