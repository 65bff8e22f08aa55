import os
import re
from pathlib import Path

import pytest

from common.errors import ConfigError, UnknownOutletError
from outlets.registry import load_registry


def test_registry_has_the_five_outlets_with_discovery_and_patterns():
    registry = load_registry()
    assert registry.ids == ["anapress", "orient", "euronews", "enabbaladi", "zamanalwsl"]
    for outlet in registry.outlets:
        assert outlet.language == "ar"
        assert outlet.domains and outlet.discovery_urls
        assert all(outlet.allows(u) for u in outlet.discovery_urls)
    anapress = registry.get("anapress")
    assert anapress.is_article("https://anapress.net/a/254711180498222")
    assert not anapress.is_article("https://anapress.net/section/syria")
    assert registry.get("euronews").is_article("https://arabic.euronews.com/2018/04/06/some-slug")


def test_unknown_outlet_names_the_known_ones():
    with pytest.raises(UnknownOutletError, match="unknown outlet 'bbc'.*anapress, orient"):
        load_registry().get("bbc")


@pytest.mark.parametrize(
    "entry, message",
    [
        (
            'id = "x1"\nname = "X"\nlanguage = "ar"\ndomains = ["x.com"]\nfeeds = ["https://x.com/rss"]',
            "missing 'article_pattern'",
        ),
        (
            'id = "x1"\nname = "X"\nlanguage = "ar"\ndomains = ["x.com"]\nfeeds = ["https://x.com/rss"]\narticle_pattern = "(("',
            "is wrong; give a regular expression in RE2 syntax",
        ),
        (
            'id = "x1"\nname = "X"\nlanguage = "ar"\ndomains = ["x.com"]\nfeeds = ["https://y.com/rss"]\narticle_pattern = "a"',
            "outside domains",
        ),
        (
            'id = "x1"\nname = "X"\nlanguage = "ar"\ndomains = ["x.com"]\nsections = ["https://x.com/"]\narticle_pattern = "a"\ntimezone = "Mars/Base"',
            "unknown timezone",
        ),
        (
            'id = "x1"\nname = "X"\nlanguage = "ar"\ndomains = ["x.com"]\nsections = ["https://x.com/"]\narticle_pattern = "a"\n'
            '[outlet.cleanup]\nprune = [".ok", "div[["]',
            "selector 'div\\[\\[' is not valid CSS",
        ),
    ],
)
def test_bad_registry_entries_are_named(tmp_path, entry, message):
    path = tmp_path / "outlets.toml"
    path.write_text("[[outlet]]\n" + entry + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as err:
        load_registry(path)
    assert str(path) in str(err.value) and "x1" in str(err.value)


def test_missing_registry_says_how_to_fix(tmp_path):
    with pytest.raises(ConfigError, match="NEWSARCHIVE_OUTLETS"):
        load_registry(tmp_path / "nope.toml")


GOOD = 'id = "x1"\nname = "X"\nlanguage = "ar"\ndomains = ["x.com"]\nsections = ["https://x.com/"]\narticle_pattern = "a"\n'


@pytest.mark.parametrize(
    "entry, message",
    [
        (GOOD.replace('"x1"', "42"), "id must be a string, not int 42"),
        (GOOD.replace('"x1"', '"x1/../y"'), "id 'x1/../y' is wrong; give an outlet id"),
        (GOOD.replace('"X"', '["X"]'), "name must be a string"),
        (GOOD + 'cleanup = "none"\n', "cleanup must be a table"),
        (
            GOOD + '[outlet.cleanup]\nlabels = "اقرأ أيضا"\n',
            "cleanup.labels must be a list of strings",
        ),
        (
            GOOD + "[outlet.cleanup]\nprune = [3]\n",
            "cleanup.prune item 3 is not a non-empty one-line string",
        ),
        (GOOD.replace('["x.com"]', '[""]'), "domains item '' is not a non-empty"),
        (GOOD.replace('["x.com"]', '"x.com"'), "domains must be a list of strings"),
        (GOOD.replace('["x.com"]', '["https://x.com/"]'), "give a host name under a registrable"),
        (GOOD.replace('"ar"', '"ar/eg"'), "language 'ar/eg' is wrong; give a BCP 47 language tag"),
        (GOOD.replace('"ar"', '"und"'), "give a BCP 47 language tag"),
        (
            GOOD.replace('"https://x.com/"', '"http://[::1"'),
            "'http://[::1' is wrong; give an absolute",
        ),
        (GOOD.replace('"https://x.com/"', '"ftp://x.com/"'), "give an absolute http(s) URL"),
        (
            GOOD.replace('"https://x.com/"', '"https://x.com:99999/"'),
            "give an absolute http(s) URL",
        ),
        (GOOD.replace('"a"', "5"), "article_pattern must be a string"),
        (GOOD + "timezone = 3\n", "timezone must be a string"),
        (GOOD + 'requisites = "yes"\n', "requisites must be true or false (unquoted), not 'yes'"),
        (GOOD + 'cdns = "cdn.x.net"\n', "cdns must be a list of strings"),
        (GOOD + 'cdns = ["https://cdn.x.net/"]\n', "cdns host 'https://cdn.x.net/' is wrong"),
        (GOOD + 'cdns = ["net"]\n', "give a host name under a registrable domain"),
        (GOOD + 'cdns = ["img.x.com"]\n', "cdns host img.x.com is one of the outlet's domains"),
    ],
)
def test_wrong_types_and_values_are_named(tmp_path, entry, message):
    path = tmp_path / "outlets.toml"
    path.write_text("[[outlet]]\n" + entry, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)) as err:
        load_registry(path)
    assert str(path) in str(err.value) and "entry #1" in str(err.value)


def test_requisites_are_on_by_default_from_the_domains_and_the_listed_cdn_hosts_exactly(tmp_path):
    path = tmp_path / "outlets.toml"
    path.write_text(
        "[[outlet]]\n" + GOOD + 'cdns = ["Cdn.Example.net", "cdn.example.net"]\n'
        "[[outlet]]\n" + GOOD.replace('"x1"', '"x2"') + "requisites = false\n",
        encoding="utf-8",
    )
    on, off = load_registry(path).outlets
    assert (on.requisites, on.cdns) == (True, ("cdn.example.net",))
    assert (off.requisites, off.cdns) == (False, ())
    assert on.serves_requisites("static.x.com") and on.serves_requisites("cdn.example.net")
    # a CDN host is trusted exactly: its parent domain serves the CDN's other customers
    assert not on.serves_requisites("example.net") and not on.serves_requisites("a.cdn.example.net")
    # requisites are not pages: a CDN host is never one the outlet's pages are fetched from
    assert not on.allows("https://cdn.example.net/a")
    euronews = load_registry().get("euronews")
    assert euronews.requisites and euronews.serves_requisites("static.euronews.com")


def test_a_normalised_language_tag_is_kept(tmp_path):
    path = tmp_path / "outlets.toml"
    path.write_text("[[outlet]]\n" + GOOD.replace('"ar"', '"AR_eg"'), encoding="utf-8")
    assert load_registry(path).get("x1").language == "ar-EG"


def _fifo(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    return tmp_path / "fifo"


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p, "is a directory; give the outlets.toml"),
        (_fifo, "is a FIFO"),
        (lambda p: Path("/dev/zero"), "is a device"),
        (
            lambda p: (p / "b.toml").write_bytes(bytes(range(256)) * 4) and p / "b.toml",
            "is not UTF-8 text",
        ),
        (
            lambda p: (p / "big.toml").write_bytes(b"#" * (2 * 1024 * 1024)) and p / "big.toml",
            "over the 1048576 byte limit",
        ),
        (
            lambda p: (p / "e.toml").write_text("outlet = [1, 2]\n") and p / "e.toml",
            "must be a table of keys",
        ),
        (
            lambda p: (
                (p / "d.toml").write_text("x = " + "[" * 2000 + "]" * 2000 + "\n") and p / "d.toml"
            ),
            "registry",
        ),
    ],
    ids=["directory", "fifo", "dev-zero", "binary", "huge", "not-tables", "deep"],
)
def test_files_that_are_not_a_registry_are_refused_before_they_are_read(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(ConfigError, match=re.escape(message)) as err:
        load_registry(path)
    assert str(path) in str(err.value)
