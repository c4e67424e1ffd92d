# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.acm.submariner.plugins.filter.cidr_overlaps import FilterModule as CidrFilters
from ansible_collections.acm.submariner.plugins.filter.cidr_overlaps import cidr_overlaps
from ansible_collections.acm.submariner.plugins.filter.condition import FilterModule as ConditionFilters
from ansible_collections.acm.submariner.plugins.filter.condition import condition
from ansible_collections.acm.submariner.plugins.filter.aws_credentials_status import aws_credentials_status

ADDON = {
    "metadata": {"name": "submariner", "namespace": "cluster1"},
    "status": {"conditions": [
        {"type": "SubmarinerGatewayNodesLabeled", "status": "True", "reason": "SubmarinerGatewayNodesLabeled"},
        {"type": "SubmarinerConnectionDegraded", "status": "False", "reason": "ConnectionsEstablished"},
    ]},
}


def test_filter_modules_expose_their_filters():
    assert CidrFilters().filters() == {"cidr_overlaps": cidr_overlaps}
    assert ConditionFilters().filters() == {"condition": condition}


def test_condition_from_object_and_list():
    assert condition(ADDON, "SubmarinerConnectionDegraded")["reason"] == "ConnectionsEstablished"
    assert condition(ADDON["status"]["conditions"], "SubmarinerGatewayNodesLabeled")["status"] == "True"


@pytest.mark.parametrize("value", [ADDON, [], {}, None])
def test_condition_absent_is_an_empty_dict(value):
    assert condition(value, "Available") == {}


def test_condition_returns_a_copy():
    found = condition(ADDON, "SubmarinerConnectionDegraded")
    found["status"] = "True"
    assert ADDON["status"]["conditions"][1]["status"] == "False"


@pytest.mark.parametrize("value, type_, fragment", [(ADDON, "", "non-empty"), (ADDON, None, "non-empty"), ("text", "A", "got str"),
                                                    (42, "A", "got int")])
def test_condition_rejects_bad_input(value, type_, fragment):
    with pytest.raises(AnsibleFilterError, match=fragment):
        condition(value, type_)


def test_cidr_overlaps_list_and_dict_inputs():
    clusters = [
        {"name": "cluster1", "cluster_network": ["10.128.0.0/14"], "service_network": ["172.30.0.0/16"]},
        {"name": "cluster2", "cluster_network": ["10.128.0.0/14"], "service_network": ["172.31.0.0/16"]},
    ]
    expected = [{"cluster_a": "cluster1", "network_a": "cluster_network", "cidr_a": "10.128.0.0/14",
                 "cluster_b": "cluster2", "network_b": "cluster_network", "cidr_b": "10.128.0.0/14"}]
    assert cidr_overlaps(clusters) == expected
    assert cidr_overlaps({c["name"]: c for c in clusters}) == expected


def test_cidr_overlaps_machine_network_option():
    clusters = {"a": {"machine_network": "10.0.0.0/16"}, "b": {"cluster_network": "10.0.0.0/14"}}
    assert cidr_overlaps(clusters) == []
    assert len(cidr_overlaps(clusters, include_machine_network=True)) == 1


@pytest.mark.parametrize("value, fragment", [({"a": {"cluster_network": "10.0.0.1/8"}}, "host bits"), ([{"cluster_network": []}], "no name"),
                                             (["x"], "not a mapping"), (42, "acm.submariner.cidr_overlaps")])
def test_cidr_overlaps_errors_are_filter_errors(value, fragment):
    with pytest.raises(AnsibleFilterError, match=fragment):
        cidr_overlaps(value)


def test_filters_in_a_real_template(tmp_path):
    """Both filters through ansible's templating (data tagging included), from the collection path."""
    collections = os.path.join(os.path.dirname(__file__), *([os.pardir] * 4), "build")
    if not os.path.isdir(os.path.join(collections, "ansible_collections", "acm", "submariner")):
        pytest.skip("build/ansible_collections/acm/submariner is not set up (make venv)")
    playbook = tmp_path / "play.yml"
    playbook.write_text(
        """
- hosts: localhost
  gather_facts: false
  vars:
    addon: %s
    clusters:
      c1: {cluster_network: [10.128.0.0/14], service_network: [172.30.0.0/16]}
      c2: {cluster_network: [10.132.0.0/14], service_network: [172.30.0.0/16]}
  tasks:
    - ansible.builtin.debug:
        msg: "{{ {'status': (addon | acm.submariner.condition('SubmarinerConnectionDegraded')).status,
                  'missing': addon | acm.submariner.condition('Available'),
                  'overlaps': clusters | acm.submariner.cidr_overlaps} | to_json }}"
""" % json.dumps(ADDON),
        encoding="utf-8",
    )
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.abspath(collections), ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    result = subprocess.run([binary, str(playbook)], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    output = json.loads(result.stdout)
    msg = output["plays"][0]["tasks"][0]["hosts"]["localhost"]["msg"]
    msg = json.loads(msg) if isinstance(msg, str) else msg
    assert msg["status"] == "False"
    assert msg["missing"] == {}
    assert msg["overlaps"] == [{"cluster_a": "c1", "network_a": "service_network", "cidr_a": "172.30.0.0/16",
                                "cluster_b": "c2", "network_b": "service_network", "cidr_b": "172.30.0.0/16"}]


def test_cidr_overlaps_globalnet_option():
    clusters = {"a": {"cluster_network": "10.128.0.0/14", "global_network": "242.0.0.0/16"},
                "b": {"cluster_network": "10.128.0.0/14", "global_network": "242.0.0.0/16"}}
    assert [o["network_a"] for o in cidr_overlaps(clusters)] == ["cluster_network"]
    assert [o["network_a"] for o in cidr_overlaps(clusters, globalnet=True)] == ["global_network"]


@pytest.mark.parametrize("module_name, function", [("cidr_overlaps", cidr_overlaps), ("condition", condition),
                                                   ("aws_credentials_status", aws_credentials_status)])
def test_filter_docs_parse_and_match_the_signature(module_name, function):
    import importlib
    import inspect

    yaml = pytest.importorskip("yaml")
    plugin = importlib.import_module("ansible_collections.acm.submariner.plugins.filter." + module_name)
    doc = yaml.safe_load(plugin.DOCUMENTATION)
    assert doc["name"] == module_name
    assert isinstance(yaml.safe_load(plugin.EXAMPLES), list)
    assert "_value" in yaml.safe_load(plugin.RETURN)
    parameters = list(inspect.signature(function).parameters)
    assert ["_input"] + parameters[1:] == list(doc["options"])
    for name in parameters[1:]:
        default = inspect.signature(function).parameters[name].default
        if default is inspect.Parameter.empty:
            assert doc["options"][name].get("required") is True
        else:
            assert doc["options"][name].get("default") == default


HUB_22 = {"generation": "2.2", "acm_version": "2.2.11", "default_gateway_instance_type": "m5n.large"}
HUB_212 = {"generation": "2.12", "acm_version": "2.12.2", "default_gateway_instance_type": "m5n.large"}


def test_config_option_refusals_on_acm_22_name_variable_version_and_fix():
    from ansible_collections.acm.submariner.plugins.filter.config_option_refusals import config_option_refusals

    names = {"gateways": "acm_submariner_gateways", "aws_instance_type": "acm_submariner_gateway_instance_type"}
    messages = config_option_refusals({"gateways": 2, "aws_instance_type": "c5.large", "ipsec_natt_port": 4500}, HUB_22, names)
    assert len(messages) == 2
    assert messages[0].startswith("acm_submariner_gateways is 2, but this hub runs ACM 2.2.11, whose submariner-addon always deploys one gateway")
    assert "Unset acm_submariner_gateways (or set it to 1), or upgrade the hub" in messages[0]
    assert "always uses the instance type m5n.large" in messages[1] and "ACM 2.3 or later" in messages[1]
    assert config_option_refusals({"gateways": 1, "aws_instance_type": "m5n.large"}, HUB_22, names) == []
    assert config_option_refusals({"gateways": 2, "aws_instance_type": "c5.large"}, HUB_212, names) == []


def test_config_option_refusals_needs_hub_facts():
    from ansible_collections.acm.submariner.plugins.filter.config_option_refusals import config_option_refusals

    with pytest.raises(AnsibleFilterError, match="generation"):
        config_option_refusals({"gateways": 2}, {})


def test_k8s_auth_gives_every_option_none_where_unset():
    from ansible_collections.acm.submariner.plugins.filter.k8s_auth import FilterModule as AuthFilters
    from ansible_collections.acm.submariner.plugins.filter.k8s_auth import k8s_auth
    assert AuthFilters().filters() == {"k8s_auth": k8s_auth}
    full = k8s_auth({"kubeconfig": "/k", "context": "cluster1"})
    assert full["kubeconfig"] == "/k" and full["context"] == "cluster1"
    assert full["host"] is None and full["api_key"] is None and full["validate_certs"] is None
    assert {"ca_cert", "client_cert", "proxy", "impersonate_user"} <= set(full)


def test_k8s_auth_rejects_what_is_no_connection_option():
    from ansible_collections.acm.submariner.plugins.filter.k8s_auth import k8s_auth
    with pytest.raises(AnsibleFilterError, match="not a kubernetes.core connection option: kubconfig"):
        k8s_auth({"kubconfig": "/k"})
    with pytest.raises(AnsibleFilterError, match="expected a dictionary"):
        k8s_auth("host")


def test_credentials_secret_is_named_in_one_place():
    from ansible_collections.acm.submariner.plugins.filter.credentials_secret import credentials_secret

    assert credentials_secret("cluster1") == "cluster1-aws-creds"
    assert credentials_secret("cluster1", None) == credentials_secret("cluster1", "") == "cluster1-aws-creds"
    assert credentials_secret("cluster1", "shared-aws") == "shared-aws"
    with pytest.raises(AnsibleFilterError, match="cluster name"):
        credentials_secret("")


def _secret(labels=None, **data):
    import base64

    return {"metadata": {"name": "c1-aws-creds", "namespace": "c1", "labels": labels or {}},
            "data": {key: base64.b64encode(value.encode()).decode() for key, value in data.items()}}


OURS_LABEL = {"app.kubernetes.io/managed-by": "acm.submariner"}


@pytest.mark.parametrize("secret, given, expected", [
    (None, ("AKIANEW", "new"), {"present": False, "owned": False, "keys_match": False,
                                "differing_keys": ["aws_access_key_id", "aws_secret_access_key"]}),
    (_secret(OURS_LABEL, aws_access_key_id="AKIAOLD", aws_secret_access_key="old"), ("AKIAOLD", "old"),
     {"present": True, "owned": True, "keys_match": True, "differing_keys": []}),
    (_secret(OURS_LABEL, aws_access_key_id="AKIAOLD", aws_secret_access_key="old"), ("AKIAOLD", "new"),
     {"present": True, "owned": True, "keys_match": False, "differing_keys": ["aws_secret_access_key"]}),
    (_secret(aws_access_key_id="AKIAOLD", aws_secret_access_key="old"), ("AKIANEW", "new"),
     {"present": True, "owned": False, "keys_match": False, "differing_keys": ["aws_access_key_id", "aws_secret_access_key"]}),
    (_secret(aws_access_key_id="AKIAOLD"), ("AKIAOLD", "old"),
     {"present": True, "owned": False, "keys_match": False, "differing_keys": ["aws_secret_access_key"]}),
    (_secret(OURS_LABEL, aws_access_key_id="AKIAOLD", aws_secret_access_key="old"), ("", ""),
     {"present": True, "owned": True, "keys_match": None, "differing_keys": []}),
    ({"metadata": {"name": "x"}, "data": {"aws_access_key_id": "not base64!", "aws_secret_access_key": "b2xk"}}, ("AKIAOLD", "old"),
     {"present": True, "owned": False, "keys_match": False, "differing_keys": ["aws_access_key_id"]}),
])
def test_aws_credentials_status_answers_booleans_and_key_names_only(secret, given, expected):
    status = aws_credentials_status(secret, *given)
    assert status == expected
    assert not {"AKIAOLD", "AKIANEW", "old", "new"} & set(json.dumps(status).replace('"', " ").split())


def test_aws_credentials_status_rejects_what_is_not_a_secret():
    with pytest.raises(AnsibleFilterError, match="must be a Secret"):
        aws_credentials_status(["not", "a", "secret"], "a", "b")
