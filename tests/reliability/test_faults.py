"""Faults, interruptions and concurrent runs: site.yml still converges, once, with nothing duplicated or left behind."""

import signal

import pytest

from tests.reliability import labrun, state

# Each test starts a lab of its own (fresh_lab) and stops it: make test spreads them (tests/conftest.py).
XDIST_SPREAD = True

# The profile: 10 % 5xx/429, 5 % 409 on writes, 200 ms latency, an occasional dropped connection.
FAULTS = "latency_ms=200,error_rate=0.10,conflict_rate=0.05,drop_rate=0.01,seed=%d"
CLUSTER_SET = "submariner"
HTTP_FAILURE = ("500", "503", "429", "409", "conflict", "connection", "timed out", "remote end closed", "reset", "protocol")


def assert_converged_once(lab, runs=()):
    dump = lab.dump()
    assert state.clusterset_members(dump, CLUSTER_SET) == sorted(labrun.lab_inventory(lab)["all"]["children"]["managed_clusters"]["hosts"])
    assert state.duplicates(dump) == []
    assert state.orphans(dump) == []
    for run in runs:
        assert run.returncode == 0, run.output[-4000:]


@pytest.mark.converges
def test_site_converges_under_faults(fresh_lab, stop_labs_after):  # pylint: disable=unused-argument
    lab = fresh_lab
    lab.set_faults(FAULTS % 7)
    first = labrun.run(lab)
    if first.returncode != 0:
        messages = " ".join(first.failure_messages()).lower()
        assert messages, "the failed run named nothing:\n%s" % first.output[-4000:]
        assert any(word in messages for word in HTTP_FAILURE), "the failure does not say what failed: %s" % messages[:2000]
        second = labrun.run(lab)
        assert second.returncode == 0, "a re-run under faults did not converge: %s" % second.failure_messages()
    lab.set_faults("off")
    assert_converged_once(lab)
    again = labrun.run(lab).check()
    assert again.changes == []


@pytest.mark.converges
def test_interrupted_converge_and_uninstall_recover(fresh_lab, stop_labs_after, tmp_path):  # pylint: disable=unused-argument
    """A converge writes 8 objects: killed after 2 (SIGKILL), the next after 3 more (SIGTERM), the uninstall after 2: re-runs finish."""
    lab = fresh_lab
    before = lab.dump()
    labrun.kill_after(lab, labrun.spawn(lab, log_path=tmp_path / "site-1.log"), 2, signal.SIGKILL)
    labrun.kill_after(lab, labrun.spawn(lab, log_path=tmp_path / "site-2.log"), 3, signal.SIGTERM)
    converge = labrun.run(lab)
    assert_converged_once(lab, [converge])
    labrun.kill_after(lab, labrun.spawn(lab, labrun.UNINSTALL, log_path=tmp_path / "uninstall-1.log"), 2, signal.SIGKILL)
    labrun.run(lab, labrun.UNINSTALL).check()
    assert state.residue(before, lab.dump()) == []


@pytest.mark.converges
def test_two_concurrent_runs_one_converges_the_other_stops_at_the_lease(fresh_lab, stop_labs_after, tmp_path):  # pylint: disable=unused-argument
    """Both pass preflight and race for the set's lease: exactly one takes it and converges, the other stops naming it."""
    lab = fresh_lab
    processes = [labrun.spawn(lab, log_path=tmp_path / ("site-%d.log" % index)) for index in (1, 2)]
    codes = [process.wait(timeout=900) for process in processes]
    for process in processes:
        process.log.close()
    logs = [(tmp_path / ("site-%d.log" % index)).read_text(encoding="utf-8") for index in (1, 2)]
    assert sorted(code == 0 for code in codes) == [False, True], "\n\n".join(log[-4000:] for log in logs)
    loser = logs[codes.index(next(code for code in codes if code != 0))]
    assert "ManagedClusterSet submariner is in use by another run" in loser, loser[-4000:]
    assert_converged_once(lab)


@pytest.mark.converges
def test_globalnet_change_after_join_fails_before_any_write(fresh_lab, stop_labs_after):  # pylint: disable=unused-argument
    """Globalnet and its pool are decided before the first join: turning it off, or giving the set another Globalnet
    CIDR range, on a converged set must stop, not half-migrate (the add-on would ignore a new range without a word)."""
    lab = fresh_lab
    labrun.run(lab, extra_vars={"acm_submariner_globalnet": True}).check()
    ec2_before = lab.ec2_state()
    for changes, words in (({"acm_submariner_globalnet": False}, ("globalnet", "submariner", "remove")),
                           ({"acm_submariner_globalnet": True, "acm_submariner_globalnet_cidr_range": "243.0.0.0/8"},
                            ("acm_submariner_globalnet_cidr_range", "from 242.0.0.0/8 to 243.0.0.0/8", "submariner-globalnet-info", "remove"))):
        changed = labrun.run(lab, extra_vars=changes)
        assert changed.returncode != 0
        # Preflight finds the change (submariner_broker's own rule, in check mode): not even the run lease is written.
        assert changed.mutating == [], [(r["cluster"], r["verb"], r["path"]) for r in changed.mutating]
        assert [f["task"].split(" : ")[-1] for f in changed.failures()] == ["Stop before any change when something is wrong"]
        assert lab.ec2_state() == ec2_before
        message = " ".join("%s: %s" % (f["host"], f["result"].get("msg", "")) for f in changed.failures())
        missing = [word for word in words if word not in message.lower()]
        assert not missing, "the message lacks %s: %s" % (missing, message[:2000])
