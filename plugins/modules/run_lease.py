#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: run_lease
short_description: Take or release the lease that lets one run at a time change a ManagedClusterSet
version_added: 0.2.0
author:
  - acm.submariner maintainers (@acm-submariner)
description:
  - Keeps two runs (site, uninstall, day-2 changes) from changing the same ManagedClusterSet at once. The lock is
    a C(coordination.k8s.io/v1) Lease named after the set in the namespace C(acm-submariner) on the hub, which the
    module creates with the label C(app.kubernetes.io/managed-by=acm.submariner).
  - The holder is C(user@host pid N), where N is the C(ansible-playbook) process the module runs under, so every
    task of the same run renews or releases the lease, and a second run fails at once with the holder's name.
  - A lease is taken over when it was released, when it expired (C(renewTime) + C(leaseDurationSeconds)), or when
    its holder ran on this machine and its process has ended (a killed or crashed run). Otherwise only
    O(force=true) takes it.
  - Run it on the controller (C(ansible_connection=local)); without C(/proc) (not Linux) a dead holder is only
    noticed when its lease expires.
  - In check mode nothing is written; a lease held by another live run still fails the task.
options:
  cluster_set:
    description: The ManagedClusterSet the run changes; the Lease has its name.
    type: str
    required: true
  state:
    description: V(present) takes (or renews) the lease, V(absent) releases it when this run holds it.
    type: str
    choices: [present, absent]
    default: present
  run:
    description: What the run is (V(site), V(uninstall)...), shown to a run that finds the lease taken.
    type: str
    default: ansible-playbook
  duration:
    description: Seconds after its last renewal at which the lease expires (longer than the longest run).
    type: int
    default: 7200
  force:
    description: Take the lease even though another run holds it. Only when that run is known to be dead.
    type: bool
    default: false
  delete_namespace:
    description:
      - With O(state=absent), also delete the namespace C(acm-submariner) when no other set's lease is in it
        (uninstall leaves nothing behind).
    type: bool
    default: false
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - acm.submariner.hub
  - acm.submariner.attributes
  - acm.submariner.attributes.ACTION_GROUP
seealso:
  - name: Leases (Kubernetes)
    description: The Lease object used for locks and leader election.
    link: https://kubernetes.io/docs/concepts/architecture/leases/
"""

EXAMPLES = r"""
- name: Take the lease of the set before the first write
  acm.submariner.run_lease:
    context: hubcluster
    cluster_set: submariner
    run: site

- name: Release it at the end
  acm.submariner.run_lease:
    context: hubcluster
    cluster_set: submariner
    state: absent
"""

RETURN = r"""
holder:
  description: The holder identity of this run (V(present)), or the lease's holder (V(absent)).
  returned: success
  type: str
  sample: root@controller pid 4242
taken_over:
  description: The previous holder and why its lease no longer held, when this run took it over.
  returned: O(state=present)
  type: str
  sample: "root@controller pid 4100 (its holder's process 4100 on this machine has ended)"
released:
  description: Whether the lease was released by this task.
  returned: O(state=absent)
  type: bool
  sample: true
"""

import socket

from ansible_collections.acm.submariner.plugins.module_utils.hub import validate_set_name
from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubError, HubModule
from ansible_collections.acm.submariner.plugins.module_utils.run_lease import (
    DEFAULT_DURATION,
    LeaseClient,
    identity,
    playbook_pid,
)


def argument_spec():
    return {
        "cluster_set": {"type": "str", "required": True},
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        "run": {"type": "str", "default": "ansible-playbook"},
        "duration": {"type": "int", "default": DEFAULT_DURATION},
        "force": {"type": "bool", "default": False},
        "delete_namespace": {"type": "bool", "default": False},
    }


def manage_lease(module):
    params = module.params
    problems = validate_set_name(params["cluster_set"])
    if problems:
        raise HubError("; ".join(problems) + ".", problems=problems)
    host = socket.gethostname()
    lease = LeaseClient(module.hub, params["cluster_set"], identity(playbook_pid(), host), host)
    if params["state"] == "present":
        result = lease.acquire(params["run"], params["duration"], params["force"], module.check_mode)
        if result["taken_over"]:
            module.warn("Took over the lease of ManagedClusterSet {0} from {1}.".format(params["cluster_set"], result["taken_over"]))
        return result
    return lease.release(params["delete_namespace"], module.check_mode)


def main():
    module = HubModule(argument_spec=argument_spec())
    module.run(manage_lease)


if __name__ == "__main__":
    main()
