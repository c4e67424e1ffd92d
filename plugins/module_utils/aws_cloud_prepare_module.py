# -*- coding: utf-8 -*-
# Copyright: acm.submariner contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The module side of acm.submariner.aws_cloud_prepare and aws_cloud_prepare_info: their shared options,
the EC2 client of the cluster's region, and how AWS and plan errors fail the task.
The work itself is aws_cloud_prepare_runner's."""

from __future__ import annotations

from ansible.module_utils.basic import _load_params
from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.acm.submariner.plugins.module_utils import aws_cloud_prepare as cp
from ansible_collections.acm.submariner.plugins.module_utils.aws_cloud_prepare_runner import Options, cleanup, inspect, prepare
from ansible_collections.acm.submariner.plugins.module_utils.aws_ec2 import ClusterEC2
from ansible_collections.acm.submariner.plugins.module_utils.aws_errors import classify
from ansible_collections.acm.submariner.plugins.module_utils.validation import aws_keys_problem, option_problems

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
