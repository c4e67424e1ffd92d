#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aws_credentials_secret
short_description: Create a managed cluster's AWS credentials secret on the hub, or rotate its keys
version_added: 0.2.0
author:
  - acm.submariner maintainers (@acm-submariner)
description:
  - Keeps the Secret with the keys C(aws_access_key_id) and C(aws_secret_access_key) that the submariner-addon reads
    to prepare and clean up a cluster's AWS network. It lives in the cluster's namespace on the hub, and the
    cluster's SubmarinerConfig names it (M(acm.submariner.submariner_config) O(acm.submariner.submariner_config#module:credentials_secret)).
  - A missing secret is created, with the label C(app.kubernetes.io/managed-by=acm.submariner) (writes use the field
    manager C(acm.submariner)).
  - Rotation. When the secret carries that label and its keys differ from O(access_key) and O(secret_key), the keys
    are replaced in place and RV(rotated) is V(true). The add-on gets the secret from the hub each time it prepares
    or cleans up the cloud and keeps no copy, so its next preparation or clean-up uses the new keys and nothing
    references the old ones any more. Check that the new keys work before rotating; the C(preflight) role
    of C(site.yml) does, with M(acm.submariner.aws_cloud_prepare_info).
  - A secret without the label is someone else's and is never written. When its keys differ from the ones given,
    the task warns, names the differing keys, and returns RV(kept).
  - No key value is ever returned or shown. RV(secret) has no C(data), and the C(--diff) output names the keys
    that change and hides their values.
  - O(state=absent) deletes the secret only when it carries the label. Another is kept, with a warning.
options:
  cluster:
    description:
      - Name of the ManagedCluster. The secret lives in the namespace of the same name on the hub.
    type: str
    required: true
    aliases: [namespace]
  name:
    description:
      - Name of the secret. The default is V(<cluster>-aws-creds), the name C(site.yml) uses when
        C(acm_submariner_credentials_secret) is not set.
    type: str
  access_key:
    description:
      - The AWS access key ID. Required with O(state=present).
    type: str
    aliases: [aws_access_key_id]
  secret_key:
    description:
      - The AWS secret access key. Required with O(state=present).
    type: str
    aliases: [aws_secret_access_key]
  state:
    description:
      - V(present) creates the secret, or rotates its keys when it is ours. V(absent) deletes it when it is ours.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - acm.submariner.hub
  - acm.submariner.attributes
  - acm.submariner.attributes.ACTION_GROUP
seealso:
  - module: acm.submariner.submariner_config
  - module: acm.submariner.aws_cloud_prepare_info
  - name: Preparing the cloud with the submariner-addon (Red Hat Advanced Cluster Management)
    description: The SubmarinerConfig and its credentials secret.
    link: https://docs.redhat.com/en/documentation/red_hat_advanced_cluster_management_for_kubernetes/2.12/html/networking/networking#deploying-submariner-api
"""

EXAMPLES = r"""
- name: Create the credentials secret of cluster1, or rotate its keys
  acm.submariner.aws_credentials_secret:
    context: hubcluster
    cluster: cluster1
    access_key: "{{ vault_cluster1_aws_access_key_id }}"
    secret_key: "{{ vault_cluster1_aws_secret_access_key }}"
  register: credentials

- name: Say which keys changed (never their values)
  ansible.builtin.debug:
    msg: "rotated: {{ credentials.rotated }}, keys: {{ credentials.differing_keys }}"

- name: Delete it once the cluster left Submariner (only when acm.submariner created it)
  acm.submariner.aws_credentials_secret:
    context: hubcluster
    cluster: cluster1
    state: absent
"""

RETURN = r"""
secret:
  description:
    - The Secret as the API server returned it (or would store it, in check mode), without C(data).
    - Empty when it does not exist (any more).
  returned: success
  type: dict
  sample:
    apiVersion: v1
    kind: Secret
    type: Opaque
    metadata: {name: cluster1-aws-creds, namespace: cluster1, labels: {app.kubernetes.io/managed-by: acm.submariner}}
rotated:
  description: Whether the keys of an existing secret were replaced (would be, in check mode).
  returned: success
  type: bool
  sample: true
kept:
  description: The secret exists but is someone else's, so it was not written (or, with O(state=absent), not deleted).
  returned: success
  type: bool
  sample: false
keys_match:
  description: With O(state=present), whether the secret held the keys given before the task (V(null) with O(state=absent)).
  returned: success
  type: bool
  sample: false
differing_keys:
  description: The names of the keys whose stored value differed from the one given, before the task.
  returned: success
  type: list
  elements: str
  sample: [aws_access_key_id, aws_secret_access_key]
diff:
  description: Before and after, with C(--diff). The keys that change are named, their values are hidden.
  returned: diff mode
  type: dict
  sample:
    before: {data: {aws_access_key_id: "(hidden, the value before)"}}
    after: {data: {aws_access_key_id: "(hidden, the value given)"}}
"""

from ansible_collections.acm.submariner.plugins.module_utils.hub_credentials_secret import manage_credentials_secret
from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubModule, state_argument_spec


def argument_spec():
    spec = {
        "cluster": {"type": "str", "required": True, "aliases": ["namespace"]},
        "name": {"type": "str"},
        "access_key": {"type": "str", "no_log": True, "aliases": ["aws_access_key_id"]},
        "secret_key": {"type": "str", "no_log": True, "aliases": ["aws_secret_access_key"]},
    }
    spec.update(state_argument_spec())
    return spec


def main():
    module = HubModule(argument_spec=argument_spec(), names={"cluster": "cluster"},
                       required_if=[("state", "present", ("access_key", "secret_key"))])
    module.run(manage_credentials_secret)


if __name__ == "__main__":
    main()
