"""aap/ as an administrator applies it (docs/aap.md): loaded by Ansible, checked by AWX's rules.

Ansible templates every string of a vars file when it is used, so the files are loaded the way
aap/configure.yml loads them (``vars_files``, undefined variables are errors) and read back after
rendering; the credential types' injector templates must arrive as written, for the controller to
render at job time. Then what AWX would refuse is checked with AWX's own rules, cited below from
github:ansible/awx at e21dd0a093:

- awx/main/fields.py ``CredentialTypeInjectorField.validate``: injector templates render with
  StrictUndefined over the defined input fields and ``tower.filename``; ``validate_env_var_allowed``
  refuses ``ANSIBLE_*`` and awx/main/constants.py ``ENV_BLOCKLIST``.
- awx/api/views/__init__.py ``JobTemplateSurveySpec._validate_spec_data`` with
  awx/main/constants.py ``SURVEY_TYPE_MAPPING``: survey spec shape, question fields and defaults.
- awx_collection/plugins/modules/job_template.py (and the other modules): option names and choices,
  read with ``ansible-doc`` when the awx.awx collection is installed (it is not on PyPI; set
  ACM_SUBMARINER_AAP_COLLECTIONS to a collections folder holding awx.awx and
  infra.aap_configuration to run those checks and aap/configure.yml in check mode).
"""

import json
import os
import pathlib
import subprocess
import sys
import sysconfig

import jinja2
import pytest
import yaml
from jinja2 import sandbox

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
AAP = REPO_ROOT / "aap"
PLAYBOOK = AAP / "configure.yml"
EXTRA_COLLECTIONS = os.environ.get("ACM_SUBMARINER_AAP_COLLECTIONS", "")

# awx/main/constants.py
ENV_BLOCKLIST = frozenset((
    "VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID", "INVENTORY_UPDATE_ID",
    "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN", "MAX_EVENT_RES", "CALLBACK_QUEUE", "CALLBACK_CONNECTION",
    "CACHE", "JOB_CALLBACK_DEBUG", "INVENTORY_HOSTVARS", "AWX_HOST", "PROJECT_REVISION", "SUPERVISOR_CONFIG_PATH"))
SURVEY_TYPE_MAPPING = {"text": str, "textarea": str, "password": str, "multiplechoice": str, "multiselect": str,
                       "integer": int, "float": (float, int)}


class _TagLoader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
    """Reads the top-level names of a vars file; Ansible's tags are irrelevant for that."""


_TagLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))
_TagLoader.add_constructor("!vault", lambda loader, node: loader.construct_scalar(node))


def vars_files():
    return sorted(path for path in AAP.glob("*.yml") if path != PLAYBOOK)


def ansible_env(tmp_path, collections=""):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "K8S_AUTH_", "AWS_"))}
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": os.pathsep.join(filter(None, [collections, str(REPO_ROOT / "build"),
                                                                  sysconfig.get_paths()["purelib"]])),
        "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-local"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
    })
    return env


def ansible_playbook(tmp_path, *args, collections=""):
    command = [str(pathlib.Path(sys.executable).with_name("ansible-playbook")), "-i", "localhost,", "-c", "local",
               "-e", "ansible_python_interpreter=%s" % sys.executable, *[str(arg) for arg in args]]
    return subprocess.run(command, env=ansible_env(tmp_path, collections), cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.fixture(name="aap_vars", scope="module")
def aap_vars_fixture(tmp_path_factory):
    """Every variable of aap/*.yml, loaded with vars_files and fully rendered by Ansible, as the
    infra.aap_configuration roles render them when they loop over them."""
    work = tmp_path_factory.mktemp("aap-vars")
    names = [name for path in vars_files() for name in yaml.load(path.read_text(encoding="utf-8"), Loader=_TagLoader)]
    output = work / "rendered.json"
    playbook = work / "load.yml"
    playbook.write_text(yaml.safe_dump([{
        "name": "Load aap/ as aap/configure.yml does",
        "hosts": "localhost",
        "gather_facts": False,
        "vars_files": [str(path) for path in vars_files()],
        "tasks": [{"name": "Render every variable", "ansible.builtin.copy": {
            "dest": str(output), "mode": "0600",
            "content": "{{ {%s} | to_json }}" % ", ".join("%r: %s" % (name, name) for name in names)}}],
    }]), encoding="utf-8")
    completed = ansible_playbook(work, playbook)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return json.loads(output.read_text(encoding="utf-8"))


def test_configure_playbook_loads_every_file():
    play = yaml.load(PLAYBOOK.read_text(encoding="utf-8"), Loader=_TagLoader)[0]
    assert sorted(play["vars_files"]) == sorted(path.name for path in vars_files())


def test_injector_templates_reach_the_controller_unrendered(aap_vars):
    types = {item["name"]: item for item in aap_vars["controller_credential_types"]}
    kubeconfig = types["ACM Submariner multi-cluster kubeconfig"]["injectors"]
    assert kubeconfig["file"] == {"template.kubeconfig": "{{ kubeconfig }}"}
    assert kubeconfig["env"] == {"ACM_SUBMARINER_KUBECONFIG": "{{ tower.filename.kubeconfig }}",
                                 "ACM_SUBMARINER_HUB_CONTEXT": "{{ hub_context }}"}
    aws = types["ACM Submariner AWS keys"]["injectors"]
    assert aws["extra_vars"] == {"acm_submariner_aws_access_key_id": "{{ aws_access_key_id }}",
                                 "acm_submariner_aws_secret_access_key": "{{ aws_secret_access_key }}"}
    # The inventory's interpreter is for the job to render, too.
    inventory = aap_vars["controller_inventories"][0]
    assert inventory["variables"]["ansible_python_interpreter"] == "{{ ansible_playbook_python }}"


def test_references_between_objects_resolve(aap_vars):
    """Every name an object refers to is an object of aap/ (or, for credential types, a custom one)."""
    organization = aap_vars["aap_organizations"][0]["name"]
    credential_types = {item["name"] for item in aap_vars["controller_credential_types"]}
    credentials = {item["name"] for item in aap_vars["controller_credentials"]}
    projects = {item["name"] for item in aap_vars["controller_projects"]}
    environments = {item["name"] for item in aap_vars["controller_execution_environments"]}
    inventories = {item["name"] for item in aap_vars["controller_inventories"]}
    hosts = {item["name"] for item in aap_vars["controller_hosts"]}
    templates = {item["name"] for item in aap_vars["controller_templates"]}
    assert "{{" not in json.dumps({key: value for key, value in aap_vars.items() if key != "controller_credential_types"}
                                  ).replace("{{ ansible_playbook_python }}", "")

    assert {item["credential_type"] for item in aap_vars["controller_credentials"]} <= credential_types
    for item in [*aap_vars["controller_credentials"], *aap_vars["controller_projects"], *aap_vars["controller_inventories"],
                 *aap_vars["controller_execution_environments"], *aap_vars["controller_templates"], *aap_vars["controller_workflows"]]:
        assert item["organization"] == organization, item["name"]
    assert {item["default_environment"] for item in aap_vars["controller_projects"]} <= environments
    assert {item["inventory"] for item in [*aap_vars["controller_hosts"], *aap_vars["controller_groups"]]} <= inventories
    groups = {group["name"]: set(group["hosts"]) for group in aap_vars["controller_groups"]}
    assert set(groups) == {"acm_hub", "managed_clusters"}
    assert len(groups["acm_hub"]) == 1 and groups["acm_hub"] | groups["managed_clusters"] == hosts
    for template in aap_vars["controller_templates"]:
        assert template["project"] in projects and template["inventory"] in inventories
        assert template["execution_environment"] in environments
        assert set(template["credentials"]) <= credentials
    assert {template["playbook"] for template in aap_vars["controller_templates"]} == {
        "playbooks/site.yml", "playbooks/verify.yml", "playbooks/uninstall.yml"}
    workflow = aap_vars["controller_workflows"][0]
    nodes = {node["identifier"]: node for node in workflow["workflow_nodes"]}
    assert {node["unified_job_template"]["name"] for node in nodes.values()} <= templates
    assert nodes["connect"]["unified_job_template"]["name"] == "Submariner - connect clusters"
    assert [n["identifier"] for n in nodes["connect"]["related"]["success_nodes"]] == ["verify"]
    assert nodes["verify"]["unified_job_template"]["name"] == "Submariner - verify"


def test_credential_types_pass_awx_validation(aap_vars):
    for credential_type in aap_vars["controller_credential_types"]:
        fields = credential_type["inputs"]["fields"]
        assert set(credential_type["inputs"]["required"]) <= {field["id"] for field in fields}
        for field in fields:
            if any(word in field["id"] for word in ("kubeconfig", "secret", "token")):
                assert field.get("secret") is True, field["id"]
        injectors = credential_type["injectors"]
        for env_var in injectors.get("env", {}):
            assert not env_var.startswith("ANSIBLE_") and env_var not in ENV_BLOCKLIST, env_var
        for template in awx_rendered(credential_type).values():
            assert "EXAMPLE" in template


def awx_rendered(credential_type):
    """Each injector rendered as AWX validates it (StrictUndefined; every defined field set)."""
    namespace = {field["id"]: "EXAMPLE" for field in credential_type["inputs"]["fields"]}
    files = [label.split(".", 1)[1] for label in credential_type["injectors"].get("file", {}) if "." in label]
    namespace["tower"] = {"filename": {label: "EXAMPLE_FILENAME" for label in files}}
    environment = sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    rendered = {}
    for kind in ("file", "env", "extra_vars"):
        for key, template in credential_type["injectors"].get(kind, {}).items():
            rendered["%s/%s" % (kind, key)] = environment.from_string(template).render(namespace)
    return rendered


def test_surveys_pass_awx_validation(aap_vars):
    surveys = [template["survey_spec"] for template in aap_vars["controller_templates"] if template.get("survey_enabled")]
    surveys += [workflow["survey_spec"] for workflow in aap_vars["controller_workflows"] if workflow.get("survey_enabled")]
    assert len(surveys) == 4
    for survey in surveys:
        assert awx_survey_errors(survey) == [], survey["name"]


def awx_survey_errors(survey):
    """JobTemplateSurveySpec._validate_spec_data's refusals (awx/api/views/__init__.py)."""
    errors = [field for field, kind in (("name", str), ("description", str), ("spec", list))
              if not isinstance(survey.get(field), kind)]
    if errors or not survey["spec"]:
        return errors or ["empty spec"]
    seen = set()
    for index, question in enumerate(survey["spec"]):
        for field, kind in (("type", str), ("question_name", str), ("variable", str), ("required", bool)):
            if not isinstance(question.get(field), kind):
                errors.append("%d: %s" % (index, field))
        if question.get("variable") in seen:
            errors.append("%d: duplicate variable" % index)
        seen.add(question.get("variable"))
        qtype = question.get("type")
        if qtype not in SURVEY_TYPE_MAPPING:
            errors.append("%d: type %s" % (index, qtype))
            continue
        default = question.get("default", "")
        if default != "" and not isinstance(default, SURVEY_TYPE_MAPPING[qtype]):
            errors.append("%d: default type" % index)
        errors += ["%d: %s" % (index, key) for key in ("min", "max")
                   if question.get(key) is not None and not isinstance(question[key], int)]
        if qtype in ("multiplechoice", "multiselect"):
            defaults = default.splitlines() if isinstance(default, str) else default
            if "choices" not in question or any(item not in question["choices"] for item in defaults):
                errors.append("%d: choices" % index)
            if qtype == "multiplechoice" and len(defaults) > 1:
                errors.append("%d: one default" % index)
    return errors


@pytest.mark.parametrize("survey, expected", [
    ({"name": "s", "description": "", "spec": []}, ["empty spec"]),
    ({"name": "s", "description": "", "spec": [
        {"type": "multiplechoice", "question_name": "q", "variable": "v", "required": True, "choices": ["a"], "default": "b"}]},
     ["0: choices"]),
    ({"name": "s", "description": "", "spec": [
        {"type": "integer", "question_name": "q", "variable": "v", "required": "yes", "default": "1"}]},
     ["0: required", "0: default type"]),
])
def test_survey_rules_refuse_what_awx_refuses(survey, expected):
    assert awx_survey_errors(survey) == expected


def test_surveys_and_injections_name_variables_the_playbooks_read(aap_vars):
    playbook_text = "\n".join(path.read_text(encoding="utf-8") for path in
                              [*REPO_ROOT.glob("playbooks/**/*.yml"), *REPO_ROOT.glob("roles/*/defaults/main.yml"),
                               *REPO_ROOT.glob("roles/*/tasks/*.yml"), *REPO_ROOT.glob("roles/*/templates/*.j2")])
    for credential_type in aap_vars["controller_credential_types"]:
        for name in [*credential_type["injectors"].get("extra_vars", {}), *credential_type["injectors"].get("env", {})]:
            assert name in playbook_text, "%s is injected but no playbook reads it" % name
    for template in [*aap_vars["controller_templates"], *aap_vars["controller_workflows"]]:
        for question in (template.get("survey_spec") or {}).get("spec", []):
            assert question["type"] != "password", "secrets belong in credentials, not surveys"
            assert question["variable"] in playbook_text, question["variable"]
    for host in aap_vars["controller_hosts"]:
        assert not {"acm_submariner_kubeconfig", "acm_submariner_api_key"} & set(host.get("variables", {})), \
            "credentials come from the credential, not the inventory"


def awx_collection_options(tmp_path, module):
    completed = subprocess.run([str(pathlib.Path(sys.executable).with_name("ansible-doc")), "--json", "awx.awx.%s" % module],
                               env=ansible_env(tmp_path, EXTRA_COLLECTIONS), capture_output=True, text=True, timeout=120,
                               check=True)
    options = json.loads(completed.stdout)["awx.awx.%s" % module]["doc"]["options"]
    names = dict(options.items())
    for spec in options.values():
        for alias in spec.get("aliases") or []:
            names[alias] = spec
    return names


NEEDS_AAP_COLLECTIONS = pytest.mark.skipif(
    not EXTRA_COLLECTIONS,
    reason="awx.awx and infra.aap_configuration are not on PyPI (the `ansible` package lacks them); set "
           "ACM_SUBMARINER_AAP_COLLECTIONS to a collections folder holding both")


@NEEDS_AAP_COLLECTIONS
@pytest.mark.parametrize("variable, module", [
    ("controller_templates", "job_template"), ("controller_workflows", "workflow_job_template"),
    ("controller_credential_types", "credential_type"), ("controller_credentials", "credential"),
    ("controller_projects", "project"), ("controller_inventories", "inventory"), ("controller_hosts", "host"),
    ("controller_groups", "group"), ("controller_execution_environments", "execution_environment"),
    ("aap_organizations", "organization"),
])
def test_objects_fit_the_awx_collection_argument_specs(aap_vars, tmp_path, variable, module):
    options = awx_collection_options(tmp_path, module)
    for item in aap_vars[variable]:
        for key, value in item.items():
            assert key in options, "%s: %s is no option of awx.awx.%s" % (item["name"], key, module)
            choices = options[key].get("choices")
            if choices and not isinstance(value, (list, dict)):
                assert value in choices, "%s: %s=%r not in %s" % (item["name"], key, value, choices)
            if options[key].get("type") == "bool":
                assert isinstance(value, bool), "%s: %s" % (item["name"], key)


FILLED_IN = {"aap_hostname": "https://127.0.0.1:9", "aap_token": "t0ken", "aap_validate_certs": False,
             "acm_submariner_aap_project_scm_url": "https://git.example.com/acm-submariner.git",
             "acm_submariner_aap_ee_image": "registry.example.com/acm-submariner-ee:0.1.0",
             "acm_submariner_aap_kubeconfig": "apiVersion: v1\nkind: Config\n",
             "acm_submariner_aap_aws_access_key_id": "AKIAEXAMPLE", "acm_submariner_aap_aws_secret_access_key": "example",
             "controller_dependency_check": False,
             # AWX: the controller makes the organization (no platform gateway, no ansible.platform).
             "aap_configuration_dispatcher_roles": "{{ controller_configuration_dispatcher_roles }}"}


@NEEDS_AAP_COLLECTIONS
def test_configure_stops_on_placeholders_before_the_controller(tmp_path):
    stopped = ansible_playbook(tmp_path, PLAYBOOK, "--check", collections=EXTRA_COLLECTIONS)
    assert stopped.returncode != 0
    assert "still REPLACE_ME: aap_hostname, aap_token" in stopped.stdout
    assert "trying to connect" not in stopped.stdout


@NEEDS_AAP_COLLECTIONS
@pytest.mark.parametrize("tag, role", [
    ("organizations", "controller_organizations"), ("credential_types", "controller_credential_types"),
    ("credentials", "controller_credentials"), ("execution_environments", "controller_execution_environments"),
    ("projects", "controller_projects"), ("inventories", "controller_inventories"), ("hosts", "controller_hosts"),
    ("host_groups", "controller_host_groups"), ("job_templates", "controller_job_templates"),
    ("workflow_job_templates", "controller_workflow_job_templates"),
])
def test_configure_runs_in_check_mode_until_it_contacts_the_controller(tmp_path, tag, role):
    """Filled in, each role of the dispatch renders its objects and its awx.awx module (arguments
    validated first) fails only on the controller's address, where nothing listens."""
    extra = tmp_path / "filled.json"
    extra.write_text(json.dumps(FILLED_IN), encoding="utf-8")
    run = ansible_playbook(tmp_path, PLAYBOOK, "--check", "--tags", tag, "-e", "@%s" % extra, collections=EXTRA_COLLECTIONS)
    output = run.stdout + run.stderr
    assert run.returncode != 0
    failure = output[output.index("[ERROR]"):] if "[ERROR]" in output else output
    assert "roles/%s/tasks/main.yml" % role in failure, output[-4000:]
    assert "trying to connect to https://127.0.0.1:9/api/v2/" in failure and "Connection refused" in failure, output[-4000:]
