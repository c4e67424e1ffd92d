# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.acm.submariner.plugins.module_utils.hub import validate_cluster_name, validate_set_name
from ansible_collections.acm.submariner.plugins.module_utils.validation import (
    AWS_KEYS,
    aws_keys_problem,
    fewer_addon_gateways_warning,
    gateway_subnets_problem,
    globalnet_capacity,
    globalnet_problems,
    option_problems,
    secret_keys_problem,
    settings_problems,
    submariner_config_problems,
    tagged_gateways_problem,
)


@pytest.mark.parametrize("settings, expected", [
    ({}, []),
    ({"ipsec_natt_port": 4500, "natt_discovery_port": 4490, "gateways": 2}, []),
    ({"ipsec_natt_port": 70000}, ["ipsec_natt_port is 70000; give a UDP port from 1 to 65535"]),
    ({"ipsec_natt_port": 0}, ["ipsec_natt_port is 0; give a UDP port from 1 to 65535"]),
    ({"natt_discovery_port": "x"}, ["natt_discovery_port is x; give a UDP port from 1 to 65535"]),
    ({"ipsec_ike_port": True}, ["ipsec_ike_port is True; give a UDP port from 1 to 65535"]),
    ({"gateways": -5}, ["gateways is -5; give at least 1 gateway per cluster"]),
    ({"gateways": "0"}, ["gateways is 0; give at least 1 gateway per cluster"]),
    ({"gateways": "3"}, []),
])
def test_settings_problems(settings, expected):
    assert settings_problems(settings) == expected


def test_nat_t_and_nat_discovery_must_differ_named_as_the_inventory_does():
    problems = settings_problems({"ipsec_natt_port": "4490", "natt_discovery_port": 4490}, names="inventory")
    assert problems == ["acm_submariner_nat_t_port and acm_submariner_nat_discovery_port are both 4490; Submariner listens on each"
                        " for a different purpose (IPsec NAT-T and NAT discovery), so give them different ports"]


@pytest.mark.parametrize("settings, words", [
    ({"ipsec_natt_port": 4789}, ["ipsec_natt_port is 4789", "VXLAN (OpenShift SDN) (UDP 4789)"]),
    ({"ipsec_natt_port": "6081"}, ["ipsec_natt_port is 6081", "Geneve (OVN-Kubernetes)"]),
    ({"natt_discovery_port": 4800}, ["natt_discovery_port is 4800", "Submariner's VXLAN", "route agent"]),
    ({"ipsec_natt_port": 9100}, ["host-level services", "(UDP 9000-9999)"]),
    ({"natt_discovery_port": 30000}, ["Kubernetes node ports (UDP 30000-32767)"]),
    ({"ipsec_natt_port": 32767}, ["Kubernetes node ports"]),
])
def test_a_port_the_nodes_already_use_is_refused_naming_its_use_and_the_free_ports(settings, words):
    [problem] = settings_problems(settings)
    assert all(word in problem for word in words), problem
    assert problem.endswith("choose a port outside 4789, 4800, 6081, 9000-9999, 30000-32767")


@pytest.mark.parametrize("settings", [{"ipsec_natt_port": 4788}, {"ipsec_natt_port": 8999}, {"natt_discovery_port": 32768},
                                      {"ipsec_natt_port": 4501, "natt_discovery_port": 4491}, {"ipsec_ike_port": 4789}])
def test_ports_next_to_the_ones_the_nodes_use_are_free(settings):
    assert settings_problems(settings) == []


def test_nat_t_and_nat_discovery_must_differ_from_the_ike_port_given_or_its_default():
    assert settings_problems({"ipsec_natt_port": 500}) == [
        "ipsec_natt_port is 500, the IPsec IKE port (ipsec_ike_port, default 500); Submariner listens on each for a different purpose,"
        " so give them different ports"]
    assert settings_problems({"natt_discovery_port": 600, "ipsec_ike_port": 600}, names="inventory") == [
        "acm_submariner_nat_discovery_port is 600, the IPsec IKE port (ipsec_ike_port, default 500); Submariner listens on each for a"
        " different purpose, so give them different ports"]
    assert settings_problems({"ipsec_natt_port": 500, "ipsec_ike_port": 501}) == []


def test_module_checks_only_what_it_writes():
    assert submariner_config_problems({"state": "absent", "gateways": -5}) == []
    assert submariner_config_problems({"state": "present", "gateways": -5})


@pytest.mark.parametrize("name", ["submariner\n", "sub\nmariner", "\nsubmariner", "submariner ", "Sub"])
def test_names_are_full_matches(name):
    assert validate_set_name(name) and validate_cluster_name(name)
    assert "DNS-1123" in validate_set_name(name)[0]


@pytest.mark.parametrize("cidr_range, size, count, words", [
    ("242.0.0.0/16", None, 3, ["242.0.0.0/16 holds 1 Globalnet block(s) of 65536 addresses", "3 clusters join", "a /14 at least"]),
    ("242.0.0.0/16", 30000, 3, ["holds 2 Globalnet block(s) of 32768", "acm_submariner_globalnet_cluster_size 30000"]),
    ("242.0.0.0/33", None, 1, ["'242.0.0.0/33' is not an IPv4 network"]),
    ("242.0.0.1/16", None, 1, ["is not an IPv4 network"]),
    ("242.0.0.0", None, 1, ["is not an IPv4 network"]),
    ("242.0.0.0/16\n", None, 1, ["is not an IPv4 network"]),
    ("242.0.0.0/16", -1, 1, ["acm_submariner_globalnet_cluster_size is -1"]),
])
def test_globalnet_problems(cidr_range, size, count, words):
    message = " ".join(globalnet_problems(cidr_range, size, ["c%d" % index for index in range(count)]))
    assert all(word in message for word in words), message


@pytest.mark.parametrize("cidr_range, size, count", [("", None, 256), ("242.0.0.0/16", None, 1), ("242.0.0.0/16", 8192, 8), (None, 0, 2)])
def test_globalnet_range_large_enough(cidr_range, size, count):
    assert globalnet_problems(cidr_range, size, ["c"] * count) == []


def test_globalnet_capacity_follows_the_operators_power_of_two_blocks():
    # submariner-operator pkg/cidr/cidr.go allocateBySize: a block of the next power of two of the size
    assert globalnet_capacity("242.0.0.0/16", 65536) == 1
    assert globalnet_capacity("242.0.0.0/16", 65535) == 1
    assert globalnet_capacity("242.0.0.0/16", 1000) == 64
    assert globalnet_capacity("242.0.0.0/8", 65536) == 256


@pytest.mark.parametrize("gateways, usable, problem", [(100, 3, True), (3, 3, False), (1, None, False), (2, 0, True)])
def test_gateways_fit_the_public_subnets(gateways, usable, problem):
    message = gateway_subnets_problem(gateways, usable, "m5n.large")
    assert bool(message) is problem
    if problem:
        assert "acm_submariner_gateways is %d but the cluster has %d public subnet(s)" % (gateways, usable) in message
        assert "set acm_submariner_gateways to %d at most" % usable in message


def _subnet(zone, tagged, offered=True):
    return {"subnet_id": "subnet-" + zone, "availability_zone": zone, "instance_type_offered": offered,
            "tags": {"Name": "infra-public-" + zone, **({"submariner.io/gateway": ""} if tagged else {})}}


@pytest.mark.parametrize("gateways, tagged, problem", [
    (1, (True, False, False), False), (2, (True, False, False), False), (2, (True, True, False), False),
    (1, (True, True, False), True), (1, (True, True, True), True), ("x", (True, True, True), False)])
def test_fewer_gateways_than_tagged_subnets_are_refused_where_the_addon_prepares_aws(gateways, tagged, problem):
    subnets = [_subnet(zone, flag) for zone, flag in zip(("eu-west-1a", "eu-west-1b", "eu-west-1c"), tagged)]
    message = tagged_gateways_problem(gateways, subnets, "submariner.io/gateway")
    assert bool(message) is problem
    if problem:
        count = sum(tagged)
        assert message.startswith("acm_submariner_gateways is 1 but %d public subnets already carry the gateway tag submariner.io/gateway"
                                  " (subnet-eu-west-1a in eu-west-1a, subnet-eu-west-1b in eu-west-1b" % count), message
        assert "so the cluster would run 3 gateways" in message and "Set acm_submariner_gateways to %d," % count in message


def test_tagged_subnets_where_the_instance_type_is_not_offered_do_not_count():
    """getSubnetsSupportingInstanceType runs before the tagged ones are counted."""
    subnets = [_subnet("eu-west-1a", True), _subnet("eu-west-1b", True, offered=False)]
    assert tagged_gateways_problem(1, subnets, "submariner.io/gateway") is None
    assert tagged_gateways_problem(1, subnets, "other/tag") is None


@pytest.mark.parametrize("before, after, warned", [(2, 1, True), (1, 2, False), (2, 2, False), (None, 1, False), (3, None, False)])
def test_fewer_addon_gateways_warn(before, after, warned):
    message = fewer_addon_gateways_warning(before, after)
    assert bool(message) is warned
    if warned:
        assert message.startswith("spec.gatewayConfig.gateways goes from 2 to 1, but the submariner-addon removes no gateway")


@pytest.mark.parametrize("access_key, secret_key, profile, refused", [
    ("AKIA", "s", None, False), ("", "s", None, True), ("AKIA", "", None, True), (None, None, None, True), (None, None, "prod", False)])
def test_aws_keys_never_fall_back_to_ambient_credentials(access_key, secret_key, profile, refused):
    message = aws_keys_problem(access_key, secret_key, profile)
    assert bool(message) is refused
    if refused:
        assert "refusing to fall back to the controller's own AWS credentials" in message


def test_secret_keys_with_an_empty_value_are_refused():
    assert secret_keys_problem("c1/c1-aws-creds", None) is None
    assert secret_keys_problem("c1/c1-aws-creds", list(AWS_KEYS)) is None
    message = secret_keys_problem("c1/c1-aws-creds", ["aws_access_key_id"])
    assert "c1/c1-aws-creds has no value for aws_secret_access_key" in message and "fall back" in message


@pytest.mark.parametrize("params, expected", [
    ({"wait_timeout": 0}, ["wait_timeout is 0; give a whole number of at least 1"]),
    ({"duration": -1, "wait_timeout": 10}, ["duration is -1; give a whole number of at least 1"]),
    ({"default_globalnet_cluster_size": 0}, ["default_globalnet_cluster_size is 0; give a whole number of at least 1"]),
    ({"globalnet_cidr_range": "242.0.0.0/33"}, ["globalnet_cidr_range '242.0.0.0/33' is not an IPv4 network (address/prefix 1-32,"
                                                " no host bits set), for example 242.0.0.0/8"]),
    ({"nat_t_port": 70000, "gateways": -5}, ["nat_t_port is 70000; give a UDP port from 1 to 65535",
                                             "gateways is -5; give at least 1 gateway per cluster"]),
    ({"cluster": "c1\n"}, ["cluster: ManagedCluster name 'c1\\n' is not a valid DNS-1123 (RFC 1123) label: use lower-case"
                           " letters, digits and '-', starting and ending with a letter or digit"]),
    ({"cluster": "c1", "wait_timeout": 1, "globalnet_cidr_range": "242.0.0.0/16"}, []),
])
def test_option_problems(params, expected):
    assert option_problems(params, names={"cluster": "cluster"}) == expected


def test_option_problems_leave_to_the_module_what_it_checks_itself():
    assert option_problems({"gateways": -5, "ipsec_natt_port": 70000}, skip=("gateways", "ipsec_natt_port")) == []
