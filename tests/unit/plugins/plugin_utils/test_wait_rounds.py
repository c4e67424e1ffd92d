# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""WaitInRoundsAction: short module rounds, a progress line per unfinished round, the result of the round that saw readiness."""

from __future__ import annotations

import types

import pytest

from ansible_collections.acm.submariner.plugins.action import submariner_info
from ansible_collections.acm.submariner.plugins.plugin_utils import wait_rounds

WAITING = {"failed": True, "wait_timed_out": True, "waiting_for": 'context "hub": ManagedClusterAddOn c1/submariner',
           "still_missing": "waiting: Available (Deploying): not yet (likely cause: x; fix: y)", "msg": "round timed out"}


class FakeModule:
    """Answers per round from ``answers``; each round costs its wait budget plus ``overhead`` seconds of fake time."""

    def __init__(self, answers, overhead=1.0):
        self.answers, self.overhead, self.now, self.budgets = list(answers), overhead, 0.0, []

    def clock(self):
        return self.now

    def execute(self, module_name, module_args, task_vars):
        budget = module_args["wait_timeout"]
        self.budgets.append(budget)
        answer = dict(self.answers.pop(0))
        timed_out = answer.get("wait_timed_out") or (answer.get("health") or {}).get("timed_out")
        self.now += self.overhead + (budget if timed_out else 0.5)
        return answer


@pytest.fixture(name="action")
def action_fixture(monkeypatch):
    lines = []
    monkeypatch.setattr(wait_rounds.display, "display", lambda text, stderr=False: lines.append(text))

    def make(answers, overhead=1.0, kind=wait_rounds.WaitInRoundsAction):
        fake = FakeModule(answers, overhead)
        monkeypatch.setattr(wait_rounds.time, "monotonic", fake.clock)
        action = object.__new__(kind)
        action._task = types.SimpleNamespace(no_log=False)  # pylint: disable=protected-access
        action._execute_module = fake.execute  # pylint: disable=protected-access
        return action, fake, lines
    return make


def test_rounds_print_progress_until_ready_and_keep_the_first_change(action):
    act, fake, lines = action([dict(WAITING, changed=True), WAITING, {"changed": False, "ready": True}])
    rounds = act._rounds  # pylint: disable=protected-access
    answer = rounds("acm.submariner.submariner_addon", {"wait": True, "wait_timeout": 300}, 300, {"inventory_hostname": "c1"})
    assert answer == {"changed": True, "ready": True}
    assert fake.budgets == [5, 10, 10]  # the first round, then 12 s apart less the 1 s a round spends outside its wait
    assert lines == ['[c1] waiting for context "hub": ManagedClusterAddOn c1/submariner: waiting: Available (Deploying): not yet (6s elapsed, 294s left)',
                     '[c1] waiting for context "hub": ManagedClusterAddOn c1/submariner: waiting: Available (Deploying): not yet (17s elapsed, 283s left)']


def test_a_slow_machine_gets_shorter_rounds(action):
    act, fake, _lines = action([WAITING, WAITING, {"changed": False}], overhead=8.0)
    act._rounds("m", {"wait": True}, 300, {})  # pylint: disable=protected-access
    assert fake.budgets == [5, 4, 4]


def test_the_timeout_names_the_whole_wait(action):
    act, fake, lines = action([WAITING, WAITING, WAITING])
    answer = act._rounds("m", {"wait": True}, 14, {"inventory_hostname": "c1"})  # pylint: disable=protected-access
    assert fake.budgets == [5, 8]
    assert answer["failed"] and answer["waited"] == 14 and len(lines) == 1
    assert answer["msg"] == ('context "hub": ManagedClusterAddOn c1/submariner was not ready after 14s: '
                             "waiting: Available (Deploying): not yet (likely cause: x; fix: y)")


TUNNELS = 'context "c1": Submariner submariner-operator/submariner'
INFO_WAITING = {"changed": False,  # a round of submariner_info that ran out: not failed, reported in health
                "health": {"state": "waiting", "timed_out": True, "wait_error": "x was not ready after 5s: y", "waiting_for": TUNNELS,
                           "still_missing": "connection to c2: connecting"}}


def test_submariner_info_rounds_report_progress_and_the_whole_wait(action):
    act, fake, lines = action([INFO_WAITING, INFO_WAITING, INFO_WAITING], kind=submariner_info.ActionModule)
    answer = act._rounds("acm.submariner.submariner_info", {"wait": True}, 14, {"inventory_hostname": "c1"})  # pylint: disable=protected-access
    assert fake.budgets == [5, 8]
    assert lines == ['[c1] waiting for context "c1": Submariner submariner-operator/submariner: connection to c2: connecting (6s elapsed, 8s left)']
    assert "failed" not in answer and "msg" not in answer  # a timed-out verification is a verdict, not a module failure
    assert answer["health"]["wait_error"] == TUNNELS + " was not ready after 14s: connection to c2: connecting"


def test_submariner_info_ends_with_the_round_that_saw_the_tunnels(action):
    ready = {"changed": False, "health": {"state": "ready", "timed_out": False}}
    act, fake, lines = action([INFO_WAITING, ready], kind=submariner_info.ActionModule)
    answer = act._rounds("acm.submariner.submariner_info", {"wait": True}, 300, {"inventory_hostname": "c1"})  # pylint: disable=protected-access
    assert answer == ready and fake.budgets == [5, 10] and len(lines) == 1


def test_a_failed_submariner_info_names_its_cluster(monkeypatch):
    """verify.yml's report lists every host's result; a failed task's would otherwise name no cluster."""
    monkeypatch.setattr(wait_rounds.WaitInRoundsAction, "run", lambda self, tmp=None, task_vars=None: {"failed": True, "msg": "boom"})
    act = object.__new__(submariner_info.ActionModule)
    act._task = types.SimpleNamespace(args={"cluster": "aws-sub2"}, no_log=False)  # pylint: disable=protected-access
    assert act.run(task_vars={}) == {"failed": True, "msg": "boom", "cluster": "aws-sub2"}
