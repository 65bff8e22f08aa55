"""Arabic orthographic folding shared by the extractor's matchers (furniture labels, month names):
the variants one word is written with map to one form, as `str.translate` tables (C speed)."""

from __future__ import annotations

# tashkeel (fathatan … sukun) and tatweel dropped; hamza/madda alef forms to bare alef
FOLD: dict[str, str | None] = {
    **{chr(c): None for c in range(0x064B, 0x0653)},
    "\u0640": None,
    **{c: "ا" for c in "أإآ"},
}
# Arabic-Indic and Persian digits to ASCII
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
