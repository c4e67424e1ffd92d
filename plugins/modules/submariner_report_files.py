#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# The action plugin of the same name (plugins/action/submariner_report_files.py) does the work on the controller;
# this file holds its documentation.

from __future__ import annotations

DOCUMENTATION = r"""
module: submariner_report_files
short_description: Write the Submariner verification report (Markdown and JSON) on the controller
version_added: 0.2.0
author:
  - acm.submariner maintainers (@acm-submariner)
description:
  - Builds the verification report from one M(acm.submariner.submariner_info) result per managed cluster, as the
    C(acm.submariner.submariner_report) filter does, and writes it as O(path)C(.md) (Mermaid topology, clusters,
    tunnels, problems) and O(path)C(.json).
  - Runs in the controller process, without a module run on a target, and writes on the controller whatever host
    the task is delegated to. The parent directory is created (mode C(0755)); each file is replaced atomically
    (mode C(0644)), so a reader sees the previous report or the new one.
  - The report is an output of the run, not a change to the clusters, so the task never reports C(changed).
options:
  results:
    description: The registered results of M(acm.submariner.submariner_info), one per managed cluster.
    type: list
    elements: dict
    required: true
  path:
    description: The report's path on the controller, without extension.
    type: path
    required: true
  formats:
    description: Which files to write.
    type: list
    elements: str
    choices: [markdown, json]
    default: [markdown, json]
  title:
    description: Title of the report.
    type: str
    default: Submariner verification
  generated_at:
    description: Time stamp written into the report.
    type: str
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
    support: full
    details: In check mode nothing is written; RV(paths) names the files a run would write.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: none
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
      - This assumes that the system controlled/queried by the module has not changed in a relevant way.
    support: full
    details: The files are rewritten with what the run saw; the task never reports C(changed).
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details: Everything runs on the controller; no module is sent to a target.
seealso:
  - module: acm.submariner.submariner_info
"""

EXAMPLES = r"""
- name: Write the report of every cluster of the play next to the playbook
  acm.submariner.submariner_report_files:
    results: "{{ ansible_play_hosts | map('extract', hostvars) | selectattr('submariner', 'defined') | map(attribute='submariner') | list }}"
    path: "{{ playbook_dir }}/submariner-report/submariner-report"
    generated_at: "{{ now(utc=true).strftime('%Y-%m-%dT%H:%M:%SZ') }}"
  run_once: true
"""

RETURN = r"""
paths:
  description: The files written (in check mode, the files a run would write).
  returned: always
  type: list
  elements: path
  sample: [/home/me/submariner-report/submariner-report.md, /home/me/submariner-report/submariner-report.json]
state:
  description: The report's overall state, the worst cluster state (V(ready), V(waiting) or V(failed)).
  returned: always
  type: str
  sample: ready
"""
