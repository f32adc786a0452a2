"""Every text the app shows has its Simplified Chinese translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "app" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def extracted_messages() -> set[str]:
    found: set[str] = set()
    for folder, method in (("app", "python"), ("templates", "jinja2")):
        mapping = [("**.py", "python")] if method == "python" else [("**.html", "jinja2")]
        options = {"**.html": {"extensions": "jinja2.ext.do"}}
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, mapping, options_map=options, keywords=KEYWORDS, directory_filter=lambda _path: True
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_in_the_code_is_translated_to_chinese():
    with CATALOG.open(encoding="utf-8") as handle:
        catalog = read_po(handle)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and not m.fuzzy and (m.string if isinstance(m.string, str) else m.string[0])
    }
    missing = sorted(extracted_messages() - translated)
    assert missing == [], "run `make extract-messages` and translate these in messages.po"


def test_placeholders_survive_translation():
    with CATALOG.open(encoding="utf-8") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        target = message.string if isinstance(message.string, str) else message.string[0]
        for start in range(len(source)):  # each %(name)s of the source
            if source.startswith("%(", start):
                name = source[start : source.index(")", start) + 2]
                assert name in target, f"{source!r} lost {name}"
