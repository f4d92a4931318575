#!/usr/bin/env python3
"""Writes the overlay of Kubernetes' own OpenAPI facts that definitions.json lacks.

Usage: extract-openapi-overlay.py <kube-apiserver's /openapi/v2 JSON> > \
           src/server/data/kubernetes-openapi-1.36/overlay.json
       extract-openapi-overlay.py --v3 <kube-apiserver's /openapi/v3/<gv> JSONs...> > \
           src/server/data/kubernetes-openapi-1.36/overlay-v3.json

definitions.json (from the kubernetes-validate package) carries every built-in type's shape but
not the enum values kube-apiserver publishes (a property's `enum`, or its items' or values', and the
"Possible enum values" its description then ends with), nor two type-level descriptions. The
overlay is a JSON merge patch (RFC 7386) over definitions.json's `$defs` holding exactly those
facts, taken from a real kube-apiserver of the same minor version (the e2e harness builds one:
`scripts/build-kube-apiserver.sh`).

With `--v3`, the overlay of what only the OpenAPI v3 documents say: the `default` of each
property (or item, or value) that Go's decoding fills in — `{}` for a struct, `""`, `0`,
`false` for a non-pointer scalar, and the declared defaults — which the v2 document leaves out.
"""
import json
import sys

DEFS = "src/server/data/kubernetes-openapi-1.36/definitions.json"


def main():
    kube = json.load(open(sys.argv[1]))["definitions"]
    ours = json.load(open(DEFS))["$defs"]
    overlay = {}
    for name in sorted(set(kube) & set(ours)):
        k, o = kube[name], ours[name]
        patch = {}
        if "description" in k and "description" not in o:
            patch["description"] = k["description"]
        props = {}
        for prop, kp in sorted(k.get("properties", {}).items()):
            op = o.get("properties", {}).get(prop)
            if op is None:
                continue
            p = {}
            if "enum" in kp and kp["enum"] != op.get("enum"):
                p["enum"] = kp["enum"]
            for held in ("items", "additionalProperties"):
                inner = kp.get(held, {})
                if "enum" in inner and inner["enum"] != op.get(held, {}).get("enum"):
                    p[held] = {"enum": inner["enum"]}
            if p and kp.get("description") != op.get("description"):
                p["description"] = kp["description"]
            if p:
                props[prop] = p
        if props:
            patch["properties"] = props
        if patch:
            overlay[name] = patch
    json.dump(overlay, sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")


def defaults_of(node):
    """The merge patch holding every `default` under `node` (properties, items, values)."""
    patch = {}
    if not isinstance(node, dict):
        return patch
    if "default" in node:
        patch["default"] = node["default"]
    props = {}
    for prop, p in node.get("properties", {}).items():
        d = defaults_of(p)
        if d:
            props[prop] = d
    if props:
        patch["properties"] = props
    for held in ("items", "additionalProperties"):
        d = defaults_of(node.get(held))
        if d:
            patch[held] = d
    return patch


def main_v3(paths):
    overlay = {}
    for path in paths:
        for name, schema in json.load(open(path))["components"]["schemas"].items():
            d = defaults_of(schema)
            if d and name not in overlay:
                overlay[name] = d
    json.dump(overlay, sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    if sys.argv[1] == "--v3":
        main_v3(sys.argv[2:])
    else:
        main()
