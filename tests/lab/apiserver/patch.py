"""The patch formats kube-apiserver accepts: JSON merge (RFC 7386), JSON patch (RFC 6902) and strategic merge."""

import copy

import jsonpatch
import jsonpointer

from .errors import ApiError, bad_request
from .resources import STRATEGIC_MERGE_KEYS, STRATEGIC_SET_LISTS


def merge_patch(target, patch):
    """RFC 7386: objects merge recursively, ``null`` deletes, everything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def json_patch(target, operations):
    """RFC 6902; failures answer like kube-apiserver (400 for a malformed patch, 422 when it does not apply)."""
    if not isinstance(operations, list):
        raise bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    try:
        patch = jsonpatch.JsonPatch(operations)
    except (jsonpatch.InvalidJsonPatch, TypeError, KeyError) as exc:
        raise bad_request("the server rejected our request due to an error in our request: %s" % exc) from exc
    try:
        return patch.apply(target)
    except jsonpatch.JsonPatchTestFailed as exc:
        raise ApiError(422, "Invalid", "the server rejected our request due to an error in our request: %s" % exc) from exc
    except (jsonpatch.JsonPatchConflict, jsonpointer.JsonPointerException, jsonpatch.JsonPatchException) as exc:
        raise ApiError(422, "Invalid", "the server rejected our request due to an error in our request: %s" % exc) from exc


def _merge_key_for(field, items):
    """The key identifying elements of an associative list, or None when the list is replaced whole."""
    if field not in STRATEGIC_MERGE_KEYS:
        return None
    key = STRATEGIC_MERGE_KEYS[field]
    if key is None and field == "ports":
        sample = next((item for item in items if isinstance(item, dict)), {})
        key = "containerPort" if "containerPort" in sample else "port"
    return key


def strategic_merge_patch(target, patch):
    """Strategic merge for the core kinds' well-known lists; everything else behaves like a merge patch."""
    return _strategic(copy.deepcopy(target) if isinstance(target, dict) else {}, patch)


def _strategic(result, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {key: copy.deepcopy(value) for key, value in patch.items() if key != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    deletions = {key.split("/", 1)[1]: value for key, value in patch.items() if key.startswith("$deleteFromPrimitiveList/")}
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list) and isinstance(result.get(key), list):
            result[key] = _merge_list(key, result[key], value)
        elif isinstance(value, dict):
            merged = _strategic(result.get(key) if isinstance(result.get(key), dict) else {}, value)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        else:
            result[key] = _strip_directives(value)
    for key, removed in deletions.items():
        if isinstance(result.get(key), list):
            result[key] = [item for item in result[key] if item not in removed]
    return result


def _merge_list(field, current, patch):
    if field in STRATEGIC_SET_LISTS:
        merged = list(current)
        merged.extend(item for item in patch if item not in merged)
        return merged
    key = _merge_key_for(field, current + patch)
    if key is None or not all(isinstance(item, dict) for item in current + patch):
        return [_strip_directives(item) for item in patch]
    merged = [copy.deepcopy(item) for item in current]
    for item in patch:
        index = next((i for i, existing in enumerate(merged) if existing.get(key) == item.get(key)), None)
        if item.get("$patch") == "delete":
            if index is not None:
                del merged[index]
        elif index is None:
            merged.append(_strip_directives(item))
        else:
            merged[index] = _strategic(merged[index], item)
    return merged


def _strip_directives(value):
    if isinstance(value, dict):
        return {key: _strip_directives(item) for key, item in value.items() if not key.startswith("$")}
    if isinstance(value, list):
        return [_strip_directives(item) for item in value]
    return value
