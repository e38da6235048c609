"""Checks a folder written by `slinky render` (render.json, releases/, values/, objects/), offline.

1. Every object: a built-in kind against the Kubernetes schema of render.json's kubernetesVersion (from
   kubernetes-validate, strict: an unknown field is an error); a custom resource against the
   openAPIV3Schema of its CRD's served version, CRDs taken from the render itself and from --crds folders.
   A custom resource whose CRD is not here is reported as not checked (a failure with --strict-crds).
2. Every rendered release's values: each key must be one the chart defines (its values.yaml tree with
   its subcharts', or its values.schema.json), with the exceptions in values-rules.json.

One line per problem, then "N passed, N failed" over objects and values files; exit 1 on any failure.
Run with the venv python bootstrap makes (tests/kubernetes/check-rendered does).
"""

import argparse
import copy
import fnmatch
import io
import json
import os
import re
import sys
import tarfile

import jsonschema
import kubernetes_validate.utils as kv
import referencing
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))

# Preserved (x-kubernetes-preserve-unknown-fields) fields of custom resources that their operator decodes as
# a Kubernetes type: the CRD lets anything through there, so they are checked against that type instead.
# Slinky's CRs carry corev1.Container blocks and a corev1.PodSpec this way (0.4.1 and 1.2.1 alike).
EMBEDDED_TYPES = {
    "slinky.slurm.net": {
        ("spec", "slurmctld"): "io.k8s.api.core.v1.Container",
        ("spec", "slurmd"): "io.k8s.api.core.v1.Container",
        ("spec", "slurmdbd"): "io.k8s.api.core.v1.Container",
        ("spec", "slurmrestd"): "io.k8s.api.core.v1.Container",
        ("spec", "login"): "io.k8s.api.core.v1.Container",
        ("spec", "logfile"): "io.k8s.api.core.v1.Container",
        ("spec", "initconf"): "io.k8s.api.core.v1.Container",
        ("spec", "template", "spec"): "io.k8s.api.core.v1.PodSpec",
        ("spec", "service", "spec"): "io.k8s.api.core.v1.ServiceSpec",
    },
}


# ---------------------------------------------------------------------------------------------- Kubernetes schemas


class KubeSchemas:
    """kubernetes-validate's strict schemas for one Kubernetes version, loaded once.

    kubernetes_validate.validate() reads the 1.5 MB definitions file for every object and stops at the first
    error; this keeps one registry and reports every error. It also fixes one quirk of the strict schemas:
    IntOrString and Quantity are oneOf [string|null, integer|null], so a null value (a field left unset, as
    helm renders `maxUnavailable: null`) matches both branches and fails; anyOf says what is meant.
    """

    def __init__(self, version):
        version = version.lstrip("v")
        if kv.major_minor(version) > kv.latest_version():
            raise SystemExit(f"kubernetes-validate has no schemas for Kubernetes {version}")
        # As kubernetes-validate does: the newest schema version not newer than the one asked for.
        self.version = [v for v in kv.all_versions() if kv.major_minor(v) <= kv.major_minor(version)][-1]
        self.dir = f"kubernetes-json-schema/v{self.version}-local-strict"
        defs = kv.schema_contents(f"{self.dir}/_definitions.json", version)
        for name in ("io.k8s.apimachinery.pkg.util.intstr.IntOrString", "io.k8s.apimachinery.pkg.api.resource.Quantity"):
            d = defs["$defs"][name]
            if "oneOf" in d:
                d["anyOf"] = d.pop("oneOf")
        self.defs = defs
        self.registry = referencing.Resource.from_contents(defs) @ referencing.Registry()
        self.validators = {}

    def object_validator(self, api_version, kind):
        """The validator of a built-in kind, or None when kubernetes-validate has no schema for it."""
        key = (api_version, kind)
        if key not in self.validators:
            # kubernetes-validate's file naming: rbac.authorization.k8s.io/v1 -> rbac-v1.
            api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
            try:
                schema = kv.schema_contents(f"{self.dir}/{kind.lower()}-{api}.json", self.version)
            except FileNotFoundError:
                schema = None
            self.validators[key] = schema and jsonschema.Draft202012Validator(schema, registry=self.registry)
        return self.validators[key]

    def type_schema(self, name):
        return self.defs["$defs"].get(name)

    def type_validator(self, name):
        """A validator of one definition, its `required` dropped: the operator fills those (a container's name)."""
        key = ("type", name)
        if key not in self.validators:
            schema = dict(self.defs["$defs"][name])
            schema.pop("required", None)
            schema["$defs"] = self.defs["$defs"]  # its "#/$defs/..." references resolve inside it
            self.validators[key] = jsonschema.Draft202012Validator(schema)
        return self.validators[key]

    def resolve(self, schema):
        """A property schema with its $ref followed (one level, as the definitions nest)."""
        while isinstance(schema, dict) and "$ref" in schema:
            schema = self.defs["$defs"].get(schema["$ref"].rsplit("/", 1)[-1], {})
        return schema


# ---------------------------------------------------------------------------------------------- CRDs


def structural_to_jsonschema(schema, root=True):
    """A CRD's openAPIV3Schema as a Draft 4 JSON schema that the API server's checks agree with.

    - unknown fields are errors (the API server prunes them silently, kubectl --validate=strict refuses
      them): additionalProperties false wherever properties are listed, unless the schema says
      x-kubernetes-preserve-unknown-fields (then unknown fields are kept and allowed)
    - x-kubernetes-embedded-resource objects also have apiVersion, kind and metadata
    - x-kubernetes-int-or-string accepts both
    - null is accepted for every field below the root: the API server drops nulls of non-nullable fields
      before validating, and nullable ones allow it
    - x-kubernetes-validations (CEL) are not evaluated here
    """
    if isinstance(schema, list):
        return [structural_to_jsonschema(s, False) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties", "definitions"):
            out[key] = {k: structural_to_jsonschema(v, False) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"):
            out[key] = structural_to_jsonschema(value, False) if not isinstance(value, bool) else value
        elif key.startswith("x-kubernetes-") or key in ("nullable", "default", "example", "description", "format"):
            continue
        else:
            out[key] = value
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if schema.get("x-kubernetes-embedded-resource"):
        props = out.setdefault("properties", {})
        for field in ("apiVersion", "kind"):
            props.setdefault(field, {"type": "string"})
        props.setdefault("metadata", {"type": "object"})
    if "properties" in out and "additionalProperties" not in out and not schema.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    if not root and "type" in out:
        types = out["type"] if isinstance(out["type"], list) else [out["type"]]
        out["type"] = types + ["null"]
        if "enum" in out:
            out["enum"] = list(out["enum"]) + [None]
    return out


def load_yaml_docs(path):
    """The documents of a YAML file; a chart template (CRDs in templates/) has its `{{ }}`-only lines removed."""
    with open(path) as f:
        text = f.read()
    try:
        return [d for d in yaml.safe_load_all(text) if d]
    except yaml.YAMLError:
        if "{{" not in text:
            raise
        # The CRD folders of charts hold templated CRDs (karpenter-crd's additionalAnnotations): lines that are
        # nothing but template actions go; whatever still does not parse is not a CRD we can use.
        text = "\n".join(line for line in text.splitlines() if not re.fullmatch(r"\s*\{\{.*\}\}\s*", line))
        return [d for d in yaml.safe_load_all(text) if d]


def find_crds(docs, dirs):
    """(group, kind) -> {served version: openAPIV3Schema}; the render's own CRDs first, then --crds folders."""
    crds = {}

    def add(doc):
        if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
            return
        spec = doc.get("spec", {})
        key = (spec.get("group"), spec.get("names", {}).get("kind"))
        if key in crds:
            return
        crds[key] = {v["name"]: v.get("schema", {}).get("openAPIV3Schema", {})
                     for v in spec.get("versions", []) if v.get("served", True)}

    for _, doc in docs:
        add(doc)
    for d in dirs:
        for base, _, files in os.walk(d):
            for name in sorted(files):
                if not name.endswith((".yaml", ".yml")):
                    continue
                try:
                    for doc in load_yaml_docs(os.path.join(base, name)):
                        add(doc)
                except yaml.YAMLError:
                    continue
    return crds


# ---------------------------------------------------------------------------------------------- objects


def error_lines(errors, prefix=()):
    lines = []
    for e in sorted(errors, key=lambda e: list(map(str, e.absolute_path))):
        path = ".".join(str(p) for p in list(prefix) + list(e.absolute_path)) or "(top)"
        message = e.message if len(e.message) < 300 else e.message[:300] + "..."
        lines.append(f"{path}: {message}")
    return lines


def check_object(doc, kube, crds, crd_validators):
    """(status, messages): status is 'ok', 'fail' or 'unchecked'."""
    api_version, kind = doc.get("apiVersion", ""), doc.get("kind", "")
    if not api_version or not kind:
        return "fail", ["no apiVersion or kind"]
    validator = kube.object_validator(api_version, kind)
    if validator:
        return _status(error_lines(validator.iter_errors(doc)))
    group, _, version = api_version.rpartition("/")
    versions = crds.get((group, kind))
    if versions is None:
        return "unchecked", []
    if version not in versions:
        return "fail", [f"apiVersion {api_version}: the CRD serves {', '.join(sorted(versions)) or 'no version'}"]
    key = (group, kind, version)
    if key not in crd_validators:
        crd_validators[key] = jsonschema.Draft4Validator(structural_to_jsonschema(versions[version]))
    problems = error_lines(crd_validators[key].iter_errors(doc))
    # The CRD says `metadata: {type: object}`; the API server checks it as an ObjectMeta.
    problems += error_lines(kube.type_validator("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
                            .iter_errors(doc.get("metadata") or {}), ["metadata"])
    for path, type_name in EMBEDDED_TYPES.get(group, {}).items():
        value = doc
        for p in path:
            value = value.get(p) if isinstance(value, dict) else None
        if isinstance(value, dict):
            problems += error_lines(kube.type_validator(type_name).iter_errors(value), path)
    return _status(problems)


def _status(problems):
    return ("fail" if problems else "ok"), problems


def describe(doc):
    meta = doc.get("metadata") or {}
    return f"{doc.get('kind', '?')} {meta.get('name', '?')}"


# ---------------------------------------------------------------------------------------------- values


def read_chart(path):
    """(Chart.yaml, values.yaml, values.schema.json or None, {subchart dir name: path}) of a folder or .tgz chart."""
    if os.path.isdir(path):
        def read(name):
            p = os.path.join(path, name)
            return open(p).read() if os.path.exists(p) else None
        subs = {}
        charts = os.path.join(path, "charts")
        if os.path.isdir(charts):
            for entry in sorted(os.listdir(charts)):
                subs[entry] = os.path.join(charts, entry)
    else:
        with tarfile.open(path) as tar:
            members = {m.name.split("/", 1)[1]: m for m in tar.getmembers() if "/" in m.name}
            def read(name):
                m = members.get(name)
                return tar.extractfile(m).read().decode() if m else None
            chart_text, values_text, schema_text = read("Chart.yaml"), read("values.yaml"), read("values.schema.json")
            subs = {}
            for name, m in members.items():
                if re.fullmatch(r"charts/[^/]+\.tgz", name):
                    data = tar.extractfile(m).read()
                    subs[os.path.basename(name)] = io.BytesIO(data)
            return (yaml.safe_load(chart_text) or {}, yaml.safe_load(values_text or "") or {},
                    json.loads(schema_text) if schema_text else None, subs)
    return (yaml.safe_load(read("Chart.yaml") or "") or {}, yaml.safe_load(read("values.yaml") or "") or {},
            json.loads(read("values.schema.json")) if read("values.schema.json") else None, subs)


def read_chart_any(source):
    if isinstance(source, io.BytesIO):
        import tempfile
        with tempfile.NamedTemporaryFile(suffix=".tgz") as f:
            f.write(source.getvalue())
            f.flush()
            return read_chart(f.name)
    return read_chart(source)


def union(a, b):
    """Both key trees in one: b's scalars win, maps merge (a parent chart's values for its subchart)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for k, v in b.items():
            out[k] = union(a.get(k), v) if k in a else v
        return out
    return b if b is not None else a


def chart_tree(path):
    """(name, version, key tree, values.schema.json): the chart's values with each dependency's under its name or alias."""
    meta, values, schema, subs = read_chart_any(path)
    tree = values if isinstance(values, dict) else {}
    for dep in meta.get("dependencies") or []:
        source = None
        for entry, p in subs.items():
            if entry == dep["name"] or re.fullmatch(re.escape(dep["name"]) + r"-[0-9].*\.tgz", entry):
                source = p
        if source is None:
            continue
        _, _, sub_tree, _ = chart_tree(source)
        key = dep.get("alias") or dep["name"]
        tree[key] = union(sub_tree, tree.get(key) if isinstance(tree.get(key), dict) else {})
    return meta.get("name"), str(meta.get("version")), tree, schema


class Rules:
    def __init__(self, data, name, version):
        sections = [data.get("common", {})] + [data.get("charts", {}).get(k, {}) for k in (name, f"{name} {version}")]
        self.free, self.entries, self.types, self.known = {}, {}, {}, {}
        self.common_free = data.get("common", {}).get("free", {})
        self.common_types = data.get("common", {}).get("types", {})
        for s in sections[1:]:
            self.free.update(s.get("free", {}))
            self.entries.update(s.get("entries", {}))
            self.types.update(s.get("types", {}))
            self.known.update(s.get("known", {}))

    @staticmethod
    def match(table, path):
        for pattern, value in table.items():
            parts = pattern.split(".")
            if len(parts) == len(path) and all(p == "*" or p == k for p, k in zip(parts, path)):
                return value
        return None

    def is_free(self, path):
        return self.match(self.free, path) is not None or (path and path[-1] in self.common_free and
                                                           self.match(self.types, path) is None)

    def type_of(self, path):
        rule = self.match(self.types, path)
        if rule is None and path and path[-1] in self.common_types:
            rule = self.common_types[path[-1]]
        return rule and rule["type"]


def get_path(tree, dotted):
    for p in dotted.split("."):
        tree = tree.get(p) if isinstance(tree, dict) else None
    return tree


def kind_of(value):
    return {dict: "map", list: "list"}.get(type(value), "scalar")


def check_values(values, chart_path, rules_data, kube):
    """Problems ('path: message') of a release's values against its chart."""
    name, version, tree, schema = chart_tree(chart_path)
    if not isinstance(values, dict):
        return ["(top): values are not a map"]
    if schema is not None:
        # helm validates the merged values against the schema; so does this.
        merged = union(copy.deepcopy(tree), values)
        validator = jsonschema.validators.validator_for(schema)(schema)
        return error_lines(validator.iter_errors(merged))
    rules = Rules(rules_data, name, version)
    problems = []

    def walk_typed(user, default, type_name, schema, path):
        """A block copied into a Kubernetes field: keys are the chart's defaults or the type's fields."""
        props = (schema or {}).get("properties", {})
        if not props:
            return  # a map type (labels, limits) or a scalar: keys are free
        for key, value in user.items():
            sub = path + [key]
            if key not in props and not (isinstance(default, dict) and key in default):
                problems.append(f"{'.'.join(sub)}: not a key of the chart's defaults nor a field of {type_name.rsplit('.', 1)[-1]}")
                continue
            if rules.is_free(sub):
                continue
            if isinstance(value, dict):
                sub_type = rules.type_of(sub)
                sub_schema = kube.type_schema(sub_type) if sub_type else kube.resolve(props.get(key))
                if sub_schema is not None and sub_schema.get("type") not in (None, "object", ["object", "null"]):
                    sub_schema = None  # not an object in the type: only the chart's defaults say more
                d = default.get(key) if isinstance(default, dict) else None
                if sub_schema:
                    walk_typed(value, d, sub_type or type_name, sub_schema, sub)
                elif isinstance(d, dict) and key not in props:
                    walk(value, d, sub)

    def walk(user, default, path):
        for key, value in user.items():
            sub = path + [key]
            if not path and key == "global":
                continue
            # A free-form name (nodeSelector) frees what is below it, not the key itself: a chart that has no
            # operator.nodeSelector drops it, so it must still be one the chart defines.
            if rules.match(rules.free, sub) is not None:
                continue
            if key in (default or {}):
                d = default[key]
            elif rules.match(rules.known, sub) is not None:
                continue  # read by the templates, shape not in values.yaml
            elif rules.match(rules.entries, path) is not None:
                entry = rules.match(rules.entries, path)
                d = get_path(tree, entry["sample"])  # a new named entry: shaped like the sample
            else:
                known = ", ".join(sorted(map(str, default or {}))) or "none"
                problems.append(f"{'.'.join(sub)}: not defined by chart {name} {version} (keys here: {known})")
                continue
            if rules.is_free(sub):
                continue
            type_name = rules.type_of(sub)
            if type_name and isinstance(value, dict):
                walk_typed(value, d, type_name, kube.type_schema(type_name), sub)
            elif isinstance(value, dict):
                if isinstance(d, dict):
                    walk(value, d, sub)
                elif d is not None:
                    problems.append(f"{'.'.join(sub)}: a map where chart {name} {version} has a {kind_of(d)} ({d!r})")
                # null default: the chart says nothing of its shape
            # lists and scalars: passed on whole, checked in the rendered objects

    walk(values, tree, [])
    return problems


# ---------------------------------------------------------------------------------------------- main


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", help="a folder written by slinky render")
    parser.add_argument("--crds", action="append", default=[], metavar="DIR",
                        help="a folder searched for CustomResourceDefinition documents (repeatable)")
    parser.add_argument("--strict-crds", action="store_true", help="a custom resource without its CRD here fails")
    parser.add_argument("--rules", default=os.path.join(HERE, "values-rules.json"), help="values check rules")
    args = parser.parse_args(argv)

    with open(os.path.join(args.out, "render.json")) as f:
        index = json.load(f)
    with open(args.rules) as f:
        rules_data = json.load(f)
    kube = KubeSchemas(str(index["kubernetesVersion"]))

    files = [r["manifest"] for r in index.get("releases", []) if r.get("rendered") and r.get("manifest")]
    files += [o["file"] for o in index.get("objects", []) if o.get("file")]
    docs = []
    passed, failed, unchecked = 0, 0, []
    for rel in files:
        try:
            for doc in load_yaml_docs(os.path.join(args.out, rel)):
                docs.append((rel, doc))
        except (OSError, yaml.YAMLError) as e:
            print(f"FAIL {rel}: cannot read: {e}")
            failed += 1
    crds = find_crds(docs, args.crds)
    crd_validators = {}

    for rel, doc in docs:
        if not isinstance(doc, dict):
            print(f"FAIL {rel}: a document that is not an object")
            failed += 1
            continue
        status, problems = check_object(doc, kube, crds, crd_validators)
        if status == "unchecked":
            unchecked.append(f"{rel}: {describe(doc)} ({doc.get('apiVersion')})")
            if args.strict_crds:
                print(f"FAIL {rel}: {describe(doc)}: no CRD for {doc.get('apiVersion')} {doc.get('kind')} here (--strict-crds)")
                failed += 1
            continue
        if status == "ok":
            passed += 1
            continue
        failed += 1
        for p in problems:
            print(f"FAIL {rel}: {describe(doc)}: {p}")

    for release in index.get("releases", []):
        # Also for a release helm could not render: its values are as checkable as any.
        if not release.get("values") or not release.get("chartPath"):
            continue
        rel = release["values"]
        try:
            with open(os.path.join(args.out, rel)) as f:
                values = yaml.safe_load(f) or {}
            problems = check_values(values, release["chartPath"], rules_data, kube)
        except (OSError, yaml.YAMLError) as e:
            problems = [f"cannot read: {e}"]
        if problems:
            failed += 1
            for p in problems:
                print(f"FAIL {rel}: values {p}")
        else:
            passed += 1

    for u in unchecked:
        print(f"not checked: {u} (no CRD here)")
    not_rendered = [f"{r['name']} {r.get('chart', '')} {r.get('version', '')}: {(r.get('reason') or 'no reason given').splitlines()[0]}"
                    for r in index.get("releases", []) if not r.get("rendered")]
    if not_rendered:
        print("not rendered here: " + "; ".join(not_rendered))
    print(f"checked against Kubernetes {kube.version} schemas, {len(crds)} CRDs (CEL rules not evaluated)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
