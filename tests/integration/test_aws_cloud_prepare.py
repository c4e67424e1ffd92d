# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""aws_cloud_prepare and aws_cloud_prepare_info run by ansible-playbook against moto's EC2 server on
loopback, seeded like the OpenShift installer (tests/lab/aws.py).

The server records every EC2 action it receives, so "no mutating call" is measured, not assumed.
Missing IAM permissions are covered against a moto server with IAM enforced in
tests/integration/test_aws_permissions.py, and at unit level (tests/unit/plugins/module_utils/test_aws_ec2.py,
test_aws_cloud_prepare_runner.py).
"""

from __future__ import annotations

import io
import json
import subprocess
import urllib.parse
import urllib.request

import boto3
import pytest

from tests.integration import localhost_play

moto_server = pytest.importorskip("moto.moto_server.threaded_moto_server")
lab_aws = pytest.importorskip("tests.lab.aws")

REGION = "eu-west-1"
MUTATING = {"CreateSecurityGroup", "AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress",
            "DeleteSecurityGroup", "CreateTags", "DeleteTags"}
PUBLIC = "Public Submariner traffic"
BETWEEN_WORKERS = "Internal Submariner traffic between the workers"
WORKER_TO_CP = "Internal Submariner traffic from worker to control plane nodes"
CP_TO_WORKER = "Internal Submariner traffic from control plane to worker nodes"


class RecordingMotoServer(moto_server.ThreadedMotoServer):
    """moto's threaded server with a WSGI layer that records (Action, DryRun) of each EC2 request."""

    def __init__(self):
        super().__init__(ip_address="127.0.0.1", port=0, verbose=False)
        self.actions = []

    def _server_entry(self):
        app = moto_server.DomainDispatcherApplication(moto_server.create_backend_app)
        self._server = moto_server.make_server(self._ip_address, self._port, self._recording(app), True,
                                               request_handler=moto_server.MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()

    def _recording(self, app):
        def middleware(environ, start_response):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            if "Action" in form:
                self.actions.append((form["Action"][0], form.get("DryRun", ["false"])[0] == "true"))
            return app(environ, start_response)
        return middleware

    def mutating(self):
        return [action for action, dry_run in self.actions if action in MUTATING and not dry_run]


@pytest.fixture(scope="module", name="server")
def server_fixture():
    server = RecordingMotoServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(name="ec2")
def ec2_fixture(server):
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10).close()
    server.actions.clear()
    client = boto3.client("ec2", region_name=REGION, endpoint_url=endpoint,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.endpoint = endpoint
    return client


@pytest.fixture(name="play")
def play_fixture(ec2, server, tmp_path):
    """Run tasks (a list of dicts) in one play on localhost; return the registered results by name."""
    env = localhost_play.aws_env(tmp_path, ec2.endpoint, "testing", "testing", REGION)
    counter = iter(range(1000))

    def run(tasks, *, check=False, diff=False):
        server.actions.clear()
        index = next(counter)
        out = tmp_path / f"results-{index}.json"
        names = [task["register"] for task in tasks]
        collect = {"ansible.builtin.copy": {"dest": str(out), "content": "{{ %s | to_json }}" % _results_dict(names)},
                   "check_mode": False, "diff": False}
        playbook = [{"hosts": "localhost", "gather_facts": False, "module_defaults": localhost_play.AWS_MODULE_DEFAULTS, "tasks": tasks + [collect]}]
        path = tmp_path / f"play-{index}.yml"
        path.write_text(json.dumps(playbook))
        command = localhost_play.command(path) + ["--check"] * check + ["--diff"] * diff
        completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
        return json.loads(out.read_text())
    return run


def _results_dict(names):
    return "{" + ", ".join(f"'{name}': {name}" for name in names) + "}"


def prepare_task(register, **args):
    return {"acm.submariner.aws_cloud_prepare": args, "register": register}


def info_task(register, **args):
    return {"acm.submariner.aws_cloud_prepare_info": args, "register": register}


def failing(task):
    return {**task, "ignore_errors": True}


def rows(rules):
    return sorted((rule["security_group_id"], rule["protocol"], rule["from_port"], rule["to_port"],
                   rule.get("cidr_ip") or rule["source_security_group_id"], rule["description"]) for rule in rules)


def ec2_submariner_rows(ec2, *group_ids):
    """The rules EC2 holds on the groups, with cloud-prepare descriptions, as comparable rows."""
    found = []
    for group in ec2.describe_security_groups(GroupIds=list(group_ids))["SecurityGroups"]:
        for permission in group["IpPermissions"]:
            protocol = permission["IpProtocol"]
            ports = (0, 0) if protocol in ("50", "51") else (permission["FromPort"], permission["ToPort"])
            sources = [(item["CidrIp"], item.get("Description", "")) for item in permission.get("IpRanges", [])]
            sources += [(item["GroupId"], item.get("Description", "")) for item in permission.get("UserIdGroupPairs", [])]
            found += [(group["GroupId"], protocol, *ports, source, description)
                      for source, description in sources if "Submariner traffic" in description]
    return sorted(found)


def current_table(gw, worker, master):
    """domain.md 2.3, current (ACM >= 2.7), with Submariner's NAT discovery port."""
    return sorted([
        (gw, "udp", 4500, 4500, "0.0.0.0/0", PUBLIC),
        (gw, "udp", 4490, 4490, "0.0.0.0/0", PUBLIC),
        (gw, "50", 0, 0, "0.0.0.0/0", PUBLIC),
        (gw, "51", 0, 0, "0.0.0.0/0", PUBLIC),
        (worker, "udp", 4800, 4800, worker, BETWEEN_WORKERS),
        (master, "udp", 4800, 4800, worker, WORKER_TO_CP),
        (worker, "udp", 4800, 4800, master, CP_TO_WORKER),
    ])


def legacy_table(gw, worker, master):
    """domain.md 2.3, ACM 2.2: UDP 500/4500 public; UDP 4800 and TCP 8080 internal."""
    return sorted([
        (gw, "udp", 500, 500, "0.0.0.0/0", PUBLIC),
        (gw, "udp", 4500, 4500, "0.0.0.0/0", PUBLIC),
        (worker, "udp", 4800, 4800, worker, BETWEEN_WORKERS),
        (master, "udp", 4800, 4800, worker, WORKER_TO_CP),
        (worker, "udp", 4800, 4800, master, CP_TO_WORKER),
        (worker, "tcp", 8080, 8080, worker, BETWEEN_WORKERS),
        (master, "tcp", 8080, 8080, worker, WORKER_TO_CP),
        (worker, "tcp", 8080, 8080, master, CP_TO_WORKER),
    ])


@pytest.mark.parametrize("naming", ["legacy", "capi"])
def test_check_present_present_absent(ec2, server, play, naming):
    seeded = lab_aws.seed_cluster(ec2, f"c-{naming}", naming=naming)
    pristine = lab_aws.snapshot(ec2)
    args = {"infra_id": seeded.infra_id}

    planned = play([prepare_task("planned", **args)], check=True, diff=True)["planned"]
    assert planned["changed"] and planned["plan"]["create_security_group"]
    assert planned["diff"]["after"]["gateway_security_group"] == f"{seeded.infra_id}-submariner-gw-sg"
    assert lab_aws.snapshot(ec2) == pristine and server.mutating() == []

    first = play([prepare_task("first", **args)])["first"]
    assert first["changed"] and first["naming_scheme"] == naming
    gw, worker, master = first["gateway_security_group_id"], seeded.worker_sg_id, seeded.control_plane_sg_id
    assert (first["worker_security_group_id"], first["control_plane_security_group_id"]) == (worker, master)
    assert rows(first["rules"]) == current_table(gw, worker, master)
    assert ec2_submariner_rows(ec2, gw, worker, master) == current_table(gw, worker, master)
    subnet = ec2.describe_subnets(SubnetIds=first["gateway_subnet_ids"])["Subnets"][0]
    tags = lab_aws.tags_to_dict(subnet["Tags"])
    assert tags["kubernetes.io/role/internal-elb"] == "" and tags["submariner.io/gateway"] == ""

    again = play([prepare_task("second", **args), info_task("info", **args)])
    assert not again["second"]["changed"] and server.mutating() == []
    assert [item["code"] for item in again["info"]["findings"]] == ["no_gateway_instance"]
    assert again["info"]["naming_scheme"] == naming

    gone = play([prepare_task("absent", state="absent", **args), prepare_task("absent_again", state="absent", **args)])
    assert gone["absent"]["changed"] and not gone["absent_again"]["changed"]
    assert lab_aws.snapshot(ec2) == pristine


def test_ovn_kubernetes_and_legacy_profile(ec2, play):
    ovn = lab_aws.seed_cluster(ec2, "ovn", naming="capi")
    sdn = lab_aws.seed_cluster(ec2, "acm22", naming="legacy")
    results = play([
        prepare_task("ovn", infra_id=ovn.infra_id, network_type="OVNKubernetes"),
        prepare_task("legacy", infra_id=sdn.infra_id, port_profile="legacy"),
        info_task("legacy_info", infra_id=sdn.infra_id, port_profile="legacy"),
    ])
    gw = results["ovn"]["gateway_security_group_id"]
    public_only = [row for row in current_table(gw, ovn.worker_sg_id, ovn.control_plane_sg_id) if row[0] == gw]
    assert rows(results["ovn"]["rules"]) == public_only
    assert ec2_submariner_rows(ec2, gw, ovn.worker_sg_id, ovn.control_plane_sg_id) == public_only

    gw = results["legacy"]["gateway_security_group_id"]
    table = legacy_table(gw, sdn.worker_sg_id, sdn.control_plane_sg_id)
    assert rows(results["legacy"]["rules"]) == table
    assert ec2_submariner_rows(ec2, gw, sdn.worker_sg_id, sdn.control_plane_sg_id) == table
    assert [item["code"] for item in results["legacy_info"]["findings"]] == ["no_gateway_instance"]


def test_custom_vpc(ec2, server, play):
    seeded = lab_aws.seed_cluster(ec2, "byo")
    pristine = lab_aws.snapshot(ec2)
    args = {"infra_id": "custom-12345", "vpc_id": seeded.vpc_id, "subnet_ids": sorted(seeded.public_subnets.values()),
            "worker_security_group_id": seeded.worker_sg_id, "control_plane_security_group_id": seeded.control_plane_sg_id,
            "gateways": 2}
    first = play([prepare_task("first", **args)])["first"]
    assert first["vpc_id"] == seeded.vpc_id and len(first["gateway_subnet_ids"]) == 2
    gw = first["gateway_security_group_id"]
    assert ec2_submariner_rows(ec2, gw, seeded.worker_sg_id, seeded.control_plane_sg_id) == current_table(
        gw, seeded.worker_sg_id, seeded.control_plane_sg_id)
    assert ec2.describe_security_groups(GroupIds=[gw])["SecurityGroups"][0]["GroupName"] == "custom-12345-submariner-gw-sg"

    again = play([prepare_task("second", **args), info_task("info", **args)])
    assert not again["second"]["changed"] and server.mutating() == []
    assert [item["code"] for item in again["info"]["findings"]] == ["no_gateway_instance"]

    play([prepare_task("absent", state="absent", **args)])
    assert lab_aws.snapshot(ec2) == pristine


def test_not_enough_subnets_or_offerings(ec2, server, play):
    seeded = lab_aws.seed_cluster(ec2, "few")
    pristine = lab_aws.snapshot(ec2)
    results = play([
        failing(prepare_task("too_many", infra_id=seeded.infra_id, gateways=4)),
        failing(prepare_task("not_offered", infra_id=seeded.infra_id, gateways=3, instance_type="a1.large")),
        failing(prepare_task("no_vpc", infra_id="ghost-12345")),
        info_task("info", infra_id=seeded.infra_id, gateways=3, instance_type="a1.large"),
    ])
    assert results["too_many"]["failed"]
    assert results["too_many"]["msg"] == (f"cluster {seeded.infra_id}: insufficient number of public subnets (3) "
                                          f"to deploy 4 Submariner gateway(s) in VPC {seeded.vpc_id}")
    assert results["not_offered"]["msg"] == (f"cluster {seeded.infra_id}: insufficient number of public subnets (2) "
                                             "to deploy 3 Submariner gateway(s); instance type a1.large is not offered "
                                             f"in eu-west-1a in VPC {seeded.vpc_id}")
    assert results["no_vpc"]["msg"].startswith("cluster ghost-12345: no VPC named ghost-12345-vpc")
    subnets = {subnet["availability_zone"]: subnet for subnet in results["info"]["subnets"]}
    assert [zone for zone, subnet in sorted(subnets.items()) if not subnet["instance_type_offered"]] == ["eu-west-1a"]
    assert lab_aws.snapshot(ec2) == pristine and server.mutating() == []
