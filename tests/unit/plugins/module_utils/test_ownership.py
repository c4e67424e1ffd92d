# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.acm.submariner.plugins.module_utils import ownership as O
from ansible_collections.acm.submariner.plugins.module_utils import resources as R

SET = "cluster.open-cluster-management.io/clusterset"
AGENT = "cluster.open-cluster-management.io/submariner-agent"
JOINED = "acm.submariner/clusterset"
PREVIOUS = "acm.submariner/previous-clusterset"
OURS = {"app.kubernetes.io/managed-by": "acm.submariner"}


def test_marked_and_unmarked_copy():
    desired = {"metadata": {"name": "x", "labels": {"a": "b"}}}
    assert O.marked(desired)["metadata"]["labels"] == dict(OURS, a="b")
    assert desired == {"metadata": {"name": "x", "labels": {"a": "b"}}}
    assert O.unmarked(O.marked({"metadata": {"name": "x"}})) == {"metadata": {"name": "x"}}
    assert O.desired_for(None, desired)["metadata"]["labels"] == dict(OURS, a="b")
    assert O.desired_for({"metadata": {"labels": {}}}, O.marked(desired))["metadata"]["labels"] == {"a": "b"}


@pytest.mark.parametrize("name", ["default", "global"])
def test_acm_sets_are_reserved(name):
    assert "never joins clusters to it" in O.reserved_set_problem(name)
    assert O.reserved_set_problem("submariner") is None


def test_set_adoption():
    users = {"metadata": {"name": "prod"}}
    assert "acm_submariner_adopt_set=true" in O.set_adoption_problem("prod", users, False)
    assert O.set_adoption_problem("prod", users, True) is None
    assert O.set_adoption_problem("prod", None, False) is None
    assert O.set_adoption_problem("prod", {"metadata": {"labels": OURS}}, False) is None


@pytest.mark.parametrize("current, move, refused", [
    (None, False, False), ("default", False, False), ("s", False, False), ("prod", False, True), ("prod", True, False)])
def test_move_problem(current, move, refused):
    problem = O.move_problem("c1", current, "s", move)
    assert bool(problem) == refused
    if refused:
        assert "c1" in problem and "prod" in problem and "acm_submariner_move_clusters" in problem


@pytest.mark.parametrize("summary, refused", [
    ({"clusterset": "s"}, None), ({"clusterset": None}, None), ({}, None), ({"clusterset": "default"}, None),
    ({"clusterset": "prod"}, "c1 is in ManagedClusterSet prod, not in s"), (None, "c1 is not a ManagedCluster of this hub"),
])
def test_removal_problem(summary, refused):
    problem = O.removal_problem("c1", summary, "s")
    assert (problem is None) == (refused is None)
    if refused:
        assert problem.startswith(refused) and ("--limit" in problem)
    if summary and summary.get("clusterset") == "prod":
        assert "acm_submariner_cluster_set=prod" in problem


def meta(labels=None, annotations=None, name="c1"):
    return {"name": name, "labels": labels or {}, "annotations": annotations or {}}


@pytest.mark.parametrize("metadata, set_name, flow, state, move, expected", [
    # from default: label + our record, no previous set
    (meta({SET: "default"}), "s", "addon", "present", False, {"labels": {SET: "s"}, "annotations": {JOINED: "s"}}),
    (None, "s", "addon", "present", False, {"labels": {SET: "s"}, "annotations": {JOINED: "s"}}),
    # already there (someone else put it there): nothing, and nothing recorded
    (meta({SET: "s"}), "s", "addon", "present", False, {}),
    (meta({SET: "s"}, {JOINED: "s"}), "s", "addon", "present", False, {}),
    # ACM 2.2 adds the agent label
    (meta({SET: "default"}), "s", "labels", "present", False, {"labels": {SET: "s", AGENT: "true"}, "annotations": {JOINED: "s"}}),
    # moved with the opt-in: previous set recorded
    (meta({SET: "prod"}), "s", "addon", "present", True, {"labels": {SET: "s"}, "annotations": {JOINED: "s", PREVIOUS: "prod"}}),
    # leave: back to the previous set, records removed
    (meta({SET: "s"}, {JOINED: "s", PREVIOUS: "prod"}), "s", "addon", "absent", False,
     {"labels": {SET: "prod"}, "annotations": {JOINED: None, PREVIOUS: None}}),
    # leave: back to default (label removed)
    (meta({SET: "s", AGENT: "true"}, {JOINED: "s"}), "s", "labels", "absent", False,
     {"labels": {SET: None, AGENT: None}, "annotations": {JOINED: None}}),
    # leave: a membership we did not make is left alone
    (meta({SET: "prod"}), "prod", "addon", "absent", False, {}),
    (meta({SET: "s", AGENT: "true"}), "s", "labels", "absent", False, {}),
    (meta({SET: "other"}, {JOINED: "s"}), "other", "addon", "absent", False, {}),
    # leave with any set (None) when we joined it
    (meta({SET: "s"}, {JOINED: "s"}), None, "addon", "absent", False, {"labels": {SET: None}, "annotations": {JOINED: None}}),
])
def test_membership_patch(metadata, set_name, flow, state, move, expected):
    assert R.membership_patch(metadata, set_name, flow, state=state, move=move) == ({"metadata": expected} if expected else {})


def test_membership_patch_refuses_to_move_without_opt_in():
    with pytest.raises(ValueError, match="c1 is in ManagedClusterSet prod"):
        R.membership_patch(meta({SET: "prod"}), "s", "addon")


def test_membership_patch_extra_labels_and_round_trip():
    current = meta({SET: "default", AGENT: "true", "keep": "1"})
    patch = R.membership_patch(current, "s", "addon", {"new": "2"}, [AGENT])
    after = R.apply_label_patch(current["labels"], patch)
    assert after == {SET: "s", "keep": "1", "new": "2"}
    assert R.membership_patch(meta(after, {JOINED: "s"}), "s", "addon", {"new": "2"}, [AGENT]) == {}


@pytest.mark.parametrize("flow, state", [("bogus", "present"), ("addon", "gone")])
def test_membership_patch_rejects_bad_arguments(flow, state):
    with pytest.raises(ValueError):
        R.membership_patch({}, "s", flow, state=state)


@pytest.mark.parametrize("labels, extra, remove, state, expected", [
    ({SET: "s"}, {"team": "net"}, None, "present", {"team": "net"}),
    ({SET: "s", "team": "net"}, {"team": "net"}, None, "present", {}),
    ({SET: "s", "team": "net"}, {"team": None}, None, "present", {"team": None}),
    ({SET: "s"}, {"team": None}, None, "present", {}),
    ({SET: "s", "old": "x"}, None, ["old", "missing"], "present", {"old": None}),
    ({SET: "s", "team": "net"}, {"team": "net"}, ["gone"], "absent", {"team": None}),
])
def test_membership_patch_extra_and_removed_labels(labels, extra, remove, state, expected):
    patch = R.membership_patch(meta(labels), "s", "addon", extra, remove, state)
    assert patch == ({"metadata": {"labels": expected}} if expected else {})


def test_labels_only_without_a_set():
    assert R.membership_patch(meta({"a": "1"}), None, "addon", {"b": "2"}) == {"metadata": {"labels": {"b": "2"}}}
