#!/usr/bin/python3
"""accessibility-check.py APP-NAME [--wait-for TEXT] [--seconds N] [--dump]: the accessibility
tree of a running application, read over AT-SPI as a screen reader reads it, once a node whose
name starts with TEXT is in it (at most N s, 20 by default). Every button and every list row
must have a name (a screen reader would otherwise say "button" and nothing more); the rows of
the lists named "Messages" (a channel) and "Thread" (a thread) read as "Author, HH:MM: text".
Prints one line per problem and exits 1 if any,
0 if none, 77 (skip) without pyatspi (Debian's python3-pyatspi)."""

import re
import sys
import time

try:
    import pyatspi
except ImportError:
    print("# pyatspi is missing (Debian's python3-pyatspi)")
    sys.exit(77)

NAMED_ROLES = {
    pyatspi.ROLE_PUSH_BUTTON: "button",
    pyatspi.ROLE_TOGGLE_BUTTON: "toggle button",
    pyatspi.ROLE_LIST_ITEM: "list row",
    pyatspi.ROLE_CHECK_BOX: "check box",
    pyatspi.ROLE_RADIO_BUTTON: "radio button",
    pyatspi.ROLE_MENU_ITEM: "menu item",
}
MESSAGE_ROW = re.compile(r"^.+, \d\d:\d\d: .+")


def find_application(name):
    desktop = pyatspi.Registry.getDesktop(0)
    for app in desktop:
        if app is not None and app.name == name:
            return app
    return None


def walk(node, depth=0, inside_messages=False):
    if node is None or depth > 60:
        return
    yield node, depth, inside_messages
    inside_messages = inside_messages or (
        node.getRole() == pyatspi.ROLE_LIST and node.name in ("Messages", "Thread"))
    for child in node:
        yield from walk(child, depth + 1, inside_messages)


def shows(name, text):
    app = find_application(name)
    return app is not None and any(
        (node.name or "").startswith(text) for node, _, _ in walk(app))


def main():
    name = sys.argv[1]
    dump = "--dump" in sys.argv
    wait_for = sys.argv[sys.argv.index("--wait-for") + 1] if "--wait-for" in sys.argv else None
    seconds = int(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 20
    deadline = time.monotonic() + seconds
    while wait_for is not None and not shows(name, wait_for):
        if time.monotonic() > deadline:
            print(f"no node named {wait_for!r}… in {seconds} s")
            dump = True
            break
        time.sleep(0.2)
    app = find_application(name)
    if app is None:
        apps = [a.name for a in pyatspi.Registry.getDesktop(0) if a is not None]
        print(f"# no application {name!r} on the accessibility bus; there are: {apps}")
        return 1
    problems = []
    counts = {}
    thread_rows = 0
    for node, depth, inside_messages in walk(app):
        if node.getRole() == pyatspi.ROLE_LIST_ITEM and node.parent is not None and \
                node.parent.getRole() == pyatspi.ROLE_LIST and node.parent.name == "Thread":
            thread_rows += 1
        role = node.getRole()
        if dump:
            print(f"# {'  ' * depth}{node.getRoleName()}: {node.name!r}")
        if role not in NAMED_ROLES:
            continue
        what = NAMED_ROLES[role]
        counts[what] = counts.get(what, 0) + 1
        if not node.name.strip():
            parent = node.parent
            problems.append(f"a {what} without a name (in {parent.getRoleName()} "
                            f"{parent.name!r})")
        elif inside_messages and role == pyatspi.ROLE_LIST_ITEM and \
                not MESSAGE_ROW.match(node.name):
            problems.append(f"a message row that does not read as 'Author, 10:42: text': "
                            f"{node.name!r}")
    if wait_for is not None and not shows(name, wait_for):
        problems.append(f"no node named {wait_for!r}…")
    for problem in problems:
        print(problem)
    print("# named: " + ", ".join(f"{n} {what}s" for what, n in sorted(counts.items())))
    print(f"# message rows in Thread: {thread_rows}")
    return 1 if problems else 0


sys.exit(main())
