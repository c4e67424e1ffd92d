#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_network_info
short_description: Read a managed cluster's networks from its own API, or say why it cannot be read
version_added: 0.2.0
author:
  - acm.submariner maintainers (@acm-submariner)
description:
  - Reads the OpenShift cluster network configuration (C(networks.config.openshift.io/cluster)) of a managed
    cluster, with the cluster's own credentials.
  - A cluster that cannot be read (401, 403, an untrusted CA, a closed port) is not a failed task; RV(error)
    explains it as the hub modules explain theirs (the context or API server and its URL, what to fix, no HTTP
    headers or traceback), so that a preflight collects it with its other findings.
options: {}
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - acm.submariner.hub
  - acm.submariner.attributes
  - acm.submariner.attributes.INFO_MODULE
"""

EXAMPLES = r"""
- name: Read the networks of aws-sub2
  acm.submariner.cluster_network_info:
    kubeconfig: /etc/acm-submariner/kubeconfig
    context: aws-sub2
  register: networks
"""

RETURN = r"""
network:
  description: The C(spec) of C(networks.config.openshift.io/cluster); V(null) when the cluster does not serve it or has none.
  returned: always
  type: dict
  sample: {"clusterNetwork": [{"cidr": "10.128.0.0/14", "hostPrefix": 23}], "serviceNetwork": ["172.30.0.0/16"], "networkType": "OVNKubernetes"}
error:
  description: Why the cluster could not be read, or V(null).
  returned: always
  type: str
  sample: 'context "aws-sub2" (https://api.aws-sub2.example.com:6443) rejected the credentials (401 Unauthorized) while reading API discovery.'
target:
  description: The context or API server read, with its URL.
  returned: always
  type: str
"""

from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubModule
from ansible_collections.acm.submariner.plugins.module_utils.preflight_reads import cluster_network


def main():
    module = HubModule(argument_spec={})
    module.run(cluster_network)


if __name__ == "__main__":
    main()
