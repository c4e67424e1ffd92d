# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Options and notes shared by the hub modules (on top of C(kubernetes.core.k8s_auth_options))."""

    # Every hub module: requirements and how auth and check mode behave.
    DOCUMENTATION = r"""
options: {}
requirements:
  - python >= 3.9
  - kubernetes >= 24.2.0
  - PyYAML >= 3.11
notes:
  - Every option of C(kubernetes.core.k8s_auth_options) works as in the kubernetes.core modules, including the
    C(K8S_AUTH_*) environment variables, so C(module_defaults) for C(group/acm.submariner.submariner) and
    Ansible Automation Platform OpenShift credentials apply. Certificates are verified unless
    O(validate_certs=false) or the kubeconfig says otherwise.
  - In check mode every write is sent as a server-side dry run (C(dryRun=All)); the API server validates it and
    nothing is stored.
"""

    # Hub modules that decide by the hub's generation: the facts hub_info found can be passed down.
    FACTS = r"""
options:
  hub:
    description:
      - The C(hub) dictionary M(acm.submariner.hub_info) returned for this hub (the C(preflight_hub) fact after the
        preflight role), so that the module decides by those facts instead of detecting the ACM version and the
        served APIs again (about a dozen discovery requests).
      - When unset, the module detects them, as M(acm.submariner.hub_info) does.
      - A dictionary that lacks a key of the C(hub) result fails the task, naming the keys.
    type: dict
"""

    # Hub modules about one managed cluster: the summary hub_info read can be passed down.
    MANAGED_CLUSTER_FACTS = r"""
options:
  managed_cluster:
    description:
      - This cluster's entry in the C(managed_clusters) list of M(acm.submariner.hub_info) (C(preflight_clusters[cluster])
        after the preflight role), so that the module does not read the ManagedCluster again.
      - Used only when its C(name) is the cluster of this task; otherwise, or when unset, the module reads the
        ManagedCluster (and fails, listing the clusters the hub knows, when it does not exist).
    type: dict
"""

    # Modules that can wait for a condition after writing.
    WAIT = r"""
options:
  wait:
    description:
      - Wait until the object reaches the state the module documents before returning.
      - The wait watches the object and reacts as soon as it changes; it is skipped in check mode.
      - On timeout the task fails with the last condition that blocked, its reason and message.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait when O(wait=true).
    type: int
    default: 300
"""

    # The set's writers with state=absent: a set still in use, or its Broker, is kept.
    LEAVING = r"""
options:
  leaving_clusters:
    description:
      - With O(state=absent), the clusters this run takes out of the set before this task (the uninstall
        playbook passes them).
      - Only in check mode, where nothing was taken out, they do not count as clusters still in the set, so
        the plan shows what a real run would delete. Otherwise the clusterset labels alone decide.
    type: list
    elements: str
    default: []
"""

    # Modules that also read the managed cluster's own API server (submariner_info, submariner_residue_info).
    CLUSTER_AUTH = r"""
options:
  cluster_auth:
    description:
      - How to reach the managed cluster's own API server. Without it only the hub side is read.
      - These settings never fall back to the C(K8S_AUTH_*) environment variables, which usually belong to
        the hub (an Ansible Automation Platform OpenShift credential sets them), so a managed cluster is
        never queried with the hub's token by accident.
      - When neither O(cluster_auth.kubeconfig) nor O(cluster_auth.host) is set, the hub's O(kubeconfig)
        is used with O(cluster_auth.context), the common case of one kubeconfig with a context per cluster.
    type: dict
    suboptions:
      kubeconfig:
        description: Path to a kubeconfig file, or its content as a dictionary.
        type: raw
      context:
        description: The kubeconfig context of the managed cluster.
        type: str
      host:
        description: URL of the managed cluster's API server.
        type: str
      api_key:
        description: Bearer token for O(cluster_auth.host).
        type: str
      username:
        description: User name for basic authentication.
        type: str
      password:
        description: Password for basic authentication.
        type: str
      validate_certs:
        description: Whether to verify the API server's certificate.
        type: bool
        aliases: [verify_ssl]
      ca_cert:
        description: CA bundle that signs the API server's certificate.
        type: path
        aliases: [ssl_ca_cert]
      client_cert:
        description: Client certificate for mutual TLS.
        type: path
        aliases: [cert_file]
      client_key:
        description: Key of O(cluster_auth.client_cert).
        type: path
        aliases: [key_file]
      proxy:
        description: HTTP proxy URL for the managed cluster's API server.
        type: str
      no_proxy:
        description: Comma-separated hosts and domains that bypass O(cluster_auth.proxy).
        type: str
"""
