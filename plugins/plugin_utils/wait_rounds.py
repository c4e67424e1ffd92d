# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run a waiting module in short rounds so the user sees progress on a long wait.

A module task with ``wait: true`` is run with a short wait budget (``PROGRESS_SECONDS`` apart). A round
that ends without readiness fails with ``wait_timed_out`` plus ``waiting_for`` and ``still_missing``
(module_utils/waiting.py); the plugin then prints one progress line for the host and runs the next
round with what is left of ``wait_timeout``. A round returns the moment the module observes
readiness, so the task still ends then. The module is idempotent: a later round re-reads what the
first one wrote and changes nothing. What is ready, and how a wait is described, stays in
module_utils (conditions.py, waiting.py); this only loops and prints.
"""

from __future__ import annotations

import math
import time

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

from ansible_collections.acm.submariner.plugins.module_utils.waiting import progress_line, timeout_message

display = Display()

# A progress line about this often: each round's wait budget is this minus what the last round spent
# outside its wait (starting the module, applying, reading), so a loaded machine gets shorter rounds.
PROGRESS_SECONDS = 12
FIRST_ROUND_SECONDS = 5


class WaitInRoundsAction(ActionBase):
    """The action of a module with ``wait`` / ``wait_timeout``; subclasses give the module's defaults."""

    _supports_check_mode = True
    _supports_async = False
    WAIT_DEFAULT = False
    WAIT_TIMEOUT_DEFAULT = 300

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp  # no longer used by ActionBase
        args = dict(self._task.args)
        module = self._task.resolved_action or self._task.action
        total = int(args.get("wait_timeout", self.WAIT_TIMEOUT_DEFAULT))
        waits = boolean(args.get("wait", self.WAIT_DEFAULT), strict=False)
        try:
            if not waits or self._play_context.check_mode or total <= FIRST_ROUND_SECONDS:
                return merge_hash(result, self._execute_module(module_name=module, module_args=args, task_vars=task_vars))
            return merge_hash(result, self._rounds(module, args, total, task_vars))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)

    def _rounds(self, module, args, total, task_vars):
        host = (task_vars or {}).get("inventory_hostname", "localhost")
        started = time.monotonic()
        changed, diff, round_budget = False, None, FIRST_ROUND_SECONDS
        while True:
            round_started = time.monotonic()
            left = total - (round_started - started)
            budget = max(1, min(round_budget, int(math.ceil(left))))
            answer = self._execute_module(module_name=module, module_args=dict(args, wait_timeout=budget), task_vars=task_vars)
            overhead = max(time.monotonic() - round_started - budget, 0)
            round_budget = max(1, min(PROGRESS_SECONDS - 2, int(PROGRESS_SECONDS - overhead)))
            changed = changed or bool(answer.get("changed"))
            diff = diff or answer.get("diff")
            elapsed = time.monotonic() - started
            pending = self.still_waiting(answer)
            if pending is None or elapsed >= total:
                break
            if not self._task.no_log:
                display.display(progress_line(host, pending[0], pending[1], elapsed, total - elapsed), stderr=True)
        if pending is not None:
            self.timed_out(answer, pending, total)
        answer["changed"] = changed
        if diff:
            answer["diff"] = diff
        return answer

    @staticmethod
    def still_waiting(answer):
        """``(waiting_for, still_missing)`` when the round ended before readiness, else ``None``."""
        if answer.get("wait_timed_out"):
            return answer["waiting_for"], answer["still_missing"]
        return None

    @staticmethod
    def timed_out(answer, pending, total):
        """Make the last round's answer speak of the whole wait, not of its own short budget."""
        answer.update(msg=timeout_message(pending[0], total, pending[1]), waited=total)
