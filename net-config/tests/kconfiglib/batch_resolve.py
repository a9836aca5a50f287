#!/usr/bin/env python3
"""Resolve many Kconfig cases with kconfiglib in one Python process.

The Rust integration tests compare `netcfg show --format values` with
kconfiglib (the reference Kconfig implementation, pip install
kconfiglib==14.1.0). Starting Python once per case would dominate the run
time, so this script takes a list of case directories and resolves them all.

usage: batch_resolve.py CASE_DIR...
       batch_resolve.py --list FILE      (one case directory per line)

A case directory describes one resolution:
  srctree          optional; one line, the directory 'source' paths are
                   relative to (default: the case directory itself)
  top              optional; one line, the top Kconfig file relative to
                   srctree (default: Kconfig)
  fragments        optional; one .conf path per line, applied in order
                   (relative paths are relative to the case directory)
  frag1.conf ...   used when 'fragments' is absent, in numeric order

The semantics are those of shared/tools/kconfiglib_resolve.py: the first
fragment is loaded with replace=True, the rest are merged on top.

Results written into each case directory:
  kconfiglib.config            CONFIG_NAME=value lines (the oracle's format)
  kconfiglib.kconfig-warnings  warnings raised while parsing the Kconfig tree
  kconfiglib.config-warnings   warnings raised while loading the fragments
  kconfiglib.error             only if kconfiglib raised; the traceback
Stale result files are removed first. The exit status is non-zero only for
usage errors: a case that kconfiglib rejects is reported through its
kconfiglib.error file, so that the caller can name the offending case.
"""
import os
import re
import sys
import traceback

import kconfiglib

RESULT_FILES = (
    "kconfiglib.config",
    "kconfiglib.kconfig-warnings",
    "kconfiglib.config-warnings",
    "kconfiglib.error",
)

# netcfg has these macros built in (as Zephyr's build does), so they are
# forced here rather than taken from whatever the environment holds.
os.environ["UINT8_MAX"] = "255"
os.environ["UINT16_MAX"] = "65535"
# kconfiglib takes the CONFIG_ prefix from this variable; netcfg does not.
os.environ.pop("CONFIG_", None)


def read_optional_line(case_dir, name, default):
    path = os.path.join(case_dir, name)
    if not os.path.exists(path):
        return default
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def fragments(case_dir):
    listing = os.path.join(case_dir, "fragments")
    if os.path.exists(listing):
        with open(listing, encoding="utf-8") as f:
            paths = [line.strip() for line in f if line.strip()]
        return [os.path.join(case_dir, p) for p in paths]
    numbered = []
    for name in os.listdir(case_dir):
        match = re.fullmatch(r"frag(\d+)\.conf", name)
        if match:
            numbered.append((int(match.group(1)), name))
    return [os.path.join(case_dir, name) for _, name in sorted(numbered)]


def values(kconf):
    lines = []
    for sym in sorted(kconf.unique_defined_syms, key=lambda s: s.name):
        value = sym.str_value
        if value in ("n", ""):
            continue
        if sym.type == kconfiglib.STRING:
            value = '"%s"' % value
        lines.append("CONFIG_%s=%s\n" % (sym.name, value))
    return "".join(lines)


def write(case_dir, name, text):
    with open(os.path.join(case_dir, name), "w", encoding="utf-8") as f:
        f.write(text)


def resolve(case_dir):
    srctree = read_optional_line(case_dir, "srctree", case_dir)
    top = read_optional_line(case_dir, "top", "Kconfig")
    os.environ["srctree"] = os.path.abspath(os.path.join(case_dir, srctree))
    kconf = kconfiglib.Kconfig(top, warn_to_stderr=False)
    kconfig_warnings = list(kconf.warnings)
    # Assignments to undefined symbols are silently dropped by default; the
    # warning helps when reading a failing case and when checking our configs.
    kconf.warn_assign_undef = True
    for i, conf in enumerate(fragments(case_dir)):
        kconf.load_config(conf, replace=(i == 0))
    config_warnings = kconf.warnings[len(kconfig_warnings):]
    write(case_dir, "kconfiglib.config", values(kconf))
    write(case_dir, "kconfiglib.kconfig-warnings",
          "".join(w + "\n" for w in kconfig_warnings))
    write(case_dir, "kconfiglib.config-warnings",
          "".join(w + "\n" for w in config_warnings))


def main(argv):
    if len(argv) == 2 and argv[0] == "--list":
        with open(argv[1], encoding="utf-8") as f:
            case_dirs = [line.rstrip("\n") for line in f if line.strip()]
    elif argv and not argv[0].startswith("-"):
        case_dirs = argv
    else:
        sys.exit(__doc__)
    cwd = os.getcwd()
    for case_dir in case_dirs:
        for name in RESULT_FILES:
            path = os.path.join(case_dir, name)
            if os.path.exists(path):
                os.remove(path)
        try:
            resolve(case_dir)
        except BaseException:  # noqa: BLE001 - reported per case, see docstring
            write(case_dir, "kconfiglib.error", traceback.format_exc())
        finally:
            # kconfiglib does not chdir, but a failing case must not be able
            # to change the context of the next one.
            os.chdir(cwd)


if __name__ == "__main__":
    main(sys.argv[1:])
