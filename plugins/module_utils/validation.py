# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Rules for the Submariner settings a run writes: UDP ports and the number of gateways.

One home for each rule: the submariner_config module refuses a bad value before any request, and
preflight (filter ``acm.submariner.settings_problems``) reports the same words before the first write.
Names (set, cluster) are checked by hub.validate_set_name / validate_cluster_name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PORT_MIN, PORT_MAX = 1, 65535
MIN_GATEWAYS = 1

# submariner_config option -> what preflight calls it (the inventory variable).
PORT_OPTIONS = {
    "ipsec_natt_port": "acm_submariner_nat_t_port",
    "natt_discovery_port": "acm_submariner_nat_discovery_port",
    "ipsec_ike_port": "ipsec_ike_port",
}
GATEWAYS_OPTION = ("gateways", "acm_submariner_gateways")


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
    natt, discovery = _as_int(settings.get("ipsec_natt_port")), _as_int(settings.get("natt_discovery_port"))
    if natt is not None and natt == discovery:
        problems.append("%s and %s are both %d; Submariner listens on each for a different purpose (IPsec NAT-T and"
                        " NAT discovery), so give them different ports"
                        % (label("ipsec_natt_port", PORT_OPTIONS["ipsec_natt_port"]),
                           label("natt_discovery_port", PORT_OPTIONS["natt_discovery_port"]), natt))
    return [problem for problem in problems if problem]


def submariner_config_problems(params: Mapping[str, Any]) -> list[str]:
    """What the submariner_config module refuses before any request (only for ``state=present``)."""
    if params.get("state", "present") != "present":
        return []
    return settings_problems(params)
