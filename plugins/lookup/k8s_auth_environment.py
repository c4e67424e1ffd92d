# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: k8s_auth_environment
short_description: The K8S_AUTH_* variables of the controller's environment that kubernetes.core would read
version_added: 0.1.0
author: acm.submariner contributors (@acm-submariner)
description:
  - Returns the names of the C(K8S_AUTH_*) environment variables that are set (non-empty) and that C(kubernetes.core)
    reads for a connection option a task leaves unset, sorted.
  - C(kubernetes.core) reads C(K8S_AUTH_<OPTION>) for each of its connection options, under the option's name and
    under its alias (for example C(K8S_AUTH_VERIFY_SSL) and C(K8S_AUTH_VALIDATE_CERTS) for
    O(kubernetes.core.k8s_info#module:validate_certs)), and C(K8S_AUTH_PROXY_HEADERS_*).
  - The collection gives every task its cluster's credentials explicitly; any of these variables would silently
    change where a call goes or how it is verified (C(K8S_AUTH_VERIFY_SSL=no) turns TLS verification off).
options: {}
"""

EXAMPLES = r"""
- name: Refuse ambient Kubernetes settings
  ansible.builtin.assert:
    that: lookup('acm.submariner.k8s_auth_environment', wantlist=True) | length == 0
"""

RETURN = r"""
_raw:
  description: Names of the set variables, for example V(K8S_AUTH_VERIFY_SSL).
  type: list
  elements: str
"""

import os

from ansible.plugins.lookup import LookupBase

from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_MAP, AUTH_ARG_SPEC

PREFIX = "K8S_AUTH_"


def read_names():
    """Every variable name kubernetes.core's client factory consults (k8s/client.py: _create_auth_spec, _create_headers)."""
    names = {PREFIX + option.upper() for option in AUTH_ARG_SPEC}
    for true_name, arg_name in AUTH_ARG_MAP.items():
        names.update((PREFIX + true_name.upper(), PREFIX + arg_name.upper()))
    return names


def set_variables(environ):
    """The names of ``environ`` that kubernetes.core would read, with a non-empty value."""
    return sorted(name for name, value in environ.items()
                  if value and (name in read_names() or name.startswith(PREFIX + "PROXY_HEADERS_")))


class LookupModule(LookupBase):
    """lookup('acm.submariner.k8s_auth_environment')."""

    def run(self, terms, variables=None, **kwargs):
        return set_variables(os.environ)
