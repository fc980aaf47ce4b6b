"""Compile every ``.po`` catalogue under ``src/ouvert`` into its ``.mo`` file, in pure Python.

Django's ``compilemessages`` needs GNU gettext (``msgfmt``); this script needs only
``polib`` (a dependency of Ouvert), so a fresh machine without gettext can build the
translations. Fuzzy and untranslated entries are left out of the ``.mo`` file, as
``msgfmt`` does. Exits with 1 when a catalogue cannot be read, or when ``--strict`` is
given and a catalogue has fuzzy or untranslated entries.

Usage: python scripts/compile_messages.py [--strict] [--check]
  --check   only report; write nothing
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent / "src" / "ouvert"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="fail on fuzzy or untranslated entries")
    parser.add_argument("--check", action="store_true", help="report only, write no .mo file")
    args = parser.parse_args(argv)

    catalogues = sorted(ROOT.glob("**/locale/*/LC_MESSAGES/*.po"))
    if not catalogues:
        print(f"compile_messages: no .po file under {ROOT}", file=sys.stderr)
        return 1
    status = 0
    for po_path in catalogues:
        try:
            catalogue = polib.pofile(str(po_path))
        except (OSError, ValueError) as exc:
            print(f"compile_messages: {po_path}: {exc}", file=sys.stderr)
            status = 1
            continue
        fuzzy = [e for e in catalogue if "fuzzy" in e.flags and not e.obsolete]
        untranslated = catalogue.untranslated_entries()
        relative = po_path.relative_to(ROOT.parent.parent)
        print(f"{relative}: {len(catalogue.translated_entries())} translated, "
              f"{len(fuzzy)} fuzzy, {len(untranslated)} untranslated")
        if args.strict and (fuzzy or untranslated):
            for entry in (fuzzy + untranslated)[:20]:
                print(f"  {'fuzzy' if entry in fuzzy else 'untranslated'}: {entry.msgid[:80]!r}", file=sys.stderr)
            status = 1
        if not args.check:
            catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
    return status


if __name__ == "__main__":
    sys.exit(main())
