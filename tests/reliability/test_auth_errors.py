"""Auth mistakes fail first, in preflight or before it, with one clear line: the cluster, its context and URL, the fix.

A managed cluster's API refusing its token (401), serving a certificate its CA does not sign, or not
listening at all is explained as the hub's errors are (no HTTP headers, no traceback, a closed port not
blamed on credentials). Ambient ``K8S_AUTH_*`` variables and an inventory without the hub's group are
refused before any request. Every case makes 0 writes (the lab's request log) and leaks no secret.
"""

import copy
import pathlib

import pytest
import yaml

from tests.reliability import labrun
from tests.reliability.test_bad_input import foreign_ca
from tests.reliability.test_secrets_tls import leaks, secret_values

CLUSTER = "aws-sub2"
CONTEXT = "cluster2"
CLOSED_PORT = "https://127.0.0.1:9"


def first_line(run):
    failure = next(iter(run.failures()), None)
    assert failure is not None, "no failed task:\n%s" % run.output[-3000:]
    return "%s: %s" % (failure["host"], str(failure["result"].get("msg", "")).splitlines()[0])


def assert_says(message, *words):
    missing = [word for word in words if word.lower() not in message.lower()]
    assert not missing, "the message lacks %s: %s" % (missing, message[:2000])


def kubeconfig_with(lab, path, context, cluster=None, token=None):
    """The lab's kubeconfig plus ``context``: cluster2's user and cluster, with the cluster's fields or the token replaced."""
    config = copy.deepcopy(lab.kubeconfig_dict())
    base = next(c for c in config["clusters"] if c["name"] == CONTEXT)["cluster"]
    config["clusters"].append({"name": context, "cluster": dict(base, **(cluster or {}))})
    user = next(u for u in config["users"] if u["name"] == CONTEXT + "-admin")["user"]
    config["users"].append({"name": context, "user": dict(user, **({"token": token} if token else {}))})
    config["contexts"].append({"name": context, "context": {"cluster": context, "user": context}})
    pathlib.Path(path).write_text(yaml.safe_dump(config), encoding="utf-8")
    return str(path)


def token_case(lab, tmp_path):
    inventory = labrun.write_inventory(lab, tmp_path / "inventory.yml", clusters={CLUSTER: {
        "acm_submariner_kubeconfig": None, "acm_submariner_cluster_context": None, "acm_submariner_api_host": lab.server_url(CONTEXT),
        "acm_submariner_api_key": "sha256~not-a-valid-token", "acm_submariner_ca_cert": str(lab.ca_file)}})
    return inventory, "API server %s" % lab.server_url(CONTEXT)


def _fields_401(lab, tmp_path):  # pylint: disable=unused-argument
    return {"token": "sha256~not-a-valid-token"}


def _fields_ca(lab, tmp_path):
    return {"cluster": {"certificate-authority": foreign_ca(lab, tmp_path)}}


def _fields_port(lab, tmp_path):  # pylint: disable=unused-argument
    return {"cluster": {"server": CLOSED_PORT}}


def _context_case(context, fields):
    def arrange(lab, tmp_path):
        values = fields(lab, tmp_path)
        kubeconfig = kubeconfig_with(lab, tmp_path / "kubeconfig", context, **values)
        inventory = labrun.write_inventory(lab, tmp_path / "inventory.yml", clusters={
            CLUSTER: {"acm_submariner_kubeconfig": kubeconfig, "acm_submariner_cluster_context": context}})
        return inventory, 'context "%s" (%s)' % (context, values.get("cluster", {}).get("server", lab.server_url(CONTEXT)))
    return arrange


SPOKE_CASES = [
    pytest.param(token_case, ("401 Unauthorized", "api_key", "acm_submariner_api_key"), id="401-token"),
    pytest.param(_context_case("cluster2-badtoken", _fields_401), ("401 Unauthorized", "kubeconfig user", "acm_submariner_cluster_context"),
                 id="401-context"),
    pytest.param(_context_case("cluster2-foreign-ca", _fields_ca), ("cannot verify the TLS certificate", "ca_cert"), id="untrusted-ca-context"),
    pytest.param(_context_case("cluster2-closed-port", _fields_port), ("cannot reach the API server", "network path"), id="closed-port-context"),
]


@pytest.mark.parametrize("arrange, words", SPOKE_CASES)
def test_spoke_auth_errors_name_the_context_and_url(clean_lab, tmp_path, arrange, words):
    inventory, target = arrange(clean_lab, tmp_path)
    run = labrun.run(clean_lab, inventory=inventory)
    assert run.returncode != 0
    assert run.mutating == [], [(r["cluster"], r["verb"], r["path"]) for r in run.mutating]
    line = first_line(run)
    assert_says(line, "Preflight found 1 problem", "nothing was changed", CLUSTER + ": cannot read its networks", target, *words)
    assert "credentials" not in line.lower() or "401" in line, "a failure that is not a 401 blamed on credentials: %s" % line
    for noise in ("HTTP response headers", "Original traceback", "Traceback (most recent call last)", "HTTPHeaderDict"):
        assert noise not in run.output, "%s in the output:\n%s" % (noise, run.output[-3000:])
    assert leaks(secret_values(clean_lab, "submariner-broker"), {"output": run.output}) == []


@pytest.mark.parametrize("variable, value", [("K8S_AUTH_VERIFY_SSL", "no"), ("K8S_AUTH_SSL_CA_CERT", "/etc/ssl/certs/ca-certificates.crt"),
                                             ("K8S_AUTH_CONTEXT", "cluster1"), ("K8S_AUTH_HOST", CLOSED_PORT)])
def test_ambient_k8s_auth_variables_are_refused_before_any_request(clean_lab, variable, value):
    run = labrun.run(clean_lab, env={variable: value})
    assert run.returncode != 0
    assert run.requests == [], "requests before the refusal: %s" % [(r["cluster"], r["verb"], r["path"]) for r in run.requests]
    assert_says(first_line(run), variable, "set in the environment", "unset these variables", "acm_submariner_validate_certs")
    refusal = "acm.submariner.preflight : Refuse ambient Kubernetes settings (K8S_AUTH_*) that would override per-cluster targeting"
    assert [f["task"] for f in run.failures()] == [refusal]


@pytest.mark.parametrize("playbook", [labrun.SITE, labrun.UNINSTALL], ids=["site", "uninstall"])
def test_an_inventory_without_the_hub_group_names_the_fix(clean_lab, tmp_path, playbook):
    inventory = labrun.lab_inventory(clean_lab)
    groups = inventory["all"]["children"]
    groups["hubs"] = groups.pop("acm_hub")
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory), encoding="utf-8")
    run = labrun.run(clean_lab, playbook, inventory=path)
    assert run.returncode != 0
    assert run.requests == []
    assert_says(first_line(run), "group acm_hub", "no such group", "Add the hub as the one host of group acm_hub", "inventory/example/hosts.yml")
    assert "AnsibleUndefinedVariable" not in run.output and "has no attribute" not in run.output, run.output[-3000:]
