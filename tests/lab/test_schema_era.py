"""apiextensions v1beta1 CRDs as kube-apiserver serves them, and structural pruning of empty object schemas."""

import pathlib

import pytest
import yaml

from tests.lab.apiserver.schema import compile_schema, crd_as_v1

ALTERNATES = pathlib.Path(__file__).resolve().parents[3] / "shared" / "crds" / "alternates"
CONFIG_22 = ALTERNATES / "submarinerconfigs.submarineraddon.open-cluster-management.io.acm-2.2.apiextv1beta1.yaml"


def test_v1beta1_crd_becomes_v1_with_per_version_schema_and_subresources():
    crd = {"apiVersion": "apiextensions.k8s.io/v1beta1", "kind": "CustomResourceDefinition", "metadata": {"name": "xs.example.io"},
           "spec": {"group": "example.io", "names": {"kind": "X", "plural": "xs"}, "scope": "Namespaced", "version": "v1",
                    "preserveUnknownFields": False, "subresources": {"status": {}},
                    "validation": {"openAPIV3Schema": {"type": "object"}},
                    "additionalPrinterColumns": [{"name": "Age", "type": "date", "JSONPath": ".metadata.creationTimestamp"}]}}
    served = crd_as_v1(crd)
    assert served["apiVersion"] == "apiextensions.k8s.io/v1"
    assert served["spec"]["versions"] == [{"name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
                                           "schema": {"openAPIV3Schema": {"type": "object"}},
                                           "additionalPrinterColumns": [{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]}]
    assert "validation" not in served["spec"] and "version" not in served["spec"]
    assert served["spec"]["preserveUnknownFields"] is False


def test_v1beta1_crd_that_preserves_unknown_fields_is_refused():
    crd = {"apiVersion": "apiextensions.k8s.io/v1beta1", "kind": "CustomResourceDefinition", "metadata": {"name": "xs.example.io"},
           "spec": {"group": "example.io", "names": {"kind": "X", "plural": "xs"}, "version": "v1"}}
    with pytest.raises(ValueError, match="preserveUnknownFields"):
        crd_as_v1(crd)


def test_empty_object_schema_prunes_every_key_like_kube_apiserver():
    schema = compile_schema({"type": "object", "properties": {"spec": {"type": "object"},
                                                              "keep": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}})
    obj = {"apiVersion": "a/v1", "kind": "X", "metadata": {"name": "x"}, "spec": {"clusterSelector": {}}, "keep": {"any": 1}}
    schema.prune_and_default(obj)
    assert obj["spec"] == {} and obj["keep"] == {"any": 1}


@pytest.mark.skipif(not CONFIG_22.is_file(), reason="needs ../shared/crds/alternates")
def test_acm_22_submarinerconfig_crd_prunes_gateway_config():
    served = crd_as_v1(yaml.safe_load(CONFIG_22.read_text(encoding="utf-8")))
    schema = compile_schema(served["spec"]["versions"][0]["schema"]["openAPIV3Schema"])
    obj = {"apiVersion": "submarineraddon.open-cluster-management.io/v1alpha1", "kind": "SubmarinerConfig", "metadata": {"name": "x"},
           "spec": {"credentialsSecret": {"name": "c"}, "IPSecNATTPort": 4500, "gatewayConfig": {"gateways": 1}, "NATTDiscoveryPort": 4900}}
    schema.prune_and_default(obj)
    assert obj["spec"] == {"credentialsSecret": {"name": "c"}, "IPSecNATTPort": 4500}
