"""The Kubernetes permissions a run used, read from the lab's request log (``requests.jsonl``).

    python -m tests.lab.rbac_from_log .lab/requests.jsonl [--since N]

prints, per cluster, the ``(verb, group, resource)`` triples the run's requests were authorized for
(the path parsed as kube-apiserver's requestinfo.go does). Discovery, version and the self-reviews are
left out: every authenticated identity has them (bootstrap ClusterRoles system:discovery and
system:basic-user). docs/rbac.md says how the shipped roles (files/rbac/) were derived with it, and
tests/integration/least_privilege.py checks them against it on every least-privilege run.
"""

import argparse
import collections
import json
import sys
import urllib.parse

from tests.lab.apiserver.rbac import request_attributes

EVERYONE = {("create", "authorization.k8s.io", "selfsubjectaccessreviews"), ("create", "authorization.k8s.io", "selfsubjectrulesreviews")}


def permissions(records):
    """``{cluster: {(verb, group, resource[/subresource])}}`` of the authorized resource requests in ``records``."""
    used = collections.defaultdict(set)
    for record in records:
        if record.get("status") in (401, 403):
            continue
        attrs = request_attributes(record["method"], record["path"], urllib.parse.parse_qs(record.get("query", "")))
        if not attrs.resource_request:
            continue
        resource = attrs.resource + ("/" + attrs.subresource if attrs.subresource else "")
        triple = (attrs.verb, attrs.group, resource)
        if triple not in EVERYONE:
            used[record["cluster"]].add(triple)
    return dict(used)


def read(path, since=0):
    with open(path, encoding="utf-8") as stream:
        return [record for record in map(json.loads, stream) if (record.get("sequence") or 0) >= since]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("log", nargs="+")
    parser.add_argument("--since", type=int, default=0, help="only requests with this sequence number or later")
    args = parser.parse_args(argv)
    records = [record for path in args.log for record in read(path, args.since)]
    for cluster, triples in sorted(permissions(records).items()):
        print(cluster)
        for verb, group, resource in sorted(triples, key=lambda t: (t[1], t[2], t[0])):
            print("  %-16s %-45s %s" % (verb, group or '""', resource))
    return 0


if __name__ == "__main__":
    sys.exit(main())
