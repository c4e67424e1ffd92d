# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""acm.submariner.submariner_report_files: the verification report written on the controller, without a module run.

The report is an output of the run for the person who started it, so it is written where the playbook runs, in
this process: no module process, no file transfer (verify used to run file and copy twice, three module runs).
"""

from __future__ import annotations

import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.action import ActionBase

from ansible_collections.acm.submariner.plugins.module_utils.report import build_report, render_json, render_markdown

RENDERERS = {"markdown": (render_markdown, ".md"), "json": (render_json, ".json")}
ARGUMENT_SPEC = {
    "results": {"type": "list", "elements": "dict", "required": True},
    "path": {"type": "path", "required": True},
    "formats": {"type": "list", "elements": "str", "choices": list(RENDERERS), "default": list(RENDERERS)},
    "title": {"type": "str", "default": "Submariner verification"},
    "generated_at": {"type": "str"},
}


def write_atomically(path, text):
    """Replace ``path`` with ``text`` (mode 0644): a reader sees the old report or the new one, never half of one."""
    directory = os.path.dirname(path) or "."
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(to_bytes(text))
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def write_report(task_args, check_mode):
    """``{changed, paths, state}`` of the report of ``task_args``, written unless ``check_mode``."""
    validation = ArgumentSpecValidator(ARGUMENT_SPEC).validate(task_args)
    if validation.error_messages:
        raise AnsibleActionFail("; ".join(validation.error_messages))
    args = validation.validated_parameters
    report = build_report([dict(item) for item in args["results"]], generated_at=args["generated_at"], title=args["title"])
    paths = [args["path"] + RENDERERS[name][1] for name in args["formats"]]
    # The report is what the run saw, not a change to the clusters: never "changed".
    result = {"changed": False, "paths": paths, "state": report.get("state")}
    if check_mode:
        return dict(result, msg="check mode: the report was not written")
    try:
        os.makedirs(os.path.dirname(args["path"]) or ".", mode=0o755, exist_ok=True)
        for name, path in zip(args["formats"], paths):
            write_atomically(path, RENDERERS[name][0](report))
    except OSError as exc:
        raise AnsibleActionFail("cannot write the report {0}: {1}; choose a directory this user may write (verify_report_dir"
                                " in the verify role)".format(args["path"], to_text(exc))) from exc
    return result


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        result.update(write_report(self._task.args, self._task.check_mode))
        return result
