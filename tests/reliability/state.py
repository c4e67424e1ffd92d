"""What the lab holds after a run: leftovers against a baseline dump, duplicates and orphans (from ``lab.dump()``)."""

import collections

IGNORED_KINDS = frozenset({"coordination.k8s.io/Lease", "Event", "events.k8s.io/Event"})
ORPHAN_NAMESPACE_ANNOTATION = "addon.open-cluster-management.io/deletion-orphan"
ALIVE = frozenset({"pending", "running", "stopping", "stopped"})
CLUSTERSET_LABEL = "cluster.open-cluster-management.io/clusterset"


def objects(dump):
    """``{(context, kind, namespace, name): object}`` of every cluster in a lab dump."""
    found = {}
    for context, kinds in dump["clusters"].items():
        for kind, items in kinds.items():
            if kind in IGNORED_KINDS:
                continue
            for item in items:
                meta = item.get("metadata") or {}
                found[(context, kind, meta.get("namespace") or "", meta.get("name"))] = item
    return found


def _orphaned_namespace(item):
    return ((item.get("metadata") or {}).get("annotations") or {}).get(ORPHAN_NAMESPACE_ANNOTATION) == "true"


def residue(before, after):
    """Objects, labels, security groups, rules and instances the runs added that are still there."""
    old, new = objects(before), objects(after)
    found = ["%s: %s %s/%s" % key for key in sorted(set(new) - set(old))
             if not (key[1] == "Namespace" and _orphaned_namespace(new[key]))]
    for key in sorted(set(new) & set(old)):
        old_labels = (old[key].get("metadata") or {}).get("labels") or {}
        for label, value in ((new[key].get("metadata") or {}).get("labels") or {}).items():
            if old_labels.get(label) != value:
                found.append("%s: %s %s/%s label %s=%s" % (key + (label, value)))
    found += _ec2_residue(before["ec2"], after["ec2"])
    return found


def _ec2_residue(before, after):
    found = []
    old_groups = {group["GroupId"] for group in before["security_groups"]}
    found += ["ec2: security group %s" % group["GroupName"] for group in after["security_groups"] if group["GroupId"] not in old_groups]
    old_rules = {rule["SecurityGroupRuleId"] for rule in before["security_group_rules"]}
    found += ["ec2: rule %s %s-%s in %s" % (rule["IpProtocol"], rule.get("FromPort"), rule.get("ToPort"), rule["GroupId"])
              for rule in after["security_group_rules"] if rule["SecurityGroupRuleId"] not in old_rules and rule["GroupId"] in old_groups]
    old_instances = {instance["InstanceId"] for instance in before["instances"]}
    found += ["ec2: instance %s %s" % (instance["InstanceId"], instance["State"]["Name"]) for instance in after["instances"]
              if instance["InstanceId"] not in old_instances and instance["State"]["Name"] in ALIVE]
    return found


def duplicates(dump):
    """Things that must exist once but exist more often: gateway MachineSets per zone, rules per port, gateway instances per cluster."""
    found = []
    machine_sets = collections.Counter()
    for (context, kind, namespace, _name), item in objects(dump).items():
        if kind.endswith("/MachineSet") and "submariner" in item["metadata"]["name"]:
            zone = ((((item.get("spec") or {}).get("template") or {}).get("spec") or {}).get("providerSpec") or {}).get("value", {})
            machine_sets[(context, namespace, str((zone.get("placement") or {}).get("availabilityZone")))] += 1
    found += ["%s: %d gateway MachineSets in %s zone %s" % (key[0], count, key[1], key[2]) for key, count in machine_sets.items() if count > 1]
    rules = collections.Counter((rule["GroupId"], rule["IsEgress"], rule["IpProtocol"], rule.get("FromPort"), rule.get("ToPort"),
                                 rule.get("CidrIpv4"), rule.get("ReferencedGroupInfo", {}).get("GroupId"))
                                for rule in dump["ec2"]["security_group_rules"])
    found += ["ec2: rule %s appears %d times" % (key, count) for key, count in rules.items() if count > 1]
    groups = collections.Counter((group["VpcId"], group["GroupName"]) for group in dump["ec2"]["security_groups"])
    found += ["ec2: security group %s appears %d times" % (key, count) for key, count in groups.items() if count > 1]
    return found


def orphans(dump):
    """Objects whose owner (ownerReferences uid, same cluster) no longer exists."""
    found = []
    for context in dump["clusters"]:
        items = {key: item for key, item in objects(dump).items() if key[0] == context}
        uids = {(item.get("metadata") or {}).get("uid") for item in items.values()}
        for key, item in items.items():
            for owner in (item.get("metadata") or {}).get("ownerReferences") or []:
                if owner.get("uid") not in uids:
                    found.append("%s: %s %s/%s owned by missing %s %s" % (key + (owner.get("kind"), owner.get("name"))))
    return found


def clusterset_members(dump, cluster_set):
    return sorted(name for (context, kind, _namespace, name), item in objects(dump).items()
                  if context == "hubcluster" and kind.endswith("/ManagedCluster")
                  and ((item.get("metadata") or {}).get("labels") or {}).get(CLUSTERSET_LABEL) == cluster_set)
