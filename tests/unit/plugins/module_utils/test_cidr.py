# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import ipaddress
import textwrap

import pytest

from ansible_collections.acm.submariner.plugins.module_utils import cidr

# --- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("10.128.0.0/14", ipaddress.ip_network("10.128.0.0/14")),
        ("172.30.0.0/16", ipaddress.ip_network("172.30.0.0/16")),
        (" 10.0.0.0/8 ", ipaddress.ip_network("10.0.0.0/8")),
        ("fd01::/48", ipaddress.ip_network("fd01::/48")),
        ("0.0.0.0/0", ipaddress.ip_network("0.0.0.0/0")),
    ],
)
def test_parse_cidr(text, expected):
    assert cidr.parse_cidr(text) == expected


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("10.128.0.1/14", "host bits set"),
        ("10.128.0.0", "not a CIDR"),
        ("10.300.0.0/16", "not a valid CIDR"),
        ("10.0.0.0/33", "not a valid CIDR"),
        ("banana/8", "not a valid CIDR"),
        ("", "not a CIDR"),
        (None, "not a CIDR"),
        (1234, "not a CIDR"),
    ],
)
def test_parse_cidr_rejects(text, fragment):
    with pytest.raises(ValueError, match=fragment) as info:
        cidr.parse_cidr(text)
    assert repr(text) in str(info.value)


def test_cidr_problems():
    assert cidr.cidr_problems(["10.0.0.0/16", "fd00::/64"]) == []
    problems = cidr.cidr_problems(["10.0.0.0/16", "10.0.0.1/16", "x"])
    assert len(problems) == 2
    assert "'10.0.0.1/16'" in problems[0] and "'x'" in problems[1]


# --- overlaps -----------------------------------------------------------------------------

DEFAULTS = {"cluster_network": ["10.128.0.0/14"], "service_network": ["172.30.0.0/16"]}


def test_two_default_openshift_clusters_overlap_twice():
    overlaps = cidr.find_overlaps([dict(DEFAULTS, name="cluster1"), dict(DEFAULTS, name="cluster2")])
    assert overlaps == [
        {"cluster_a": "cluster1", "network_a": "cluster_network", "cidr_a": "10.128.0.0/14",
         "cluster_b": "cluster2", "network_b": "cluster_network", "cidr_b": "10.128.0.0/14"},
        {"cluster_a": "cluster1", "network_a": "service_network", "cidr_a": "172.30.0.0/16",
         "cluster_b": "cluster2", "network_b": "service_network", "cidr_b": "172.30.0.0/16"},
    ]
    assert cidr.describe_overlap(overlaps[0]) == "cluster1 cluster_network 10.128.0.0/14 overlaps cluster2 cluster_network 10.128.0.0/14"


@pytest.mark.parametrize(
    "clusters, expected_pairs",
    [
        # distinct networks, like the addon's own kind set-up
        ({"c1": {"cluster_network": ["10.240.0.0/16"], "service_network": ["100.90.0.0/16"]},
          "c2": {"cluster_network": ["10.241.0.0/16"], "service_network": ["100.91.0.0/16"]}}, []),
        # a pod CIDR containing the other cluster's service CIDR, in either direction
        ({"c1": {"cluster_network": ["10.0.0.0/8"], "service_network": ["172.30.0.0/16"]},
          "c2": {"cluster_network": ["172.28.0.0/14"], "service_network": ["10.96.0.0/12"]}},
         [("c1", "cluster_network", "c2", "service_network"), ("c2", "cluster_network", "c1", "service_network")]),
        # partial containment
        ({"c1": {"cluster_network": ["10.128.0.0/14"]}, "c2": {"cluster_network": ["10.130.0.0/16"]}},
         [("c1", "cluster_network", "c2", "cluster_network")]),
        # adjacent ranges do not overlap
        ({"c1": {"cluster_network": ["10.128.0.0/14"]}, "c2": {"cluster_network": ["10.132.0.0/14"]}}, []),
        # IPv4 never overlaps IPv6
        ({"c1": {"cluster_network": ["10.128.0.0/14", "fd01::/48"]}, "c2": {"cluster_network": ["fd01:0:0:1::/64", "10.200.0.0/14"]}},
         [("c1", "cluster_network", "c2", "cluster_network")]),
        # a single string is accepted for a network
        ({"c1": {"service_network": "172.30.0.0/16"}, "c2": {"service_network": "172.30.128.0/17"}},
         [("c1", "service_network", "c2", "service_network")]),
        # a cluster's own pod/service overlap is not an inter-cluster problem
        ({"c1": {"cluster_network": ["10.0.0.0/8"], "service_network": ["10.96.0.0/12"]}}, []),
        # empty or missing networks
        ({"c1": {}, "c2": {"cluster_network": []}}, []),
    ],
)
def test_find_overlaps_pairs(clusters, expected_pairs):
    found = [(o["cluster_a"], o["network_a"], o["cluster_b"], o["network_b"]) for o in cidr.find_overlaps(clusters)]
    assert found == expected_pairs


def test_find_overlaps_reports_every_pair_across_n_clusters():
    clusters = [dict(DEFAULTS, name="c%d" % i) for i in range(1, 5)]
    overlaps = cidr.find_overlaps(clusters)
    pairs = {(o["cluster_a"], o["cluster_b"]) for o in overlaps}
    assert pairs == {("c1", "c2"), ("c1", "c3"), ("c1", "c4"), ("c2", "c3"), ("c2", "c4"), ("c3", "c4")}
    assert len(overlaps) == 6 * 2


def test_find_overlaps_only_the_offending_cluster():
    clusters = {
        "c1": {"cluster_network": ["10.128.0.0/14"], "service_network": ["172.30.0.0/16"]},
        "c2": {"cluster_network": ["10.132.0.0/14"], "service_network": ["172.31.0.0/16"]},
        "c3": {"cluster_network": ["10.136.0.0/14"], "service_network": ["172.31.128.0/17"]},
    }
    assert [(o["cluster_a"], o["cidr_a"], o["cluster_b"], o["cidr_b"]) for o in cidr.find_overlaps(clusters)] == [
        ("c2", "172.31.0.0/16", "c3", "172.31.128.0/17")
    ]


def test_find_overlaps_machine_networks_only_when_asked():
    clusters = {
        "c1": {"cluster_network": ["10.128.0.0/14"], "machine_network": ["10.0.0.0/16"]},
        "c2": {"cluster_network": ["10.0.0.0/14"], "machine_network": ["10.0.0.0/16"]},
    }
    assert cidr.find_overlaps(clusters) == []
    found = cidr.find_overlaps(clusters, include_machine_network=True)
    # c1's nodes sit inside c2's pod network; identical machine networks alone are fine
    assert [(o["cluster_a"], o["network_a"], o["cluster_b"], o["network_b"]) for o in found] == [
        ("c1", "machine_network", "c2", "cluster_network")
    ]


@pytest.mark.parametrize(
    "clusters, fragment",
    [
        ({"c1": {"cluster_network": ["10.128.0.1/14"]}, "c2": {"cluster_network": ["10.0.0.0/8"]}}, "cluster c1, cluster_network"),
        ([{"cluster_network": ["10.0.0.0/8"]}, {"name": "c2"}], "entry 0 has no name"),
        (["c1"], "entry 0 is not a mapping"),
    ],
)
def test_find_overlaps_invalid_input(clusters, fragment):
    with pytest.raises(ValueError, match=fragment):
        cidr.find_overlaps(clusters)


# --- reading networks -------------------------------------------------------------------------


def network_config(spec=None, status=None):
    obj = {"apiVersion": "config.openshift.io/v1", "kind": "Network", "metadata": {"name": "cluster"}}
    if spec is not None:
        obj["spec"] = spec
    if status is not None:
        obj["status"] = status
    return obj


@pytest.mark.parametrize(
    "obj, expected",
    [
        (network_config(
            spec={"clusterNetwork": [{"cidr": "10.128.0.0/14", "hostPrefix": 23}], "serviceNetwork": ["172.30.0.0/16"], "networkType": "OVNKubernetes"},
            status={"clusterNetwork": [{"cidr": "10.0.0.0/8", "hostPrefix": 23}], "serviceNetwork": ["192.168.0.0/16"], "networkType": "OpenShiftSDN"}),
         {"cluster_network": ["10.128.0.0/14"], "service_network": ["172.30.0.0/16"], "network_type": "OVNKubernetes"}),
        (network_config(
            spec={},
            status={"clusterNetwork": [{"cidr": "10.132.0.0/14", "hostPrefix": 23}], "serviceNetwork": ["172.31.0.0/16"], "networkType": "OpenShiftSDN"}),
         {"cluster_network": ["10.132.0.0/14"], "service_network": ["172.31.0.0/16"], "network_type": "OpenShiftSDN"}),
        (network_config(
            spec={"clusterNetwork": [{"cidr": "10.128.0.0/14"}, {"cidr": "fd01::/48"}], "serviceNetwork": []},
            status={"serviceNetwork": ["172.30.0.0/16"]}),
         {"cluster_network": ["10.128.0.0/14", "fd01::/48"], "service_network": ["172.30.0.0/16"], "network_type": None}),
        (network_config(), {"cluster_network": [], "service_network": [], "network_type": None}),
    ],
)
def test_networks_from_network_config(obj, expected):
    assert cidr.networks_from_network_config(obj) == expected


def test_network_config_fixture_validates_against_the_crd():
    # Guard the fixture shape used above against the real CRD.
    import os

    yaml = pytest.importorskip("yaml")
    jsonschema = pytest.importorskip("jsonschema")
    path = "/work/shared/crds/networks.config.openshift.io.yaml"
    if not os.path.isfile(path):
        pytest.skip("CRD not available")
    with open(path, encoding="utf-8") as handle:
        crd = next(doc for doc in yaml.safe_load_all(handle) if doc)
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    jsonschema.validate(network_config(spec={"clusterNetwork": [{"cidr": "10.128.0.0/14", "hostPrefix": 23}], "serviceNetwork": ["172.30.0.0/16"],
                                             "networkType": "OVNKubernetes"}), schema)


INSTALL_CONFIG = textwrap.dedent(
    """\
    apiVersion: v1
    baseDomain: example.com
    metadata:
      name: cluster1
    networking:
      clusterNetwork:
      - cidr: 10.132.0.0/14
        hostPrefix: 23
      machineNetwork:
      - cidr: 10.1.0.0/16
      networkType: OVNKubernetes
      serviceNetwork:
      - 172.31.0.0/16
    platform:
      aws:
        region: us-east-1
    """
)

LEGACY_INSTALL_CONFIG = textwrap.dedent(
    """\
    apiVersion: v1
    networking:
      clusterNetworks:
      - cidr: 10.128.0.0/14
        hostSubnetLength: 9
      machineCIDR: 10.0.0.0/16
      networkType: OpenShiftSDN
      serviceNetwork:
      - 172.30.0.0/16
    """
)


@pytest.mark.parametrize(
    "text, expected",
    [
        (INSTALL_CONFIG, {"cluster_network": ["10.132.0.0/14"], "service_network": ["172.31.0.0/16"], "machine_network": ["10.1.0.0/16"],
                          "network_type": "OVNKubernetes"}),
        (LEGACY_INSTALL_CONFIG, {"cluster_network": ["10.128.0.0/14"], "service_network": ["172.30.0.0/16"], "machine_network": ["10.0.0.0/16"],
                                 "network_type": "OpenShiftSDN"}),
        ("networking: {}\n", {"cluster_network": [], "service_network": [], "machine_network": [], "network_type": None}),
    ],
)
def test_networks_from_install_config(text, expected):
    assert cidr.networks_from_install_config(text) == expected


@pytest.mark.parametrize("text, fragment", [("a: [", "not valid YAML"), ("apiVersion: v1\n", "no networking"), ("- 1\n", "no networking"),
                                            ("", "no networking")])
def test_networks_from_install_config_rejects(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        cidr.networks_from_install_config(text)


def test_install_config_and_network_config_feed_find_overlaps():
    clusters = {
        "cluster1": cidr.networks_from_install_config(LEGACY_INSTALL_CONFIG),
        "cluster2": cidr.networks_from_network_config(
            network_config(spec={"clusterNetwork": [{"cidr": "10.128.0.0/14"}], "serviceNetwork": ["172.30.0.0/16"]})
        ),
    }
    assert len(cidr.find_overlaps(clusters)) == 2


def test_find_overlaps_validates_a_single_cluster():
    with pytest.raises(ValueError, match="cluster solo, service_network"):
        cidr.find_overlaps({"solo": {"service_network": ["172.30.0.0/33"]}})


def test_find_overlaps_ignores_machine_networks_it_does_not_compare():
    assert cidr.find_overlaps({"c1": {"machine_network": ["junk"]}, "c2": {}}) == []
    with pytest.raises(ValueError, match="machine_network"):
        cidr.find_overlaps({"c1": {"machine_network": ["junk"]}, "c2": {}}, include_machine_network=True)


def test_find_overlaps_with_globalnet_compares_only_global_cidrs():
    clusters = {
        "c1": dict(DEFAULTS, global_network=["242.0.0.0/16"]),
        "c2": dict(DEFAULTS, global_network=["242.1.0.0/16"]),
        "c3": dict(DEFAULTS, global_network="242.1.128.0/17"),
    }
    assert len(cidr.find_overlaps(clusters)) == 6  # the default pod and service networks
    found = cidr.find_overlaps(clusters, globalnet=True, include_machine_network=True)
    assert [(o["cluster_a"], o["network_a"], o["cidr_a"], o["cluster_b"], o["cidr_b"]) for o in found] == [
        ("c2", "global_network", "242.1.0.0/16", "c3", "242.1.128.0/17")
    ]
