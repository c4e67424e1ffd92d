#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Residue check: what an uninstall left behind, from two ``python -m tests.lab dump`` files.

``residue.py BASELINE AFTER`` prints one line per leftover and exits 1 when there is any:
Kubernetes objects that did not exist in the baseline, labels and annotations added to objects
that did, and in EC2 new security groups, new rules, new subnet tags and instances still running.
Objects the lab's own controllers keep rewriting (leases, events) are ignored, and so is a
namespace the add-on framework orphans on purpose (not its content).
"""

from __future__ import annotations

import json
import sys

IGNORED_KINDS = frozenset({"coordination.k8s.io/Lease", "Event", "events.k8s.io/Event"})
# The add-on framework keeps an install namespace that is not its default one (submariner-addon
# PR #1745); what is inside still counts.
ORPHAN_ANNOTATION = "addon.open-cluster-management.io/deletion-orphan"
RUNNING = frozenset({"pending", "running", "stopping", "stopped"})


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def objects(cluster_dump):
    """``{(kind, namespace, name): object}`` of one cluster's dump."""
    found = {}
    for kind, items in cluster_dump.items():
        if kind in IGNORED_KINDS:
            continue
        for item in items:
            meta = item.get("metadata") or {}
            found[(kind, meta.get("namespace") or "", meta.get("name"))] = item
    return found


def added_metadata(before, after, field):
    old = (before.get("metadata") or {}).get(field) or {}
    new = (after.get("metadata") or {}).get(field) or {}
    return sorted("%s=%s" % (key, value) for key, value in new.items() if old.get(key) != value)


def cluster_residue(context, before_dump, after_dump):
    before, after = objects(before_dump), objects(after_dump)
    lines = []
    for key in sorted(set(after) - set(before)):
        if key[0] == "Namespace" and ((after[key].get("metadata") or {}).get("annotations") or {}).get(ORPHAN_ANNOTATION) == "true":
            continue
        lines.append("%s: %s %s left behind" % (context, key[0], "/".join(part for part in key[1:] if part)))
    for key in sorted(set(after) & set(before)):
        for field in ("labels", "annotations"):
            for entry in added_metadata(before[key], after[key], field):
                lines.append("%s: %s %s still has the %s %s" % (context, key[0], "/".join(p for p in key[1:] if p), field[:-1], entry))
    return lines


def tags(resource):
    return {tag["Key"]: tag.get("Value", "") for tag in resource.get("Tags") or []}


def ec2_residue(before, after):
    lines = []
    old_groups = {group["GroupId"] for group in before.get("security_groups") or []}
    for group in after.get("security_groups") or []:
        if group["GroupId"] not in old_groups:
            lines.append("ec2: security group %s (%s) left behind" % (group.get("GroupName"), group["GroupId"]))
    old_rules = {rule["SecurityGroupRuleId"] for rule in before.get("security_group_rules") or []}
    for rule in after.get("security_group_rules") or []:
        if rule["SecurityGroupRuleId"] not in old_rules and rule.get("GroupId") in old_groups:
            lines.append("ec2: rule %s %s %s-%s in %s left behind (%s)" % (
                rule["SecurityGroupRuleId"], rule.get("IpProtocol"), rule.get("FromPort"), rule.get("ToPort"), rule.get("GroupId"),
                rule.get("Description") or "no description"))
    old_subnets = {subnet["SubnetId"]: tags(subnet) for subnet in before.get("subnets") or []}
    for subnet in after.get("subnets") or []:
        for key, value in sorted(tags(subnet).items()):
            if old_subnets.get(subnet["SubnetId"], {}).get(key) != value:
                lines.append("ec2: subnet %s still has the tag %s=%s" % (subnet["SubnetId"], key, value))
    old_instances = {instance["InstanceId"] for instance in before.get("instances") or []}
    for instance in after.get("instances") or []:
        state = (instance.get("State") or {}).get("Name")
        if instance["InstanceId"] not in old_instances and state in RUNNING:
            lines.append("ec2: instance %s (%s) is still %s" % (instance["InstanceId"], tags(instance).get("Name", "?"), state))
    return lines


def residue(baseline, after):
    lines = []
    for context, cluster_dump in sorted((after.get("clusters") or {}).items()):
        lines.extend(cluster_residue(context, (baseline.get("clusters") or {}).get(context) or {}, cluster_dump))
    lines.extend(ec2_residue(baseline.get("ec2") or {}, after.get("ec2") or {}))
    return lines


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: residue.py BASELINE.json AFTER.json\n")
        return 2
    lines = residue(load(argv[1]), load(argv[2]))
    for line in lines:
        print(line)
    if not lines:
        print("no residue")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
