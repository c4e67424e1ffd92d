# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: credentials_secret
short_description: The name of a cluster's AWS credentials secret on the hub
version_added: 0.2.0
author: acm.submariner contributors (@acm-submariner)
description:
  - Returns the name of the Secret, in the cluster's namespace on the hub, that holds the cluster's AWS keys
    (C(aws_access_key_id), C(aws_secret_access_key)) for the submariner-addon.
  - The secret named by O(name) when it is set, else V(<cluster>-aws-creds).
  - The preflight, aws_prep and uninstall roles all name the secret through this filter.
positional: name
options:
  _input:
    description: The ManagedCluster name.
    type: str
    required: true
  name:
    description: The secret name given for the cluster (C(acm_submariner_credentials_secret)); empty or V(null) for the default.
    type: str
"""

EXAMPLES = r"""
- name: Read the credentials secret of the cluster
  kubernetes.core.k8s_info:
    api_version: v1
    kind: Secret
    namespace: "{{ inventory_hostname }}"
    name: "{{ inventory_hostname | acm.submariner.credentials_secret(acm_submariner_credentials_secret | default(none)) }}"
  no_log: true
"""

RETURN = r"""
_value:
  description: The secret name, for example V(cluster1-aws-creds).
  type: string
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.acm.submariner.plugins.module_utils.resources import credentials_secret_name


def credentials_secret(cluster, name=None):
    """The credentials secret name of ``cluster``."""
    if not isinstance(cluster, str) or not cluster:
        raise AnsibleFilterError("acm.submariner.credentials_secret: the cluster name must be a non-empty string")
    return credentials_secret_name(cluster, name or None)


class FilterModule:
    """acm.submariner credentials secret filter."""

    def filters(self):
        return {"credentials_secret": credentials_secret}
