# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""acm.submariner.submariner_config: its wait runs in short rounds with a progress line per round (plugin_utils/wait_rounds.py)."""

from __future__ import annotations

from ansible_collections.acm.submariner.plugins.plugin_utils.wait_rounds import WaitInRoundsAction


class ActionModule(WaitInRoundsAction):  # pylint: disable=too-few-public-methods
    pass
