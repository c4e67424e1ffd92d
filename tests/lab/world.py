"""The lab's world: which CRDs each cluster gets, what the hub, the spokes and EC2 hold at start, the controllers.

``World(lab)`` follows the contract in ``docs/lab.md``: ``crds_for(context)``, ``seed()`` once the CRDs
are installed, ``start()`` / ``stop()`` for the controllers and ``inventory()`` for the Ansible
inventory the lab writes. Managed clusters are ``aws-sub1`` .. ``aws-subN`` on contexts ``cluster1``
.. ``clusterN``; everything seeded follows the profile (``profiles.py``) and the lab options.
"""

from __future__ import annotations

import base64
import copy
import datetime
import functools
import hashlib
import importlib
import logging
import pathlib
import pkgutil
import threading
import uuid

import yaml

from tests.lab import aws, crds, profiles
from tests.lab.controllers import base
from tests.lab.controllers.machine_api import (
    LABEL_MACHINESET, NAMESPACE as MACHINE_NAMESPACE, aws_machineset, machine_from_template,
    machine_status_running, node_for,
)
from tests.lab.apiserver.schema import crd_as_v1
from tests.lab.crds_builtin import builtin_crd

LOG = logging.getLogger("tests.lab.world")
HUB_CONTEXT = "hubcluster"
CLUSTER_NAME_PREFIX = "aws-sub"
CONTEXT_PREFIX = "cluster"
MCH_NAMESPACE = "open-cluster-management"
DEFAULT_NETWORKS = (("10.128.0.0/14", "172.30.0.0/16"),)
# The seed's two clusters (aws-sub1, aws-sub2) when CIDRs do not overlap; later clusters continue the pattern.
SEED_NETWORKS = {1: ("10.132.0.0/14", "172.31.0.0/16"), 2: ("10.128.0.0/14", "172.30.0.0/16")}
NETWORK_MTU = {"OVNKubernetes": 8901, "OpenShiftSDN": 8951}
KUBERNETES_VERSION = {"4.7": "v1.20.0+df9c838", "4.14": "v1.27.16+03a907c", "4.16": "v1.29.7+4510e9c"}


def cluster_name(index: int) -> str:
    """The ManagedCluster name of the ``index``-th (1-based) spoke."""
    return f"{CLUSTER_NAME_PREFIX}{index}"


def cluster_networks(index: int, overlap: bool) -> tuple[str, str]:
    """(ClusterNetwork, ServiceNetwork) of the ``index``-th spoke.

    Overlapping (the default, as two default OpenShift installs are): everybody gets the installer
    defaults. Otherwise aws-sub1/aws-sub2 keep the seed's values and later clusters get distinct /14
    and /16 ranges.
    """
    if overlap:
        return DEFAULT_NETWORKS[0]
    if index in SEED_NETWORKS:
        return SEED_NETWORKS[index]
    return f"10.{128 + 4 * (index - 1)}.0.0/14", f"172.{30 + index - 1}.0.0/16"


class World:
    """Seeds and runs one lab: the hub, the spokes and EC2."""

    def __init__(self, lab):
        self.lab = lab
        self.options = lab.options
        self.profile = profiles.get(self.options.profile)
        self.naming = getattr(self.options, "ocp_naming", "legacy") or "legacy"
        self.network_type = getattr(self.options, "network_type", None) or self.profile.default_network_type
        self.reactor = base.Reactor(getattr(self.options, "time_scale", 0.0) or 0.0)
        self.seeded: dict[str, aws.SeededCluster] = {}
        self.controllers: list[base.Controller] = []
        self._clients: dict = {}
        self._clients_lock = threading.Lock()
        # What the add-on's cloud preparation did with which keys, in order: (cluster, "prepare" | "clean_up",
        # aws_access_key_id). The lab's CloudTrail: tests see which keys a preparation used, nothing else reads it.
        self.cloud_calls: list[tuple[str, str, str]] = []

    # ------------------------------------------------------------------ topology
    @property
    def hub(self):
        return self.lab.hub

    @property
    def spokes(self) -> dict:
        return self.lab.spokes

    def contexts(self) -> list[str]:
        """Spoke contexts in cluster order (cluster1, cluster2, ...)."""
        return sorted(self.spokes, key=_context_index)

    def cluster_for(self, context: str) -> str:
        return cluster_name(_context_index(context))

    def spoke_for(self, cluster: str):
        """The spoke store of the ManagedCluster ``cluster`` (None when unknown)."""
        if not cluster.startswith(CLUSTER_NAME_PREFIX) or not cluster[len(CLUSTER_NAME_PREFIX):].isdigit():
            return None
        return self.spokes.get(f"{CONTEXT_PREFIX}{cluster[len(CLUSTER_NAME_PREFIX):]}")

    def ocp_version(self) -> str:
        return self.profile.ocp_versions[self.naming]

    def ec2(self, region: str = aws.DEFAULT_REGION, credentials: dict | None = None):
        """A boto3 EC2 client on the lab's moto server, with the given keys (a cluster secret's) or the lab's."""
        key = (region, (credentials or {}).get("aws_access_key_id"))
        with self._clients_lock:
            if key not in self._clients:
                if credentials:
                    self._clients[key] = _ec2_client(self.lab.aws_endpoint, region, credentials)
                else:
                    self._clients[key] = self.lab.ec2(region)
            return self._clients[key]

    # ------------------------------------------------------------------ CRDs
    def crds_for(self, context: str) -> list[dict]:
        """The CRDs of a cluster: the hub's or a spoke's per profile, from ``crds_dir``.

        A missing file stops the lab (``crds.MissingCRDs``) unless the ``builtin_crds`` option asks
        for schema-less stand-ins.
        """
        names = self.profile.hub_crds if context == HUB_CONTEXT else self.profile.spoke_crds
        directory = pathlib.Path(getattr(self.options, "crds_dir", None) or crds.default_dir())
        if getattr(self.options, "builtin_crds", False):
            return [crd_as_v1(_load_crd(directory / name)) if (directory / name).is_file() else builtin_crd(name) for name in names]
        return [self._served(crd_as_v1(_load_crd(crds.require(directory, name)))) for name in names]

    def _served(self, crd: dict) -> dict:
        """The CRD as the profile's era serves it: today's Gateway keeps connections[].usingIP/usingNAT."""
        if crd["spec"]["names"]["kind"] == "Gateway" and self.profile.gateway_connection_fields:
            for version in crd["spec"]["versions"]:
                status = version["schema"]["openAPIV3Schema"]["properties"]["status"]
                connection = status["properties"]["connections"]["items"]["properties"]
                connection.update((field, dict(schema)) for field, schema in self.profile.gateway_connection_fields)
        return crd

    # ------------------------------------------------------------------ seeding
    def seed(self) -> None:
        """Seed EC2, then the hub and every spoke (called once, before the servers accept requests)."""
        self._seed_hub_common()
        ami = aws.installer_ami(self.ec2())
        for context in self.contexts():
            index = _context_index(context)
            name = cluster_name(index)
            seeded = aws.seed_cluster(self.ec2(), name, naming=self.naming, region=aws.DEFAULT_REGION, ami=ami)
            self.seeded[name] = seeded
            self._seed_hub_cluster(name, seeded, index)
            self._seed_spoke(self.spokes[context], seeded, index)

    def _seed_hub_common(self) -> None:
        hub = self.hub
        _ensure_namespace(hub, MCH_NAMESPACE)
        _create_with_status(hub, {
            "apiVersion": "operator.open-cluster-management.io/v1", "kind": "MultiClusterHub",
            "metadata": {"name": "multiclusterhub", "namespace": MCH_NAMESPACE},
            "spec": {"availabilityConfig": "High"},
        }, {"phase": "Running", "currentVersion": self.profile.mch_version, "desiredVersion": self.profile.mch_version})
        hub.create({
            "apiVersion": "addon.open-cluster-management.io/v1alpha1", "kind": "ClusterManagementAddOn",
            "metadata": {"name": "submariner"},
            "spec": {"addOnMeta": {"displayName": "Submariner Addon",
                                   "description": "Submariner Addon for MultiCluster connectivity"}},
        })
        for set_name in self.profile.default_cluster_sets:
            hub.create(_cluster_set(self.profile, set_name))

    def _seed_hub_cluster(self, name: str, seeded: aws.SeededCluster, index: int) -> None:
        hub = self.hub
        _ensure_namespace(hub, name)
        cluster_id = str(uuid.UUID(hashlib.md5(name.encode()).hexdigest()))  # nosec: a stable id, not security
        _create_with_status(hub, self._managed_cluster(name, seeded, cluster_id), self._managed_cluster_status(name, seeded, cluster_id))
        hub.create(_secret(name, f"{name}-aws-creds", _credentials(name)))
        cluster_network, service_network = cluster_networks(index, self.options.overlap)
        hub.create(_secret(name, f"{name}-install-config",
                           {"install-config.yaml": _install_config(name, seeded, cluster_network, service_network, self.network_type)}))
        hub.create(_cluster_deployment(name, seeded, cluster_id))

    def _managed_cluster(self, name: str, seeded: aws.SeededCluster, cluster_id: str) -> dict:
        version = self.ocp_version()
        major, minor = version.split(".")[:2]
        labels = {
            "cloud": "Amazon", "vendor": "OpenShift", "name": name, "clusterID": cluster_id,
            "openshiftVersion": version, "openshiftVersion-major": major, "openshiftVersion-major-minor": f"{major}.{minor}",
            "region": seeded.region,
        }
        if self.profile.default_clusterset_webhook:
            labels["cluster.open-cluster-management.io/clusterset"] = "default"
        return {
            "apiVersion": "cluster.open-cluster-management.io/v1", "kind": "ManagedCluster",
            "metadata": {"name": name, "labels": labels},
            "spec": {"hubAcceptsClient": True, "leaseDurationSeconds": 60,
                     "managedClusterClientConfigs": [{"url": f"https://api.{name}.lab.example.com:6443"}]},
        }

    def _managed_cluster_status(self, name: str, seeded: aws.SeededCluster, cluster_id: str) -> dict:
        version = self.ocp_version()
        claims = {
            "id.k8s.io": cluster_id, "id.openshift.io": cluster_id,
            "platform.open-cluster-management.io": "AWS", "product.open-cluster-management.io": "OpenShift",
            "region.open-cluster-management.io": seeded.region,
            "infrastructure.openshift.io": f'{{"infraName":"{seeded.infra_id}"}}',
            "version.openshift.io": version,
            "kubeversion.open-cluster-management.io": KUBERNETES_VERSION.get(".".join(version.split(".")[:2]), "v1.27.16"),
            "consoleurl.cluster.open-cluster-management.io": f"https://console-openshift-console.apps.{name}.lab.example.com",
            "controlplanetopology.openshift.io": "HighlyAvailable",
        }
        timestamp = _now()
        conditions = [
            ("HubAcceptedManagedCluster", "HubClusterAdminAccepted", "Accepted by hub cluster admin"),
            ("ManagedClusterJoined", "ManagedClusterJoined", "Managed cluster joined"),
            ("ManagedClusterConditionAvailable", "ManagedClusterAvailable", "Managed cluster is available"),
            ("ManagedClusterConditionClockSynced", "ManagedClusterClockSynced", "The clock of the managed cluster is synced with the hub."),
        ]
        return {
            "clusterClaims": [{"name": key, "value": value} for key, value in claims.items()],
            "conditions": [{"type": kind, "status": "True", "reason": reason, "message": message, "lastTransitionTime": timestamp}
                           for kind, reason, message in conditions],
            "version": {"kubernetes": claims["kubeversion.open-cluster-management.io"]},
            "allocatable": {"cpu": "12", "memory": "45Gi"},
            "capacity": {"cpu": "12", "memory": "47Gi"},
        }

    def _seed_spoke(self, store, seeded: aws.SeededCluster, index: int) -> None:
        cluster_network, service_network = cluster_networks(index, self.options.overlap)
        _create_with_status(store, {
            "apiVersion": "config.openshift.io/v1", "kind": "Network", "metadata": {"name": "cluster"},
            "spec": {"clusterNetwork": [{"cidr": cluster_network, "hostPrefix": 23}], "serviceNetwork": [service_network],
                     "networkType": self.network_type, "externalIP": {"policy": {}}},
        }, {"clusterNetwork": [{"cidr": cluster_network, "hostPrefix": 23}], "serviceNetwork": [service_network],
            "networkType": self.network_type, "clusterNetworkMTU": NETWORK_MTU.get(self.network_type, 8951)})
        _ensure_namespace(store, MACHINE_NAMESPACE)
        store.create(_secret(MACHINE_NAMESPACE, "aws-cloud-credentials", _credentials(seeded.cluster_name)))
        store.create(_secret(MACHINE_NAMESPACE, "worker-user-data", {"disableTemplating": "true", "userData": '{"ignition":{"version":"3.2.0"}}'}))
        reservations = self.ec2(seeded.region).describe_instances(InstanceIds=list(seeded.worker_instances.values()))["Reservations"]
        instances = {instance["Placement"]["AvailabilityZone"]: instance for reservation in reservations for instance in reservation["Instances"]}
        for zone in seeded.availability_zones:
            self._seed_worker(store, seeded, zone, instances[zone])
        reservations = self.ec2(seeded.region).describe_instances(InstanceIds=list(seeded.control_plane_instances.values()))["Reservations"]
        for index, instance in enumerate(sorted((instance for reservation in reservations for instance in reservation["Instances"]),
                                                key=lambda item: item["Placement"]["AvailabilityZone"])):
            self._seed_control_plane(store, seeded, index, instance)

    @staticmethod
    def _seed_worker(store, seeded: aws.SeededCluster, zone: str, instance: dict) -> None:
        """The installer's worker MachineSet of a zone with its Running Machine and Ready Node (the seeded instance)."""
        machineset = store.create(aws_machineset(
            name=f"{seeded.infra_id}-worker-{zone}", infra=seeded.infra_id, region=seeded.region, availability_zone=zone,
            ami=seeded.ami_id, instance_type=aws.WORKER_INSTANCE_TYPE, subnet_name=seeded.subnet_name("private", zone),
            security_group_names=[seeded.worker_sg_name],
        ))
        machine = machine_from_template(machineset, aws.worker_instance_name(seeded.infra_id, zone))
        machine["metadata"]["annotations"] = {"machine.openshift.io/instance-state": "running"}
        node = node_for(machine, instance)
        _create_with_status(store, machine, machine_status_running(instance, node["metadata"]["name"]))
        _create_with_status(store, node, node.pop("status"))
        running = {"replicas": 1, "fullyLabeledReplicas": 1, "readyReplicas": 1, "availableReplicas": 1, "observedGeneration": 1}
        machineset["status"] = running
        store.update_status(machineset)

    @staticmethod
    def _seed_control_plane(store, seeded: aws.SeededCluster, index: int, instance: dict) -> None:
        """A control-plane Machine (no MachineSet: the installer creates them directly) and its tainted Node."""
        zone = instance["Placement"]["AvailabilityZone"]
        template = aws_machineset(
            name=f"{seeded.infra_id}-master", infra=seeded.infra_id, region=seeded.region, availability_zone=zone,
            ami=seeded.ami_id, instance_type=instance["InstanceType"], subnet_name=seeded.subnet_name("private", zone),
            security_group_names=[seeded.control_plane_sg_name], role="master",
            taints=[{"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"}],
        )
        template["spec"]["template"]["metadata"]["labels"].pop(LABEL_MACHINESET)
        machine = machine_from_template(template, aws.control_plane_instance_name(seeded.infra_id, index))
        machine["metadata"].pop("ownerReferences")
        node = node_for(machine, instance)
        _create_with_status(store, machine, machine_status_running(instance, node["metadata"]["name"]))
        _create_with_status(store, node, node.pop("status"))

    # ------------------------------------------------------------------ controllers
    def start(self) -> None:
        """Start the reactor and every controller module's controllers (modules without ``build`` are skipped)."""
        self.reactor.start()
        self.controllers = []
        for module in _controller_modules():
            build = getattr(module, "build", None)
            if build is not None:
                self.controllers.extend(build(self))
        for controller in self.controllers:
            controller.start()

    def stop(self) -> None:
        for controller in self.controllers:
            controller.stop()
        self.reactor.stop()

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait until the controllers have nothing left to do (tests)."""
        return self.reactor.wait_idle(timeout)

    # ------------------------------------------------------------------ inventory
    def inventory(self) -> dict:
        """The Ansible inventory the lab writes (``inventory.yml``)."""
        state_dir = pathlib.Path(getattr(self.options, "state_dir", ".lab")).resolve()
        kubeconfig = str(state_dir / "kubeconfig")
        # Self-contained: the kubeconfig (absolute path) and the EC2 endpoint; each cluster's AWS keys are in its hub secret.
        common = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                  "acm_submariner_kubeconfig": kubeconfig, "acm_submariner_aws_endpoint_url": getattr(self.lab, "aws_endpoint", "") or ""}
        clusters = {}
        for context in self.contexts():
            name = self.cluster_for(context)
            clusters[name] = {
                **common, "acm_submariner_cluster_context": context, "acm_submariner_region": aws.DEFAULT_REGION,
                "acm_submariner_credentials_secret": f"{name}-aws-creds",
            }
        return {"all": {"children": {
            "acm_hub": {"hosts": {"hub": {**common, "acm_submariner_hub_context": HUB_CONTEXT}}},
            "managed_clusters": {"hosts": clusters},
        }}}


class LocalLab:
    """A lab without servers: one in-process Store per cluster, CRDs installed, EC2 from ``ec2_factory``.

    For tests of the world and the controllers (``mock_aws`` or a moto server behind the factory).
    """

    def __init__(self, options, ec2_factory, aws_endpoint: str = ""):
        from tests.lab.apiserver.store import Store  # pylint: disable=import-outside-toplevel
        self.options = options
        self.aws_endpoint = aws_endpoint
        self._ec2_factory = ec2_factory
        self.hub = Store(HUB_CONTEXT)
        self.spokes = {f"{CONTEXT_PREFIX}{index}": Store(f"{CONTEXT_PREFIX}{index}") for index in range(1, options.clusters + 1)}
        self.world = World(self)
        for store in [self.hub, *self.spokes.values()]:
            for crd in self.world.crds_for(store.name):
                store.create(crd)

    def ec2(self, region: str = aws.DEFAULT_REGION):
        return self._ec2_factory(region)


# ---------------------------------------------------------------------- builders
def _cluster_set(profile: profiles.Profile, name: str) -> dict:
    selector = {"selectorType": "LabelSelector", "labelSelector": {}} if name == "global" else {"selectorType": "ExclusiveClusterSetLabel"}
    return {"apiVersion": profile.cluster_set_api_version, "kind": "ManagedClusterSet", "metadata": {"name": name},
            "spec": {"clusterSelector": selector}}


def _secret(namespace: str, name: str, string_data: dict) -> dict:
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {"name": name, "namespace": namespace},
            "data": {key: base64.b64encode(value.encode()).decode() for key, value in string_data.items()}}


def _credentials(cluster: str) -> dict:
    """Keys moto accepts (any value); distinct per cluster so clients can tell which secret was used."""
    digest = hashlib.sha256(cluster.encode()).hexdigest().upper()
    return {"aws_access_key_id": f"AKIA{digest[:16]}", "aws_secret_access_key": hashlib.sha256(digest.encode()).hexdigest()[:40]}


def _cluster_deployment(name: str, seeded: aws.SeededCluster, cluster_id: str) -> dict:
    return {
        "apiVersion": "hive.openshift.io/v1", "kind": "ClusterDeployment",
        "metadata": {"name": name, "namespace": name,
                     "labels": {"hive.openshift.io/cluster-platform": "aws", "hive.openshift.io/cluster-region": seeded.region}},
        "spec": {
            "baseDomain": "lab.example.com", "clusterName": name, "installed": True,
            "clusterMetadata": {"clusterID": cluster_id, "infraID": seeded.infra_id,
                                "adminKubeconfigSecretRef": {"name": f"{name}-admin-kubeconfig"},
                                "adminPasswordSecretRef": {"name": f"{name}-admin-password"}},
            "platform": {"aws": {"credentialsSecretRef": {"name": f"{name}-aws-creds"}, "region": seeded.region}},
            "provisioning": {"installConfigSecretRef": {"name": f"{name}-install-config"}},
            "pullSecretRef": {"name": f"{name}-pull-secret"},
        },
    }


def _install_config(name, seeded, cluster_network, service_network, network_type) -> str:
    config = {
        "apiVersion": "v1", "baseDomain": "lab.example.com", "metadata": {"name": name},
        "networking": {"clusterNetwork": [{"cidr": cluster_network, "hostPrefix": 23}], "machineNetwork": [{"cidr": seeded.vpc_cidr}],
                       "networkType": network_type, "serviceNetwork": [service_network]},
        "platform": {"aws": {"region": seeded.region}},
        "compute": [{"name": "worker", "replicas": len(seeded.availability_zones), "platform": {"aws": {"type": aws.WORKER_INSTANCE_TYPE}}}],
        "controlPlane": {"name": "master", "replicas": 3},
    }
    return yaml.safe_dump(config, sort_keys=False)


def _ensure_namespace(store, name: str) -> None:
    if store.get("v1", "Namespace", name) is None:
        store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


def _create_with_status(store, obj: dict, status: dict) -> dict:
    """Create ``obj`` and give it ``status`` (through the status subresource when the kind has one)."""
    created = store.create({key: value for key, value in obj.items() if key != "status"})
    created["status"] = status
    rtype = store.resource_type(created["apiVersion"], created["kind"])
    if rtype.status_subresource:
        return store.update_status(created)
    return store.update(created)


def _load_crd(path: pathlib.Path) -> dict:
    """The CRD in ``path``; parsed once per process (the hub and every spoke share most files)."""
    return copy.deepcopy(_parse_crd(str(path)))


@functools.lru_cache(maxsize=None)
def _parse_crd(path: str) -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml parses the big CRDs ten times faster
    with open(path, encoding="utf-8") as stream:
        documents = [document for document in yaml.load_all(stream, Loader=loader) if document]  # nosec: a safe loader
    return documents[0]


def _ec2_client(endpoint: str, region: str, credentials: dict):
    import boto3  # pylint: disable=import-outside-toplevel
    return boto3.client("ec2", endpoint_url=endpoint or None, region_name=region, aws_access_key_id=credentials["aws_access_key_id"],
                        aws_secret_access_key=credentials["aws_secret_access_key"])


def _context_index(context: str) -> int:
    suffix = context[len(CONTEXT_PREFIX):]
    return int(suffix) if context.startswith(CONTEXT_PREFIX) and suffix.isdigit() else 0


def _controller_modules():
    package = importlib.import_module("tests.lab.controllers")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda item: item.name):
        if info.name in ("base", "cloud_prepare") or info.name.startswith("_"):
            continue
        try:
            yield importlib.import_module(f"tests.lab.controllers.{info.name}")
        except ImportError as error:
            LOG.warning("controller module %s not loaded: %s", info.name, error)


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
