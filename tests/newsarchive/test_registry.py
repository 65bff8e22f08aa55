import pytest

from newsarchive.errors import ConfigError, UnknownOutletError
from newsarchive.registry import load_registry


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
        ('id = "x1"\nname = "X"\nlanguage = "ar"\ndomains = ["x.com"]\nfeeds = ["https://x.com/rss"]', "missing 'article_pattern'"),
        ('id = "x1"\nname = "X"\nlanguage = "ar"\ndomains = ["x.com"]\nfeeds = ["https://x.com/rss"]\narticle_pattern = "(("', "not a valid regex"),
        ('id = "x1"\nname = "X"\nlanguage = "ar"\ndomains = ["x.com"]\nfeeds = ["https://y.com/rss"]\narticle_pattern = "a"', "outside domains"),
        ('id = "x1"\nname = "X"\nlanguage = "ar"\ndomains = ["x.com"]\nsections = ["https://x.com/"]\narticle_pattern = "a"\ntimezone = "Mars/Base"', "unknown timezone"),
        ('id = "x1"\nname = "X"\nlanguage = "ar"\ndomains = ["x.com"]\nsections = ["https://x.com/"]\narticle_pattern = "a"\n'
         '[outlet.cleanup]\nprune = [".ok", "div[["]', "selector 'div\\[\\[' is not valid CSS"),
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
