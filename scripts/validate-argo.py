#!/usr/bin/env python3
"""Validates Argo Workflows manifests (YAML or JSON) against Argo's published JSON Schema, the
check `wf export argo`'s tests make without a cluster. Needs the PyPI packages jsonschema and
pyyaml (.ci/run puts them in .build/venv-jsonschema).

usage: validate-argo.py [--schema FILE] [--definition NAME] [--lenient] MANIFEST...

--schema      Argo's schema (api/jsonschema/schema.json of argoproj/argo-workflows);
              default ../shared/argo/workflow.schema.json beside this checkout.
--definition  the definition each manifest must satisfy; default
              io.argoproj.workflow.v1alpha1.Workflow.
--lenient     accept fields the schema does not name. By default an object whose definition
              lists its properties takes no others (as `argo lint` and `kubectl apply
              --validate=strict` refuse unknown fields), so a misspelt field fails here too.

Every `$ref` (`#/definitions/...`) is resolved inside the schema. Each error is printed as
`MANIFEST: JSON-PATH: message` (for oneOf/anyOf, also the closest alternative's error); the
exit status is 1 when any manifest fails, 2 when a file cannot be read.
"""
import argparse
import copy
import json
import os
import sys

import jsonschema
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCHEMA = os.path.join(HERE, "..", "..", "shared", "argo", "workflow.schema.json")


def strict(node):
    """The schema with `additionalProperties: false` on every object that lists its
    properties and says nothing else about other keys."""
    if isinstance(node, dict):
        node = {key: strict(value) for key, value in node.items()}
        if "properties" in node and "additionalProperties" not in node and "patternProperties" not in node:
            node["additionalProperties"] = False
        return node
    if isinstance(node, list):
        return [strict(value) for value in node]
    return node


def load(path):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if path.endswith(".json"):
        return json.loads(text)
    return yaml.safe_load(text)


def errors_of(validator, document):
    """(json path, message) of every error, the deepest alternative of a oneOf/anyOf included."""
    found = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        found.append((error.json_path, error.message))
        if error.context:
            closest = jsonschema.exceptions.best_match(error.context)
            found.append((closest.json_path, "closest alternative: " + closest.message))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("manifests", nargs="+")
    parser.add_argument("--schema", default=DEFAULT_SCHEMA)
    parser.add_argument("--definition", default="io.argoproj.workflow.v1alpha1.Workflow")
    parser.add_argument("--lenient", action="store_true")
    args = parser.parse_args()

    try:
        with open(args.schema, encoding="utf-8") as handle:
            published = json.load(handle)
    except OSError as error:
        print(f"{args.schema}: cannot read the schema: {error}", file=sys.stderr)
        return 2
    definitions = published["definitions"]
    if args.definition not in definitions:
        print(f"{args.schema} has no definition {args.definition}", file=sys.stderr)
        return 2
    if not args.lenient:
        definitions = strict(copy.deepcopy(definitions))
    root = {"$schema": published.get("$schema", "https://json-schema.org/draft/2020-12/schema"),
            "$ref": "#/definitions/" + args.definition, "definitions": definitions}
    validator_class = jsonschema.validators.validator_for(root)
    validator_class.check_schema(root)
    validator = validator_class(root)

    failed = False
    for path in args.manifests:
        try:
            document = load(path)
        except (OSError, ValueError, yaml.YAMLError) as error:
            print(f"{path}: cannot read the manifest: {error}", file=sys.stderr)
            return 2
        problems = errors_of(validator, document)
        if problems:
            failed = True
            for where, message in problems:
                print(f"{path}: {where}: {message}")
        else:
            print(f"ok {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
