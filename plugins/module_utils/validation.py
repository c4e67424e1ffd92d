# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Rules for the settings a run writes: UDP ports, the number of gateways, the Globalnet range, AWS keys.

One home for each rule: the modules refuse a bad value before any request (``option_problems``,
``submariner_config_problems``, ``aws_keys_problem``), and preflight (filter ``acm.submariner.preflight_rules``)
reports the same words before the first write. Names (set, cluster) are checked by
hub.validate_set_name / validate_cluster_name (full matches).

Ranges, as upstream defines them: a gateway count below 1 is refused by the submariner-addon
(stolostron/submariner-addon pkg/cloud/aws/aws.go, pkg/spoke/submarineragent/config_controller.go); its
SubmarinerConfig CRD gives the ports no bounds, so they are held to what a UDP port can be (1-65535).
cloud-prepare puts each gateway on its own public subnet of a zone that offers the instance type, and
fails with "insufficient number of public subnets" otherwise. Globalnet gives each cluster a block of the
next power of two of the cluster size, carved out of the range (submariner-io/submariner-operator
pkg/cidr/cidr.go allocateBySize, GetValidAllocationSize).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils.hub import validate_cluster_name, validate_set_name
from ansible_collections.acm.submariner.plugins.module_utils.resources import CABLE_DRIVERS, DEFAULT_CABLE_DRIVER

PORT_MIN, PORT_MAX = 1, 65535
MIN_GATEWAYS = 1

# submariner_config option -> what preflight calls it (the inventory variable).
PORT_OPTIONS = {
    "ipsec_natt_port": "acm_submariner_nat_t_port",
    "natt_discovery_port": "acm_submariner_nat_discovery_port",
    "ipsec_ike_port": "ipsec_ike_port",
}
GATEWAYS_OPTION = ("gateways", "acm_submariner_gateways")
# The UDP ports a gateway listens on, on its node's host network: they must be free on every node.
LISTENING_PORT_OPTIONS = ("ipsec_natt_port", "natt_discovery_port")
DEFAULT_IKE_PORT = 500  # SubmarinerConfig IPSecIKEPort's default (its CRD)
# UDP ports the nodes of an OpenShift cluster already use, each opened by another security group rule: the table
# "Ports used for all-machine to all-machine communications" (openshift/openshift-docs
# modules/installation-network-user-infra.adoc, 001ad1fe), and Submariner's own VXLAN between the nodes of a
# cluster (submariner-io/submariner pkg/port/ports.go IntraClusterVxLAN, 5b70b1e4; cloud-prepare opens it).
NODE_UDP_PORTS = (
    (4789, 4789, "VXLAN (OpenShift SDN)"),
    (4800, 4800, "Submariner's VXLAN between the nodes of a cluster (route agent)"),
    (6081, 6081, "Geneve (OVN-Kubernetes)"),
    (9000, 9999, "host-level services such as the node exporter"),
    (30000, 32767, "Kubernetes node ports"),
)
DEFAULT_GLOBALNET_RANGE = "242.0.0.0/8"
DEFAULT_GLOBALNET_CLUSTER_SIZE = 65536
AWS_KEYS = ("aws_access_key_id", "aws_secret_access_key")
# Numeric options of the acm.submariner modules and the least value each takes (ports are checked as ports).
MINIMUMS = {"wait_timeout": 1, "duration": 1, "gateways": MIN_GATEWAYS, "default_globalnet_cluster_size": 1}
PORTS = ("ipsec_natt_port", "natt_discovery_port", "ipsec_ike_port", "nat_t_port", "nat_discovery_port", "vxlan_port")


def _as_int(value: Any) -> int | None:
    """``value`` as an int when it is one (bools and non-integral text are not), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def port_problem(label: str, value: Any) -> str | None:
    number = _as_int(value)
    if number is None or not PORT_MIN <= number <= PORT_MAX:
        return "%s is %s; give a UDP port from %d to %d" % (label, value, PORT_MIN, PORT_MAX)
    return None


def _ports_text(first: int, last: int) -> str:
    return str(first) if first == last else "%d-%d" % (first, last)


def node_port_problem(label: str, value: Any) -> str | None:
    """Why the gateway cannot listen on UDP port ``value``: the cluster's nodes already use it."""
    number = _as_int(value)
    for first, last, purpose in NODE_UDP_PORTS:
        if number is not None and first <= number <= last:
            taken = ", ".join(_ports_text(low, high) for low, high, _purpose in NODE_UDP_PORTS)
            return ("%s is %d, a UDP port the cluster's nodes already use for %s (UDP %s), so the gateway could not listen"
                    " on it; choose a port outside %s" % (label, number, purpose, _ports_text(first, last), taken))
    return None


def gateways_problem(label: str, value: Any) -> str | None:
    number = _as_int(value)
    if number is None or number < MIN_GATEWAYS:
        return "%s is %s; give at least %d gateway per cluster" % (label, value, MIN_GATEWAYS)
    return None


def settings_problems(settings: Mapping[str, Any], names: str = "module") -> list[str]:
    """Every problem with the ports and gateways in ``settings`` (keys as submariner_config options;
    unset or None values are not checked). ``names``: ``module`` names the options, ``inventory`` the
    acm_submariner_* variables."""
    def label(option, variable):
        return variable if names == "inventory" else option

    problems = []
    for option, variable in PORT_OPTIONS.items():
        if settings.get(option) is not None:
            problems.append(port_problem(label(option, variable), settings[option]))
    if settings.get(GATEWAYS_OPTION[0]) is not None:
        problems.append(gateways_problem(label(*GATEWAYS_OPTION), settings[GATEWAYS_OPTION[0]]))
    for option in LISTENING_PORT_OPTIONS:
        if settings.get(option) is not None:
            problems.append(node_port_problem(label(option, PORT_OPTIONS[option]), settings[option]))
    natt, discovery = _as_int(settings.get("ipsec_natt_port")), _as_int(settings.get("natt_discovery_port"))
    if natt is not None and natt == discovery:
        problems.append("%s and %s are both %d; Submariner listens on each for a different purpose (IPsec NAT-T and"
                        " NAT discovery), so give them different ports"
                        % (label("ipsec_natt_port", PORT_OPTIONS["ipsec_natt_port"]),
                           label("natt_discovery_port", PORT_OPTIONS["natt_discovery_port"]), natt))
    driver = settings.get("cable_driver")
    if driver is not None and driver not in CABLE_DRIVERS:
        problems.append("%s is %r; use %s (strongSwan left Submariner in 0.9)" % (
            label("cable_driver", "acm_submariner_cable_driver"), driver, ", ".join(CABLE_DRIVERS)))
    ike = _as_int(settings.get("ipsec_ike_port")) if settings.get("ipsec_ike_port") is not None else DEFAULT_IKE_PORT
    ike_label = label("ipsec_ike_port", PORT_OPTIONS["ipsec_ike_port"])
    for option in LISTENING_PORT_OPTIONS:
        if ike is not None and _as_int(settings.get(option)) == ike:
            problems.append("%s is %d, the IPsec IKE port (%s, default %d); Submariner listens on each for a different"
                            " purpose, so give them different ports" % (label(option, PORT_OPTIONS[option]), ike, ike_label, DEFAULT_IKE_PORT))
    return [problem for problem in problems if problem]


def submariner_config_problems(params: Mapping[str, Any]) -> list[str]:
    """What the submariner_config module refuses before any request (only for ``state=present``)."""
    if params.get("state", "present") != "present":
        return []
    return settings_problems(params)


def minimum_problem(label: str, value: Any, least: int) -> str | None:
    number = _as_int(value)
    if number is None or number < least:
        return "%s is %s; give a whole number of at least %d" % (label, value, least)
    return None


def option_problems(params: Mapping[str, Any], names: Mapping[str, str] | None = None, skip: tuple = ()) -> list[str]:
    """What a module refuses before any request (unset options are not checked): numeric options out of range,
    an invalid Globalnet range, and the options in ``names`` (option -> ``cluster`` or ``set``) that are not
    valid ManagedCluster or ManagedClusterSet names. ``skip``: options the module checks itself."""
    problems = []
    for option, kind in (names or {}).items():
        if params.get(option) not in (None, ""):
            rule = validate_cluster_name if kind == "cluster" else validate_set_name
            problems += ["%s: %s" % (option, problem) for problem in rule(params[option])]
    for option in PORTS:
        if params.get(option) is not None and option not in skip:
            problems.append(port_problem(option, params[option]))
    for option, least in MINIMUMS.items():
        if params.get(option) is not None and option not in skip:
            problems.append(gateways_problem(option, params[option]) if option == "gateways" else minimum_problem(option, params[option], least))
    if params.get("globalnet_cidr_range"):
        problems.append(globalnet_range_problem("globalnet_cidr_range", params["globalnet_cidr_range"]))
    return [problem for problem in problems if problem]


def globalnet_range_problem(label: str, cidr_range: Any) -> str | None:
    text = str(cidr_range)
    try:
        network = ipaddress.IPv4Network(text, strict=True)
    except ValueError:
        network = None
    if network is None or "/" not in text or text != text.strip() or network.prefixlen < 1:
        return "%s %r is not an IPv4 network (address/prefix 1-32, no host bits set), for example %s" % (
            label, cidr_range, DEFAULT_GLOBALNET_RANGE)
    return None


def globalnet_capacity(cidr_range: str, cluster_size: int) -> int:
    """How many clusters get a Globalnet block: the range holds blocks of the next power of two of ``cluster_size``."""
    block = 1 << max(int(cluster_size) - 1, 0).bit_length()
    return ipaddress.IPv4Network(cidr_range).num_addresses // block


def globalnet_problems(cidr_range: Any, cluster_size: Any, clusters: list[str], names: str = "inventory", members: tuple = ()) -> list[str]:
    """Problems with a Globalnet range and cluster size for ``clusters`` (empty range or size: the addon's defaults).

    ``members`` are the set's other clusters: each holds a block of the range or takes one when it joins.
    """
    range_label = "acm_submariner_globalnet_cidr_range" if names == "inventory" else "globalnet_cidr_range"
    size_label = "acm_submariner_globalnet_cluster_size" if names == "inventory" else "default_globalnet_cluster_size"
    cidr_range = cidr_range or DEFAULT_GLOBALNET_RANGE
    problems = [globalnet_range_problem(range_label, cidr_range)]
    if cluster_size not in (None, "", 0, "0"):
        problems.append(minimum_problem(size_label, cluster_size, 1))
    problems = [problem for problem in problems if problem]
    if problems:
        return problems
    size = _as_int(cluster_size) or DEFAULT_GLOBALNET_CLUSTER_SIZE
    capacity = globalnet_capacity(cidr_range, size)
    members = [name for name in members if name not in clusters]
    needed = len(clusters) + len(members)
    if capacity < needed:
        already = " and %d more are in the set already (%s)" % (len(members), ", ".join(members)) if members else ""
        return ["%s %s holds %d Globalnet block(s) of %d addresses (%s %d, rounded up to a power of two), but %d clusters join"
                " (%s)%s; give a larger range (a /%d at least) or a smaller cluster size"
                % (range_label, cidr_range, capacity, 1 << max(size - 1, 0).bit_length(), size_label, size, len(clusters),
                   ", ".join(clusters), already, _prefix_for(needed, size))]
    return []


def _prefix_for(count: int, size: int) -> int:
    needed = count * (1 << max(size - 1, 0).bit_length())
    return 32 - max(needed - 1, 0).bit_length()


def gateway_subnets_problem(gateways: Any, usable_subnets: Any, instance_type: str = "", label: str = "acm_submariner_gateways") -> str | None:
    """More gateways than public subnets that can hold one (cloud-prepare puts each on its own subnet)."""
    count, usable = _as_int(gateways), _as_int(usable_subnets)
    if count is None or usable is None or count <= usable:
        return None
    return ("%s is %d but the cluster has %d public subnet(s) in zones that offer %s; cloud-prepare puts each gateway"
            " on its own public subnet (\"insufficient number of public subnets\"): set %s to %d at most, or add public subnets"
            % (label, count, usable, instance_type or "the gateway instance type", label, usable))


def tagged_gateways_problem(gateways: Any, subnets: Any, tag: str, label: str = "acm_submariner_gateways") -> str | None:
    """Fewer gateways than public subnets already tagged for one, where the addon prepares AWS (ACM 2.4 and later).

    ``subnets``: the cluster's public subnets as acm.submariner.aws_cloud_prepare_info reports them. cloud-prepare
    deploys a gateway in every tagged subnet that offers the instance type and never untags one; and as its loop
    stops only when exactly ``gateways`` are tagged, with more tagged it tags every other usable subnet too
    (submariner-io/cloud-prepare release-0.19 pkg/aws/ocpgwdeployer.go processSubnets).
    """
    count = _as_int(gateways)
    usable = [subnet for subnet in subnets or [] if subnet.get("instance_type_offered")]
    tagged = [subnet for subnet in usable if tag in (subnet.get("tags") or {})]
    if count is None or len(tagged) <= count:
        return None
    return ("%s is %d but %d public subnets already carry the gateway tag %s (%s): the submariner-addon keeps a gateway in"
            " every tagged subnet, never removes one, and with more tagged than asked for it tags the other usable subnets too,"
            " so the cluster would run %d gateways (cloud-prepare processSubnets). Set %s to %d, or take the cluster out of the"
            " set (acm.submariner.uninstall --limit <hub>,<cluster>: the add-on's clean-up deletes its gateways and untags the"
            " subnets) and join it again with %d" % (
                label, count, len(tagged), tag, ", ".join("%s in %s" % (subnet.get("subnet_id"), subnet.get("availability_zone"))
                                                          for subnet in tagged),
                len(usable), label, len(tagged), count))


def fewer_addon_gateways_warning(before: Any, after: Any) -> str | None:
    """A SubmarinerConfig asking the addon for fewer gateways (ACM 2.4 and later; see :func:`tagged_gateways_problem`)."""
    was, now = _as_int(before), _as_int(after)
    if was is None or now is None or now >= was:
        return None
    return ("spec.gatewayConfig.gateways goes from %d to %d, but the submariner-addon removes no gateway: it keeps one in every"
            " public subnet it tagged, and with more tagged than asked for it tags the other usable subnets too (cloud-prepare"
            " processSubnets). To have fewer, take the cluster out of the set and join it again (docs/day2.md)" % (was, now))


def nat_discovery_port_problem(value: Any, label: str = "acm_submariner_nat_discovery_port") -> str | None:
    """A NAT discovery port other than the one Submariner's gateway listens on.

    The gateway reads its port from its node's label or annotation ``gateway.submariner.io/natt-discovery-port``, else
    4490 (submariner-io/submariner ``pkg/endpoint/local_endpoint.go``, ``pkg/port/ports.go``), and the operator exposes
    4490 (``gateway_resources.go``). Neither the add-on nor the operator sets that label: the SubmarinerConfig's
    ``NATTDiscoveryPort`` only opens the cloud firewall (stolostron/submariner-addon ``pkg/cloud/aws/aws.go``).
    """
    port = _as_int(value)
    if port is None or port == C.SUBMARINER_NATT_DISCOVERY_PORT:
        return None
    return ("%s is %d, but Submariner's gateway listens for NAT discovery on %d whatever the SubmarinerConfig says: its"
            " NATTDiscoveryPort only opens the cloud firewall, and the gateway takes another port only from its node's label"
            " gateway.submariner.io/natt-discovery-port, which neither the submariner-addon nor the operator sets. Unset %s"
            " (or set it to %d)" % (label, port, C.SUBMARINER_NATT_DISCOVERY_PORT, label, C.SUBMARINER_NATT_DISCOVERY_PORT))


def cable_driver_mix_problem(run_drivers: Mapping[str, Any], announced: Mapping[str, Any]) -> str | None:
    """The clusters of a set would run different cable drivers after the run.

    ``run_drivers`` maps each cluster of the run to the driver it asks for (None: it keeps the one it runs, or gets
    the addon's default); ``announced`` maps each cluster of the set that announced an Endpoint to its ``backend``.
    Submariner never compares two clusters' drivers (submariner-io/submariner ``pkg/cableengine/cableengine.go``
    ``InstallCable``), so a mix shows no error: the tunnels between them just never come up.
    """
    drivers = {name: driver for name, driver in announced.items() if driver}
    for name, wanted in run_drivers.items():
        drivers[name] = wanted or drivers.get(name) or DEFAULT_CABLE_DRIVER
    if len(set(drivers.values())) <= 1:
        return None
    return ("the set's clusters would run different cable drivers (%s). Submariner connects gateways of one driver only and"
            " reports no mismatch: a libreswan gateway keeps connecting, a wireguard one has no connection and a vxlan one"
            " fails its health check. Give every cluster of the set the same acm_submariner_cable_driver (group_vars of"
            " managed_clusters) and run the set's clusters together; clusters outside the run count with the driver their"
            " broker Endpoint announces" % ", ".join("%s: %s" % (name, drivers[name]) for name in sorted(drivers)))


def repeated_clusters_problem(names: list) -> str | None:
    """A batch of clusters (spoke_preflight_info, aws_preflight_info) names each cluster once: its answers are keyed by name."""
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        return "clusters names {0} more than once; give each cluster once".format(", ".join(repeated))
    return None


def aws_keys_problem(access_key: Any, secret_key: Any, profile: Any = None) -> str | None:
    """Empty AWS keys would let boto3 fall back to whatever the controller has (environment, ~/.aws, instance role)."""
    if profile and not (access_key or secret_key):
        return None
    missing = [name for name, value in (("access_key", access_key), ("secret_key", secret_key)) if not value]
    if missing:
        return ("no AWS %s given; refusing to fall back to the controller's own AWS credentials (environment variables,"
                " ~/.aws, an instance or container role), which may be another account's: give access_key and secret_key"
                " (or name a profile)" % " and ".join(missing))
    return None


def secret_keys_problem(secret_ref: str, keys: Any) -> str | None:
    """``keys``: the AWS key names of a credentials Secret whose value is not empty (None: no such Secret)."""
    if keys is None:
        return None
    empty = [key for key in AWS_KEYS if key not in keys]
    if empty:
        return ("the credentials secret %s has no value for %s; an empty key would make AWS fall back to the controller's"
                " own credentials: put the cluster's keys in it (or give acm_submariner_aws_access_key_id and"
                " acm_submariner_aws_secret_access_key)" % (secret_ref, ", ".join(empty)))
    return None
