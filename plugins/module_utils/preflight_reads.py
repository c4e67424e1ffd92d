# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runners of access_review, cluster_network_info, hub_preflight_info and spoke_preflight_info: what a run asks each API
server before its first write.

``hub_preflight_info`` asks the hub everything in one module run (the lease, the hub's facts, the permission review,
each cluster's credentials secret and install-config, the set's peers, the Globalnet rule of the set's Broker) and,
given ``spokes``, then every managed cluster at once; the preflight role's main and access entry points (site.yml,
verify.yml, uninstall.yml) use it. ``spoke_preflight_info`` asks every managed cluster of a run at once, standalone.
Either way the clusters' API round trips overlap (``ClusterQuestions``).
"""

from __future__ import annotations

import base64
import concurrent.futures
import socket

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.acm.submariner.plugins.module_utils import constants as C
from ansible_collections.acm.submariner.plugins.module_utils import rbac
from ansible_collections.acm.submariner.plugins.module_utils.cidr import networks_from_install_config
from ansible_collections.acm.submariner.plugins.module_utils.hub_credentials_secret import credentials_status, stored_keys
from ansible_collections.acm.submariner.plugins.module_utils.hub import HubFacts
from ansible_collections.acm.submariner.plugins.module_utils.hub_inventory import describe_hub
from ansible_collections.acm.submariner.plugins.module_utils.hub_submariner_broker import broker_globalnet_refusal
from ansible_collections.acm.submariner.plugins.module_utils.k8s import HubClient, HubError, describe_target
from ansible_collections.acm.submariner.plugins.module_utils.run_lease import DEFAULT_DURATION, LeaseClient, identity, playbook_pid
from ansible_collections.acm.submariner.plugins.module_utils.submariner_status import ClusterView, without_k8s_auth_environment
from ansible_collections.acm.submariner.plugins.module_utils.validation import repeated_clusters_problem
from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC

try:
    from ansible_collections.kubernetes.core.plugins.module_utils.args_common import extract_sensitive_values_from_kubeconfig
except ImportError:  # kubernetes.core 6.1.0 (the oldest combination) has no such helper
    _KUBECONFIG_SECRETS = ("token", "password", "client-key-data", "client-certificate-data", "access-token", "refresh-token")

    def extract_sensitive_values_from_kubeconfig(kubeconfig_data):
        """The credential strings of an inline kubeconfig (users' tokens, passwords, keys), to hide from the output."""
        found = set()
        for user in (kubeconfig_data.get("users") or []) if isinstance(kubeconfig_data, dict) else []:
            settings = (user or {}).get("user") or {}
            found.update(value for key, value in settings.items() if key in _KUBECONFIG_SECRETS and isinstance(value, str))
        return found

REVIEW_PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
# A run covers a handful of clusters to a few dozen; more threads than that only queue on the same cores.
MAX_CONCURRENT_CLUSTERS = 8


# --- permissions -----------------------------------------------------------------------------


def missing_permissions(client, reviews):
    """``[(permission, namespace)]`` of the SelfSubjectAccessReviews the API server did not allow."""
    missing = []
    for permission, namespace, body in reviews:
        doing = "reviewing access to {0}".format(permission.describe())
        answer = client.call(doing, lambda body=body: client.client.client.request("post", REVIEW_PATH, body=body).to_dict())
        if not (answer.get("status") or {}).get("allowed"):
            missing.append((permission, namespace))
    return missing


def review_access(client, side, run, aws_prep_mode="addon", hub=None, clusters=(), credentials_clusters=(), cluster_set=None, cluster=None):
    """``{checked, role_file}``; a missing permission raises HubError naming the cluster, each permission and the role file."""
    permissions = rbac.needed(side, run, aws_prep_mode, hub)
    broker_ns = rbac.run_broker_namespace(cluster_set, hub) if side == rbac.HUB else None
    reviews = rbac.access_reviews(permissions, clusters, broker_ns, credentials_clusters)
    missing = missing_permissions(client, reviews)
    role_file = rbac.role_file(side, rbac.role_mode(run, aws_prep_mode))
    if missing:
        details = [{"verb": p.verb, "group": p.group, "resource": p.resource, "namespace": ns} for p, ns in missing]
        raise HubError(rbac.missing_message(cluster or client.target, side, run, aws_prep_mode, missing), missing=details, role_file=role_file)
    return {"checked": len(reviews), "role_file": role_file}


def review(module):
    """The runner of access_review."""
    params = module.params
    result = review_access(module.hub, params["side"], params["run"], params["aws_prep_mode"], params["hub"], params["clusters"],
                           params["credentials_clusters"], params["cluster_set"], params["cluster"])
    return dict(result, changed=False)


# --- every managed cluster at once -------------------------------------------------------------


def cluster_argument_spec():
    """One entry of spoke_preflight_info's ``clusters``: a name, its credentials, what to ask."""
    return {
        "name": {"type": "str", "required": True},
        # Checked and hidden by ask_clusters (AUTH_ARG_SPEC's names and no_log), so that it is documented once.
        "auth": {"type": "dict", "default": {}, "no_log": False},
        # Not a choice: an unknown mode is not reviewed, and the caller's own check names it with its variable.
        "aws_prep_mode": {"type": "str", "default": "addon"},
        "read_network": {"type": "bool", "default": True},
    }


def _auth_params(entry):
    return {key: value for key, value in (entry.get("auth") or {}).items() if value is not None}


def auth_problems(module, entries):
    """Hide each cluster's secrets from the output, as ``no_log`` options are; name the keys that are no connection option."""
    problems = []
    for entry in entries:
        auth = _auth_params(entry)
        for key, value in auth.items():
            if key not in AUTH_ARG_SPEC:
                problems.append("clusters[{0}].auth.{1} is not a kubernetes.core connection option".format(entry["name"], key))
            elif AUTH_ARG_SPEC[key].get("no_log") and isinstance(value, str):
                module.no_log_values.add(value)
        if isinstance(auth.get("kubeconfig"), dict):
            module.no_log_values.update(extract_sensitive_values_from_kubeconfig(auth["kubeconfig"]))
    return problems


def connect(module, entry):
    """``(HubClient, None)`` for the cluster of ``entry``, or ``(None, why)``; called one cluster after the other."""
    auth = _auth_params(entry)
    try:
        with without_k8s_auth_environment():
            return HubClient(ClusterView(module, auth)), None
    except HubError as exc:
        return None, to_text(exc)


def read_network(client):
    """The cluster's ``networks.config.openshift.io/cluster`` spec (None when it serves none): HubError when unreadable."""
    try:
        network = client.get(C.NETWORK_CONFIG_API_VERSION, C.NETWORK_CONFIG_KIND, C.NETWORK_CONFIG_NAME)
    except HubError as exc:
        if exc.details.get("missing_api"):
            return None
        raise
    return (network or {}).get("spec")


def cluster_network(module):
    """The runner of cluster_network_info: the network ``spec`` read with the module's (the cluster's) credentials, or why
    it cannot be read (the error a hub module would fail with: the context and its URL, the fix)."""
    target = describe_target(module.params)
    try:
        return {"network": read_network(module.hub), "error": None, "target": target}
    except HubError as exc:
        return {"network": None, "error": to_text(exc), "target": target}


def ask_cluster(client, entry, run, hub):
    """What preflight needs from one cluster: its permission review, then its networks when asked.

    A cluster that cannot be read is an answer (``error``), not an exception: preflight reports it with its
    other findings. A missing permission is ``missing`` with the message that names it.
    """
    mode = entry["aws_prep_mode"]
    known_mode = mode in rbac.AWS_PREP_MODES
    answer = {"target": client.target, "error": None, "network": None, "checked": 0, "missing": [], "msg": None,
              "role_file": rbac.role_file(rbac.SPOKE, rbac.role_mode(run, mode)) if known_mode else None}
    try:
        if known_mode:
            answer["checked"] = review_access(client, rbac.SPOKE, run, mode, hub, cluster=entry["name"])["checked"]
    except HubError as exc:
        if not exc.details.get("missing"):
            answer["error"] = to_text(exc)
            return answer
        answer.update(missing=exc.details["missing"], msg=to_text(exc))
    if entry["read_network"]:
        try:
            answer["network"] = read_network(client)
        except HubError as exc:
            answer["error"] = to_text(exc)
    return answer


class ClusterQuestions:
    """Every cluster's answers (``ask_cluster``), each asked with its own credentials. The clients are built one after
    the other here, because kubernetes.core builds them from process-wide state; then the clusters are asked in threads.
    kubernetes.core hands the same pooled client to equal credentials, and a client's discovery cache is not safe to
    share between threads: the clusters of one client are asked one after the other, in one thread.
    ``answers()`` waits for them."""

    def __init__(self, module, entries, run, hub):
        problems = auth_problems(module, entries)
        repeated = repeated_clusters_problem([entry["name"] for entry in entries])
        if repeated:
            problems.append(repeated)
        if problems:
            raise HubError("{0}. Nothing was sent.".format("; ".join(problems)), problems=problems)
        self._answers, by_client = {}, {}
        for entry in entries:
            client, error = connect(module, entry)
            if client is None:
                self._answers[entry["name"]] = {"target": describe_target(_auth_params(entry)), "error": error, "network": None,
                                                "checked": 0, "missing": [], "msg": None, "role_file": None}
            else:
                by_client.setdefault(id(client.client), []).append((client, entry))
        groups = list(by_client.values())
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(MAX_CONCURRENT_CLUSTERS, len(groups))) if groups else None
        self._futures = [self._pool.submit(_ask_in_turn, group, run, hub) for group in groups]

    def answers(self):
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        for future in self._futures:
            self._answers.update(future.result())
        return self._answers


def _ask_in_turn(group, run, hub):
    """The answers of clusters that share one client, asked one after the other."""
    return {entry["name"]: ask_cluster(client, entry, run, hub) for client, entry in group}


def ask_clusters(module):
    """The runner of spoke_preflight_info: ``clusters``, the answer of each cluster by name."""
    params = module.params
    return {"changed": False, "clusters": ClusterQuestions(module, params["clusters"], params["run"], params["hub"]).answers()}


# --- the hub, in one module run --------------------------------------------------------------------


def check_lease(hub, cluster_set, run, force):
    """Read only: HubError naming the holder when another live run holds the set's lease."""
    host = socket.gethostname()
    return LeaseClient(hub, cluster_set, identity(playbook_pid(), host), host).acquire(run, DEFAULT_DURATION, force, check_mode=True)


def hub_access(hub, facts, params):
    """The hub's permission review: ``{checked, role_file, missing, msg}`` (a missing permission is an answer)."""
    access = params["access"]
    if access["aws_prep_mode"] not in rbac.AWS_PREP_MODES:
        # Not reviewed: the caller's own check names the unknown mode with its variable.
        return {"checked": 0, "role_file": None, "missing": [], "msg": None}
    try:
        answer = review_access(hub, rbac.HUB, params["run"], access["aws_prep_mode"], facts, access["clusters"],
                               access["credentials_clusters"], params["cluster_set"], access["cluster"])
    except HubError as exc:
        if not exc.details.get("missing"):
            raise
        return {"checked": 0, "role_file": exc.details["role_file"], "missing": exc.details["missing"], "msg": to_text(exc)}
    return dict(answer, missing=[], msg=None)


def read_credentials_secret(hub, entry):
    """What preflight keeps of a cluster's credentials secret: the names of the keys with a value, whether it is ours and
    holds the keys given, and its AWS keys only when none were given (to inspect AWS with them)."""
    secret = hub.get("v1", "Secret", entry["name"], entry["cluster"])
    given = bool(entry["access_key"] and entry["secret_key"])
    answer = dict(credentials_status(secret, entry["access_key"], entry["secret_key"]), name=entry["name"],
                  key_names=sorted(key for key, value in ((secret or {}).get("data") or {}).items() if value) if secret else None)
    if secret is not None and not given:
        keys = stored_keys(secret)
        answer["aws_keys"] = {"access_key": keys[C.AWS_ACCESS_KEY_ID_KEY] or "", "secret_key": keys[C.AWS_SECRET_ACCESS_KEY_KEY] or ""}
    return answer


def read_install_config_networks(hub, cluster):
    """The networks of the cluster's Hive ``<cluster>-install-config`` secret, or None when it has none readable."""
    secret = hub.get("v1", "Secret", "{0}-install-config".format(cluster), cluster)
    text = ((secret or {}).get("data") or {}).get("install-config.yaml")
    if not text:
        return None
    try:
        networks = networks_from_install_config(base64.b64decode(text).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return {"cluster_network": networks["cluster_network"], "service_network": networks["service_network"],
            "network_type": networks["network_type"], "source": "install-config"}


def set_broker_namespace_of(described, cluster_set):
    """The broker namespace describe_hub found for ``cluster_set``; None when the set does not exist."""
    return next((item["broker_namespace"] for item in described["managed_cluster_sets"] if item["name"] == cluster_set), None)


def read_set_peers(hub, described, cluster_set):
    """The clusters that announced themselves to the set's broker (submariner.io Cluster objects), with their networks
    and the cable driver their gateway's Endpoint announces (None before it announced one)."""
    broker_ns = set_broker_namespace_of(described, cluster_set)
    if not broker_ns or not hub.serves(C.SUBMARINER_CLUSTER_API_VERSION, C.SUBMARINER_CLUSTER_KIND):
        return []
    drivers = {}
    if hub.serves(C.SUBMARINER_CLUSTER_API_VERSION, C.SUBMARINER_ENDPOINT_KIND):
        for endpoint in hub.list(C.SUBMARINER_CLUSTER_API_VERSION, C.SUBMARINER_ENDPOINT_KIND, broker_ns):
            spec = endpoint.get("spec") or {}
            drivers.setdefault(spec.get("cluster_id"), spec.get("backend") or None)
    peers = []
    for item in hub.list(C.SUBMARINER_CLUSTER_API_VERSION, C.SUBMARINER_CLUSTER_KIND, broker_ns):
        spec = item.get("spec") or {}
        peers.append({"name": spec.get("cluster_id"), "cluster_network": spec.get("cluster_cidr") or [],
                      "service_network": spec.get("service_cidr") or [], "cable_driver": drivers.get(spec.get("cluster_id"))})
    return peers


def preflight_globalnet_refusal(module, described):
    """Why the run's Globalnet options would be refused on the Broker of its set (submariner_broker's rule), or None."""
    facts = HubFacts.from_dict(described["hub"])
    namespace = set_broker_namespace_of(described, module.params["cluster_set"])
    if not namespace or not facts.broker_cr_required:
        return None
    return broker_globalnet_refusal(module, facts, namespace, module.params["broker"])


def read_hub(module, result):
    """Everything hub_preflight_info reads after the hub's facts, into ``result``; a missing hub permission ends the
    reads there, so that it is what the run reports."""
    params, hub = module.params, module.hub
    if params["access"]:
        result["access"] = hub_access(hub, result["hub"], params)
        if result["access"]["missing"]:
            return
    result["credentials_secrets"] = {entry["cluster"]: read_credentials_secret(hub, entry) for entry in params["credentials_secrets"]}
    result["install_config_networks"] = {name: read_install_config_networks(hub, name) for name in params["install_configs"]}
    result["set_peers"] = read_set_peers(hub, result, params["cluster_set"]) if params["set_peers"] else []
    if params["broker"]:
        result["globalnet_refusal"] = preflight_globalnet_refusal(module, result)


def ask_hub(module):
    """The runner of hub_preflight_info. The lease first (a set in use fails in seconds), then the hub's facts and the
    rest of the hub (``read_hub``), then every cluster of ``spokes`` at once. The clusters are asked once the hub's
    client is done: a cluster given the hub's credentials gets the hub's pooled client."""
    params = module.params
    result = {"changed": False}
    if params["lease"]:
        check_lease(module.hub, params["cluster_set"], params["lease"]["run"], params["lease"]["force"])
    result.update(describe_hub(module))
    read_hub(module, result)
    if params["spokes"] is not None:
        result["spokes"] = ClusterQuestions(module, params["spokes"], params["run"], result["hub"]).answers()
    return result
