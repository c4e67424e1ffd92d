"""metadata.managedFields and server-side apply.

Field ownership is tracked per leaf field, as FieldsV1 sets (``f:`` fields, ``k:`` keyed list
elements, ``v:`` set members). Lists of objects that all carry ``name`` (or a strategic merge key) are
associative; primitive ``finalizers`` are sets; every other list is atomic and owned whole.
"""

import copy
import json

from .errors import ApiError
from .resources import STRATEGIC_MERGE_KEYS, STRATEGIC_SET_LISTS
from .clock import now

_OWNED_METADATA = ("labels", "annotations", "finalizers", "ownerReferences")


def _list_key(field, items):
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    key = STRATEGIC_MERGE_KEYS.get(field) or "name"
    if field == "ports":
        key = "containerPort" if "containerPort" in items[0] else "port"
    return key if all(key in item for item in items) else None


def _element_segment(key, item):
    return "k:" + json.dumps({key: item[key]}, separators=(",", ":"))


def _leaves(value, prefix, out, field=None):
    if isinstance(value, dict) and value:
        for key, sub in value.items():
            _leaves(sub, prefix + ("f:" + key,), out, key)
    elif isinstance(value, list) and value and field in STRATEGIC_SET_LISTS and all(isinstance(v, str) for v in value):
        for item in value:
            out[prefix + ("v:" + json.dumps(item),)] = True
    elif isinstance(value, list) and _list_key(field, value):
        key = _list_key(field, value)
        for item in value:
            _leaves(item, prefix + (_element_segment(key, item),), out)
    else:
        out[prefix] = value


def field_values(obj, rtype, subresource):
    """``{path: value}`` for every leaf field of ``obj`` a writer of ``subresource`` can own."""
    out = {}
    if obj is None:
        return out
    if subresource == "status":
        if "status" in obj:
            _leaves(obj["status"], ("f:status",), out, "status")
        return out
    for key, value in obj.items():
        if key in ("apiVersion", "kind") or (key == "status" and rtype.status_subresource):
            continue
        if key == "metadata":
            for meta_key in _OWNED_METADATA:
                if meta_key in (value or {}):
                    _leaves(value[meta_key], ("f:metadata", "f:" + meta_key), out, meta_key)
            continue
        _leaves(value, ("f:" + key,), out, key)
    return out


def encode(paths):
    """A FieldsV1 object for a set of paths."""
    root = {}
    for path in sorted(paths):
        node = root
        for segment in path:
            node = node.setdefault(segment, {})
            if segment.startswith("k:"):
                node.setdefault(".", {})
    return root


def decode(fields):
    """The set of leaf paths in a FieldsV1 object."""
    paths = set()

    def walk(node, prefix):
        children = [key for key in node if key != "."]
        if not children:
            paths.add(prefix)
        for key in children:
            walk(node[key], prefix + (key,))

    for key, node in (fields or {}).items():
        walk(node, (key,))
    return paths


def _entry(manager, operation, api_version, subresource, paths):
    entry = {"manager": manager, "operation": operation, "apiVersion": api_version, "time": now(),
             "fieldsType": "FieldsV1", "fieldsV1": encode(paths)}
    if subresource:
        entry["subresource"] = subresource
    return entry


def _same_owner(entry, manager, operation, subresource):
    return (entry.get("manager"), entry.get("operation"), entry.get("subresource")) == (manager, operation, subresource)


def _rebuild(entries, owned, mine, mine_paths, manager, operation, api_version, subresource):
    """Entries with the new ownership sets; entries whose set did not change keep their timestamps."""
    result = []
    for index, (entry, paths) in enumerate(zip(entries, owned)):
        if index == mine:
            paths = mine_paths
        if not paths:
            continue
        if decode(entry.get("fieldsV1")) == paths and (index != mine or entry.get("apiVersion") == api_version):
            result.append(entry)
        else:
            result.append(_entry(entry["manager"], entry["operation"], api_version if index == mine else entry.get("apiVersion"),
                                 entry.get("subresource"), paths))
    if mine is None and mine_paths:
        result.append(_entry(manager, operation, api_version, subresource, mine_paths))
    return result


def record_update(entries, old, new, manager, rtype, subresource):
    """managedFields after a non-apply write by ``manager``: it takes over every field it changed."""
    entries = copy.deepcopy(entries or [])
    if not manager:
        return entries
    old_values = field_values(old, rtype, subresource)
    new_values = field_values(new, rtype, subresource)
    missing = object()
    changed = {path for path, value in new_values.items() if old_values.get(path, missing) != value}
    removed = set(old_values) - set(new_values)
    if not changed and not removed:
        return entries
    owned = [decode(entry.get("fieldsV1")) - changed - removed for entry in entries]
    mine = next((i for i, entry in enumerate(entries) if _same_owner(entry, manager, "Update", subresource)), None)
    mine_paths = (owned[mine] if mine is not None else set()) | changed
    return _rebuild(entries, owned, mine, mine_paths, manager, "Update", rtype.api_version, subresource)


def _merge(current, config, field=None):
    if isinstance(config, dict) and isinstance(current, dict):
        result = copy.deepcopy(current)
        for key, value in config.items():
            result[key] = _merge(current.get(key), value, key)
        return result
    if isinstance(config, list) and isinstance(current, list):
        if field in STRATEGIC_SET_LISTS:
            return list(current) + [item for item in config if item not in current]
        key = _list_key(field, current + config)
        if key:
            result = [copy.deepcopy(item) for item in current]
            for item in config:
                index = next((i for i, existing in enumerate(result) if existing.get(key) == item.get(key)), None)
                if index is None:
                    result.append(copy.deepcopy(item))
                else:
                    result[index] = _merge(result[index], item)
            return result
    return copy.deepcopy(config)


def _remove_path(obj, path):
    node = obj
    for position, segment in enumerate(path):
        last = position == len(path) - 1
        if segment.startswith("f:"):
            if not isinstance(node, dict) or segment[2:] not in node:
                return
            if last:
                del node[segment[2:]]
                return
            node = node[segment[2:]]
        elif segment.startswith("k:"):
            wanted = json.loads(segment[2:])
            match = next((i for i, item in enumerate(node or []) if isinstance(item, dict)
                          and all(item.get(k) == v for k, v in wanted.items())), None)
            if match is None:
                return
            if last:
                del node[match]
                return
            node = node[match]
        elif segment.startswith("v:"):
            value = json.loads(segment[2:])
            if isinstance(node, list) and value in node:
                node.remove(value)
            return


def _conflict(conflicts, rtype, name):
    described = ["conflict with \"%s\" using %s: %s" % (manager, api_version, _dotted(path)) for path, manager, api_version in conflicts]
    message = "Apply failed with %d conflict%s: %s" % (len(conflicts), "" if len(conflicts) == 1 else "s", "\n".join(described))
    causes = [{"reason": "FieldManagerConflict", "message": 'conflict with "%s" using %s' % (manager, api_version), "field": _dotted(path)}
              for path, manager, api_version in conflicts]
    return ApiError(409, "Conflict", message, {"name": name, "group": rtype.group, "kind": rtype.plural, "causes": causes})


def _dotted(path):
    return "".join("." + segment[2:] if segment.startswith("f:") else "[%s]" % segment for segment in path)


def apply(current, entries, config, manager, rtype, force, subresource):
    """Server-side apply of ``config`` by ``manager``: ``(merged object, managedFields)`` or a 409 on conflicts."""
    entries = copy.deepcopy(entries or [])
    current_values = field_values(current, rtype, subresource)
    applied = field_values(config, rtype, subresource)
    owned = [decode(entry.get("fieldsV1")) for entry in entries]
    mine = next((i for i, entry in enumerate(entries) if _same_owner(entry, manager, "Apply", subresource)), None)
    conflicts = []
    for path, value in applied.items():
        if path not in current_values or current_values[path] == value:
            continue
        for index, entry in enumerate(entries):
            if index != mine and path in owned[index] and entry.get("subresource") == subresource:
                conflicts.append((path, entry["manager"], entry.get("apiVersion")))
    if conflicts and not force:
        raise _conflict(sorted(conflicts), rtype, current["metadata"]["name"])
    previous = owned[mine] if mine is not None else set()
    for index in range(len(entries)):
        if index != mine:
            owned[index] -= {path for path in applied if current_values.get(path, applied[path]) != applied[path]}
    result = _merge(current, {k: v for k, v in config.items() if k not in ("apiVersion", "kind")})
    others = set().union(*[paths for index, paths in enumerate(owned) if index != mine]) if entries else set()
    for path in previous - set(applied) - others:
        _remove_path(result, path)
    return result, _rebuild(entries, owned, mine, set(applied), manager, "Apply", rtype.api_version, subresource)
