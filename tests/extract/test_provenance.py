"""A row's `extractor`: the same for the same code, options and rules; different when a rule changes."""

from dataclasses import replace

from extract.engine import OutletContext
from extract.provenance import engine_version, extractor_id, rules_hash
from outlets.model import CleanupRules


def test_the_extractor_id_names_version_options_and_rules():
    context = OutletContext(
        outlet="anapress",
        timezone="Asia/Damascus",
        language="ar",
        rules=CleanupRules(prune=(".tags",), labels=()),
    )
    made = extractor_id(context, "0.1.0")
    assert made == extractor_id(replace(context), "0.1.0")
    assert made.startswith(engine_version("0.1.0") + " rules=") and made.startswith(
        "0.1.0 options="
    )
    assert made != extractor_id(context, "0.2.0")
    assert rules_hash(context) == rules_hash(
        replace(context, outlet="renamed")
    )  # the rules, not the name
    for changed in (
        replace(context, rules=CleanupRules(prune=(".tags", ".app-promo"))),
        replace(context, rules=CleanupRules(prune=(".tags",), labels=("اقرأ المزيد",))),
        replace(context, timezone="UTC"),
        replace(context, language="en"),
    ):
        assert extractor_id(changed, "0.1.0") != made
