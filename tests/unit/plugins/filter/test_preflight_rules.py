# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.acm.submariner.plugins.filter.preflight_rules import FilterModule, preflight_rules

OURS = {"metadata": {"name": "submariner", "labels": {"app.kubernetes.io/managed-by": "acm.submariner"}}}


def cluster(name="c1", clusterset="default", **settings):
    return {"name": name, "clusterset": clusterset, "settings": dict({"gateways": 1, "ipsec_natt_port": 4500}, **settings)}


def test_all_well():
    assert preflight_rules({"cluster_set": "submariner", "existing_set": OURS, "clusters": [cluster()]}) == []
    assert FilterModule().filters()["preflight_rules"] is preflight_rules


@pytest.mark.parametrize("facts, words", [
    ({"cluster_set": "submariner\n"}, ["cluster set:", "'submariner\\n'", "DNS-1123"]),
    ({"cluster_set": "s" * 57}, ["cluster set:", "63"]),
    ({"cluster_set": "default"}, ["cluster set:", "belongs to ACM"]),
    ({"cluster_set": "prod", "existing_set": {"metadata": {"name": "prod"}}}, ["ManagedClusterSet prod", "acm_submariner_adopt_set=true"]),
    ({"cluster_set": "submariner", "clusters": [cluster(clusterset="prod")]}, ["c1 is in ManagedClusterSet prod", "acm_submariner_move_clusters"]),
    ({"cluster_set": "submariner", "clusters": [cluster(ipsec_natt_port=70000)]}, ["c1: acm_submariner_nat_t_port is 70000"]),
    ({"cluster_set": "submariner", "clusters": [cluster(ipsec_natt_port=4490, natt_discovery_port=4490)]}, ["c1:", "different ports"]),
    ({"cluster_set": "submariner", "clusters": [cluster(gateways=0)]}, ["c1: acm_submariner_gateways is 0"]),
    ({"cluster_set": "submariner", "clusters": [cluster(natt_discovery_port=4900)]},
     ["c1: acm_submariner_nat_discovery_port is 4900, but Submariner's gateway listens for NAT discovery on 4490",
      "gateway.submariner.io/natt-discovery-port", "(or set it to 4490)"]),
    ({"cluster_set": "submariner", "clusters": [cluster(name="c1\n")]}, ["'c1\\n'", "DNS-1123"]),
    ({"cluster_set": "submariner", "clusters": [dict(cluster(gateways=100), usable_subnets=3, instance_type="m5n.large")]},
     ["c1: acm_submariner_gateways is 100 but the cluster has 3 public subnet(s) in zones that offer m5n.large"]),
    ({"cluster_set": "submariner", "clusters": [dict(cluster(), tagged_gateways={"tag": "submariner.io/gateway", "subnets": [
        {"subnet_id": "subnet-" + zone, "availability_zone": zone, "instance_type_offered": True, "tags": {"submariner.io/gateway": ""}}
        for zone in ("eu-west-1a", "eu-west-1b")]})]},
     ["c1: acm_submariner_gateways is 1 but 2 public subnets already carry the gateway tag submariner.io/gateway"]),
    ({"cluster_set": "submariner", "clusters": [dict(cluster(), credentials={"secret": "c1/c1-aws-creds", "keys": ["aws_access_key_id"]})]},
     ["c1: the credentials secret c1/c1-aws-creds has no value for aws_secret_access_key"]),
    ({"cluster_set": "submariner", "clusters": [cluster("c1"), cluster("c2"), cluster("c3")],
      "globalnet": {"cidr_range": "242.0.0.0/16", "cluster_size": 0}},
     ["globalnet: acm_submariner_globalnet_cidr_range 242.0.0.0/16 holds 1 Globalnet block(s)", "3 clusters join (c1, c2, c3)"]),
    ({"cluster_set": "submariner", "globalnet": {"cidr_range": "242.0.0.0/33"}}, ["globalnet:", "'242.0.0.0/33' is not an IPv4 network"]),
    # A cluster added to a set whose range the members already fill: 1 block of a /16, 1 member.
    ({"cluster_set": "submariner", "clusters": [cluster("c3")], "globalnet": {"cidr_range": "242.0.0.0/16", "cluster_size": 0},
      "hub_clusters": [{"name": "c1", "clusterset": "submariner"}, {"name": "c2", "clusterset": "other"}, {"name": "c3", "clusterset": None}]},
     ["holds 1 Globalnet block(s)", "but 1 clusters join (c3) and 1 more are in the set already (c1)", "a /15 at least"]),
])
def test_findings(facts, words):
    message = " ".join(preflight_rules(facts))
    assert all(word in message for word in words), message


def test_one_cable_driver_per_set():
    members = [{"name": "c2", "clusterset": "submariner"}, {"name": "gone", "clusterset": "default"}]
    peers = [{"name": "c1", "cable_driver": "libreswan"}, {"name": "c2", "cable_driver": "libreswan"}, {"name": "gone", "cable_driver": "wireguard"}]

    def rules(*clusters):
        return preflight_rules({"cluster_set": "submariner", "existing_set": OURS, "clusters": list(clusters), "hub_clusters": members,
                                "set_peers": peers})
    # c2 is outside the run and keeps libreswan; a Cluster object that outlived its cluster ("gone") does not count.
    assert rules(cluster("c1", cable_driver="vxlan")) == [
        "cable driver: the set's clusters would run different cable drivers (c1: vxlan, c2: libreswan). Submariner connects gateways of"
        " one driver only and reports no mismatch: a libreswan gateway keeps connecting, a wireguard one has no connection and a vxlan"
        " one fails its health check. Give every cluster of the set the same acm_submariner_cable_driver (group_vars of"
        " managed_clusters) and run the set's clusters together; clusters outside the run count with the driver their broker Endpoint"
        " announces"]
    assert rules(cluster("c1", cable_driver="vxlan"), cluster("c2", cable_driver="vxlan")) == []
    assert rules(cluster("c1"), cluster("c3")) == []      # unset: the announced driver, or the addon's libreswan
    assert rules(cluster("c3", cable_driver="wireguard")) != []
    assert "acm_submariner_cable_driver is 'strongswan'; use libreswan, wireguard, vxlan" in " ".join(rules(cluster("c2", cable_driver="strongswan")))


def test_unknown_subnets_and_unused_secrets_are_not_findings():
    facts = {"cluster_set": "submariner", "existing_set": OURS, "globalnet": {"cidr_range": "", "cluster_size": 0},
             "clusters": [dict(cluster(gateways=100), usable_subnets=None, credentials={"secret": "c1/s", "keys": None})]}
    assert preflight_rules(facts) == []


def test_the_set_members_in_the_play_count_once():
    facts = {"cluster_set": "submariner", "clusters": [cluster("c1"), cluster("c2")], "globalnet": {"cidr_range": "242.0.0.0/15", "cluster_size": 0},
             "hub_clusters": [{"name": "c1", "clusterset": "submariner"}, {"name": "c2", "clusterset": "submariner"}]}
    assert preflight_rules(facts) == []


def test_an_uninstall_takes_out_only_known_clusters_of_the_set_or_of_none():
    hub_clusters = [{"name": "c1", "clusterset": "submariner"}, {"name": "c2", "clusterset": "default"}, {"name": "c3", "clusterset": None},
                    {"name": "c4", "clusterset": "prod"}]
    assert preflight_rules({"cluster_set": "submariner", "leaving": ["c1", "c2", "c3"], "hub_clusters": hub_clusters}) == []
    problems = preflight_rules({"cluster_set": "submariner", "leaving": ["c1", "c4", "c9"], "hub_clusters": hub_clusters})
    assert [problem.split(":")[0] for problem in problems] == [
        "c4 is in ManagedClusterSet prod, not in submariner",
        "c9 is not a ManagedCluster of this hub, so it is in no set and there is nothing to remove"]


def test_opt_ins():
    facts = {"cluster_set": "prod", "existing_set": {"metadata": {"name": "prod"}}, "clusters": [cluster(clusterset="other")],
             "adopt_set": True, "move_clusters": True}
    assert preflight_rules(facts) == []


def test_input_must_be_a_dict():
    with pytest.raises(AnsibleFilterError):
        preflight_rules(["x"])


@pytest.mark.parametrize("cidr_range", ["242.0.0.1/8", "242.0.0.0/33", "256.0.0.0/8", "242.0.0.0", "fd00::/8", "0.0.0.0/0", "242.0.0.0/8\n"])
def test_globalnet_range_must_be_an_ipv4_network(cidr_range):
    problems = preflight_rules({"cluster_set": "submariner", "globalnet": {"cidr_range": cidr_range, "cluster_size": 0}})
    assert problems == ["globalnet: acm_submariner_globalnet_cidr_range %r is not an IPv4 network (address/prefix 1-32, no host bits set),"
                        " for example 242.0.0.0/8" % cidr_range]


@pytest.mark.parametrize("globalnet", [{"cidr_range": "242.0.0.0/8", "cluster_size": 0}, {"cidr_range": "242.1.0.0/16", "cluster_size": 0},
                                       {"cidr_range": "", "cluster_size": 0}, None])
def test_globalnet_range_accepted_or_not_asked(globalnet):
    assert preflight_rules({"cluster_set": "submariner", "globalnet": globalnet}) == []
