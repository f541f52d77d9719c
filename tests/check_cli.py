"""check_cli.py MINEWATCH TMPDIR - the command line against its own usage.

The commands and their options are read from the usage texts, not listed
here, so an option added to a command is checked without editing this file:

- every command of the top-level usage (`minewatch --help`) has -h and
  --help, which print its usage on stdout (first line: the same synopsis as
  the top-level usage's, so that one lists every option; then a line for
  each option) and exit 0;
- every option of a command's synopsis is taken by its parser: the command
  run with it (and its operands and required options, all naming files that
  do not exist) fails later than the command line (not exit 2), alone and
  with every option at once;
- an option the synopsis does not show is refused: exit 2, one line on
  stderr, nothing on stdout.

Prints one "ok ..." / "FAIL ..." line per check; exits 1 if any failed.
"""
import os
import re
import subprocess
import sys

MW, TMP = sys.argv[1], sys.argv[2]
NONE = os.path.join(TMP, "no-such-folder")
# values an option's check must be given to pass its own validation; any
# other option gets a path that does not exist
VALUES = {"--epsg": "4526", "--threads": "1", "--tile-size": "256", "--encoding": "GBK"}
# the commands and verbs issue 13 names: each must take -h/--help
NAMED = ["scan", "evaluate", "nightly", "ledger", "ledger set-status", "licences",
         "licences import-corners", "licences audit", "version"]

failed = 0


def check(name, cond, detail=""):
    global failed
    if cond:
        print(f"ok    {name}")
    else:
        failed += 1
        print(f"FAIL  {name}" + (f": {detail}" if detail else ""))


def run(args):
    p = subprocess.run([MW] + args, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def synopsis_tokens(line):
    """'minewatch scan CONFIG.ini [-o|--out OUTDIR] --epsg N' -> (command,
    operands, [(names, metavar or None, required)]); a metavar after a
    required option is its value."""
    words = line.split()
    cmd, i = [], 1
    while i < len(words) and re.fullmatch(r"[a-z][a-z-]*", words[i]):
        cmd.append(words[i])
        i += 1
    operands, opts = [], []
    while i < len(words):
        w = words[i]
        if w.startswith("["):
            j = i
            while not words[j].endswith("]"):
                j += 1
            inner = " ".join(words[i:j + 1])[1:-1].split()
            opts.append((inner[0].split("|"), inner[1] if len(inner) > 1 else None, False))
            i = j + 1
        elif w.startswith("-"):
            meta = None
            if i + 1 < len(words) and re.fullmatch(r"[A-Z][A-Za-z0-9_.]*", words[i + 1]):
                meta = words[i + 1]
                i += 1
            opts.append((w.split("|"), meta, True))
            i += 1
        else:
            operands.append(w)
            i += 1
    return " ".join(cmd), operands, opts


def invocation(cmd, operands, opts, extra):
    args = cmd.split() + [os.path.join(NONE, o) for o in operands]
    for names, meta, required in opts:
        if required or names in [e[0] for e in extra]:
            args.append(names[-1])
            if meta:
                args.append(VALUES.get(names[-1], os.path.join(NONE, meta)))
    return args


def main():
    rc, top, err = run(["--help"])
    check("minewatch --help exits 0, usage on stdout", rc == 0 and top.startswith("usage: "),
          f"rc {rc}, {err.strip()}")
    check("the top-level usage says every command takes -h|--help", "-h|--help" in top)
    synopses = [re.sub(r"^(usage: |\s+)", "", l) for l in top.splitlines()
                if re.match(r"^(usage: |\s+)minewatch ", l)]
    commands = {}
    for line in synopses:
        cmd, operands, opts = synopsis_tokens(line)
        commands[cmd] = (line, operands, opts)
    check("the top-level usage lists the commands (at least the 7 of today)",
          len(commands) >= 7, sorted(commands))
    for name in NAMED:
        for flag in ("-h", "--help"):
            rc, out, err = run(name.split() + [flag])
            check(f"minewatch {name} {flag}: exit 0, its usage on stdout, nothing on stderr",
                  rc == 0 and out.startswith(f"usage: minewatch {name.split()[0]}") and not err,
                  f"rc {rc}, stdout {out[:80]!r}, stderr {err.strip()!r}")
    for cmd, (line, operands, opts) in sorted(commands.items()):
        rc, out, err = run(cmd.split() + ["--help"])
        help_text = out
        own = out.splitlines()[0][len("usage: "):] if out.startswith("usage: ") else ""
        check(f"{cmd} --help shows the synopsis of the top-level usage", own == line,
              f"{own!r} vs {line!r}")
        # after the operands, too
        rc, out2, _ = run(invocation(cmd, operands, opts, []) + ["-h"])
        check(f"{cmd}: -h after the operands still prints the usage", rc == 0 and out2 == out,
              f"rc {rc}")
        for o in opts:
            args = invocation(cmd, operands, opts, [o])
            rc, out, err = run(args)
            check(f"{cmd}: its parser takes {'|'.join(o[0])} (exit {rc}, not 2)",
                  rc != 2 and "unknown option" not in err, err.strip())
            shown = ", ".join(o[0]) + (f" {o[1]}" if o[1] else "")
            check(f"{cmd} --help says what {shown} does",
                  re.search(r"^\s+" + re.escape(shown) + r"\s+\S", help_text, re.M) is not None)
        args = invocation(cmd, operands, opts, opts)
        rc, out, err = run(args)
        check(f"{cmd}: every option at once is taken (exit {rc}, not 2)", rc != 2, err.strip())
        rc, out, err = run(invocation(cmd, operands, opts, []) + ["--no-such-option"])
        check(f"{cmd}: an option its usage does not show exits 2, one line, no stdout",
              rc == 2 and err.count("\n") == 1 and not out and "--no-such-option" in err,
              f"rc {rc}, stderr {err!r}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
