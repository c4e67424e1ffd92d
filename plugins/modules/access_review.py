#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: access_review
short_description: Check that the credentials may do everything a run will do, before it writes
version_added: 0.2.0
author:
  - acm.submariner maintainers (@acm-submariner)
description:
  - Sends one C(authorization.k8s.io/v1) SelfSubjectAccessReview for every verb on every resource that a run
    (site.yml with AWS preparation V(addon) or V(direct), verify.yml, uninstall.yml) will send to the hub or to
    a managed cluster, in each namespace it is sent to, and fails when any is not allowed.
  - The failure names the cluster, every missing verb and resource, and the ClusterRole file of the collection
    that grants them (C(files/rbac/), docs/rbac.md). The list of permissions is the same one those files were
    rendered from (C(plugins/module_utils/rbac.py)).
  - SelfSubjectAccessReviews change nothing; every authenticated identity may create them (the bootstrap
    ClusterRole C(system:basic-user)). The module behaves the same in check mode.
options:
  side:
    description: Whether the credentials are the hub's or a managed cluster's.
    type: str
    choices: [hub, spoke]
    required: true
  run:
    description: The playbook that will run.
    type: str
    choices: [site, verify, uninstall]
    required: true
  aws_prep_mode:
    description: The AWS preparation mode of the clusters (V(skip) needs no more than V(addon)).
    type: str
    choices: [addon, direct, skip]
    default: addon
  hub:
    description:
      - The hub's facts from M(acm.submariner.hub_info) (C(join_flow), C(broker_cr_required), C(broker_namespace_rule)).
      - Without them the permissions of every ACM generation are checked.
    type: dict
  clusters:
    description: The managed clusters of the run; the hub permissions on their namespaces are checked in each.
    type: list
    elements: str
    default: []
  credentials_clusters:
    description:
      - The managed clusters whose AWS keys the run is given. The hub permissions on their credentials secrets (create
        and patch for C(site.yml), delete for C(uninstall.yml)) are checked in their namespaces only.
    type: list
    elements: str
    default: []
    version_added: 0.2.0
  cluster_set:
    description: The ManagedClusterSet of the run; the hub permissions on its broker namespace are checked there.
    type: str
  cluster:
    description: How the failure names the cluster (default the hub or the context).
    type: str
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - acm.submariner.hub
  - acm.submariner.attributes.INFO_MODULE
  - acm.submariner.attributes.ACTION_GROUP
seealso:
  - name: docs/rbac.md
    description: The minimal ClusterRoles per mode, and how they were derived.
    link: https://github.com/acm-submariner/acm.submariner/blob/main/docs/rbac.md
"""

EXAMPLES = r"""
- name: Check the hub's permissions for site.yml before any write
  acm.submariner.access_review:
    context: hubcluster
    side: hub
    run: site
    hub: "{{ preflight_hub_info.hub }}"
    clusters: [cluster1, cluster2]
    cluster_set: submariner
"""

RETURN = r"""
role_file:
  description: The collection's file with the ClusterRole that grants what this run needs on this side.
  returned: always
  type: str
  sample: files/rbac/acm-submariner-hub-addon.yaml
checked:
  description: How many SelfSubjectAccessReviews were sent.
  returned: always
  type: int
  sample: 27
missing:
  description: The permissions that were not allowed (verb, group, resource, namespace).
  returned: failure
  type: list
  elements: dict
"""

from ansible_collections.acm.submariner.plugins.module_utils import rbac
from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubModule
from ansible_collections.acm.submariner.plugins.module_utils.preflight_reads import review


def argument_spec():
    return {
        "side": {"type": "str", "choices": list(rbac.SIDES), "required": True},
        "run": {"type": "str", "choices": list(rbac.RUNS), "required": True},
        "aws_prep_mode": {"type": "str", "choices": ["addon", "direct", "skip"], "default": "addon"},
        "hub": {"type": "dict"},
        "clusters": {"type": "list", "elements": "str", "default": []},
        "credentials_clusters": {"type": "list", "elements": "str", "default": []},
        "cluster_set": {"type": "str"},
        "cluster": {"type": "str"},
    }


def main():
    module = HubModule(argument_spec=argument_spec())
    module.run(review)


if __name__ == "__main__":
    main()
