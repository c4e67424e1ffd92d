# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: condition
short_description: Look up a status condition by type
version_added: 0.1.0
author: acm.submariner contributors (@acm-submariner)
description:
  - Returns the condition of the given type from a Kubernetes object's C(status.conditions), or from a list of conditions.
  - Returns an empty dictionary when the object has no such condition, so C(.status) can be combined with P(ansible.builtin.default#filter).
positional: type
options:
  _input:
    description: A Kubernetes object (with C(status.conditions)) or a list of conditions.
    type: raw
    required: true
  type:
    description: The condition type, for example V(SubmarinerGatewaysLabeled) or V(ManagedClusterConditionAvailable).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Read the ManagedClusterAddOn
  kubernetes.core.k8s_info:
    api_version: addon.open-cluster-management.io/v1alpha1
    kind: ManagedClusterAddOn
    name: submariner
    namespace: cluster1
  register: addon

- name: Show why the gateway nodes are not labelled
  ansible.builtin.debug:
    msg: "{{ labeled.reason | default('not reported') }}: {{ labeled.message | default('') }}"
  vars:
    labeled: "{{ addon.resources[0] | acm.submariner.condition('SubmarinerGatewayNodesLabeled') }}"

- name: Degraded conditions are healthy when False
  ansible.builtin.assert:
    that: (addon.resources[0] | acm.submariner.condition('SubmarinerConnectionDegraded')).status | default('Unknown') == 'False'
"""

RETURN = r"""
_value:
  description:
    - The condition, with its C(type), C(status), C(reason), C(message) and C(lastTransitionTime) as the API returns them.
    - An empty dictionary when there is no condition of that type.
  type: dictionary
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.acm.submariner.plugins.module_utils.conditions import find_condition


def condition(obj_or_conditions, type):  # pylint: disable=redefined-builtin
    """The condition of ``type`` (an empty dict when absent)."""
    if not isinstance(type, str) or not type:
        raise AnsibleFilterError("acm.submariner.condition: the condition type must be a non-empty string")
    if obj_or_conditions is not None and not isinstance(obj_or_conditions, (Mapping, list, tuple)):
        raise AnsibleFilterError(
            "acm.submariner.condition: expected a Kubernetes object or a list of conditions, got %s" % obj_or_conditions.__class__.__name__
        )
    found = find_condition(obj_or_conditions, type)
    return dict(found) if found is not None else {}


class FilterModule:
    """acm.submariner condition filters."""

    def filters(self):
        return {"condition": condition}
