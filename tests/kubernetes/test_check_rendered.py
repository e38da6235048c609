"""Self-test of tests/kubernetes/check_rendered.py: small render folders made with real `helm template` on the
offline charts, each proving that one kind of mistake is caught (and that a good render passes).

    SLINKY_TEST_CHARTS=DIR python -m unittest tests/kubernetes/test_check_rendered.py

DIR is a folder made by tests/kubernetes/prepare-charts (run-offline-tests passes one); without it the charts
are prepared into a temporary folder. Run with the venv python scripts/bootstrap makes.
"""

import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKER = os.path.join(HERE, "check_rendered.py")

SYSTEM = {"slinky.slurm.net/node-pool": "system"}
IMAGE = {"repository": "111122223333.dkr.ecr.us-west-2.amazonaws.com/slurm-on-eks/slurmd", "tag": "25.05-test"}


def helm():
    return shutil.which("helm") or os.path.join(os.environ.get("SLINKY_TOOLS_DIR", "/opt/slinky-tools"), "bin", "helm")


class CheckRenderedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="check-rendered-test.", dir=os.environ.get("TMPDIR", "/tmp"))
        cls.charts = os.environ.get("SLINKY_TEST_CHARTS")
        if not cls.charts:
            cls.charts = os.path.join(cls.tmp, "charts")
            subprocess.run([os.path.join(HERE, "prepare-charts"), cls.charts], check=True)
        cls.helm_env = dict(os.environ, HELM_CACHE_HOME=os.path.join(cls.tmp, "helm"),
                            HELM_CONFIG_HOME=os.path.join(cls.tmp, "helm"), HELM_DATA_HOME=os.path.join(cls.tmp, "helm"))
        with open(os.path.join(cls.charts, "slinky-0.4.1", "slurm", "values.yaml")) as f:
            cls.sample_nodeset = yaml.safe_load(f)["nodesets"]["slinky"]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # ---------------------------------------------------------------- helpers

    def render(self, releases, objects=(), not_rendered=()):
        """A render folder in the layout `slinky render` writes: releases are (name, namespace, chart dir, values)."""
        out = tempfile.mkdtemp(dir=self.tmp)
        for sub in ("releases", "values", "objects"):
            os.makedirs(os.path.join(out, sub))
        index = {"version": 1, "cluster": "test", "kubernetesVersion": "1.35", "slinkyVersion": "0.4.1",
                 "placeholders": True, "releases": [], "objects": []}
        for i, (name, namespace, chart, values) in enumerate(releases, 1):
            chart_path = os.path.join(self.charts, chart)
            values_file = f"values/{name}.yaml"
            with open(os.path.join(out, values_file), "w") as f:
                yaml.safe_dump(values, f)
            result = subprocess.run([helm(), "template", name, chart_path, "--namespace", namespace, "--include-crds",
                                     "-f", os.path.join(out, values_file)],
                                    capture_output=True, text=True, env=self.helm_env)
            self.assertEqual(result.returncode, 0, f"helm template {chart}: {result.stderr}")
            manifest = f"releases/{i:02d}-{name}.yaml"
            with open(os.path.join(out, manifest), "w") as f:
                f.write(result.stdout)
            index["releases"].append({"name": name, "namespace": namespace, "chart": os.path.basename(chart),
                                      "version": "test", "repository": "test", "rendered": True,
                                      "chartPath": chart_path, "manifest": manifest, "values": values_file,
                                      "reason": None})
        for name, reason in not_rendered:
            index["releases"].append({"name": name, "namespace": name, "chart": name, "version": "v1.17.2",
                                      "repository": "test", "rendered": False, "chartPath": None,
                                      "manifest": None, "values": None, "reason": reason})
        for i, obj in enumerate(objects, 1):
            rel = f"objects/{i:02d}-{obj['metadata']['name']}.yaml"
            with open(os.path.join(out, rel), "w") as f:
                yaml.safe_dump(obj, f)
            index["objects"].append({"kind": obj["kind"], "name": obj["metadata"]["name"],
                                     "namespace": obj["metadata"].get("namespace"), "file": rel})
        with open(os.path.join(out, "render.json"), "w") as f:
            json.dump(index, f)
        return out

    def check(self, out, *args):
        result = subprocess.run([sys.executable, CHECKER, out, *args], capture_output=True, text=True)
        self.assertNotIn("Traceback", result.stderr)
        return result.returncode, result.stdout

    def slurm_values(self, **nodeset_changes):
        """Values close to the stack's: a GPU NodeSet shaped like the chart's sample, system pods pinned."""
        node = copy.deepcopy(self.sample_nodeset)
        node["slurmd"]["image"] = dict(IMAGE)
        node["podSpec"]["nodeSelector"] = {"slinky.slurm.net/node-pool": "gpu"}
        node.update(nodeset_changes)
        return {"controller": {"podSpec": {"nodeSelector": SYSTEM}},
                "restapi": {"podSpec": {"nodeSelector": SYSTEM}},
                "nodesets": {"slinky": {"enabled": False}, "hp-node": node},
                "slurm-exporter": {"enabled": True}}

    def karpenter(self):
        return ("karpenter", "karpenter", "karpenter-1.5.0/karpenter",
                {"settings": {"clusterName": "test"}, "nodeSelector": SYSTEM})

    @staticmethod
    def nodepool(**disruption):
        return {"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "gpu"},
                "spec": {"template": {"spec": {
                    "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "gpu"},
                    "requirements": [{"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["g5"]}],
                    "taints": [{"key": "nvidia.com/gpu", "effect": "NoSchedule"}]}},
                    "disruption": disruption or {"consolidationPolicy": "WhenEmpty", "consolidateAfter": "5m"},
                    "limits": {"nvidia.com/gpu": 8}}}

    # ---------------------------------------------------------------- tests

    def test_good_render_passes(self):
        secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "slurm-mariadb", "namespace": "slurm"},
                  "stringData": {"password": "<placeholder>"}}
        out = self.render([("slurm-operator", "slinky", "slinky-0.4.1/slurm-operator",
                            {"operator": {"affinity": {}}, "crds": {"enabled": True}}),
                           ("slurm", "slurm", "slinky-0.4.1/slurm", self.slurm_values()), self.karpenter()],
                          objects=[secret, self.nodepool()])
        code, output = self.check(out)
        self.assertEqual(code, 0, output)
        self.assertRegex(output, r"(?m)^\d+ passed, 0 failed$")
        self.assertNotIn("FAIL", output)

    def test_misspelled_values_key_in_a_new_nodeset_fails_with_its_path(self):
        values = self.slurm_values()
        values["nodesets"]["hp-node"]["slurmd"]["imgae"] = {"tag": "typo"}
        code, output = self.check(self.render([("slurm", "slurm", "slinky-0.4.1/slurm", values)]))
        self.assertEqual(code, 1, output)
        self.assertIn("FAIL values/slurm.yaml: values nodesets.hp-node.slurmd.imgae: not a key", output)

    def test_misspelled_key_beside_the_sample_shape_fails(self):
        values = self.slurm_values(useResourceLimit=True)
        values["nodesets"]["hp-node"]["podSpec"]["nodeSelctor"] = {"a": "b"}
        code, output = self.check(self.render([("slurm", "slurm", "slinky-0.4.1/slurm", values)]))
        self.assertEqual(code, 1, output)
        self.assertIn("values nodesets.hp-node.useResourceLimit: not defined by chart slurm 0.4.1", output)
        self.assertIn("values nodesets.hp-node.podSpec.nodeSelctor: not a key", output)

    def test_container_and_pod_fields_the_chart_passes_through_are_accepted(self):
        values = self.slurm_values()
        node = values["nodesets"]["hp-node"]
        node["slurmd"]["env"] = [{"name": "A", "value": "b"}]
        node["slurmd"]["securityContext"] = {"capabilities": {"add": ["SYS_ADMIN"]}}
        node["podSpec"]["hostNetwork"] = False
        code, output = self.check(self.render([("slurm", "slurm", "slinky-0.4.1/slurm", values)]))
        self.assertEqual(code, 0, output)

    def test_key_the_operator_chart_does_not_have_fails(self):
        # slurm-operator 0.4.1 places its pods with affinity and tolerations only: nodeSelector is dropped.
        out = self.render([("slurm-operator", "slinky", "slinky-0.4.1/slurm-operator",
                            {"operator": {"nodeSelector": SYSTEM}})])
        code, output = self.check(out)
        self.assertEqual(code, 1, output)
        self.assertIn("values operator.nodeSelector: not defined by chart slurm-operator 0.4.1", output)

    def test_slinky_1_2_nodesets_are_checked_against_nodeset_defaults(self):
        values = {"nodesets": {"gpu": {"slurmd": {"image": dict(IMAGE), "imgae": {}}, "replica": 2}}}
        code, output = self.check(self.render([("slurm", "slurm", "slinky-1.2.1/slurm", values)]))
        self.assertEqual(code, 1, output)
        self.assertIn("values nodesets.gpu.slurmd.imgae: not a key", output)
        self.assertIn("values nodesets.gpu.replica: not defined by chart slurm 1.2.1", output)

    def test_object_with_an_unknown_field_fails(self):
        service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "slurm-login", "namespace": "slurm"},
                   "spec": {"type": "LoadBalancer", "ports": [{"port": 22, "targetPort": 22}],
                            "loadBalancerSourceRange": ["203.0.113.7/32"]}}
        code, output = self.check(self.render([], objects=[service]))
        self.assertEqual(code, 1, output)
        self.assertIn("FAIL objects/01-slurm-login.yaml: Service slurm-login: spec: Additional properties", output)
        self.assertIn("loadBalancerSourceRange", output)

    def test_int_or_string_null_is_not_an_error(self):
        # The strict schemas' IntOrString is oneOf [string|null, integer|null]: null would match both.
        deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                      "spec": {"selector": {"matchLabels": {"a": "b"}},
                               "strategy": {"rollingUpdate": {"maxUnavailable": None, "maxSurge": "25%"}},
                               "template": {"metadata": {"labels": {"a": "b"}},
                                            "spec": {"containers": [{"name": "c", "image": "i",
                                                                     "resources": {"limits": {"cpu": 1}}}]}}}}
        code, output = self.check(self.render([], objects=[deployment]))
        self.assertEqual(code, 0, output)

    def test_karpenter_nodepool_violating_its_crd_fails(self):
        good = self.render([self.karpenter()], objects=[self.nodepool()])
        self.assertEqual(self.check(good)[0], 0)
        bad = self.nodepool(consolidationPolicy="WhenIdle", consolidateAfter="5m")
        bad["spec"]["template"]["spec"]["expireAfterr"] = "720h"
        code, output = self.check(self.render([self.karpenter()], objects=[bad]))
        self.assertEqual(code, 1, output)
        self.assertIn("NodePool gpu: spec.disruption.consolidationPolicy: 'WhenIdle' is not one of", output)
        self.assertIn("expireAfterr", output)

    def test_slinky_custom_resource_container_is_checked_as_a_container(self):
        # The NodeSet CRD preserves unknown fields in spec.slurmd; the operator reads it as a corev1.Container.
        nodeset = {"apiVersion": "slinky.slurm.net/v1alpha1", "kind": "NodeSet",
                   "metadata": {"name": "slurm-worker-x", "namespace": "slurm"},
                   "spec": {"controllerRef": {"name": "slurm"}, "replicas": 1,
                            "slurmd": {"image": "i", "imagePullPolicee": "Always"}}}
        code, output = self.check(self.render([], objects=[nodeset]),
                                  "--crds", os.path.join(self.charts, "slinky-0.4.1", "slurm-operator-crds"))
        self.assertEqual(code, 1, output)
        self.assertIn("NodeSet slurm-worker-x: spec.slurmd: Additional properties", output)

    def test_custom_resource_without_crd_is_named_not_passed(self):
        monitor = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
                   "metadata": {"name": "slurm-exporter", "namespace": "slurm"}, "spec": {"endpoints": []}}
        out = self.render([], objects=[monitor], not_rendered=[("cert-manager", "no offline copy of cert-manager v1.17.2 in DIR")])
        code, output = self.check(out)
        self.assertEqual(code, 0, output)
        self.assertIn("not checked: objects/01-slurm-exporter.yaml: ServiceMonitor slurm-exporter", output)
        self.assertIn("(no CRD here)", output)
        self.assertIn("not rendered here: cert-manager cert-manager v1.17.2: no offline copy of cert-manager", output)
        code, output = self.check(out, "--strict-crds")
        self.assertEqual(code, 1, output)


if __name__ == "__main__":
    unittest.main()
