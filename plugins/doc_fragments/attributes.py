# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Shared ``attributes`` documentation for acm.submariner modules."""

    # Modules that change something: check mode is a server-side dry run (Kubernetes) or a plan
    # computed from read-only calls (AWS); --diff shows before/after.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: full
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
      - This assumes that the system controlled/queried by the module has not changed in a relevant way.
    support: full
"""

    # Read-only modules (*_info).
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
    support: full
    details: This module reads only; it behaves the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: N/A
    details: This module never changes anything.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
      - This assumes that the system controlled/queried by the module has not changed in a relevant way.
    support: full
"""

    # The action group a module belongs to, one fragment per group (modules extend one of them).
    ACTION_GROUP = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/acm.submariner.submariner) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - acm.submariner.submariner
"""

    ACTION_GROUP_AWS = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/acm.submariner.aws) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - acm.submariner.aws
"""
