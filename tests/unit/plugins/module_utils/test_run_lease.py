# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import datetime

from ansible_collections.acm.submariner.plugins.module_utils import run_lease as L

NOW = datetime.datetime(2026, 12, 6, 3, 0, tzinfo=datetime.timezone.utc)


def lease(holder, renewed=NOW, duration=600):
    return {"metadata": {"name": "submariner", "namespace": L.LEASE_NAMESPACE, "annotations": {L.RUN_ANNOTATION: "site"}},
            "spec": {"holderIdentity": holder, "leaseDurationSeconds": duration,
                     "acquireTime": L.micro_time(renewed), "renewTime": L.micro_time(renewed)}}


def test_identity_round_trip():
    assert L.identity(42, "ctl", "me") == "me@ctl pid 42"
    assert L.parse_identity("me@ctl pid 42") == ("ctl", 42)
    assert L.parse_identity("me@ctl") == ("ctl", None)
    assert L.parse_time(L.micro_time(NOW)) == NOW


def test_a_live_holder_keeps_the_lease():
    assert L.staleness(lease("me@ctl pid 42"), NOW, "ctl", alive=lambda pid: True) is None
    assert L.staleness(lease("me@elsewhere pid 42"), NOW, "ctl", alive=lambda pid: False) is None


def test_stale_leases():
    assert "ended" in L.staleness(lease("me@ctl pid 42"), NOW, "ctl", alive=lambda pid: False)
    assert "expired" in L.staleness(lease("me@elsewhere pid 42", NOW - datetime.timedelta(seconds=601)), NOW, "ctl")
    assert "released" in L.staleness(lease(""), NOW, "ctl")


def test_held_message_names_the_holder_and_how_to_break_it():
    message = L.held_message(lease("me@ctl pid 42"), "submariner")
    for words in ("ManagedClusterSet submariner", "site held by me@ctl pid 42", "kubectl delete lease -n acm-submariner submariner",
                  "acm_submariner_break_lease=true"):
        assert words in message


def test_playbook_pid_finds_the_topmost_ansible_playbook(monkeypatch):
    chain = {50: (40, "python AnsiballZ_run_lease.py"), 40: (30, "/bin/sh -c python"), 30: (20, "python ansible-playbook site.yml"),
             20: (10, "python ansible-playbook site.yml"), 10: (1, "bash")}
    monkeypatch.setattr(L, "_cmdline", lambda pid: chain[pid][1] if pid in chain else None)
    monkeypatch.setattr(L, "_parent", lambda pid: chain[pid][0] if pid in chain else None)
    assert L.playbook_pid(50) == 20


def test_a_missing_process_is_not_alive():
    assert not L.process_alive(2 ** 22 + 12345)
