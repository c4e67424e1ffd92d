"""The lab runtime: files it writes, the request log, fault injection, the admin endpoint, EC2 and dump."""

import http.client
import json
import os
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.lab import aws
from tests.lab.fixtures import api_client, dump, kubeconfig_contexts, mutating_requests
from tests.lab.runtime import REPO_ROOT, Faults, LabOptions


@pytest.fixture(name="bare_lab")
def bare_lab_fixture(lab_factory):
    lab = lab_factory.get("acm-2.12", world=False, clusters=1)
    yield lab
    lab.set_faults("off")


def admin(lab, path, body=None):
    request = urllib.request.Request(lab.admin_url + path, data=body.encode() if body is not None else None,
                                     method="POST" if body is not None else "GET",
                                     headers={"Authorization": "Bearer " + lab.admin_token})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_state_files_describe_every_context_with_admin_and_readonly_users(bare_lab):
    assert kubeconfig_contexts(bare_lab) == ["hubcluster", "hubcluster-readonly", "cluster1", "cluster1-readonly"]
    config = yaml.safe_load(bare_lab.kubeconfig.read_text())
    assert config["current-context"] == "hubcluster"
    assert all(c["cluster"]["server"].startswith("https://127.0.0.1:") for c in config["clusters"])
    assert bare_lab.ca_file.read_text().startswith("-----BEGIN CERTIFICATE-----")
    env = dict(line.split("=", 1) for line in (bare_lab.state_dir / "aws.env").read_text().splitlines())
    assert env["AWS_ENDPOINT_URL"] == bare_lab.aws_endpoint and env["AWS_REGION"] == "eu-west-1" and env["AWS_ACCESS_KEY_ID"]
    info = json.loads((bare_lab.state_dir / "lab.json").read_text())
    assert set(info["clusters"]) == {"hubcluster", "cluster1"} and info["admin_url"] == bare_lab.admin_url


def test_request_log_records_each_request_in_memory_and_on_disk(bare_lab):
    core = client.CoreV1Api(api_client(bare_lab, "cluster1"))
    mark = bare_lab.requests.mark()
    core.create_namespaced_config_map("default", {"metadata": {"generateName": "log-"}})
    core.list_namespaced_config_map("default", label_selector="a=b")
    records = bare_lab.requests.since(mark)
    assert [(r["cluster"], r["verb"], r["status"], r["mutating"]) for r in records] == [
        ("cluster1", "create", 201, True), ("cluster1", "list", 200, False)]
    assert records[1]["query"] == "labelSelector=a%3Db" and records[0]["token"] == "admin" and records[0]["duration_ms"] > 0
    assert len(mutating_requests(bare_lab, mark, "cluster1")) == 1 and mutating_requests(bare_lab, mark, "hubcluster") == []
    on_disk = [json.loads(line) for line in (bare_lab.state_dir / "requests.jsonl").read_text().splitlines()]
    assert on_disk[-2:] == records


def test_a_watch_ends_when_its_client_leaves_and_counts_before_the_mark_it_began_before(bare_lab):
    core = client.CoreV1Api(api_client(bare_lab, "cluster1"))
    response = core.list_namespaced_config_map("default", watch=True, timeout_seconds=60, _preload_content=False)
    mark = bare_lab.requests.mark()
    core.list_namespaced_config_map("default")
    response.close()
    response.release_conn()
    deadline = time.monotonic() + 30
    while not any(r["verb"] == "watch" for r in bare_lab.requests.records) and time.monotonic() < deadline:
        time.sleep(0.1)
    watches = [r for r in bare_lab.requests.records if r["verb"] == "watch"]
    assert watches, "the watch is not recorded as ended although its client left"
    # Ended by the client leaving, not by its 60 s server-side timeout.
    assert watches[-1]["duration_ms"] < 60000 and watches[-1]["sequence"] < mark
    assert [r["verb"] for r in bare_lab.requests.since(mark)] == ["list"]


def test_faults_disturb_http_requests_but_not_discovery_or_controllers(bare_lab):
    core = client.CoreV1Api(api_client(bare_lab))
    bare_lab.set_faults(Faults(conflict_rate=1.0))
    assert core.list_namespace().items
    with pytest.raises(ApiException) as caught:
        core.create_namespaced_config_map("default", {"metadata": {"generateName": "f-"}})
    assert caught.value.status == 409
    bare_lab.set_faults("error_rate=1,seed=7")
    statuses = set()
    for _attempt in range(12):
        with pytest.raises(ApiException) as caught:
            core.read_namespace("default")
        statuses.add(caught.value.status)
    assert statuses <= {500, 503, 429} and len(statuses) >= 2
    assert client.VersionApi(api_client(bare_lab)).get_code().major == "1"
    assert bare_lab.hub.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "ctl-", "namespace": "default"}})


def test_dropped_connections_get_no_answer(bare_lab):
    bare_lab.set_faults("drop_rate=1")
    context = ssl.create_default_context(cafile=str(bare_lab.ca_file))
    port = bare_lab.servers["hubcluster"].port
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=5)
    connection.request("GET", "/api/v1/namespaces", headers={"Authorization": "Bearer " + bare_lab.tokens["hubcluster"]["admin"]})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        connection.getresponse()


def test_fault_settings_parse_and_reject_unknown_keys():
    assert Faults.parse("on").enabled and not Faults.parse("off").enabled
    assert Faults.parse("latency_ms=5,seed=3").as_dict() == {"latency_ms": 5.0, "error_rate": 0.0, "conflict_rate": 0.0,
                                                             "drop_rate": 0.0, "seed": 3}
    with pytest.raises(ValueError):
        Faults.parse("explode=1")
    with pytest.raises(ValueError):
        LabOptions(profile="acm-9.9")


def test_admin_endpoint_needs_its_token_and_controls_the_lab(bare_lab):
    assert admin(bare_lab, "/ready") == {"ready": True}
    assert admin(bare_lab, "/faults", "latency_ms=1")["latency_ms"] == 1.0
    assert admin(bare_lab, "/faults", "off")["latency_ms"] == 0.0
    mark = bare_lab.requests.mark()
    client.CoreV1Api(api_client(bare_lab)).list_namespace()
    answer = admin(bare_lab, "/requests?since=%d" % mark)
    assert [r["path"] for r in answer["requests"]] == ["/api/v1/namespaces"] and answer["next"] == mark + 1
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(bare_lab.admin_url + "/dump", timeout=5)  # pylint: disable=consider-using-with
    assert caught.value.code == 401


def test_a_world_lab_seeds_clusters_and_ec2_and_dumps_them(lab):
    state = dump(lab)
    assert set(state["clusters"]) == {"hubcluster", "cluster1", "cluster2"}
    assert len(state["clusters"]["hubcluster"]["apiextensions.k8s.io/CustomResourceDefinition"]) > 5
    assert state["ec2"]["vpcs"] and state["ec2"]["subnets"] and state["ec2"]["security_groups"] and state["ec2"]["instances"]
    assert (lab.state_dir / "inventory.yml").is_file()
    discovered = {g.name for g in client.ApisApi(api_client(lab)).get_api_versions().groups}
    assert "cluster.open-cluster-management.io" in discovered


def test_ec2_state_is_sorted_stable_and_carries_the_comparable_snapshot(lab):
    first, second = lab.ec2_state(), lab.ec2_state()
    assert first == second
    for key, id_key in (("vpcs", "VpcId"), ("subnets", "SubnetId"), ("security_groups", "GroupId"),
                        ("security_group_rules", "SecurityGroupRuleId"), ("instances", "InstanceId")):
        ids = [item[id_key] for item in first[key]]
        assert ids and ids == sorted(ids), key
    assert all([tag["Key"] for tag in item["Tags"]] == sorted(tag["Key"] for tag in item["Tags"]) for item in first["instances"])
    assert first["snapshot"] == aws.snapshot(lab.ec2())
    assert json.loads(json.dumps(dump(lab)["ec2"]["snapshot"])) == first["snapshot"]


def test_a_serving_process_loads_only_the_installer_ami(tmp_path):
    """``serve`` points MOTO_AMIS_PATH at the one image the lab runs, before moto's EC2 models load."""
    script = (
        "import json, os, sys\n"
        "from tests.lab.runtime import use_installer_ami_only\n"
        "assert use_installer_ami_only(sys.argv[1])\n"
        "from moto.ec2.models import ec2_backends\n"
        "backend = ec2_backends['123456789012']['eu-west-1']\n"
        "print(json.dumps(sorted(backend.amis)))\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "MOTO_AMIS_PATH"}
    completed = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                               timeout=120, check=True)
    assert json.loads(completed.stdout) == [aws.INSTALLER_AMI_ID]
    assert json.loads((tmp_path / "moto-amis.json").read_text(encoding="utf-8"))[0]["name"].startswith("RHEL-")
