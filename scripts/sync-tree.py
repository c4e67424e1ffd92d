"""Mirror the collection's files into DEST for ansible-test, which needs a real
ansible_collections/<ns>/<name> tree. Copies what git tracks plus untracked files git does not
ignore (so work in progress is tested), and removes files that are no longer there.
"""

import filecmp
import os
import shutil
import subprocess
import sys


def source_files(root):
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root, check=True, capture_output=True,
    ).stdout.decode()
    return sorted({path for path in out.split("\0") if path and os.path.isfile(os.path.join(root, path))})


def main(root, dest):
    wanted = set(source_files(root))
    for path in wanted:
        src, dst = os.path.join(root, path), os.path.join(dest, path)
        if os.path.exists(dst) and filecmp.cmp(src, dst, shallow=False):
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)
    for dirpath, dirnames, filenames in os.walk(dest, topdown=False):
        for name in filenames:
            rel = os.path.relpath(os.path.join(dirpath, name), dest)
            if rel not in wanted:
                os.remove(os.path.join(dirpath, name))
        if dirpath != dest and not os.listdir(dirpath):
            os.rmdir(dirpath)


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]))
