# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: k8s_auth
short_description: One cluster's Kubernetes connection options, every option it leaves unset given as none
version_added: 0.1.0
author: acm.submariner contributors (@acm-submariner)
description:
  - Returns every connection option of C(kubernetes.core) (O(kubernetes.core.k8s_info#module:kubeconfig),
    O(kubernetes.core.k8s_info#module:context), O(kubernetes.core.k8s_info#module:host), ...), with the values of the
    input and V(null) for each option the input does not set.
  - Meant for a task-level C(module_defaults) entry of a task that talks to a managed cluster inside a play whose
    group C(module_defaults) hold the hub's credentials. A module-specific default overrides the group's, so no hub
    option fills a gap of the cluster's credentials (for example the hub's O(kubernetes.core.k8s_info#module:host)
    taking precedence over the cluster's kubeconfig).
  - Passing the options as task arguments with C(default(none)) does not work on ansible-core 2.18, which renders a
    templated V(null) as an empty string (a wrong O(kubernetes.core.k8s_info#module:host), no boolean for
    O(kubernetes.core.k8s_info#module:validate_certs)); a dictionary keeps its V(null) values.
options:
  _input:
    description: The cluster's connection options, for example C(preflight_auth) of its host.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Read the Submariner CR on the managed cluster, whatever the play's defaults for the hub say
  kubernetes.core.k8s_info:
    api_version: submariner.io/v1alpha1
    kind: Submariner
    namespace: submariner-operator
  module_defaults:
    kubernetes.core.k8s_info: "{{ cluster_auth | acm.submariner.k8s_auth }}"
"""

RETURN = r"""
_value:
  description: Every C(kubernetes.core) connection option, V(null) where the input sets none.
  type: dictionary
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC


def k8s_auth(auth):
    """``auth`` with every kubernetes.core connection option present (None where ``auth`` has none)."""
    if not isinstance(auth, Mapping):
        raise AnsibleFilterError("acm.submariner.k8s_auth: expected a dictionary of connection options, got %s" % auth.__class__.__name__)
    unknown = sorted(set(auth) - set(AUTH_ARG_SPEC))
    if unknown:
        raise AnsibleFilterError("acm.submariner.k8s_auth: not a kubernetes.core connection option: %s" % ", ".join(unknown))
    return {option: auth.get(option) for option in AUTH_ARG_SPEC}


class FilterModule:
    """acm.submariner connection filters."""

    def filters(self):
        return {"k8s_auth": k8s_auth}
