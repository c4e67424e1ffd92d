# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CIDR parsing and pairwise overlap checks across the clusters Submariner connects.

Submariner routes pod and service networks between clusters, so no cluster's pod or service
CIDR may overlap another cluster's pod or service CIDR (unless Globalnet is used). Optionally
the machine (node) networks are checked against the other clusters' pod and service CIDRs too.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from itertools import combinations
from typing import Any, Union

try:
    import yaml
except ImportError:  # PyYAML comes with ansible-core; guard for the sanity import test only
    yaml = None

IPNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

CLUSTER_NETWORK = "cluster_network"
SERVICE_NETWORK = "service_network"
MACHINE_NETWORK = "machine_network"
GLOBAL_NETWORK = "global_network"  # Globalnet CIDR of a cluster (SubmarinerConfig globalCIDR)
NETWORK_KINDS = (CLUSTER_NETWORK, SERVICE_NETWORK, MACHINE_NETWORK, GLOBAL_NETWORK)

# Kinds compared between two clusters. Machine networks are compared with the peer's pod and
# service networks only: two VPCs may well use the same machine CIDR (the installer default
# 10.0.0.0/16) because Submariner does not route node networks.
ROUTED_PAIRS = ((CLUSTER_NETWORK, CLUSTER_NETWORK), (SERVICE_NETWORK, SERVICE_NETWORK), (CLUSTER_NETWORK, SERVICE_NETWORK))
MACHINE_PAIRS = ((MACHINE_NETWORK, CLUSTER_NETWORK), (MACHINE_NETWORK, SERVICE_NETWORK))
# With Globalnet, pod and service networks may overlap; only the global CIDRs must not.
GLOBALNET_PAIRS = ((GLOBAL_NETWORK, GLOBAL_NETWORK),)


def parse_cidr(text: Any) -> IPNetwork:
    """Parse one CIDR (IPv4 or IPv6) strictly.

    :raises ValueError: with a message naming the value, for anything that is not a network
        address with a prefix length (including host bits set, e.g. ``10.128.0.1/14``).
    """
    if not isinstance(text, str) or "/" not in text:
        raise ValueError("%r is not a CIDR (expected an address and a prefix length, e.g. 10.128.0.0/14)" % (text,))
    try:
        return ipaddress.ip_network(text.strip(), strict=True)
    except ValueError as exc:
        raise ValueError("%r is not a valid CIDR: %s" % (text, exc)) from None


def globalnet_range_problem(text: Any) -> str | None:
    """Why ``text`` cannot be the Broker's Globalnet CIDR range (an IPv4 network without host bits), or None."""
    try:
        network = parse_cidr(text) if isinstance(text, str) and text == text.strip() else None
    except ValueError:
        network = None
    if network is None or network.version != 4 or network.prefixlen < 1:
        return ("acm_submariner_globalnet_cidr_range %s is not an IPv4 network (address/prefix 1-32, no host bits set),"
                " for example 242.0.0.0/8" % (text,))
    return None


def cidr_problems(values: Iterable[Any]) -> list[str]:
    """Messages for every value of ``values`` that :func:`parse_cidr` rejects."""
    problems = []
    for value in values:
        try:
            parse_cidr(value)
        except ValueError as exc:
            problems.append(str(exc))
    return problems


def _cidr_list(entries: Any, key: str | None = "cidr") -> list[str]:
    """CIDR strings from a list of strings or of ``{cidr: ...}`` entries."""
    result = []
    for entry in entries or []:
        if isinstance(entry, Mapping):
            value = entry.get(key) if key else None
        else:
            value = entry
        if value:
            result.append(str(value))
    return result


def networks_from_network_config(obj: Mapping[str, Any]) -> dict[str, Any]:
    """Pod and service networks from a ``networks.config.openshift.io`` object ``cluster``.

    Reads ``spec`` as Submariner's own discovery does and falls back to ``status`` for each
    field that ``spec`` leaves empty. Also accepts a ManagedClusterView's ``status.result``
    (the same object). Returns ``cluster_network``, ``service_network``, ``network_type``.
    """
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    cluster_network = _cidr_list(spec.get("clusterNetwork")) or _cidr_list(status.get("clusterNetwork"))
    service_network = _cidr_list(spec.get("serviceNetwork"), None) or _cidr_list(status.get("serviceNetwork"), None)
    return {
        CLUSTER_NETWORK: cluster_network,
        SERVICE_NETWORK: service_network,
        "network_type": spec.get("networkType") or status.get("networkType"),
    }


def networks_from_install_config(text: str) -> dict[str, Any]:
    """Networks from a Hive ``install-config.yaml`` (the ``<cluster>-install-config`` secret).

    Understands ``networking.clusterNetwork[].cidr``, ``serviceNetwork[]``,
    ``machineNetwork[].cidr`` and ``networkType``, plus the pre-4.6 spellings
    ``clusterNetworks`` and ``machineCIDR``. Returns ``cluster_network``, ``service_network``,
    ``machine_network``, ``network_type``.

    :raises ValueError: when the text is not YAML or has no ``networking`` mapping.
    """
    if yaml is None:
        raise ValueError("reading an install-config needs PyYAML")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError("install-config is not valid YAML: %s" % exc) from None
    networking = document.get("networking") if isinstance(document, Mapping) else None
    if not isinstance(networking, Mapping):
        raise ValueError("install-config has no networking section")
    machine_network = _cidr_list(networking.get("machineNetwork"))
    if not machine_network and networking.get("machineCIDR"):
        machine_network = [str(networking["machineCIDR"])]
    return {
        CLUSTER_NETWORK: _cidr_list(networking.get("clusterNetwork") or networking.get("clusterNetworks")),
        SERVICE_NETWORK: _cidr_list(networking.get("serviceNetwork"), None),
        MACHINE_NETWORK: machine_network,
        "network_type": networking.get("networkType"),
    }


def _normalize_clusters(clusters: Mapping[str, Mapping[str, Any]] | Iterable[Mapping[str, Any]]) -> list[tuple[str, Mapping[str, Any]]]:
    if isinstance(clusters, Mapping):
        return [(str(name), networks or {}) for name, networks in clusters.items()]
    normalized = []
    for index, cluster in enumerate(clusters):
        if not isinstance(cluster, Mapping):
            raise ValueError("cluster entry %d is not a mapping" % index)
        name = cluster.get("name")
        if not name:
            raise ValueError("cluster entry %d has no name" % index)
        normalized.append((str(name), cluster))
    return normalized


def _parsed(name: str, networks: Mapping[str, Any], kind: str) -> list[tuple[str, IPNetwork]]:
    values = networks.get(kind) or []
    if isinstance(values, str):
        values = [values]
    parsed = []
    for value in values:
        try:
            parsed.append((value, parse_cidr(value)))
        except ValueError as exc:
            raise ValueError("cluster %s, %s: %s" % (name, kind, exc)) from None
    return parsed


def _overlaps(a: IPNetwork, b: IPNetwork) -> bool:
    return a.version == b.version and a.overlaps(b)  # type: ignore[arg-type]


_Parsed = dict[str, list[tuple[str, IPNetwork]]]


def _pair_overlaps(first: tuple[str, _Parsed], second: tuple[str, _Parsed], pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    found = []
    for kind_a, kind_b in pairs:
        # A mixed pair is checked both ways: A's pods vs B's services and B's pods vs A's services.
        directions = [(first, kind_a, second, kind_b)]
        if kind_a != kind_b:
            directions.append((second, kind_a, first, kind_b))
        for (name_a, nets_a), k_a, (name_b, nets_b), k_b in directions:
            for text_a, net_a in nets_a[k_a]:
                for text_b, net_b in nets_b[k_b]:
                    if _overlaps(net_a, net_b):
                        found.append({"cluster_a": name_a, "network_a": k_a, "cidr_a": text_a,
                                      "cluster_b": name_b, "network_b": k_b, "cidr_b": text_b})
    return found


def find_overlaps(
    clusters: Mapping[str, Mapping[str, Any]] | Iterable[Mapping[str, Any]],
    include_machine_network: bool = False,
    globalnet: bool = False,
) -> list[dict[str, str]]:
    """Every overlapping pair of CIDRs between two different clusters.

    :param clusters: either ``{name: {cluster_network: [...], service_network: [...]}}`` or a
        list of ``{name: ..., cluster_network: [...], service_network: [...]}``; a network
        may be one string or a list of strings. ``machine_network`` is read when
        ``include_machine_network`` is set.
    :param globalnet: compare only the clusters' ``global_network`` CIDRs, as Globalnet lets
        pod and service networks overlap.
    :returns: one dict per overlap with ``cluster_a``, ``network_a``, ``cidr_a``,
        ``cluster_b``, ``network_b``, ``cidr_b``, in input order.
    :raises ValueError: naming the cluster and network of the first CIDR that does not parse
        (every compared CIDR is checked, even with a single cluster).
    """
    if globalnet:
        pairs = GLOBALNET_PAIRS
    else:
        pairs = ROUTED_PAIRS + (MACHINE_PAIRS if include_machine_network else ())
    kinds = {kind for pair in pairs for kind in pair}
    parsed = [(name, {kind: _parsed(name, networks, kind) for kind in kinds}) for name, networks in _normalize_clusters(clusters)]
    found: list[dict[str, str]] = []
    for first, second in combinations(parsed, 2):
        found.extend(_pair_overlaps(first, second, pairs))
    return found


def describe_overlap(overlap: Mapping[str, str]) -> str:
    """One line for a finding, e.g. ``cluster1 cluster_network 10.128.0.0/14 overlaps cluster2 cluster_network 10.128.0.0/14``."""
    return "%s %s %s overlaps %s %s %s" % (
        overlap["cluster_a"], overlap["network_a"], overlap["cidr_a"],
        overlap["cluster_b"], overlap["network_b"], overlap["cidr_b"],
    )
