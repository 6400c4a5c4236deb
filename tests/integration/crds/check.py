#!/usr/bin/env python3
"""Offline checks of flint's CRDs and of the manifests in this folder.

Needs no cluster, so it runs everywhere run.sh cannot:

  1. the generated files in manifests/crds are up to date;
  2. every CRD is a structural schema the apiserver will take (types
     everywhere, defaults and enums that fit their own schema, required
     names that exist, list-map keys that are required), with the columns,
     names and subresources kubectl and Flux tools rely on;
  3. the manifests in valid/ set every spec field and every enum value of
     every CRD at least once, those in status/ every status field, and
     those in invalid/ break every CEL rule;
  4. every manifest in valid/ passes an OpenAPI validation that mirrors the
     apiserver's (types, enums, patterns, lengths, required, unknown fields,
     defaults), and so does every object with its status in status/;
     every manifest in invalid/ fails it with its "# expect:"
     text, except those whose text is a CEL rule message: only a real
     apiserver evaluates CEL, so run.sh covers them.

Usage: check.py [manifests/crds dir]   (prints a summary; exit 1 on failure)
"""

import glob
import json
import os
import re
import subprocess
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SCALARS = {"string", "boolean", "integer", "number"}
SMD_TYPES = {"string": "string", "boolean": "boolean", "object": "map",
             "array": "list", "integer": "numeric (int or float)",
             "number": "numeric (int or float)"}


def load_crds(crd_dir):
    with open(os.path.join(crd_dir, "kustomization.yaml")) as f:
        kust = yaml.safe_load(f)
    crds = {}
    for res in kust["resources"]:
        with open(os.path.join(crd_dir, res)) as f:
            crd = yaml.safe_load(f)
        crd["_file"] = res
        spec = crd["spec"]
        for ver in spec["versions"]:
            crds[(f"{spec['group']}/{ver['name']}", spec["names"]["kind"])] = \
                (crd, ver)
    return crds


# --- structural self-check -------------------------------------------------

def schema_problems(node, path, problems):
    """Appends to problems what the apiserver or kubectl would object to."""
    if node.get("x-kubernetes-preserve-unknown-fields"):
        if "type" in node and node["type"] != "object":
            problems.append(f"{path}: preserve-unknown on a {node['type']}")
        return
    typ = node.get("type")
    if typ not in SCALARS | {"object", "array"}:
        problems.append(f"{path}: missing or unknown type {typ!r}")
        return
    if typ == "object":
        props = node.get("properties")
        addl = node.get("additionalProperties")
        if props is not None and addl is not None:
            problems.append(f"{path}: both properties and "
                            "additionalProperties")
        for name in node.get("required", []):
            if props is None or name not in props:
                problems.append(f"{path}: required {name!r} is undefined")
        for name, sub in (props or {}).items():
            schema_problems(sub, f"{path}.{name}", problems)
        if isinstance(addl, dict):
            schema_problems(addl, f"{path}.*", problems)
    elif typ == "array":
        if "items" not in node:
            problems.append(f"{path}: array without items")
        else:
            schema_problems(node["items"], f"{path}[]", problems)
        if node.get("x-kubernetes-list-type") == "map":
            item = node["items"]
            for key in node.get("x-kubernetes-list-map-keys", []):
                sub = item.get("properties", {}).get(key)
                if sub is None or (key not in item.get("required", [])
                                   and "default" not in sub):
                    problems.append(f"{path}: list-map key {key!r} must be "
                                    "a required or defaulted property")
    for value in node.get("enum", []):
        if validate(value, dict(node, enum=None), path, strict=True):
            problems.append(f"{path}: enum value {value!r} breaks the schema")
    if "default" in node:
        errs = validate(json.loads(json.dumps(node["default"])), node, path,
                        strict=True)
        if errs:
            problems.append(f"{path}: default does not validate: {errs}")
    for rule in node.get("x-kubernetes-validations", []):
        if not rule.get("rule") or not rule.get("message"):
            problems.append(f"{path}: CEL rule without rule or message")


def crd_problems(crd, ver):
    problems = []
    names = crd["spec"]["names"]
    where = crd["_file"]
    root = ver["schema"]["openAPIV3Schema"]
    schema_problems(root, "", problems)
    props = root.get("properties", {})
    if props.get("metadata") != {"type": "object"}:
        problems.append("metadata must be a bare object")
    if ("status" in props) != ("status" in ver.get("subresources", {})):
        problems.append("status schema and status subresource disagree")
    if "status" in props and \
            props["status"].get("default") != {"observedGeneration": -1} \
            and names["kind"] != "ExternalArtifact":
        problems.append("status must default observedGeneration to -1")
    cols = {c["name"]: c for c in ver.get("additionalPrinterColumns", [])}
    if cols.get("Age", {}).get("jsonPath") != ".metadata.creationTimestamp":
        problems.append("no Age column")
    if "status" in props:
        for col in ("Ready", "Status"):
            if col not in cols:
                problems.append(f"no {col} column")
    if "fluxcd" not in names.get("categories", []):
        problems.append("not in the fluxcd category")
    if not (ver["served"] and ver["storage"]):
        problems.append("version must be served and stored")
    if crd["metadata"]["name"] != \
            f"{names['plural']}.{crd['spec']['group']}":
        problems.append("metadata.name is not <plural>.<group>")
    for prop in ("spec",) + (("status",) if "status" in props else ()):
        undocumented = []
        walk_descriptions(props[prop], prop, undocumented)
        problems += [f"{p}: no description" for p in undocumented]
    return [f"{where}: {p}" for p in problems]


def walk_descriptions(node, path, out):
    if not node.get("description"):
        out.append(path)
    for name, sub in node.get("properties", {}).items():
        walk_descriptions(sub, f"{path}.{name}", out)
    if "items" in node and node["items"].get("type") == "object":
        walk_descriptions(node["items"], f"{path}[]", out)


# --- validation, as the apiserver does it (less CEL) -----------------------

def go_type(value):
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def quote(value):
    return json.dumps(value)


def validate(value, node, path, strict=False):
    """Returns the errors 'kubectl apply --server-side' would print, in its
    words; fills in defaults in place."""
    if node.get("x-kubernetes-preserve-unknown-fields") and "type" not in node:
        return []
    typ = node.get("type")
    got = go_type(value)
    if got != typ and not (typ == "number" and got == "integer"):
        # Server-side apply types the object before validation runs, so a
        # wrong type reads as structured-merge-diff words it.
        return [f".{path}: expected {SMD_TYPES[typ]}, got {got}"]
    if node.get("enum") and value not in node["enum"]:
        supported = ", ".join(quote(v) for v in node["enum"])
        return [f"{path}: Unsupported value: {quote(value)}: supported "
                f"values: {supported}"]
    if typ == "string":
        return validate_string(value, node, path)
    if typ == "array":
        return validate_array(value, node, path, strict)
    if typ == "object":
        return validate_object(value, node, path, strict)
    if typ == "integer" and "minimum" in node and value < node["minimum"]:
        return [f"{path}: Invalid value: {value}: {path} in body should be "
                f"greater than or equal to {node['minimum']}"]
    return []


def validate_string(value, node, path):
    errs = []
    if "maxLength" in node and len(value.encode()) > node["maxLength"]:
        errs.append(f"{path}: Too long: may not be more than "
                    f"{node['maxLength']} bytes")
    if "minLength" in node and len(value) < node["minLength"]:
        errs.append(f"{path}: Invalid value: {quote(value)}: {path} in body "
                    f"should be at least {node['minLength']} chars long")
    if "pattern" in node and not re.search(node["pattern"], value):
        errs.append(f"{path}: Invalid value: {quote(value)}: {path} in body "
                    f"should match '{node['pattern']}'")
    return errs


def validate_array(value, node, path, strict):
    errs = []
    if "minItems" in node and len(value) < node["minItems"]:
        errs.append(f"{path}: Invalid value: {len(value)}: {path} in body "
                    f"should have at least {node['minItems']} items")
    for i, item in enumerate(value):
        errs += validate(item, node["items"], f"{path}[{i}]", strict)
    keys = node.get("x-kubernetes-list-map-keys")
    if node.get("x-kubernetes-list-type") == "map" and keys:
        seen = set()
        for item in value:
            key = ",".join(f"{k}={quote(item.get(k))}" for k in keys)
            if key in seen:
                errs.append(f".{path}: duplicate entries for key [{key}]")
            seen.add(key)
    return errs


def validate_object(value, node, path, strict):
    errs = []
    props = node.get("properties")
    addl = node.get("additionalProperties")
    prefix = f"{path}." if path else ""
    for name, sub in (props or {}).items():
        if name not in value and "default" in sub:
            value[name] = json.loads(json.dumps(sub["default"]))
    for name in node.get("required", []):
        if name not in value:
            errs.append(f"{prefix}{name}: Required value")
    for name, sub in value.items():
        if props is not None and name in props:
            errs += validate(sub, props[name], prefix + name, strict)
        elif isinstance(addl, dict):
            errs += validate(sub, addl, prefix + name, strict)
        elif props is not None and not node.get(
                "x-kubernetes-preserve-unknown-fields"):
            errs.append(f".{prefix}{name}: field not declared in schema")
    return errs


def validate_manifest(doc, crds):
    key = (doc.get("apiVersion"), doc.get("kind"))
    if key not in crds:
        return [f"no CRD for {key}"], None
    crd, ver = crds[key]
    root = ver["schema"]["openAPIV3Schema"]
    body = {k: v for k, v in doc.items() if k != "metadata"}
    errs = validate(body, dict(root, properties={
        k: v for k, v in root["properties"].items() if k != "metadata"}),
        "", strict=True)
    doc.update(body)
    return errs, crd


def cel_messages(node, out):
    for rule in node.get("x-kubernetes-validations", []):
        out.add(rule["message"])
    for sub in node.get("properties", {}).values():
        cel_messages(sub, out)
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            cel_messages(node[key], out)


def directives(path, name):
    out = []
    with open(path) as f:
        for line in f:
            if line.startswith(f"# {name}: "):
                out.append(line[len(name) + 4:].rstrip("\n"))
    return out


def jsonpath(doc, expr):
    """Resolves the {.a.b[0].c} subset of kubectl's JSONPath."""
    cur = doc
    for part in re.findall(r"\.([A-Za-z0-9_-]+)|\[(\d+)\]", expr.strip("{}")):
        if cur is None:
            return None
        cur = cur.get(part[0]) if part[0] else (
            cur[int(part[1])] if int(part[1]) < len(cur) else None)
    return cur


def check_valid(path, crds):
    problems = []
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    if not docs:
        return ["no documents"]
    for doc in docs:
        errs, _ = validate_manifest(doc, crds)
        problems += errs
    for d in directives(path, "default"):
        expr, _, want = d.partition(" = ")
        got = jsonpath(docs[0], expr)
        got = json.dumps(got) if not isinstance(got, str) else got
        if got != want:
            problems.append(f"default {expr}: got {got!r}, want {want!r}")
    return problems


def check_invalid(path, crds):
    """Returns (problems, needs_server)."""
    expects = directives(path, "expect")
    if not expects:
        return ["no '# expect:' line"], False
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    if len(docs) != 1:
        return ["an invalid manifest must hold exactly one object"], False
    errs, crd = validate_manifest(docs[0], crds)
    if crd is None:
        return errs, False
    cels = set()
    cel_messages(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"],
                 cels)
    if not errs and all(e in cels for e in expects):
        return [], True
    text = "\n".join(errs)
    missing = [e for e in expects if e not in text]
    if missing:
        return [f"expected {missing!r}, offline validation said "
                f"{errs or 'nothing'}"], False
    return [], False


# --- coverage: every field and enum value appears in some manifest ---------

def schema_paths(node, path, fields, enums):
    fields.add(path)
    for value in node.get("enum", []):
        enums.add((path, value))
    for name, sub in node.get("properties", {}).items():
        schema_paths(sub, f"{path}.{name}", fields, enums)
    if "items" in node:
        schema_paths(node["items"], path + "[]", fields, enums)
    addl = node.get("additionalProperties")
    if isinstance(addl, dict) and addl.get("type") == "object":
        schema_paths(addl, path + ".*", fields, enums)


def manifest_paths(value, node, path, fields, enums):
    fields.add(path)
    if isinstance(value, list):
        for item in value:
            manifest_paths(item, node.get("items", {}), path + "[]", fields,
                           enums)
    elif isinstance(value, dict):
        props = node.get("properties")
        addl = node.get("additionalProperties")
        for name, sub in value.items():
            if props is not None and name in props:
                manifest_paths(sub, props[name], f"{path}.{name}", fields,
                               enums)
            elif isinstance(addl, dict) and addl.get("type") == "object":
                manifest_paths(sub, addl, path + ".*", fields, enums)
    elif "enum" in node:
        enums.add((path, value))


def coverage_problems(crds, section, files):
    """What of each CRD's spec or status no manifest in files sets."""
    seen = {key: (set(), set()) for key in crds}
    for path in files:
        with open(path) as f:
            for doc in yaml.safe_load_all(f):
                key = (doc or {}).get("apiVersion"), (doc or {}).get("kind")
                if key in crds and section in doc:
                    root = crds[key][1]["schema"]["openAPIV3Schema"]
                    manifest_paths(doc[section],
                                   root["properties"][section], section,
                                   *seen[key])
    problems = []
    for key, (crd, ver) in sorted(crds.items()):
        node = ver["schema"]["openAPIV3Schema"]["properties"].get(section)
        if node is None:
            continue
        fields, enums = set(), set()
        schema_paths(node, section, fields, enums)
        if section == "status":
            enums = set()  # controllers pick the values; any will do
        for field in sorted(fields - seen[key][0]):
            problems.append(f"{key[1]}: no manifest sets {field}")
        for field, value in sorted(enums - seen[key][1], key=str):
            problems.append(f"{key[1]}: no manifest sets {field} to "
                            f"{value!r}")
    return problems


def cel_coverage_problems(crds, files):
    """CEL rules that no invalid manifest breaks."""
    expects = set()
    for path in files:
        expects.update(directives(path, "expect"))
    problems = []
    for key, (crd, ver) in sorted(crds.items()):
        messages = set()
        cel_messages(ver["schema"]["openAPIV3Schema"], messages)
        for msg in sorted(messages):
            if not any(msg in e for e in expects):
                problems.append(f"{key[1]}: no invalid manifest breaks the "
                                f"rule '{msg}'")
    return problems


def main(argv):
    crd_dir = argv[1] if len(argv) > 1 else os.path.join(ROOT, "manifests",
                                                          "crds")
    failures = []
    gen = os.path.join(crd_dir, "gen", "generate.py")
    if subprocess.run([sys.executable, gen, "--check"]).returncode != 0:
        failures.append("generated CRDs are stale")
    crds = load_crds(crd_dir)
    seen_short = {}
    for crd, ver in crds.values():
        failures += crd_problems(crd, ver)
        for short in crd["spec"]["names"].get("shortNames", []):
            if short in seen_short:
                failures.append(f"short name {short} used twice")
            seen_short[short] = crd["_file"]
    n_valid = n_invalid = n_status = n_server = 0
    for path in sorted(glob.glob(os.path.join(HERE, "valid", "*.yaml"))):
        n_valid += 1
        failures += [f"valid/{os.path.basename(path)}: {p}"
                     for p in check_valid(path, crds)]
    for path in sorted(glob.glob(os.path.join(HERE, "status", "*.yaml"))):
        n_status += 1
        failures += [f"status/{os.path.basename(path)}: {p}"
                     for p in check_valid(path, crds)]
    for path in sorted(glob.glob(os.path.join(HERE, "invalid", "*.yaml"))):
        n_invalid += 1
        problems, server = check_invalid(path, crds)
        n_server += server
        failures += [f"invalid/{os.path.basename(path)}: {p}"
                     for p in problems]
    failures += [f"coverage: {p}" for p in coverage_problems(
        crds, "spec", glob.glob(os.path.join(HERE, "valid", "*.yaml")))]
    failures += [f"coverage: {p}" for p in cel_coverage_problems(
        crds, glob.glob(os.path.join(HERE, "invalid", "*.yaml")))]
    failures += [f"coverage: {p}" for p in coverage_problems(
        crds, "status", glob.glob(os.path.join(HERE, "status", "*.yaml")))]
    for f in failures:
        print("FAIL", f)
    print(f"crds: {len(crds)} CRDs checked; {n_valid} valid, {n_status} "
          f"with status and {n_invalid} invalid manifests ({n_server} need "
          f"the apiserver for CEL); {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
