"""
The handler rules of the Python ports, checked on the source before any packaging is built
(workloads/py/build.ts runs this file): a handler is deterministic and touches nothing outside
its request, so it answers the same bytes in every packaging.

    python3 -I -S -B rules.py <workload> <handler.py>

prints one line per breach, `<file>:<line>: breaks the rule "<rule>": <what>`, and exits 1 if
there is one (0 if none, 2 if the file cannot be read or parsed). The same tables drive the
run-time guard of the test harness (rules_guard.py), which catches what a static look cannot
(an import spelled at run time).

A handler may import only modules of ALLOWED: the lab's `edge` helpers and a few pure standard
library modules. Everything else is refused, named by the rule it would break when it is a
known way to one (a clock, randomness, the network, files or processes, code built at run time).
"""
import sys

#: Modules a handler may import: the lab's helpers and standard library modules without I/O,
#: clocks or randomness.
ALLOWED = frozenset((
    'edge', 'abc', 'array', 'base64', 'binascii', 'bisect', 'codecs', 'collections', 'copy',
    'dataclasses', 'decimal', 'enum', 'fractions', 'functools', 'hashlib', 'heapq', 'hmac',
    'itertools', 'json', 'math', 'numbers', 'operator', 're', 'string', 'struct', 'typing',
    'unicodedata',
))

#: Why a module is refused: rule name and how a handler does without it.
RULES = {
    'no clock': (
        ('time', 'datetime', 'calendar', 'zoneinfo', '_strptime', 'sched', 'timeit'),
        'handlers take the time from the x-lab-now header or the manifest\'s fixedNow',
    ),
    'no randomness': (
        ('random', 'secrets', 'uuid', '_random'),
        'a handler answers the same bytes to the same request',
    ),
    'no network': (
        ('socket', '_socket', 'ssl', 'http', 'urllib', 'asyncio', 'select', 'selectors', 'socketserver',
         'ftplib', 'smtplib', 'poplib', 'imaplib', 'xmlrpc', 'wsgiref', 'webbrowser'),
        'an edge function here answers from its request alone',
    ),
    'no I/O': (
        ('os', 'posix', 'sys', 'io', '_io', 'pathlib', 'shutil', 'subprocess', 'multiprocessing', 'threading',
         '_thread', 'signal', 'ctypes', 'tempfile', 'glob', 'fcntl', 'mmap', 'resource', 'pty', 'logging',
         'builtins', 'gc', 'faulthandler', 'atexit', 'sqlite3', 'pickle', 'marshal', 'shelve', 'dbm'),
        'files, processes, standard streams and the interpreter belong to the packaging',
    ),
    'no dynamic code': (
        ('importlib', 'imp', 'runpy', 'pkgutil', 'code', 'codeop', 'inspect'),
        'every module a handler uses is named in its source',
    ),
}

#: Built-in names a handler must not call or mention, by rule.
BUILTINS = {
    'open': 'no I/O', 'print': 'no I/O', 'input': 'no I/O', 'breakpoint': 'no I/O', 'exit': 'no I/O', 'quit': 'no I/O',
    'eval': 'no dynamic code', 'exec': 'no dynamic code', 'compile': 'no dynamic code', '__import__': 'no dynamic code',
    'globals': 'no dynamic code', 'vars': 'no dynamic code', 'locals': 'no dynamic code', '__builtins__': 'no dynamic code',
}

_BY_MODULE = {m: rule for rule, (mods, _) in RULES.items() for m in mods}


def rule_of_module(name):
    """The rule importing `name` breaks, or None if a handler may import it."""
    top = name.split('.')[0]
    if top in ALLOWED:
        return None
    return _BY_MODULE.get(top, 'standard library allow-list')


def why(rule):
    """The sentence a breach message ends with."""
    if rule == 'standard library allow-list':
        return 'a handler imports only edge and the pure standard library modules in workloads/py/rules.py ALLOWED'
    if rule in RULES:
        return RULES[rule][1]
    return 'eval, exec and friends can reach anything the other rules forbid'


def message(file, line, rule, what):
    return '%s:%d: breaks the rule "%s": %s (%s)' % (file, line, rule, what, why(rule))


def check_source(source, file):
    """Every breach of `source` as a message, in source order."""
    import ast

    tree = ast.parse(source, filename=file)
    out = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                out.append((node.lineno, message(file, node.lineno, 'standard library allow-list', 'a relative import')))
                continue
            names = [node.module or '']
        elif isinstance(node, ast.Name) and node.id in BUILTINS:
            out.append((node.lineno, message(file, node.lineno, BUILTINS[node.id], 'uses %s' % node.id)))
        elif isinstance(node, ast.Attribute) and node.attr in ('__import__', '__builtins__', '__loader__', '__spec__'):
            out.append((node.lineno, message(file, node.lineno, 'no dynamic code', 'uses .%s' % node.attr)))
        for name in names:
            rule = rule_of_module(name)
            if rule is not None:
                out.append((node.lineno, message(file, node.lineno, rule, 'imports %s' % name)))
    return [m for _, m in sorted(out, key=lambda x: x[0])]


def main():
    if len(sys.argv) != 3:
        sys.stderr.write('usage: rules.py <workload> <handler.py>\n')
        return 2
    workload, path = sys.argv[1], sys.argv[2]
    try:
        with open(path, encoding='utf-8') as f:
            source = f.read()
        breaches = check_source(source, 'workloads/%s/handler.py' % workload)
    except (OSError, SyntaxError, ValueError) as e:
        sys.stderr.write('workload %s: cannot check %s: %s\n' % (workload, path, e))
        return 2
    for b in breaches:
        sys.stdout.write('workload %s: %s\n' % (workload, b))
    return 1 if breaches else 0


if __name__ == '__main__':
    sys.exit(main())
