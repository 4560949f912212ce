#!/usr/bin/env python3
"""Validates ONNX files against the ONNX specification with the reference checker.

Usage: /usr/bin/python3 scripts/onnx-check.py FILE.onnx [FILE.onnx ...]

Runs onnx.checker.check_model(model, full_check=True) (structure, operator schemas, and shape
inference with strict checks) on each file. Prints one JSON line per file:
{"file", "ok", "onnx", "opset", "ir_version", "error"}. Exits 0 if every file passes, 1 if one
fails, 3 if the onnx package is missing (install it with: apt-get install python3-onnx).
"""
import json
import sys

try:
    import onnx
except ImportError:
    print(json.dumps({"ok": False, "error": "python3-onnx is not installed; "
                      "run: apt-get install python3-onnx"}))
    sys.exit(3)


def check(path):
    result = {"file": path, "ok": False, "onnx": onnx.__version__}
    try:
        model = onnx.load(path)
        result["ir_version"] = model.ir_version
        result["opset"] = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")]
        onnx.checker.check_model(model, full_check=True)
        result["ok"] = True
    except Exception as e:  # the checker raises several exception types; all are failures
        result["error"] = f"{type(e).__name__}: {e}"
    return result


def main(paths):
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    results = [check(p) for p in paths]
    for r in results:
        print(json.dumps(r))
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
