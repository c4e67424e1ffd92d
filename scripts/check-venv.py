"""Fail loudly when pip resolved the environment into something that cannot work.

Unpinned, kubernetes 37 (python-dateutil >= 3) and botocore (python-dateutil < 3) make pip settle on
boto3 0.0.3 without an error; everything then fails far from the cause.
"""

import sys
from importlib.metadata import PackageNotFoundError, version

MINIMUMS = {"boto3": (1, 35), "botocore": (1, 35), "kubernetes": (24, 2), "ansible-core": (2, 18)}
MAXIMUMS = {"kubernetes": (37,)}


def as_tuple(text):
    return tuple(int(part) for part in text.split(".")[:3] if part.isdigit())


def main():
    problems = []
    for package, minimum in MINIMUMS.items():
        try:
            found = as_tuple(version(package))
        except PackageNotFoundError:
            problems.append(f"{package} is not installed")
            continue
        if found < minimum:
            problems.append(f"{package} {version(package)} is below {'.'.join(map(str, minimum))}")
        maximum = MAXIMUMS.get(package)
        if maximum and found[: len(maximum)] >= maximum:
            problems.append(f"{package} {version(package)} must stay below {'.'.join(map(str, maximum))}")
    try:
        import ansible_collections.kubernetes.core  # noqa: F401
        import ansible_collections.amazon.aws  # noqa: F401
    except ImportError as exc:
        problems.append(f"kubernetes.core / amazon.aws not importable from the venv: {exc}")
    if problems:
        print("check-venv: the environment is unusable:\n  - " + "\n  - ".join(problems), file=sys.stderr)
        return 1
    print("check-venv: " + ", ".join(f"{p} {version(p)}" for p in sorted(MINIMUMS)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
