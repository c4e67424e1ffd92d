# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The module side of acm.submariner.aws_cloud_prepare, aws_cloud_prepare_info and aws_preflight_info: their shared options,
the EC2 client of the cluster's region, and how AWS and plan errors fail the task.
The work itself is aws_cloud_prepare_runner's."""

from __future__ import annotations

import concurrent.futures

from ansible.module_utils.basic import _load_params
from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.acm.submariner.plugins.module_utils import aws_cloud_prepare as cp
from ansible_collections.acm.submariner.plugins.module_utils.aws_cloud_prepare_runner import Options, cleanup, inspect, prepare
from ansible_collections.acm.submariner.plugins.module_utils.aws_ec2 import ClusterEC2
from ansible_collections.acm.submariner.plugins.module_utils.aws_errors import classify
from ansible_collections.acm.submariner.plugins.module_utils.validation import aws_keys_problem, option_problems, repeated_clusters_problem

# The task's own words for the credentials (amazon.aws.common's names and aliases); anything else the module has
# came from the environment (AWS_ACCESS_KEY_ID, AWS_PROFILE...) through the options' env fallback.
_GIVEN_NAMES = {
    "access_key": ("access_key", "aws_access_key_id", "aws_access_key", "ec2_access_key"),
    "secret_key": ("secret_key", "aws_secret_access_key", "aws_secret_key", "ec2_secret_key"),
    "profile": ("profile", "aws_profile"),
}


def hidden_access_key_spec():
    """amazon.aws's ``access_key`` option (its aliases and env fallback) with ``no_log``.

    amazon.aws logs the access key ID (``no_log=False``); this collection prints no AWS key at any verbosity,
    in no job event, so the modules' invocation shows it as ``VALUE_SPECIFIED_IN_NO_LOG_PARAMETER``.
    """
    return dict(aws_argument_spec()["access_key"], no_log=True)


def cluster_argument_spec():
    """The options both modules take: which cluster, where its network is, and the gateway ports to plan."""
    return dict(
        access_key=hidden_access_key_spec(),
        infra_id=dict(type="str", required=True),
        gateways=dict(type="int", default=1),
        instance_type=dict(type="str", default=cp.DEFAULT_INSTANCE_TYPE),
        port_profile=dict(type="str", choices=list(cp.PORT_PROFILES), default=cp.PROFILE_CURRENT),
        nat_t_port=dict(type="int", default=cp.DEFAULT_NAT_T_PORT),
        nat_discovery_port=dict(type="int", default=cp.DEFAULT_NAT_DISCOVERY_PORT),
        vxlan_port=dict(type="int", default=cp.DEFAULT_VXLAN_PORT),
        network_type=dict(type="str"),
        vpc_id=dict(type="str"),
        subnet_ids=dict(type="list", elements="str"),
        worker_security_group_id=dict(type="str"),
        control_plane_security_group_id=dict(type="str"),
    )


def given_credentials(raw_args):
    """The credentials the task itself gave (not filled in from the environment): name -> value."""
    return {name: next((raw_args[alias] for alias in aliases if raw_args.get(alias)), None) for name, aliases in _GIVEN_NAMES.items()}


def refuse_bad_options(module):
    """Fail before any AWS call on out-of-range ports or gateways, or on credentials the task did not give."""
    params = module.params
    problems = option_problems({key: params.get(key) for key in ("nat_t_port", "nat_discovery_port", "vxlan_port", "gateways")})
    given = given_credentials(_load_params())
    keys = aws_keys_problem(given["access_key"], given["secret_key"], given["profile"])
    if keys:
        problems.append(keys)
    if problems:
        module.fail_json(msg="cluster {0}: {1}; nothing was sent to AWS.".format(params["infra_id"], "; ".join(problems)), problems=problems)


def run_on_cluster(module, action):
    """Exit ``module`` (an AnsibleAWSModule) with ``action(ec2, options)``; AWS and plan errors fail it."""
    refuse_bad_options(module)
    if not module.region:
        module.fail_json(msg=f"cluster {module.params['infra_id']}: the cluster region is empty; set region or AWS_REGION")
    options = Options.from_params(module.params, module.region)
    ec2 = ClusterEC2(module.client("ec2", retry_decorator=AWSRetry.jittered_backoff()), options.infra_id, options.region)
    try:
        result = action(ec2, options)
    except AnsibleAWSError as exc:
        fail_aws(module, exc, options.region)
    except cp.CloudPrepareError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


def fail_aws(module, error, region):
    """Fail with what the AWS error means (aws_errors.classify): what failed, the kind and code, what to do."""
    if error.exception is None:
        module.fail_json(msg=error.message)
    failure = classify(error.exception, region)
    response = getattr(error.exception, "response", None) or {}
    # The SDK versions too, as AnsibleAWSModule.fail_json_aws reports them.
    versions = getattr(module, "_gather_versions", dict)()
    module.fail_json(msg=failure.message(f"{error.message} in region {region}"), aws_error=failure.to_dict(),
                     **versions, **camel_dict_to_snake_dict(response))


def prepare_or_clean_up(module):
    """acm.submariner.aws_cloud_prepare: open (V(present)) or remove (V(absent)) the cluster's gateway network."""
    run = prepare if module.params["state"] == "present" else cleanup

    def action(ec2, options):
        result = run(ec2, options, module.check_mode)
        if not module._diff:
            result.pop("diff")
        return result

    run_on_cluster(module, action)


def report_network(module):
    """acm.submariner.aws_cloud_prepare_info: what the cluster's gateway network has and lacks; changes nothing."""
    run_on_cluster(module, lambda ec2, options: dict(inspect(ec2, options), changed=False))


# --- aws_preflight_info: every cluster's AWS network at once --------------------------------------

# A run covers a handful of clusters to a few dozen; EC2 round trips overlap, more threads only queue.
MAX_CONCURRENT_CLUSTERS = 8


def preflight_cluster_spec():
    """One entry of aws_preflight_info's ``clusters``."""
    return dict(
        name=dict(type="str", required=True),
        infra_id=dict(type="str", required=True),
        region=dict(type="str", required=True),
        access_key=dict(type="str", required=True, no_log=True),
        secret_key=dict(type="str", required=True, no_log=True),
        endpoint_url=dict(type="str"),
        vpc_id=dict(type="str"),
        subnet_ids=dict(type="list", elements="str"),
        instance_type=dict(type="str", default=cp.DEFAULT_INSTANCE_TYPE),
    )


def cluster_client(module, entry):
    """The cluster's EC2 client, with its own keys only (no session token, profile or key of the module's environment)."""
    return module.client("ec2", retry_decorator=AWSRetry.jittered_backoff(), region=entry["region"],
                         endpoint=entry.get("endpoint_url") or None, aws_access_key_id=entry["access_key"],
                         aws_secret_access_key=entry["secret_key"], aws_session_token=None, profile_name=None)


def inspection_of(module, entry):
    """``((ec2, options), None)`` to inspect the cluster with, or ``(None, why not)``; called one cluster after the other."""
    problem = aws_keys_problem(entry["access_key"], entry["secret_key"])
    if not problem and not entry["region"]:
        problem = "the cluster region is empty; set acm_submariner_region"
    if problem:
        return None, problem
    options = Options(infra_id=entry["infra_id"], region=entry["region"], instance_type=entry["instance_type"],
                      vpc_id=entry.get("vpc_id") or None, subnet_ids=tuple(entry.get("subnet_ids") or ()))
    return (ClusterEC2(cluster_client(module, entry), options.infra_id, options.region), options), None


def _inspect_or_error(ec2, options):
    try:
        return dict(inspect(ec2, options), error=None)
    except AnsibleAWSError as exc:
        if exc.exception is None:
            return {"error": exc.message}
        return {"error": classify(exc.exception, options.region).message(f"{exc.message} in region {options.region}")}
    except cp.CloudPrepareError as exc:
        return {"error": str(exc)}


def inspect_clusters(module):
    """acm.submariner.aws_preflight_info: every cluster's VPC, subnets and instance type offerings; changes nothing.

    The clients are built one after the other (a client that cannot be built fails the task); the inspections run
    in threads.
    """
    entries = module.params["clusters"]
    repeated = repeated_clusters_problem([entry["name"] for entry in entries])
    if repeated:
        module.fail_json(msg="{0}. Nothing was sent to AWS.".format(repeated))
    answers, pending = {}, {}
    for entry in entries:
        target, problem = inspection_of(module, entry)
        if target is None:
            answers[entry["name"]] = {"error": problem}
        else:
            pending[entry["name"]] = target
    if pending:
        with concurrent.futures.ThreadPoolExecutor(max_workers=min(MAX_CONCURRENT_CLUSTERS, len(pending))) as pool:
            futures = {name: pool.submit(_inspect_or_error, *target) for name, target in pending.items()}
        answers.update((name, future.result()) for name, future in futures.items())
    module.exit_json(changed=False, clusters=answers)
