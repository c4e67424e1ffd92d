# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: aws_credentials_status
short_description: Whether a credentials secret is ours and holds the AWS keys given, without showing them
version_added: 0.2.0
author: acm.submariner contributors (@acm-submariner)
description:
  - Compares the AWS keys in a Secret read from the hub (C(data) base64-encoded, as the API returns it) with the keys
    given, and answers with booleans and key names only, never a value.
  - The preflight role reads every cluster's credentials secret once and passes this status down, so C(aws_prep)
    calls M(acm.submariner.aws_credentials_secret) only for a secret to create or keys to rotate.
  - The rule is the module's (C(plugins/module_utils/hub_credentials_secret.py)).
positional: access_key, secret_key
options:
  _input:
    description: The Secret as C(kubernetes.core.k8s_info) returns it, or V(null) when it does not exist.
    type: dict
    required: true
  access_key:
    description: The AWS access key ID given (C(acm_submariner_aws_access_key_id)); empty when none is given.
    type: str
    default: ""
  secret_key:
    description: The AWS secret access key given (C(acm_submariner_aws_secret_access_key)); empty when none is given.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Compare the secret preflight read with the keys given (no_log - the inputs are secrets)
  ansible.builtin.set_fact:
    credentials_status: >-
      {{ secret_read.resources | first | default(none)
         | acm.submariner.aws_credentials_status(acm_submariner_aws_access_key_id, acm_submariner_aws_secret_access_key) }}
  no_log: true
"""

RETURN = r"""
_value:
  description:
    - C(present), C(owned) (it carries C(app.kubernetes.io/managed-by=acm.submariner)), C(keys_match) (V(null) when
      no keys are given) and C(differing_keys), the names of the keys whose value is not the one given.
  type: dict
  sample: {present: true, owned: true, keys_match: false, differing_keys: [aws_access_key_id, aws_secret_access_key]}
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.acm.submariner.plugins.module_utils.hub_credentials_secret import credentials_status


def aws_credentials_status(secret, access_key="", secret_key=""):
    """``credentials_status`` of ``secret`` (a dict or None) against the keys given."""
    if secret is not None and not isinstance(secret, Mapping):
        raise AnsibleFilterError("acm.submariner.aws_credentials_status: the input must be a Secret (a dict) or null")
    return credentials_status(secret, access_key or "", secret_key or "")


class FilterModule:
    """acm.submariner credentials status filter."""

    def filters(self):
        return {"aws_credentials_status": aws_credentials_status}
