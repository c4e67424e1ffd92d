# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Auth that cannot cross: the hub client and a managed cluster's client of one module share no configuration.

Every mix of token and kubeconfig auth, built in both orders (submariner_info builds the cluster's client
first). The clients are built by kubernetes.core's get_api_client as in a module run; only the step that
would open a connection (create_api_client) is replaced, to capture the Configuration it was given.
"""

from __future__ import annotations

import itertools

import pytest
import yaml
from kubernetes.client import Configuration

from ansible_collections.acm.submariner.plugins.module_utils import k8s
from ansible_collections.acm.submariner.plugins.module_utils import submariner_status as info
from ansible_collections.kubernetes.core.plugins.module_utils.k8s import client as core_client

HUB = {"host": "https://hub.example:6443", "token": "hub-token"}
SPOKE = {"host": "https://cluster1.example:6443", "token": "cluster1-token"}


class FakeModule:
    """What kubernetes.core's get_api_client reads from a module."""

    server_side_dry_run = False
    check_mode = False

    def __init__(self, **params):
        self.params = dict({"cluster": "cluster1", "cluster_auth": None, "kubeconfig": None, "context": None, "host": None,
                            "api_key": None}, **params)

    def requires(self, *args, **kwargs):
        pass


def kubeconfig(tmp_path, name, target):
    path = tmp_path / (name + ".kubeconfig")
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": name,
        "clusters": [{"name": name, "cluster": {"server": target["host"], "insecure-skip-tls-verify": True}}],
        "users": [{"name": name, "user": {"token": target["token"]}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
    }))
    return str(path)


def hub_params(shape, tmp_path):
    if shape == "token":
        return {"host": HUB["host"], "api_key": HUB["token"], "validate_certs": False}
    return {"kubeconfig": kubeconfig(tmp_path, "hub", HUB)}


def spoke_auth(shape, tmp_path):
    if shape == "token":
        return {"host": SPOKE["host"], "api_key": SPOKE["token"], "validate_certs": False}
    return {"kubeconfig": kubeconfig(tmp_path, "cluster1", SPOKE)}


def authorization(configuration):
    """The Authorization header the client would send, after its refresh hook (if any) ran, as the client runs it."""
    if configuration.refresh_api_key_hook is not None:
        configuration.refresh_api_key_hook(configuration)
    return configuration.get_api_key_with_prefix("authorization") or configuration.get_api_key_with_prefix("BearerToken")


@pytest.fixture(name="built")
def built_fixture(monkeypatch):
    """The Configuration of every client built, by host; no connection is opened."""
    configurations = []

    def capture(configuration, **headers):
        configurations.append(configuration)
        return object()

    monkeypatch.setattr(core_client, "create_api_client", capture)
    monkeypatch.setattr(Configuration, "_default", None)
    for name in [key for key in __import__("os").environ if key.startswith(("K8S_AUTH_", "KUBECONFIG"))]:
        monkeypatch.delenv(name)
    return configurations


@pytest.mark.parametrize("hub_shape, spoke_shape, spoke_first",
                         [pytest.param(h, s, first, id="hub-%s/cluster-%s/%s" % (h, s, "cluster-first" if first else "hub-first"))
                          for (h, s), first in itertools.product(itertools.product(("token", "kubeconfig"), repeat=2), (True, False))])
def test_hub_and_cluster_clients_share_no_auth(tmp_path, built, hub_shape, spoke_shape, spoke_first):
    module = FakeModule(cluster_auth=spoke_auth(spoke_shape, tmp_path), **hub_params(hub_shape, tmp_path))
    if spoke_first:
        spoke, problem = info.connect_cluster(module)
        hub = k8s.HubClient(module)
    else:
        hub = k8s.HubClient(module)
        spoke, problem = info.connect_cluster(module)
    assert problem is None and hub is not None and spoke is not None
    by_host = {configuration.host: configuration for configuration in built}
    assert sorted(by_host) == sorted([HUB["host"], SPOKE["host"]])
    assert authorization(by_host[HUB["host"]]) == "Bearer " + HUB["token"]
    assert authorization(by_host[SPOKE["host"]]) == "Bearer " + SPOKE["token"]
    # What a kubeconfig loads stays with its own client.
    assert by_host[HUB["host"]].refresh_api_key_hook is None or hub_shape == "kubeconfig"
    assert by_host[SPOKE["host"]].refresh_api_key_hook is None or spoke_shape == "kubeconfig"


def test_a_client_leaves_the_process_default_as_it_found_it(tmp_path, built):
    before = Configuration.get_default_copy().host
    k8s.HubClient(FakeModule(kubeconfig=kubeconfig(tmp_path, "hub", HUB)))
    assert Configuration.get_default_copy().host == before
