#!/usr/bin/env python3
"""Makes Tests/PythonSourceTests/Fixtures/python_corpus.json: what CPython's own parser says about
a corpus of Python snippets, for PythonSourceTests to compare the Swift parser against.

For each valid snippet it records the shape of every top-level statement (node types in
`ast` field order, names, constant types, and each statement's and expression's line:column);
for each invalid one the SyntaxError's line, column and message. A third section holds 250
random mutations of the Gradient tutorial script (fixed seed) with CPython's verdict on each.

Run with CPython 3.11 (the grammar PythonSource follows):

    python3.11 scripts/make_python_fixtures.py

CI runs no Python for this: the fixture is committed.
"""
import ast
import json
import os
import sys
import random
import warnings

warnings.simplefilter("ignore")

# Fields whose None or plain value goes into the node's label, not its children.
LABEL_FIELDS = {"module", "name", "asname", "rest", "arg", "id", "attr", "level", "simple", "is_async",
                "names", "kwd_attrs"}
IGNORED_FIELDS = {"type_comment", "kind", "type_ignores", "ctx"}


def constant_type(value):
    if value is None:
        return "None"
    if value is Ellipsis:
        return "Ellipsis"
    return type(value).__name__


def shape(node, lines):
    """A compact, deterministic rendering of an ast node, matched by ASTShape.swift."""
    if isinstance(node, ast.Constant):
        label = "Constant:" + constant_type(node.value)
        return label + position(node, lines)
    if isinstance(node, ast.MatchSingleton):
        return "MatchSingleton:" + repr(node.value)
    label = type(node).__name__
    children = []
    for field, value in ast.iter_fields(node):
        if field in IGNORED_FIELDS:
            continue
        if isinstance(node, ast.JoinedStr):
            break
        if field in LABEL_FIELDS and not isinstance(value, ast.AST) and not (
                isinstance(value, list) and value and not isinstance(value[0], str)):
            if isinstance(value, list):
                label += ":" + ",".join(value)
            else:
                label += ":" + ("_" if value is None else str(int(value) if isinstance(value, bool) else value))
            continue
        if isinstance(value, list):
            children.append("[" + ",".join("_" if v is None else shape(v, lines) for v in value) + "]")
        elif value is None:
            children.append("_")
        else:
            children.append(shape(value, lines))
    result = label + position(node, lines)
    if children:
        result += "(" + ",".join(children) + ")"
    return result


def position(node, lines):
    if not isinstance(node, (ast.stmt, ast.expr)):
        return ""
    line = lines[node.lineno - 1] if node.lineno - 1 < len(lines) else b""
    column = len(line[:node.col_offset].decode("utf-8", errors="replace")) + 1
    return f"@{node.lineno}:{column}"


def describe_valid(source):
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise SystemExit(f"{source!r} is not valid: {error}")
    lines = source.encode("utf-8").split(b"\n")
    return [shape(statement, lines) for statement in tree.body]


VALID = [
    # Imports
    "import os",
    "import a.b as c, d",
    "from x import (a, b as c)",
    "from x import (a, b as c,)",
    "from . import x",
    "from .. import x as y",
    "from ...pkg.mod import *",
    "from .mod import a, b",
    "from transformers import pipeline, set_seed",
    # Assignments
    "a = b = 1",
    "a, b = 1, 2",
    "(a, b) = [c, d] = e",
    "[a, *b] = 1, 2, 3",
    "a, = x",
    "x: int = 3",
    "x: int",
    "(x): int = 1",
    "a.b: str = 'x'",
    "a[0]: int",
    "x += 1",
    "x -= 1; x *= 2; x /= 3; x //= 4; x %= 5; x **= 6; x @= m",
    "x <<= 1; x >>= 2; x &= 3; x |= 4; x ^= 5",
    "a.b.c = d[e][f] = 1",
    "x = yield",
    "x = yield from g()",
    "x = *a, *b",
    "x = a if b else c",
    "x = lambda: 0",
    # Simple statements
    "del a, b[0], c.d",
    "del (a, b), [c]",
    "pass",
    "return",
    "return 1, 2",
    "return *a, b",
    "global a, b",
    "nonlocal x",
    "assert x, 'message'",
    "assert (x, y)",
    "raise",
    "raise ValueError('x') from e",
    "break",
    "continue",
    "print('Done')",
    "f(a)(b)(c)",
    "x; y; z;",
    "await x",
    "yield",
    "yield x, y",
    "*a, b = c",
    "'docstring'",
    # Compound statements
    "if a:\n    pass\nelif b:\n    pass\nelif c:\n    x = 1\nelse:\n    y = 2\n",
    "if a: pass\nelse: pass",
    "if x: a = 1; b = 2",
    "for x in y:\n    pass\nelse:\n    pass\n",
    "for x, (y, z) in w: pass",
    "for x, in y: pass",
    "for *a, b in c: pass",
    "for i in range(10): print(i)",
    "for x in *a, *b: pass",
    "while x:\n    break\nelse:\n    continue\n",
    "with a as b, c as (d, e): pass",
    "with a: pass",
    "with (a, b): pass",
    "with (a as b, c as d): pass",
    "with (a as b, c as d,): pass",
    "with (a) as b: pass",
    "with (yield): pass",
    "with open('output.txt', 'w') as f:\n    f.write('x')\n",
    "with a as b.c, d as e[0]: pass",
    "try:\n    pass\nexcept ValueError as e:\n    pass\nexcept (A, B):\n    pass\nexcept:\n    pass\nelse:\n    pass\nfinally:\n    pass\n",
    "try:\n    pass\nfinally:\n    pass\n",
    "try:\n    pass\nexcept* ValueError:\n    pass\nexcept* (TypeError, KeyError) as e:\n    pass\n",
    "def f(): pass",
    "def f(a, b=1, *args, c, d=2, **kw) -> int:\n    return a\n",
    "def f(a, /, b, *, c): pass",
    "def f(a=1, /, b=2, *, c, d=3): pass",
    "def f(a, /): pass",
    "def f(*, a): pass",
    "def f(*args: *Ts): pass",
    "def f(a: int = 1, *args: str, b: 'x' = 2, **kw: dict) -> None: pass",
    "def f(a,): pass",
    "def f(**kw,): pass",
    "@decorator\ndef f():\n    pass\n",
    "@a.b(c)\n@d\nclass C(Base, metaclass=M):\n    x = 1\n    def m(self): return self\n",
    "@(lambda f: f)\ndef g(): pass",
    "@x[0].y\ndef g(): pass",
    "async def f():\n    await x\n    async for a in b:\n        pass\n    async with c as d:\n        pass\n    return [i async for i in g()]\n",
    "@d\nasync def f(): pass",
    "class C: pass",
    "class C(): pass",
    "class C(*bases, **kw): pass",
    "class C(x=1, *b): pass",
    "if x:\n    if y:\n        pass\n    else:\n        pass\n",
    "def f():\n    def g():\n        nonlocal x\n        x = 1\n    return g\n",
    "while True:\n    x = input()\n    if x: break\n",
    # match
    "match x:\n    case 1:\n        pass\n    case 'a' | 'b':\n        pass\n    case [a, *rest]:\n        pass\n    case {'k': v, **kw}:\n        pass\n    case Point(x=0, y=yy) as p:\n        pass\n    case _:\n        pass\n",
    "match x, y:\n    case (1, 2) if y > 0:\n        pass\n    case -1 | 1 + 2j | -3.5 - 1j:\n        pass\n",
    "match p:\n    case Color.RED:\n        pass\n    case None | True | False:\n        pass\n    case (a, b, *_):\n        pass\n    case []:\n        pass\n    case ():\n        pass\n    case {}:\n        pass\n    case Point(1, 2):\n        pass\n    case [1, [2, x]]:\n        pass\n    case (x):\n        pass\n    case a.b.c:\n        pass\n    case {1: _, 'x': [y], C.d: z}:\n        pass\n",
    "match *a, b:\n    case x, *y:\n        pass\n",
    "match = 1",
    "match.x = 2",
    "match(x)",
    "match[x]",
    "case = 3",
    "match x:\n    case str() | bytes():\n        pass\n",
    # Expressions and precedence
    "x = a or b and not c",
    "x = not a == b",
    "x = a < b <= c != d == e > f >= g",
    "x = a in b not in c is d is not e",
    "x = a | b ^ c & d << e >> f + g - h * i / j // k % l @ m",
    "x = -a ** -b",
    "x = ~a + +b - -c",
    "x = a ** b ** c",
    "x = (a ** b) ** c",
    "x = await a ** b",
    "x = a if b else c if d else e",
    "x = lambda a, b=1, *c, d, **e: a + b",
    "x = lambda *, a: a",
    "x = lambda a, /, b: 0",
    "x = lambda: (yield)",
    "x = a.b.c(d)[e](f=g)",
    "x = a[1:2, ::3, 4:, :5, ...]",
    "x = a[:]",
    "x = a[::]",
    "x = a[1:2:3]",
    "x = a[b, c]",
    "x = a[*b]",
    "x = a[b := 1]",
    "x = a[(b, c)]",
    "x = f(*args, **kwargs)",
    "x = f(a, *b, c=1, *d, **e, f=2)",
    "x = f(x for x in y)",
    "x = f((x for x in y), 1)",
    "x = f(a := 1)",
    "x = [1, 2, *a]",
    "x = (1,)",
    "x = ()",
    "x = []",
    "x = {}",
    "x = {1, 2, *a}",
    "x = {'a': 1, **b, 'c': 2}",
    "x = {**a}",
    "x = [i for i in range(10) if i % 2 if i > 3 for j in k]",
    "x = {i for i in a}",
    "x = {k: v for k, v in d.items()}",
    "x = (i for i in a)",
    "x = [i async for i in a]",
    "x = [(yield i) for i in a]",
    "x = (x := 5)",
    "x = [y := 1, y ** 2]",
    "x = 'a' 'b' \"c\"",
    "x = b'a' b'b'",
    "x = f'{a}' 'b'",
    "x = 'a' f'{b!r:>{w}}'",
    "x = rb'\\x' Br'y'",
    "x = u'unicode'",
    "x = '''triple\nquoted'''",
    "x = \"\"\"also\ntriple\"\"\"",
    "x = None, True, False, ...",
    "x = 1_000, 0x_FF, 0o17, 0b1010, 1.5e-3, .5, 5., 1e10, 3j, 1.5J, 0, 00, 0.0",
    "x = 1if y else 2",
    "x = (a)",
    "x = ((a, b))",
    "x = (a)(b)",
    "x = (a).b",
    "x = (a)[b]",
    "x = (a) + (b)",
    "x = [a][0]",
    "x = {a}.pop()",
    "x = 'a'.join(b)",
    "x = a.b.c.d.e",
    "x = not not a",
    "x = - - - a",
    "x = (yield x)",
    "x = a if not b else c",
    "x = [a for b in c if d if e]",
    "x = [*a, *b]",
    "x = f(**a, **b)",
    "x = f(a)(b)[c].d",
    "x = a.if_",
    "x = print",
    "x = a @ b",
    "x = a[1][2:3]",
    "x = {1: 2}[1]",
    "x = 1 .real",
    "x = 1.0.real",
    "x = not a in b",
    "x = a and (b or c)",
    "x = (a, *b)",
    "x = a, *b",
    "x = lambda x=lambda y: y: x",
    "f(a for a in b if c)",
    "f(*a or b)",
    "f(**a or b)",
    "f(a=b if c else d)",
    # Line joining, comments, blank lines, indentation
    "x = (1 +\n     2)",
    "x = [\n    1,\n    2,\n]",
    "x = {\n    'a': 1,  # comment\n    'b': 2,\n}",
    "x = 1 + \\\n    2",
    "if x:\n    # comment\n\n    y = 1\n  # badly indented comment\n    z = 2\n",
    "if x:\n\ty = 1\n\tif z:\n\t\tw = 2\n",
    "if x:\n        y = 1\n",
    "def f():\n    '''doc'''\n    return 1\n\n\n\nx = f()\n",
    "# only a comment",
    "",
    "\n\n\n",
    "x = 1  # trailing",
    "x = 1\n\f\ny = 2",
    "x = 1\r\ny = 2\r\n",
    "if x:\r\n    y = 1\r\n",
    "x = '''a\r\nb'''",
    # Unicode
    "naïve = 'café'",
    "π = 3.14159",
    "x = '日本語'",
    "ｘ = 1",
    # Strings and escapes
    "x = '\\n\\t\\\\\\'\\\"\\a\\b\\f\\v\\r'",
    "x = '\\x41\\u00e9\\U0001F600\\101\\0'",
    "x = '\\N{EM DASH}'",
    "x = '\\d\\w'",
    "x = r'\\n\\d'",
    "x = 'a\\\nb'",
    "x = b'\\x00\\xff\\777'",
    "x = f'{{literal}}'",
    "x = f'{x=}'",
    "x = f'{a[\"k\"]}'",
    "x = f\"{'{'}\"",
    "x = f'{x:%H:%M}'",
    "x = f'''{\n  x\n}'''",
    "x = F'a' Rf'b' if 0 else Rb'c'",
    # The tutorial script
    "from transformers import pipeline, set_seed\n\n# Settings\nrandom_seed = 42\nmax_length = 30\nnum_return_sequences = 5\ninitial_sentence = \"Hello, I'm a language model,\"\n\ngenerator = pipeline('text-generation', model='gpt2')\nset_seed(random_seed)\noutput = generator(initial_sentence, max_length = max_length, num_return_sequences = num_return_sequences)\n\nwith open('output.txt', 'w') as f:\n    ival = 1\n    for val in output:\n        print('---\\nOutput {} of {}\\n---\\n'.format(ival, num_return_sequences), file=f)\n        print(val['generated_text'], file=f)\n        if ival < num_return_sequences: print(file=f)\n        ival += 1\nprint('Done')\n",
]

# (source, whether the message must match CPython's word for word)
INVALID = [
    ("x = 'abc", True),
    ("x = '''abc\n\n", True),
    ("x = (1,\n2", True),
    ("x = [1, 2", True),
    ("x = {1: 2", True),
    ("a = )", True),
    ("x = (1]", True),
    ("x = (1,\n2]", True),
    (")", True),
    ("if x:\npass", True),
    ("for x in y:\nprint(x)", True),
    ("def f():\nreturn", True),
    ("class C:\nx = 1", True),
    ("while x:\n\npass", True),
    ("with a:\npass", True),
    ("try:\npass", True),
    ("if x:\n    pass\nelse:\npass", True),
    ("  x = 1", True),
    ("x = 1\n  y = 2", True),
    ("if x:\n    a\n  b", True),
    ("if x:\n\ta\n        b", True),
    ("$", True),
    ("a ? b", True),
    ("x = 1 2", True),
    ("f(a b)", True),
    ("[a b]", True),
    ("'\\x4'", False),
    ("b'\\x4'", False),
    ("b'\u00e9'", True),
    ("'\\N{NOT A REAL NAME}'", False),
    ("0777", True),
    ("1__0", True),
    ("1e", True),
    ("0x", True),
    ("0o8", True),
    ("0b2", True),
    ("1_", True),
    ("1.real", True),
    ("x = 'a' b'b'", True),
    ("f'{'", True),
    ("f'}'", True),
    ("f'{}'", True),
    ("a = 1 +", True),
    ("f() = 1", True),
    ("1 = x", True),
    ("a + b = 1", True),
    ("None = 1", True),
    ("x = f() = 1", True),
    ("for f() in x: pass", True),
    ("f() += 1", True),
    ("(a, b) += 1", True),
    ("del f()", True),
    ("del 1", True),
    ("with a as f(): pass", True),
    ("f(a.b=1)", True),
    ("f(True=1)", True),
    ("f(a=1, b)", True),
    ("f(**a, b)", True),
    ("f(**a, *b)", True),
    ("f(x for x in y, 1)", True),
    ("from x import a,", True),
    ("try:\n  pass\nexcept A, B:\n  pass", True),
    ("try:\n  pass\nexcept A:\n  pass\nexcept* B:\n  pass", True),
    ("try:\n  pass\nelse:\n  pass", True),
    ("def f(a=1, b): pass", True),
    ("def f(*): pass", True),
    ("def f(**k, a): pass", True),
    ("def f(/, a): pass", True),
    ("def f(a, /, b, /): pass", True),
    ("def f(*a, /): pass", True),
    ("def f(*a, *b): pass", True),
    ("x, y: int", True),
    ("[x]: int", True),
    ("f(): int", True),
    ("x := 1", True),
    ("a if b", True),
    ("print 'x'", True),
    ("a = \\ 1", True),
    ("x = \\", True),
    ("if x\n    pass", True),
    ("def f()\n    pass", True),
    ("class C\n    pass", True),
    ("x = [1, 2 3]", True),
    ("x = (*a)", True),
    ("x = [*a for a in b]", True),
    ("lambda x: yield", True),
    ("def f:\n    pass", True),
    ("x = 1 +* 2", True),
    ("import", True),
    ("from import x", True),
    ("import a.", True),
    ("else: pass", True),
    ("elif x: pass", True),
    ("x = €", True),
    ("x = a\u00a0b", True),
    ("x = 1\nif True:\n    y = 2\n   z = 3\n", True),
    ("x = (\n1,\n2\n", True),
    ("def f():\n    x = 1\n  return x\n", True),
    ("class", True),
    ("x = yield = 1", True),
    ("x = lambda: yield", True),
    ("x = 1 if 2 else", True),
    ("x = [i for i in]", True),
    ("x = {**}", True),
    ("x = {'a' 1}", True),
    ("@decorator\nx = 1", True),
    ("match x:\n    case 1:\npass", True),
    ("async x = 1", True),
    ("nonlocal", True),
    ("x = 'a\\\n", True),
    ("pass pass", True),
    ("return return", True),
    ("a, b += 1", True),
    ("(yield) = 1", True),
    ("[x for x in y] = 1", True),
    ("f'a' = 1", True),
    ("x.y += 1; x() += 1", True),
    ("def f(a, a=1, b): pass", True),
    ("lambda a=1, b: 0", True),
    ("x = 1\n\tif y:\n        pass", True),
    ("\x00", False),
    ("x = a is not not b", True),
]


# The Gradient tutorial's script (the same as VALID's last entry), mutated at random for the
# "mutations" section: CPython's verdict on each variant, valid or not.
TUTORIAL = VALID[-1]
MUTATION_BYTES = list("()[]{}'\"\\\n\t #:=,.*-+fbr0x_je@;")


def mutations(count, seed=2024):
    rng = random.Random(seed)
    result = []
    for _ in range(count):
        source = TUTORIAL
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(source) + 1)
            operation = rng.randrange(3)
            if operation == 0:
                source = source[:at] + source[at + rng.randint(1, 5):]
            elif operation == 1:
                source = source[:at] + rng.choice(MUTATION_BYTES) + source[at:]
            else:
                start = rng.randrange(len(source))
                source = source[:at] + source[start:start + rng.randint(1, 30)] + source[at:]
        result.append(source)
    return result


def describe_any(source):
    try:
        return {"source": source, "statements": describe_valid(source)}
    except SystemExit:
        entry = {"source": source}
        entry.update(describe_invalid(source))
        return entry


def describe_invalid(source):
    try:
        ast.parse(source)
    except SyntaxError as error:
        return {"line": error.lineno, "column": error.offset, "message": error.msg}
    except ValueError as error:
        return {"line": 1, "column": None, "message": str(error)}
    raise SystemExit(f"expected a SyntaxError from {source!r}")


def main():
    if sys.version_info[:2] != (3, 11):
        print(f"warning: this is Python {sys.version.split()[0]}; the fixture describes 3.11", file=sys.stderr)
    valid = [{"source": source, "statements": describe_valid(source)} for source in VALID]
    invalid = []
    for source, exact in INVALID:
        entry = {"source": source, "exactMessage": exact}
        entry.update(describe_invalid(source))
        invalid.append(entry)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, "Tests", "PythonSourceTests", "Fixtures", "python_corpus.json")
    with open(path, "w", encoding="utf-8") as file:
        json.dump({"python": sys.version.split()[0], "valid": valid, "invalid": invalid,
                   "mutations": [describe_any(source) for source in mutations(250)]}, file, indent=1, ensure_ascii=False)
        file.write("\n")
    print(f"wrote {len(valid)} valid and {len(invalid)} invalid snippets to {os.path.relpath(path, root)}")


if __name__ == "__main__":
    main()
