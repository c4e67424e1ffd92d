"""The running lab: one API server per cluster, moto's EC2, the world, the request log, faults, admin endpoint."""

import dataclasses
import importlib
import importlib.util
import json
import logging
import os
import pathlib
import random
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import urllib.parse
import urllib.request

import yaml

from tests.lab import crds
from tests.lab import profiles
from tests.lab.apiserver import Store
from tests.lab.apiserver.server import DEFAULT_VERSION_INFO, ApiServer
from tests.lab.apiserver.tls import make_certificates, server_context

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
HUB_CONTEXT = "hubcluster"
PROFILES = ("acm-2.2", "acm-2.12")
NETWORK_TYPES = ("OVNKubernetes", "OpenShiftSDN")
OCP_NAMINGS = ("legacy", "capi")
AWS_REGION = "eu-west-1"
AWS_KEYS = {"AWS_ACCESS_KEY_ID": "AKIALABLABLABLAB0000", "AWS_SECRET_ACCESS_KEY": "lab-secret-access-key"}
# What ``--faults on`` means: noticeable, but a client with sane retries still gets through.
DEFAULT_FAULTS = "latency_ms=20,error_rate=0.05,conflict_rate=0.05,drop_rate=0.01"


def use_installer_ami_only(state_dir):
    """Make moto load only the installer AMI (``MOTO_AMIS_PATH``), in a process that owns its moto.

    moto builds ~1300 AMI objects for every region backend it creates (and again after each reset);
    the lab only ever runs instances from :data:`tests.lab.aws.INSTALLER_AMI_ID`. moto reads the
    variable when its EC2 models are imported, so this is a no-op once they are. Returns whether it
    took effect. Never call it in a shared process (pytest): ``mock_aws`` users expect moto's images.
    """
    if "moto.ec2.models.amis" in sys.modules or "MOTO_AMIS_PATH" in os.environ:
        return False
    from moto.utilities.utils import load_resource  # pylint: disable=import-outside-toplevel
    from tests.lab.aws import INSTALLER_AMI_ID  # pylint: disable=import-outside-toplevel
    images = [image for image in load_resource("ec2/resources/amis.json") if image["ami_id"] == INSTALLER_AMI_ID]
    if not images:
        return False
    path = pathlib.Path(state_dir) / "moto-amis.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(images), encoding="utf-8")
    os.environ["MOTO_AMIS_PATH"] = str(path)
    return True


def reset_moto(aws_endpoint):
    """Empty moto's backends through its server (they are global to the process, shared with ``mock_aws``)."""
    request = urllib.request.Request(aws_endpoint + "/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=30):  # nosec: the lab's own loopback moto server
        pass


def _sorted_by(items, key):
    """EC2 items sorted by their id, their ``Tags`` by key (moto keeps neither order stable)."""
    ordered = []
    for item in sorted(items, key=lambda entry: entry[key]):
        if item.get("Tags"):
            item = dict(item, Tags=sorted(item["Tags"], key=lambda tag: tag["Key"]))
        ordered.append(item)
    return ordered


def is_discovery(path):
    """Whether ``path`` is /version, /openapi or an API discovery document (faults leave these alone)."""
    parts = path.strip("/").split("/")
    return parts[0] in ("version", "openapi") or parts in (["api"], ["apis"], ["api", "v1"]) or (parts[0] == "apis" and len(parts) <= 3)


def default_crds_dir():
    return crds.default_dir()


@dataclasses.dataclass(frozen=True)
class Fault:
    """What to do to one HTTP request: wait ``delay`` seconds, then answer ``status`` or drop the connection."""

    delay: float = 0.0
    status: int | None = None
    drop: bool = False


@dataclasses.dataclass
class Faults:
    """Fault injection rates for HTTP requests (discovery excluded); all zero means off."""

    latency_ms: float = 0.0
    error_rate: float = 0.0      # 500 / 503 / 429
    conflict_rate: float = 0.0   # 409 on writes
    drop_rate: float = 0.0       # connection closed without an answer
    seed: int | None = None

    def __post_init__(self):
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, text):
        """``off``, ``on`` or ``key=value,...`` with the field names above."""
        text = (text or "off").strip()
        if text == "off":
            return cls()
        if text == "on":
            text = DEFAULT_FAULTS
        values = {}
        fields = {field.name: field.type for field in dataclasses.fields(cls)}
        for item in text.split(","):
            key, sep, value = item.partition("=")
            key = key.strip()
            if not sep or key not in fields:
                raise ValueError("unknown fault setting %r (expected off, on or %s)" % (item, ", ".join("%s=N" % f for f in fields)))
            values[key] = int(value) if key == "seed" else float(value)
        return cls(**values)

    @property
    def enabled(self):
        return any((self.latency_ms, self.error_rate, self.conflict_rate, self.drop_rate))

    def as_dict(self):
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}

    def as_text(self):
        """What ``parse`` reads back: ``off`` or ``key=value,...``."""
        if not self.enabled:
            return "off"
        return ",".join("%s=%s" % (key, value) for key, value in self.as_dict().items() if value is not None)

    def decide(self, request):
        """The Fault for one request, or None to serve it normally."""
        if not self.enabled or is_discovery(request.path):
            return None
        with self._lock:
            roll = self._random.random()
            pick = self._random.random()
        delay = self.latency_ms / 1000.0
        if roll < self.drop_rate:
            return Fault(delay, drop=True)
        roll -= self.drop_rate
        if roll < self.error_rate:
            return Fault(delay, status=500 if pick < 0.4 else 503 if pick < 0.7 else 429)
        roll -= self.error_rate
        if request.is_write and roll < self.conflict_rate:
            return Fault(delay, status=409)
        return Fault(delay) if delay else None


@dataclasses.dataclass
class LabOptions:
    """How a lab is shaped (see ``python -m tests.lab up --help``)."""

    profile: str = "acm-2.12"
    clusters: int = 2
    overlap: bool = False
    network_type: str | None = None  # None: the profile's era (OpenShiftSDN on acm-2.2, OVNKubernetes on acm-2.12)
    ocp_naming: str = "legacy"
    time_scale: float = 3.0
    faults: Faults = dataclasses.field(default_factory=Faults)
    state_dir: pathlib.Path = dataclasses.field(default_factory=lambda: REPO_ROOT / ".lab")
    crds_dir: pathlib.Path = dataclasses.field(default_factory=default_crds_dir)
    # A named kindness: schema-less stand-ins (tests/lab/crds_builtin) for missing upstream CRDs, so
    # nothing is validated or pruned. Off: a missing CRD file stops the lab (tests/lab/crds.py).
    builtin_crds: bool = False
    world: bool = True
    # A kindness upstream lacks, for tests that pin the legacy behaviour only: the hub keeps the
    # ManagedClusterAddOn finalizer until the spoke reported its cloud clean-up. Upstream removes it
    # once the ManifestWork is gone (stolostron/submariner-addon release-2.12
    # pkg/hub/submarineragent/controller.go, cleanUpSubmarinerAgent).
    addon_finalizer_waits_for_spoke: bool = False

    def __post_init__(self):
        if self.profile not in PROFILES:
            raise ValueError("profile must be one of %s, not %r" % (", ".join(PROFILES), self.profile))
        if self.network_type is None:
            self.network_type = profiles.get(self.profile).default_network_type
        if self.network_type not in NETWORK_TYPES:
            raise ValueError("network_type must be one of %s, not %r" % (", ".join(NETWORK_TYPES), self.network_type))
        if self.ocp_naming not in OCP_NAMINGS:
            raise ValueError("ocp_naming must be one of %s, not %r" % (", ".join(OCP_NAMINGS), self.ocp_naming))
        if not 1 <= int(self.clusters) <= 50:
            raise ValueError("clusters must be between 1 and 50")
        if isinstance(self.faults, str):
            self.faults = Faults.parse(self.faults)
        self.clusters = int(self.clusters)
        self.time_scale = float(self.time_scale)
        self.state_dir = pathlib.Path(self.state_dir).resolve()
        self.crds_dir = pathlib.Path(self.crds_dir)

    def as_dict(self):
        data = dataclasses.asdict(self)
        data.update(faults=self.faults.as_dict(), state_dir=str(self.state_dir), crds_dir=str(self.crds_dir))
        return data


class RequestLog:
    """Every HTTP request any of the lab's API servers answered, in memory and in ``requests.jsonl``.

    Requests are numbered as they arrive (``sequence``) and logged once answered, so a watch that
    began before ``mark()`` and ends after it is not counted ``since(mark)``.
    """

    def __init__(self, path):
        self.path = pathlib.Path(path)
        self.records = []
        self._started = 0
        self._lock = threading.Lock()
        self._file = open(self.path, "a", encoding="utf-8", buffering=1)  # pylint: disable=consider-using-with

    def start(self):
        """The sequence number of a request that just arrived."""
        with self._lock:
            return self._next_sequence()

    def _next_sequence(self):
        """The next sequence number; the caller holds the lock."""
        self._started += 1
        return self._started - 1

    def append(self, record):
        with self._lock:
            record["index"] = len(self.records)
            if record.get("sequence") is None:
                record["sequence"] = self._next_sequence()
            self.records.append(record)
            if self._file is not None:
                self._file.write(json.dumps(record, separators=(",", ":")) + "\n")

    def mark(self):
        """A sequence number to count requests from (``since(mark)``): the requests that arrive after it."""
        with self._lock:
            return self._started

    def since(self, mark=0, cluster=None, mutating=None):
        with self._lock:
            found = list(self.records)
        return [r for r in found if r["sequence"] >= mark and (cluster is None or r["cluster"] == cluster)
                and (mutating is None or r["mutating"] == mutating)]

    def mutating_since(self, mark=0, cluster=None):
        """The requests since ``mark`` that changed something (a no-op PATCH or a dry run is a write, not a mutation)."""
        return self.since(mark, cluster, mutating=True)

    def close(self):
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


class Lab:
    """A hub and N managed clusters on loopback HTTPS, moto's EC2, and the world that animates them."""

    def __init__(self, options=None):
        self.options = options or LabOptions()
        self.state_dir = self.options.state_dir
        self.hub = None
        self.spokes = {}
        self.servers = {}
        self.tokens = {}
        self.world = None
        self.aws_endpoint = None
        self.admin_url = None
        self.admin_token = secrets.token_urlsafe(24)
        self.requests = None
        self._moto = None
        self._admin = None
        self._started = False
        self._ec2_clients = {}
        self._clients_lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle
    def start(self):
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.requests = RequestLog(self.state_dir / "requests.jsonl")
        try:
            context = self._write_certificates()
            self._create_stores()
            self._start_moto()
            self._create_world()
            self._bind_servers(context)
            self._seed_world()
            for server in self.servers.values():
                server.start()
            if self.world is not None:
                self.world.start()
            self._start_admin()
            self._write_files()
            self._started = True
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        if self.world is not None:
            try:
                self.world.stop()
            finally:
                self.world = None
        for server in self.servers.values():
            server.stop()
        self.servers = {}
        if self._admin is not None:
            self._admin.shutdown()
            self._admin.server_close()
            self._admin = None
        if self._moto is not None:
            try:
                reset_moto(self.aws_endpoint)  # leave no EC2 state to whoever uses moto in this process next
            finally:
                self._moto.stop()
                self._moto = None
        if self.requests is not None:
            self.requests.close()
        self._started = False

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # ------------------------------------------------------------------ clusters
    @property
    def contexts(self):
        """Every context: the hub first, then cluster1..N."""
        return [HUB_CONTEXT] + list(self.spokes)

    def store(self, context):
        return self.hub if context == HUB_CONTEXT else self.spokes[context]

    def server_url(self, context):
        return self.servers[context].url

    @property
    def kubeconfig(self):
        return self.state_dir / "kubeconfig"

    @property
    def ca_file(self):
        return self.state_dir / "ca.crt"

    def ec2(self, region=AWS_REGION):
        """A boto3 EC2 client on the moto server with the lab's dummy keys (one per region, boto3 clients are thread-safe)."""
        with self._clients_lock:
            if region not in self._ec2_clients:
                self._ec2_clients[region] = self._new_ec2_client(region)
            return self._ec2_clients[region]

    def _new_ec2_client(self, region):
        import boto3  # pylint: disable=import-outside-toplevel
        return boto3.client("ec2", region_name=region, endpoint_url=self.aws_endpoint, aws_access_key_id=AWS_KEYS["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=AWS_KEYS["AWS_SECRET_ACCESS_KEY"])

    def issue_token(self, context, identity):
        """A new bearer token that ``context``'s API server authenticates as ``identity`` (a tests.lab.apiserver.rbac.Identity).

        What a request may then do is decided by the RBAC objects in that cluster's store. A ServiceAccount
        identity's token works only while the ServiceAccount exists, as a ServiceAccount token does.
        """
        token = secrets.token_urlsafe(24)
        self.servers[context].add_token(token, identity)
        return token

    def set_faults(self, faults):
        self.options.faults = faults if isinstance(faults, Faults) else Faults.parse(faults)

    # ------------------------------------------------------------------ dump
    def dump(self):
        """Every object of every cluster and the EC2 state, as plain JSON-able data."""
        return {"clusters": {context: self.store(context).dump() for context in self.contexts}, "ec2": self.ec2_state()}

    def ec2_state(self, region=AWS_REGION):
        """EC2 as ``dump`` shows it: AWS-shaped lists sorted by id (stable between calls), plus ``snapshot``.

        ``snapshot`` is :func:`tests.lab.aws.snapshot`: normalised and sorted, without terminated
        instances, so residue checks can compare two states with ``==``.
        """
        from tests.lab import aws  # pylint: disable=import-outside-toplevel
        ec2 = self.ec2(region)
        instances = [i for r in aws.paginate(ec2, "describe_instances", "Reservations") for i in r["Instances"]]
        instance_keys = ("InstanceId", "InstanceType", "State", "PrivateIpAddress", "SubnetId", "VpcId", "Tags", "SecurityGroups", "Placement")
        return {
            "vpcs": _sorted_by(ec2.describe_vpcs()["Vpcs"], "VpcId"),
            "subnets": _sorted_by(aws.paginate(ec2, "describe_subnets", "Subnets"), "SubnetId"),
            "security_groups": _sorted_by(aws.paginate(ec2, "describe_security_groups", "SecurityGroups"), "GroupId"),
            "security_group_rules": _sorted_by(aws.paginate(ec2, "describe_security_group_rules", "SecurityGroupRules"), "SecurityGroupRuleId"),
            "instances": _sorted_by([{key: instance.get(key) for key in instance_keys} for instance in instances], "InstanceId"),
            "snapshot": aws.snapshot(ec2),
        }

    def status(self):
        return {
            "pid": os.getpid(),
            "options": self.options.as_dict(),
            "clusters": {context: {"url": self.server_url(context), "objects": sum(len(v) for v in self.store(context).dump().values())}
                         for context in self.contexts},
            "aws_endpoint": self.aws_endpoint,
            "requests": self.requests.mark() if self.requests else 0,
            "world": self.world is not None,
        }

    # ------------------------------------------------------------------ start steps
    def _write_certificates(self):
        ca_pem, cert_pem, key_pem = make_certificates()
        (self.state_dir / "ca.crt").write_bytes(ca_pem)
        cert_file = self.state_dir / "apiserver.crt"
        key_file = self.state_dir / "apiserver.key"
        cert_file.write_bytes(cert_pem)
        key_file.touch(mode=0o600)
        key_file.write_bytes(key_pem)
        return server_context(str(cert_file), str(key_file))

    def _create_stores(self):
        self.hub = Store(HUB_CONTEXT)
        self.spokes = {"cluster%d" % index: Store("cluster%d" % index) for index in range(1, self.options.clusters + 1)}
        for context in self.contexts:
            self.tokens[context] = {"admin": secrets.token_urlsafe(24), "readonly": secrets.token_urlsafe(24)}

    def _start_moto(self):
        from moto.server import ThreadedMotoServer  # pylint: disable=import-outside-toplevel
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.aws_endpoint = "http://%s:%d" % (host, port)
        # moto's backends live in this process: start from an empty account even if an earlier lab ran here.
        reset_moto(self.aws_endpoint)

    def _world_class(self):
        if not self.options.world or importlib.util.find_spec("tests.lab.world") is None:
            return None
        return getattr(importlib.import_module("tests.lab.world"), "World", None)

    def _create_world(self):
        world_class = self._world_class()
        if world_class is not None:
            self.world = world_class(self)

    def _seed_world(self):
        """Install each cluster's CRDs and seed the world while the servers do not serve yet (their URLs are known)."""
        if self.world is None:
            return
        for context in self.contexts:
            store = self.store(context)
            for crd in self.world.crds_for(context):
                store.create(crd)
        self.world.seed()

    def _version_info(self):
        info = dict(DEFAULT_VERSION_INFO)
        if self.world is not None:
            module = sys.modules.get(type(self.world).__module__)
            versions = getattr(module, "KUBERNETES_VERSION", {})
            ocp = getattr(self.world, "ocp_version", lambda: "")()
            git_version = versions.get(".".join(ocp.split(".")[:2]))
            if git_version:
                major, minor = git_version.lstrip("v").split(".")[:2]
                info.update(major=major, minor=minor, gitVersion=git_version)
        return info

    def _bind_servers(self, context):
        version_info = self._version_info()
        for name in self.contexts:
            tokens = {self.tokens[name]["admin"]: "admin", self.tokens[name]["readonly"]: "readonly"}
            self.servers[name] = ApiServer(self.store(name), tokens, context, version_info=version_info, faults=self._fault_for,
                                           on_request=self.requests.append, on_request_start=self.requests.start)

    def _fault_for(self, request):
        return self.options.faults.decide(request)

    def _start_admin(self):
        lab = self

        class AdminHandler(_AdminHandler):
            pass

        AdminHandler.lab = lab
        self._admin = ThreadingHTTPServer(("127.0.0.1", 0), AdminHandler)
        self._admin.daemon_threads = True
        threading.Thread(target=self._admin.serve_forever, kwargs={"poll_interval": 0.2}, name="lab-admin", daemon=True).start()
        self.admin_url = "http://127.0.0.1:%d" % self._admin.server_address[1]

    # ------------------------------------------------------------------ files
    def _write_files(self):
        (self.state_dir / "kubeconfig").write_text(yaml.safe_dump(self.kubeconfig_dict(), sort_keys=False), encoding="utf-8")
        os.chmod(self.state_dir / "kubeconfig", 0o600)
        env = dict(AWS_KEYS, AWS_ENDPOINT_URL=self.aws_endpoint, AWS_REGION=AWS_REGION, AWS_DEFAULT_REGION=AWS_REGION)
        (self.state_dir / "aws.env").write_text("".join("%s=%s\n" % item for item in env.items()), encoding="utf-8")
        if self.world is not None and hasattr(self.world, "inventory"):
            (self.state_dir / "inventory.yml").write_text(yaml.safe_dump(self.world.inventory(), sort_keys=False), encoding="utf-8")
        self.write_lab_json(os.getpid())

    def write_lab_json(self, pid):
        info = {
            "pid": pid,
            "started": time.time(),
            "options": self.options.as_dict(),
            "admin_url": self.admin_url,
            "admin_token": self.admin_token,
            "aws_endpoint": self.aws_endpoint,
            "clusters": {context: {"url": self.server_url(context), "port": self.servers[context].port} for context in self.contexts},
        }
        path = self.state_dir / "lab.json"
        path.touch(mode=0o600)
        path.write_text(json.dumps(info, indent=2), encoding="utf-8")

    def kubeconfig_with_tokens(self, tokens):
        """A kubeconfig (dict) with one context per ``{context: token}``, named like the lab's own, for tokens of ``issue_token``."""
        ca = str(self.ca_file)
        return {"apiVersion": "v1", "kind": "Config", "preferences": {},
                "clusters": [{"name": c, "cluster": {"server": self.server_url(c), "certificate-authority": ca}} for c in tokens],
                "users": [{"name": c + "-user", "user": {"token": token}} for c, token in tokens.items()],
                "contexts": [{"name": c, "context": {"cluster": c, "user": c + "-user", "namespace": "default"}} for c in tokens],
                "current-context": next(iter(tokens))}

    def kubeconfig_dict(self):
        ca = str(self.ca_file)
        clusters, users, contexts = [], [], []
        for context in self.contexts:
            clusters.append({"name": context, "cluster": {"server": self.server_url(context), "certificate-authority": ca}})
            for kind, suffix in (("admin", ""), ("readonly", "-readonly")):
                user = "%s-%s" % (context, kind)
                users.append({"name": user, "user": {"token": self.tokens[context][kind]}})
                contexts.append({"name": context + suffix, "context": {"cluster": context, "user": user, "namespace": "default"}})
        return {"apiVersion": "v1", "kind": "Config", "preferences": {}, "clusters": clusters, "users": users, "contexts": contexts,
                "current-context": HUB_CONTEXT}


class _AdminHandler(BaseHTTPRequestHandler):
    """Loopback control of a running lab: ready, status, dump, requests, faults (bearer token from lab.json)."""

    lab = None
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Quiet: the admin endpoint is not part of the request log."""

    def _authorized(self):
        return secrets.compare_digest(self.headers.get("Authorization", ""), "Bearer " + self.lab.admin_token)

    def _send(self, code, body):
        data = json.dumps(body, default=str).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if not self._authorized():
            return self._send(401, {"error": "unauthorized"})
        split = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(split.query)
        lab = self.lab
        if split.path == "/ready":
            return self._send(200, {"ready": lab._started})  # pylint: disable=protected-access
        if split.path == "/status":
            return self._send(200, lab.status())
        if split.path == "/dump":
            return self._send(200, lab.dump())
        if split.path == "/requests":
            since = int((query.get("since") or ["0"])[0])
            return self._send(200, {"next": lab.requests.mark(), "requests": lab.requests.since(since)})
        if split.path == "/faults":
            return self._send(200, lab.options.faults.as_dict())
        return self._send(404, {"error": "not found"})

    def do_POST(self):
        if not self._authorized():
            return self._send(401, {"error": "unauthorized"})
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if self.path == "/faults":
            try:
                self.lab.set_faults(body or "off")
            except (ValueError, TypeError) as exc:
                return self._send(400, {"error": str(exc)})
            return self._send(200, self.lab.options.faults.as_dict())
        return self._send(404, {"error": "not found"})
