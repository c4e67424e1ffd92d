# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What acm.submariner.aws_credentials_secret does: the AWS keys the submariner-addon reads for one cluster.

The add-on reads the Secret its SubmarinerConfig names, in the cluster's namespace on the hub, each time it
prepares or cleans up the cloud. It gets it from the hub then and keeps no copy (stolostron/submariner-addon
release-2.12 pkg/cloud/cloud.go ``providerFactory.Get``; release-2.2 pkg/cloud/aws/client/client.go), so keys
rotated in that Secret are the ones its next preparation or clean-up uses.

The collection writes only a Secret it created (the ownership marker): it creates a missing one and rotates the
keys of its own. Someone else's Secret is never written; keys given that differ from it are reported, not applied.
No key is ever returned: results and diffs name the keys, never their values.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubError, describe_target, object_ref
from ansible_collections.acm.submariner.plugins.module_utils.ownership import is_ours
from ansible_collections.acm.submariner.plugins.module_utils.resources import build_aws_credentials_secret, credentials_secret_name

HIDDEN = "(hidden)"
HIDDEN_OLD = "(hidden, the value before)"
HIDDEN_NEW = "(hidden, the value given)"


def _decoded(value: Any) -> str | None:
    try:
        return base64.b64decode(value or "", validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, TypeError, ValueError):
        return None  # not a value we could have written: counts as different


def stored_keys(secret: Mapping[str, Any] | None) -> dict[str, str | None]:
    """The AWS keys in ``secret`` as the API returns it (``data`` base64-encoded); a missing key is ``""``."""
    data = (secret or {}).get("data") or {}
    return {key: _decoded(data[key]) if key in data else "" for key in C.AWS_CREDENTIALS_KEYS}


def credentials_status(secret: Mapping[str, Any] | None, access_key: str = "", secret_key: str = "") -> dict[str, Any]:
    """Whether ``secret`` exists, is ours, and holds the keys given (``keys_match`` None when none are given).

    ``differing_keys`` names (never shows) the keys whose stored value is not the one given.
    """
    given = {C.AWS_ACCESS_KEY_ID_KEY: access_key or "", C.AWS_SECRET_ACCESS_KEY_KEY: secret_key or ""}
    present = secret is not None
    if not all(given.values()):
        differing = None
    else:
        stored = stored_keys(secret) if present else {}
        differing = [key for key in C.AWS_CREDENTIALS_KEYS if stored.get(key) != given[key]]
    return {
        "present": present,
        "owned": present and is_ours(secret),
        "keys_match": None if differing is None else not differing,
        "differing_keys": differing or [],
    }


def not_ours_message(target: str, ref: str, differing: list[str]) -> str:
    return ("{0}: {1} was not created by acm.submariner (no label {2}={3}), so it is not written: its {4} differ from the"
            " keys given (acm_submariner_aws_access_key_id, acm_submariner_aws_secret_access_key). The submariner-addon"
            " keeps using the secret's keys. Update the secret yourself, or name a secret that does not exist yet in"
            " acm_submariner_credentials_secret (module option name) and the collection creates it from the keys given."
            .format(target, ref, C.MANAGED_BY_LABEL, C.MANAGED_BY_VALUE, " and ".join(differing)))


def secret_diff(before_status: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """Before and after of a create or a rotation, naming the keys and hiding their values."""
    if not before_status["present"]:
        metadata = {key: desired["metadata"][key] for key in ("name", "namespace")}
        metadata["labels"] = {C.MANAGED_BY_LABEL: C.MANAGED_BY_VALUE}
        created = {"metadata": metadata, "type": desired["type"], "data": {key: HIDDEN for key in C.AWS_CREDENTIALS_KEYS}}
        return {"before": {}, "after": created}
    changed = before_status["differing_keys"]
    return {"before": {"data": {key: HIDDEN_OLD for key in changed}}, "after": {"data": {key: HIDDEN_NEW for key in changed}}}


def _without_data(secret: Mapping[str, Any] | None) -> dict[str, Any]:
    return {key: value for key, value in (secret or {}).items() if key not in ("data", "stringData")}


def ensure_present(module, name: str, ref: str) -> dict[str, Any]:
    params = module.params
    if not params["access_key"] or not params["secret_key"]:
        raise HubError("{0}: {1}: access_key and secret_key must both be non-empty to create the secret or rotate its keys;"
                       " nothing was sent.".format(describe_target(params), ref))
    current = module.hub.get("v1", "Secret", name, params["cluster"])
    status = credentials_status(current, params["access_key"], params["secret_key"])
    result = {"changed": False, "kept": False, "rotated": False, "keys_match": status["keys_match"],
              "differing_keys": status["differing_keys"], "secret": _without_data(current)}
    if status["present"] and not status["owned"]:
        if not status["keys_match"]:
            module.warn(not_ours_message(module.hub.target, ref, status["differing_keys"]))
        return dict(result, kept=True)
    if status["keys_match"]:
        return result
    desired = build_aws_credentials_secret(name, params["cluster"], params["access_key"], params["secret_key"])
    outcome = module.hub.ensure_present(desired, hidden_fields=["data"], owned=True, current=current)
    result.update(changed=outcome.changed, rotated=outcome.changed and status["present"], secret=_without_data(outcome.after))
    if module.diff_mode:
        result["diff"] = secret_diff(status, desired) if outcome.changed else {"before": {}, "after": {}}
    return result


def ensure_absent(module, name: str, ref: str) -> dict[str, Any]:
    outcome = module.hub.ensure_absent("v1", "Secret", name, module.params["cluster"], owned_only=True)
    if outcome.kept:
        module.warn("{0}: {1} was kept: it was not created by acm.submariner (no label {2}={3}).".format(
            module.hub.target, ref, C.MANAGED_BY_LABEL, C.MANAGED_BY_VALUE))
    result = {"changed": outcome.changed, "kept": outcome.kept, "rotated": False, "keys_match": None, "differing_keys": [],
              "secret": _without_data(outcome.before) if outcome.kept else {}}
    if module.diff_mode:
        deleted = {"metadata": {"name": name, "namespace": module.params["cluster"]}} if outcome.changed else {}
        result["diff"] = {"before": deleted, "after": {}}
    return result


def manage_credentials_secret(module):
    """Run acm.submariner.aws_credentials_secret for ``module`` (a k8s.HubModule); return its result."""
    params = module.params
    name = credentials_secret_name(params["cluster"], params["name"])
    ref = object_ref("Secret", name, params["cluster"])
    if params["state"] == "absent":
        return ensure_absent(module, name, ref)
    return ensure_present(module, name, ref)
