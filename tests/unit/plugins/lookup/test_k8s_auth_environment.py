"""k8s_auth_environment: the K8S_AUTH_* variables kubernetes.core would read, under either name of an option."""

from ansible_collections.acm.submariner.plugins.lookup import k8s_auth_environment as lookup


def test_every_name_kubernetes_core_reads_and_only_set_ones():
    environ = {"K8S_AUTH_VERIFY_SSL": "no", "K8S_AUTH_VALIDATE_CERTS": "false", "K8S_AUTH_SSL_CA_CERT": "/ca", "K8S_AUTH_HOST": "",
               "K8S_AUTH_IMPERSONATE_USER": "admin", "K8S_AUTH_PROXY_HEADERS_BASIC_AUTH": "u:p", "K8S_AUTH_SOMETHING_ELSE": "x",
               "KUBECONFIG": "/k"}
    assert lookup.set_variables(environ) == ["K8S_AUTH_IMPERSONATE_USER", "K8S_AUTH_PROXY_HEADERS_BASIC_AUTH", "K8S_AUTH_SSL_CA_CERT",
                                             "K8S_AUTH_VALIDATE_CERTS", "K8S_AUTH_VERIFY_SSL"]


def test_the_lookup_reads_the_controller_environment(monkeypatch):
    monkeypatch.setenv("K8S_AUTH_KUBECONFIG", "/elsewhere")
    assert "K8S_AUTH_KUBECONFIG" in lookup.LookupModule().run([])
