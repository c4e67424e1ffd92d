"""The playbooks run through ansible-runner the way AAP runs a job template (docs/aap.md).

AAP hands ansible-runner a private data directory: the inventory, the survey answers as extra
variables, and each credential's injection. The injections are made here from aap/credential_types.yml
as AWX's CredentialType.inject_credential makes them (github:ansible/awx
awx/main/models/credential.py at e21dd0a093): file injectors become private files under env/, inputs
left empty render as empty strings, env injectors go to the environment, extra_vars injectors to the
extra variables. The inventory itself names only contexts.
"""

import base64
import dataclasses
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import types

import pytest
import yaml
from jinja2 import sandbox

from tests.lab.fixtures import aws_env, collections_path, mutating_requests, without_run_lease
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


class _CredentialTypeLoader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
    """aap/credential_types.yml as the controller receives it: !unsafe strings are plain templates."""


_CredentialTypeLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))
CREDENTIAL_TYPES = {item["name"]: item for item in yaml.load(
    (REPO_ROOT / "aap" / "credential_types.yml").read_text(encoding="utf-8"), Loader=_CredentialTypeLoader
)["controller_credential_types"]}
KUBECONFIG_TYPE = "ACM Submariner multi-cluster kubeconfig"
AWS_KEYS_TYPE = "ACM Submariner AWS keys"


def inject(credential_type, inputs, pdd):
    """(env, extra_vars) of one credential, written as AWX's inject_credential writes them."""
    injectors = CREDENTIAL_TYPES[credential_type]["injectors"]
    namespace = {key: value for key, value in inputs.items() if value}
    tower = types.SimpleNamespace(filename=types.SimpleNamespace())
    namespace["tower"] = tower
    environment = sandbox.ImmutableSandboxedEnvironment()
    for label, template in injectors.get("file", {}).items():
        handle, path = tempfile.mkstemp(dir=pdd / "env")
        with os.fdopen(handle, "w") as file:
            file.write(environment.from_string(template).render(**namespace))
        os.chmod(path, 0o600)
        setattr(tower.filename, label.split(".", 1)[1], path)
    env = {key: environment.from_string(template).render(**namespace) for key, template in injectors.get("env", {}).items()}
    extra_vars = {key: environment.from_string(template).render(**namespace)
                  for key, template in injectors.get("extra_vars", {}).items()}
    return env, extra_vars


def private_data_dir(lab, base, extra_env=None, hub_context="", inventory_hub_context=None, aws_keys=None):
    """Lay out a private data directory as AAP does for a job with the kubeconfig credential (its
    ``hub_context`` input as given) and, with ``aws_keys``, the AWS keys credential."""
    pdd = pathlib.Path(base)
    shutil.rmtree(pdd, ignore_errors=True)
    (pdd / "env").mkdir(parents=True)
    (pdd / "inventory").mkdir()
    os.symlink(REPO_ROOT, pdd / "project")

    inventory = yaml.safe_load((lab.state_dir / "inventory.yml").read_text(encoding="utf-8"))
    for group in inventory["all"]["children"].values():
        for host_vars in group["hosts"].values():
            host_vars.pop("acm_submariner_kubeconfig", None)  # comes from the credential
    if inventory_hub_context is not None:
        inventory["all"]["children"]["acm_hub"]["hosts"]["hub"]["acm_submariner_hub_context"] = inventory_hub_context
    (pdd / "inventory" / "hosts.yml").write_text(yaml.safe_dump(inventory), encoding="utf-8")

    injected_env, extra_vars = inject(KUBECONFIG_TYPE, {"kubeconfig": lab.kubeconfig.read_text(encoding="utf-8"),
                                                        "hub_context": hub_context}, pdd)
    if aws_keys:
        more_env, more_vars = inject(AWS_KEYS_TYPE, aws_keys, pdd)
        injected_env.update(more_env)
        extra_vars.update(more_vars)
    (pdd / "env" / "extravars").write_text(yaml.safe_dump(dict(SURVEY_ANSWERS, **extra_vars)), encoding="utf-8")

    tmpdir = pathlib.Path(lab.tmpdir)
    env = aws_env(lab)
    env.update({
        # ansible-playbook of this Python first, as in an EE image.
        "PATH": os.pathsep.join([str(pathlib.Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "TMPDIR": str(tmpdir),
        "ANSIBLE_COLLECTIONS_PATH": collections_path(),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "true",
        "ANSIBLE_LOCAL_TEMP": str(tmpdir / "ansible-local"),
        "ANSIBLE_REMOTE_TEMP": str(tmpdir / "ansible-remote"),
        "ANSIBLE_HOME": str(tmpdir / "ansible-home"),
        # AAP keeps facts between jobs in a JSON fact cache: make it part of what is checked.
        "ANSIBLE_CACHE_PLUGIN": "jsonfile",
        "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(pdd / "artifacts" / "fact_cache"),
        # The report files stay in the job's folder (in AAP: inside the EE, discarded with the job).
        "PWD": str(pdd),
    }, **injected_env)
    env.update(extra_env or {})
    (pdd / "env" / "envvars").write_text(yaml.safe_dump(env), encoding="utf-8")
    return pdd


@dataclasses.dataclass
class Job:
    """What AAP reads back from a job: its status, its events, the play recap and the set_stats
    artifacts (the job's ``artifacts`` in AAP)."""
    status: str
    events: list
    stats: dict
    artifacts: dict


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
    return Job(status, events, recap, recap.get("artifact_data") or {})


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


def secret_data(lab, cluster):
    secret = lab.hub.get("v1", "Secret", "%s-aws-creds" % cluster, cluster)
    return secret and {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}


def assert_summary(job, clusters):
    """The set_stats summary of the verify play: per-cluster state, tunnels, problems, the report."""
    summary = job.artifacts["acm_submariner_verify"]
    assert summary["state"] == "ready", summary["problems"]
    assert {cluster["name"]: cluster["state"] for cluster in summary["clusters"]} == dict.fromkeys(clusters, "ready")
    assert summary["tunnels"] and all(tunnel["status"] == "connected" for tunnel in summary["tunnels"]), summary["tunnels"]
    assert summary["problems"] == []
    assert all(cluster in summary["report"] for cluster in clusters) and summary["report"].startswith("# ")


def test_site_verify_uninstall_through_ansible_runner(aap_lab, tmp_path):
    """The credential's hub context wins over a wrong one in the inventory; the AWS keys credential
    makes aws_prep create the one missing credentials secret and leaves the existing one alone."""
    clusters = sorted(aap_lab.world.cluster_for(context) for context in aap_lab.world.contexts())
    kept, missing = clusters
    kept_before = aap_lab.hub.get("v1", "Secret", "%s-aws-creds" % kept, kept)
    missing_keys = secret_data(aap_lab, missing)
    secrets = lab_secrets(aap_lab)
    aap_lab.hub.delete("v1", "Secret", "%s-aws-creds" % missing, missing)
    try:
        pdd = private_data_dir(aap_lab, tmp_path / "job", hub_context=HUB_CONTEXT, inventory_hub_context="no-such-context",
                               aws_keys=missing_keys)

        first = run_job(pdd, "playbooks/site.yml", "site-1")
        assert first.status == "successful", failure_messages(first)
        gateways = aap_lab.spokes["cluster1"].list("submariner.io/v1", "Gateway")
        assert gateways and all(connection["status"] == "connected"
                                for gateway in gateways for connection in gateway["status"]["connections"])
        assert_summary(first, clusters)
        created = aap_lab.hub.get("v1", "Secret", "%s-aws-creds" % missing, missing)
        assert created["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "acm.submariner"
        assert secret_data(aap_lab, missing) == missing_keys
        assert aap_lab.hub.get("v1", "Secret", "%s-aws-creds" % kept, kept) == kept_before

        mark = aap_lab.requests.mark()
        second = run_job(pdd, "playbooks/site.yml", "site-2")
        assert second.status == "successful", failure_messages(second)
        assert changed_count(second) == 0, second.stats
        assert without_run_lease(mutating_requests(aap_lab, mark)) == []

        verify = run_job(pdd, "playbooks/verify.yml", "verify")
        assert verify.status == "successful", failure_messages(verify)
        assert_summary(verify, clusters)

        uninstall = run_job(pdd, "playbooks/uninstall.yml", "uninstall")
        assert uninstall.status == "successful", failure_messages(uninstall)
        assert aap_lab.hub.get("v1", "Secret", "%s-aws-creds" % missing, missing) is None, "ours, so uninstall deleted it"
        assert aap_lab.hub.get("v1", "Secret", "%s-aws-creds" % kept, kept) == kept_before

        assert leaked(pdd, secrets | lab_secrets(aap_lab)) == []
    finally:
        if aap_lab.hub.get("v1", "Secret", "%s-aws-creds" % missing, missing) is None:
            aap_lab.hub.create({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                                "metadata": {"name": "%s-aws-creds" % missing, "namespace": missing},
                                "data": {key: base64.b64encode(value.encode()).decode() for key, value in missing_keys.items()}})


def test_credential_hub_context_decides_the_hub(aap_lab, tmp_path):
    """Without the credential's hub_context the inventory's is used: here a managed cluster's
    context, so the hub's reads go to that cluster and the job stops in preflight."""
    spoke_context = aap_lab.world.contexts()[0]
    pdd = private_data_dir(aap_lab, tmp_path / "job", hub_context="", inventory_hub_context=spoke_context)

    mark = aap_lab.requests.mark()
    job = run_job(pdd, "playbooks/site.yml", "site-wrong-hub")

    assert job.status == "failed"
    requests = aap_lab.requests.since(mark)
    assert any(request["cluster"] == spoke_context for request in requests)
    assert not any(request["cluster"] == HUB_CONTEXT for request in requests), "the hub was never the hub host's target"
    assert mutating_requests(aap_lab, mark) == []


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
