# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: submariner_report
short_description: Turn submariner_info results into a verification report
version_added: 0.1.0
author: acm.submariner contributors (@acm-submariner)
description:
  - Builds a report from one M(acm.submariner.submariner_info) result per managed cluster and renders it.
  - The report pairs both ends of every tunnel (a tunnel is only up when both ends say so), lists every problem with its
    classification and fix, and the CIDR overlaps between clusters that do not both use Globalnet.
  - V(markdown) has a Mermaid topology of the clusters, their gateways and the tunnels, a summary table, the tunnels and
    the problems; V(table) is a fixed-width summary for the console; V(json) is the model as indented JSON.
positional: format
options:
  _input:
    description: The registered results of M(acm.submariner.submariner_info), one per managed cluster.
    type: list
    elements: dict
    required: true
  format:
    description: What to return.
    type: str
    choices: [model, markdown, json, table]
    default: model
  generated_at:
    description: Time stamp written into the report.
    type: str
  title:
    description: Title of the report.
    type: str
    default: Submariner verification
"""

EXAMPLES = r"""
- name: Write the Markdown report of every cluster of the play
  ansible.builtin.copy:
    content: "{{ results | acm.submariner.submariner_report('markdown', generated_at=now(utc=true).isoformat()) }}"
    dest: ./submariner-report.md
    mode: "0644"
  vars:
    results: "{{ ansible_play_hosts | map('extract', hostvars, 'submariner') | list }}"
  run_once: true
  delegate_to: localhost

- name: Print the summary table
  ansible.builtin.debug:
    msg: "{{ (results | acm.submariner.submariner_report('table')).splitlines() }}"
"""

RETURN = r"""
_value:
  description:
    - With V(model), a dictionary with C(title), C(generated_at), C(state) (the worst cluster state), C(hub), C(clusters),
      C(tunnels), C(overlaps) and C(problems); otherwise the rendered text.
  type: raw
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.acm.submariner.plugins.module_utils.report import (
    build_report,
    render_json,
    render_markdown,
    summary_table,
)

RENDERERS = {"markdown": render_markdown, "json": render_json, "table": summary_table}


def submariner_report(results, format="model", generated_at=None, title="Submariner verification"):  # pylint: disable=redefined-builtin
    if not isinstance(results, (list, tuple)):
        raise AnsibleFilterError("submariner_report expects a list of submariner_info results, got %s" % type(results).__name__)
    if format != "model" and format not in RENDERERS:
        raise AnsibleFilterError("submariner_report: unknown format %r, expected model, %s" % (format, ", ".join(RENDERERS)))
    report = build_report([dict(result) for result in results if isinstance(result, dict)], generated_at=generated_at, title=title)
    return report if format == "model" else RENDERERS[format](report)


class FilterModule:
    """acm.submariner.submariner_report"""

    def filters(self):
        return {"submariner_report": submariner_report}
