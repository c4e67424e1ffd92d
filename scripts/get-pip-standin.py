"""Offline stand-in for ansible-test's get-pip bootstrap script (its download host is unreachable).

ansible-test runs this file with the arguments it would give get-pip.py (e.g. ``pip==25.2``).
ensurepip installs the bundled pip, then pip upgrades itself to the requested version from the
package index. ensurepip sets PIP_CONFIG_FILE=/dev/null, which would drop /etc/pip.conf (and its
``cert=``), so the follow-up pip runs with the original environment.
"""

import ensurepip
import os
import subprocess
import sys

original_env = dict(os.environ)
ensurepip.bootstrap(upgrade=True, default_pip=True)
requested = [arg for arg in sys.argv[1:] if not arg.startswith("-")]
if requested:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--upgrade", *requested],
        env=original_env, check=True,
    )
