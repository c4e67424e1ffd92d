#!/usr/bin/env bash
# Print the path of a Python >= 3.12 (ansible-core 2.20+ needs it). pyenv shims for versions that
# are installed but not active fail when run, so every candidate is tried, not just looked up.
set -u
candidates=("${PYTHON:-}" python3.13 python3.12 python3)
for dir in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin; do
  [ -d "$dir" ] && candidates+=("$dir/python3")
done
for candidate in "${candidates[@]}"; do
  [ -n "$candidate" ] || continue
  if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    "$candidate" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
echo "find-python: no Python >= 3.12 found; install one or set PYTHON=/path/to/python3.12" >&2
exit 1
