# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: config_option_refusals
short_description: The SubmarinerConfig options a hub's ACM version cannot honour
version_added: 0.1.0
author: acm.submariner contributors (@acm-submariner)
description:
  - Applies the rule of M(acm.submariner.submariner_config) before anything is written, for preflight checks.
  - An option whose SubmarinerConfig field the hub's ACM version does not have yet is refused, unless its value is
    what that addon does anyway (ACM 2.2 always deploys one gateway of the instance type m5n.large).
  - Returns one message per refused option, naming the option (or the variable that set it), the hub's ACM version and the fix.
positional: hub, names
options:
  _input:
    description: The options as M(acm.submariner.submariner_config) takes them (for example V(gateways), V(aws_instance_type)); None values are unset.
    type: dict
    required: true
  hub:
    description: The C(hub) facts of M(acm.submariner.hub_info) (C(generation), C(acm_version), C(default_gateway_instance_type)).
    type: dict
    required: true
  names:
    description: "What to call each option in the messages, for example V({'gateways': 'acm_submariner_gateways'})."
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Refuse 2 gateways on an ACM 2.2 hub
  ansible.builtin.fail:
    msg: "{{ refusals | join(' ') }}"
  vars:
    refusals: >-
      {{ {'gateways': acm_submariner_gateways | int}
         | acm.submariner.config_option_refusals(hub_info.hub, {'gateways': 'acm_submariner_gateways'}) }}
  when: refusals | length > 0
"""

RETURN = r"""
_value:
  description: One message per refused option; empty when the hub honours every option.
  type: list
  elements: str
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.acm.submariner.plugins.module_utils.resources import (
    config_options_for_hub,
    fixed_values,
    refusal_messages,
)


def config_option_refusals(options, hub, names=None):
    """Messages for the options the hub cannot honour (empty when it honours all)."""
    if not isinstance(options, Mapping) or not isinstance(hub, Mapping) or not hub.get("generation"):
        raise AnsibleFilterError("acm.submariner.config_option_refusals: expected a dict of options and hub facts with a generation")
    fixed = fixed_values(hub.get("default_gateway_instance_type"))
    _kept, refused = config_options_for_hub(options, hub["generation"], fixed)
    return refusal_messages(refused, hub.get("acm_version") or hub["generation"], fixed, names)


class FilterModule:
    """acm.submariner SubmarinerConfig option filters."""

    def filters(self):
        return {"config_option_refusals": config_option_refusals}
