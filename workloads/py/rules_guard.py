"""
The run-time half of the handler rules (rules.py is the static half), used by the test harness:
an audit hook that stops a handler the moment it imports a forbidden module or does what the
rules forbid (opens a file, makes a socket, starts a process, sleeps, compiles code), however it
spelled it. The breach is a BaseException, so a handler's own `except Exception` cannot swallow
it; the harness reports it as the call's failure, naming the rule.

install() before the handler is imported (its module-level imports are checked too), arm()
after: from then on the audit events themselves are breaches.
"""
import sys

from rules import rule_of_module, why

__all__ = ['RuleBreach', 'install', 'arm']

#: Audit events that are a breach once armed, by prefix, with their rule.
_EVENTS = (
    ('open', 'no I/O'),
    ('os.', 'no I/O'),
    ('shutil.', 'no I/O'),
    ('subprocess.', 'no I/O'),
    ('ctypes.', 'no I/O'),
    ('builtins.input', 'no I/O'),
    ('socket.', 'no network'),
    ('urllib.', 'no network'),
    ('http.', 'no network'),
    ('time.sleep', 'no clock'),
    ('random.seed', 'no randomness'),
    ('exec', 'no dynamic code'),
    ('compile', 'no dynamic code'),
)

#: Modules loaded at interpreter start that a handler must still not import: taken out of
#: sys.modules so that importing them is seen.
_PRELOADED = ('time',)


class RuleBreach(BaseException):
    """A handler broke a rule at run time."""


_armed = False
_inside = False


def _callers(f):
    """Module names of the Python frames from `f` outwards, innermost first."""
    out = []
    while f is not None:
        out.append(f.f_globals.get('__name__', ''))
        f = f.f_back
    return out


def _machinery(name):
    return name.startswith('importlib') or name.startswith('_frozen_importlib')


def _imported_by_handler(callers):
    """Whether the first caller that is not the import machinery is the handler (a standard
    library module importing what it needs itself is no breach)."""
    for name in callers:
        if not _machinery(name):
            return name == 'handler'
    return False


def _done_by_handler(event, callers):
    """Whether the handler is doing it: on the stack, and not in the middle of an import (whose
    file reads and module code are judged by the import event)."""
    if any(_machinery(n) for n in callers):
        return False
    if event in ('exec', 'compile'):
        # Only a direct call: the standard library compiles its own regular expressions etc.
        return bool(callers) and callers[0] == 'handler'
    return 'handler' in callers


def _hook(event, args):
    global _inside
    if _inside:
        return
    _inside = True
    try:
        if event == 'import':
            rule = rule_of_module(args[0])
            if rule is not None and _imported_by_handler(_callers(sys._getframe(1))):
                raise RuleBreach('handler breaks the rule "%s": imports %s (%s)' % (rule, args[0], why(rule)))
            return
        if not _armed:
            return
        for prefix, rule in _EVENTS:
            if event.startswith(prefix) and _done_by_handler(event, _callers(sys._getframe(1))):
                shown = tuple(a for a in args if isinstance(a, (str, int)))[:2]
                raise RuleBreach('handler breaks the rule "%s": %s%r (%s)' % (rule, event, shown, why(rule)))
    finally:
        _inside = False


def install():
    for name in _PRELOADED:
        sys.modules.pop(name, None)
    sys.addaudithook(_hook)


def arm():
    global _armed
    _armed = True
