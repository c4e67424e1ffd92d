# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.acm.submariner.plugins.module_utils.hub import validate_cluster_name, validate_set_name
from ansible_collections.acm.submariner.plugins.module_utils.validation import settings_problems, submariner_config_problems


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


def test_module_checks_only_what_it_writes():
    assert submariner_config_problems({"state": "absent", "gateways": -5}) == []
    assert submariner_config_problems({"state": "present", "gateways": -5})


@pytest.mark.parametrize("name", ["submariner\n", "sub\nmariner", "\nsubmariner", "submariner ", "Sub"])
def test_names_are_full_matches(name):
    assert validate_set_name(name) and validate_cluster_name(name)
    assert "DNS-1123" in validate_set_name(name)[0]
