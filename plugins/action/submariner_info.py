# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""acm.submariner.submariner_info: its tunnel wait runs in short rounds with a progress line per round (plugin_utils/wait_rounds.py).

Unlike the writing modules, a wait that runs out does not fail submariner_info: the answer reports it in
``health`` (``timed_out``, ``wait_error``) and the verdict is made from what was seen.
"""

from __future__ import annotations

from ansible_collections.acm.submariner.plugins.plugin_utils.wait_rounds import WaitInRoundsAction
from ansible_collections.acm.submariner.plugins.module_utils.waiting import timeout_message


class ActionModule(WaitInRoundsAction):
    WAIT_DEFAULT = False
    WAIT_TIMEOUT_DEFAULT = 300

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        # A failed task's result names no cluster; the report (filter submariner_report) lists it by this name.
        if result.get("failed") and not result.get("cluster"):
            result["cluster"] = self._task.args.get("cluster")
        return result

    @staticmethod
    def still_waiting(answer):
        health = answer.get("health") or {}
        if answer.get("failed") or not health.get("timed_out") or "waiting_for" not in health:
            return None
        return health["waiting_for"], health["still_missing"]

    @staticmethod
    def timed_out(answer, pending, total):
        answer["health"]["wait_error"] = timeout_message(pending[0], total, pending[1])
