# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What belongs to this collection, and the rules that keep it from touching what does not.

Every object the collection creates carries the label ``app.kubernetes.io/managed-by=acm.submariner``
(and its writes the field manager ``acm.submariner``). It deletes only objects with that label. A
ManagedClusterSet without it is the user's: clusters join it only when the user adopts it, and it
is never deleted. A cluster moved out of another (non-default) set records that set and gets it back
when it leaves. ACM's own sets ``default`` and ``global`` are never used, adopted or deleted.

Pure functions (no cluster access): modules call them, the preflight filter too.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ansible_collections.acm.submariner.plugins.module_utils import constants as C


def _meta(obj: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return (obj or {}).get("metadata") or {}


def is_ours(obj: Mapping[str, Any] | None) -> bool:
    """Whether ``obj`` (an API object) carries this collection's marker label."""
    return (_meta(obj).get("labels") or {}).get(C.MANAGED_BY_LABEL) == C.MANAGED_BY_VALUE


def marked(desired: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``desired`` with the marker label (for an object we create)."""
    obj = copy.deepcopy(dict(desired))
    obj.setdefault("metadata", {}).setdefault("labels", {})[C.MANAGED_BY_LABEL] = C.MANAGED_BY_VALUE
    return obj


def unmarked(desired: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``desired`` without the marker label (an update never claims an object we did not create)."""
    obj = copy.deepcopy(dict(desired))
    labels = obj.get("metadata", {}).get("labels")
    if labels and C.MANAGED_BY_LABEL in labels:
        del labels[C.MANAGED_BY_LABEL]
        if not labels:
            del obj["metadata"]["labels"]
    return obj


def desired_for(existing: Mapping[str, Any] | None, desired: Mapping[str, Any]) -> dict[str, Any]:
    """What to write: marked when we create it (or it is already ours), unmarked on someone else's object."""
    return marked(desired) if existing is None or is_ours(existing) else unmarked(desired)


def reserved_set_problem(name: Any) -> str | None:
    """Why ``name`` cannot be the Submariner set (ACM's own sets), else None."""
    if name in C.RESERVED_CLUSTERSETS:
        return ("ManagedClusterSet %r belongs to ACM (every cluster starts in %r, %r selects them all): acm.submariner"
                " never joins clusters to it, adopts it or deletes it; choose another set name (default: submariner)"
                % (name, C.DEFAULT_CLUSTERSET, C.GLOBAL_CLUSTERSET))
    return None


def set_adoption_problem(name: str, cluster_set: Mapping[str, Any] | None, adopt: bool) -> str | None:
    """Why clusters cannot join the existing set ``name`` (None when they can).

    A set without the marker was made by someone else: joining clusters to it needs ``adopt``.
    """
    if cluster_set is None or is_ours(cluster_set) or adopt:
        return None
    return ("ManagedClusterSet %s exists and was not created by acm.submariner (no label %s=%s): it is someone else's."
            " To join clusters to it set acm_submariner_adopt_set=true (module option adopt=true); uninstall never"
            " deletes it. Or choose another set name (acm_submariner_cluster_set)" % (name, C.MANAGED_BY_LABEL, C.MANAGED_BY_VALUE))


def move_problem(cluster: str, current_set: str | None, set_name: str, move: bool) -> str | None:
    """Why joining ``set_name`` would wrongly take ``cluster`` out of ``current_set`` (None when it may join)."""
    if current_set in (None, "", set_name, C.DEFAULT_CLUSTERSET) or move:
        return None
    return ("%s is in ManagedClusterSet %s: joining %s would take it out of that set. Set acm_submariner_move_clusters=true"
            " (module option move_from_other_set=true) to move it; its previous set is recorded on the cluster"
            " (annotation %s) and uninstall puts it back" % (cluster, current_set, set_name, C.PREVIOUS_SET_ANNOTATION))


def removal_problem(cluster: str, summary: Mapping[str, Any] | None, set_name: str) -> str | None:
    """Why uninstalling ``set_name`` must not take ``cluster`` out (None when it may).

    ``summary`` is the cluster as :func:`hub_info` describes it (``clusterset``), None when the hub has no such
    ManagedCluster. A cluster in ``set_name``, in no set or in ACM's default set may leave (a removal interrupted after
    the cluster left the set finishes). One in another set is that set's: its ManagedClusterAddOn ``submariner`` serves
    that set, so taking Submariner off would cut that set's tunnels.
    """
    if summary is None:
        return ("%s is not a ManagedCluster of this hub, so it is in no set and there is nothing to remove: check the host"
                " name (it must be the ManagedCluster's name) or leave the host out of --limit" % cluster)
    current = summary.get("clusterset")
    if current in (None, "", set_name, C.DEFAULT_CLUSTERSET):
        return None
    return ("%s is in ManagedClusterSet %s, not in %s: uninstalling %s leaves it and its Submariner alone (its add-on"
            " serves %s). Leave the host out of --limit, or set acm_submariner_cluster_set=%s if that is the set to take it"
            " out of" % (cluster, current, set_name, set_name, current, current))


def join_changes(labels: Mapping[str, str] | None, annotations: Mapping[str, str] | None, set_name: str) -> tuple[dict, dict]:
    """(label changes, annotation changes) that put a cluster in ``set_name`` and record why.

    The joined set is recorded only when we change the label (a cluster already in the set was put
    there by someone else and stays there on uninstall); a non-default previous set is recorded so
    that leaving restores it. Call :func:`move_problem` first.
    """
    current = (labels or {}).get(C.CLUSTERSET_LABEL)
    annotations = annotations or {}
    if current == set_name:
        return {}, {}
    label_changes = {C.CLUSTERSET_LABEL: set_name}
    annotation_changes = {C.JOINED_SET_ANNOTATION: set_name}
    previous = annotations.get(C.PREVIOUS_SET_ANNOTATION)
    if current not in (None, "", C.DEFAULT_CLUSTERSET) and annotations.get(C.JOINED_SET_ANNOTATION) != current:
        previous = current
    annotation_changes[C.PREVIOUS_SET_ANNOTATION] = previous
    return label_changes, annotation_changes


def joined_by_us(annotations: Mapping[str, str] | None, set_name: str | None) -> bool:
    """Whether acm.submariner put the cluster in ``set_name`` (any set when None)."""
    joined = (annotations or {}).get(C.JOINED_SET_ANNOTATION)
    return bool(joined) and (set_name is None or joined == set_name)


def leave_changes(labels: Mapping[str, str] | None, annotations: Mapping[str, str] | None, set_name: str | None) -> tuple[dict, dict]:
    """(label changes, annotation changes) that take a cluster out of the set acm.submariner put it in.

    The clusterset label goes back to the recorded previous set, or is removed (OCM then puts the
    cluster back in ``default``). A membership we did not make is left alone.
    """
    if not joined_by_us(annotations, set_name):
        return {}, {}
    joined = (annotations or {}).get(C.JOINED_SET_ANNOTATION)
    label_changes = {}
    if (labels or {}).get(C.CLUSTERSET_LABEL) == joined:
        label_changes[C.CLUSTERSET_LABEL] = (annotations or {}).get(C.PREVIOUS_SET_ANNOTATION) or None
    return label_changes, {C.JOINED_SET_ANNOTATION: None, C.PREVIOUS_SET_ANNOTATION: None}


def not_deleted_message(ref: str) -> str:
    return ("%s was not created by acm.submariner (no label %s=%s), so it was not deleted"
            % (ref, C.MANAGED_BY_LABEL, C.MANAGED_BY_VALUE))
