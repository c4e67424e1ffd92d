"""Converge and uninstall one lab N times; print what each round left behind.

    python -m tests.reliability.residue_loop --iterations 20

The lab plays the current ACM (acm-2.12) with upstream finalizer semantics: the hub drops the
ManagedClusterAddOn finalizer as soon as its ManifestWork is gone, without waiting for the spoke's
cloud clean-up (``addon_finalizer_waits_for_spoke`` off), and no simulated delay (``time_scale`` 0).
Each round runs ``site.yml`` then ``playbooks/uninstall.yml`` and counts, against the state the lab
started with: hub and spoke objects and labels (:func:`tests.reliability.state.residue`), EC2
security groups, rules and live instances, and subnet tags. One line per round; the exit status is 1
when a playbook failed or anything was left.
"""

import argparse
import sys
import tempfile

from tests.reliability import labrun, state

LAB_OPTIONS = {"profile": "acm-2.12", "overlap": False, "time_scale": 0.0, "addon_finalizer_waits_for_spoke": False}


def subnet_tag_residue(before, after):
    """Subnet tags the runs added that are still there."""
    old = {subnet["SubnetId"]: {tag["Key"] for tag in subnet.get("Tags") or []} for subnet in before["subnets"]}
    found = []
    for subnet in after["subnets"]:
        for tag in sorted({tag["Key"] for tag in subnet.get("Tags") or []} - old.get(subnet["SubnetId"], set())):
            found.append("ec2: tag %s on subnet %s" % (tag, subnet["SubnetId"]))
    return found


def leftovers(before, after):
    """Everything a converge + uninstall round left: objects, labels, SGs, rules, instances, subnet tags."""
    return state.residue(before, after) + subnet_tag_residue(before["ec2"], after["ec2"])


def one_round(lab, baseline):
    """site.yml then uninstall.yml; the failed playbooks' messages, the residue and the wall times."""
    failures, walls = [], []
    for playbook in (labrun.SITE, labrun.UNINSTALL):
        run = labrun.run(lab, playbook, timeout=900)
        walls.append("%s %.0fs" % (playbook.stem, run.wall))
        if run.returncode != 0:
            failures.append("%s failed: %s" % (playbook.name, "; ".join(run.failure_messages())[:2000] or run.output[-2000:]))
            break
    return failures, leftovers(baseline, lab.dump()), ", ".join(walls)


def run_loop(lab, iterations, out=sys.stdout):
    """Run ``iterations`` rounds on ``lab``; the list of ``(failures, leftovers)`` per round."""
    # The baseline is what the controllers made of the seeded lab (e.g. the default set's broker PSK), not a half-way state.
    if lab.world is not None and not lab.world.settle(120):
        raise RuntimeError("the lab's controllers did not settle before the first round")
    baseline = lab.dump()
    rounds = []
    for index in range(1, iterations + 1):
        failures, left, walls = one_round(lab, baseline)
        rounds.append((failures, left))
        print("iteration %d/%d: residue %d%s (%s)" % (index, iterations, len(left), " (playbook failed)" if failures else "", walls),
              file=out)
        for line in failures + left:
            print("    " + line, file=out)
        out.flush()
    return rounds


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.reliability.residue_loop", description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--clusters", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="residue-loop-") as state_dir:
        lab = labrun.start_lab(state_dir, clusters=args.clusters, **LAB_OPTIONS)
        try:
            rounds = run_loop(lab, args.iterations)
        finally:
            lab.stop()
    dirty = sum(1 for failures, left in rounds if failures or left)
    print("%d of %d rounds left residue or failed" % (dirty, len(rounds)))
    return 1 if dirty else 0


if __name__ == "__main__":
    sys.exit(main())
