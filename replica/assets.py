"""The replica's page requisites: each site's stylesheet (with its web font and background pictures,
one of them through `@import`), script, favicon and article pictures, and a CDN host (Euronews'
static.euronews.com) that serves Euronews' files as the real site's CDN does.

A page references them as real news pages do (`<link rel=stylesheet>`, `<script src>`, `<img src
srcset>`, `url(...)` and `@font-face` in the CSS, relative and absolute); one page also references a
third-party tag manager, which no crawl of ours may request. Every file depends only on its path, so
the same stylesheet is the same payload every day."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from replica import media


@dataclass(frozen=True)
class Theme:
    """What one site's pages load, and how they look with it."""

    origin: str  # scheme://host its files come from (the site itself, or a CDN)
    stylesheet: str  # path on origin
    script: str
    font_family: str
    font: str  # path on origin of the WOFF
    brand: str  # CSS selector of the element set in the web font (the site's name in its header)
    background: str  # #rrggbb of the page
    accent: str  # #rrggbb of the header bar and headline
    picture: str  # path on origin of an article's picture, with {key}
    imports: str | None = None  # a second stylesheet the first @imports (holds the @font-face)
    third_party: str | None = None  # a script on another company's host: never ours to fetch

    def picture_url(self, key: str, width: int = 640) -> str:
        path = self.picture.format(key=key)
        return f"{self.origin}{path if width == 640 else path.replace('.png', f'-{width}.png')}"

    def head(self) -> str:
        """The <head> lines that load the requisites."""
        lines = [
            f'<link rel="stylesheet" href="{escape(self._ref(self.stylesheet))}">',
            f'<link rel="icon" href="{escape(self._ref("/favicon.png"))}">',
            f'<script src="{escape(self._ref(self.script))}" defer></script>',
        ]
        if self.third_party:
            lines.append(f'<script async src="{escape(self.third_party)}"></script>')
        return "\n".join(lines) + "\n"

    def img(self, key: str, alt: str = "") -> str:
        """An article's picture, with a smaller one for narrow screens (srcset)."""
        small, large = self.picture_url(key, 320), self.picture_url(key)
        return (
            f'<img src="{escape(self._ref(large))}" srcset="{escape(self._ref(small))} 320w, '
            f'{escape(self._ref(large))} 640w" width="640" height="360" alt="{escape(alt)}">'
        )

    def _ref(self, path_or_url: str) -> str:
        """As the page writes it: root-relative on the site's own host, absolute on a CDN."""
        if path_or_url.startswith("/") and self.cdn:
            return self.origin + path_or_url
        if path_or_url.startswith(self.origin) and not self.cdn:
            return path_or_url[len(self.origin) :]
        return path_or_url

    @property
    def cdn(self) -> bool:
        return self.origin in CDN_ORIGINS

    def css(self) -> str:
        font = (
            f'@font-face {{ font-family: "{self.font_family}"; src: url("{self.font}") '
            'format("woff"); font-display: block; }\n'
        )
        main = (
            "" if self.imports is None else f'@import url("{self.imports.rsplit("/", 1)[-1]}");\n'
        )
        if self.imports is None:
            main += font
        main += (
            f"body {{ background: {self.background}; color: #222; margin: 0; "
            'font-family: Tahoma, "DejaVu Sans", sans-serif; }\n'
            f"header, nav, .top-bar, .news-ticker {{ background: {self.accent} "
            'url("/assets/img/band.png") repeat-x; color: #fff; padding: 12px 24px; }\n'
            f'{self.brand} {{ font-family: "{self.font_family}", serif; font-size: 28px; color: #fff; }}\n'
            f"h1 {{ color: {self.accent}; font-size: 30px; margin: 24px; }}\n"
            "img { max-width: 100%; height: auto; display: block; margin: 12px 24px; }\n"
            "p { line-height: 1.7; margin: 12px 24px; }\n"
        )
        return main if self.cdn else main.replace('url("/assets/img/', 'url("../img/')

    def font_css(self) -> str:
        return (
            f'@font-face {{ font-family: "{self.font_family}"; src: url("fonts/'
            f'{self.font.rsplit("/", 1)[-1]}") format("woff"); font-display: block; }}\n'
        )


CDN_ORIGINS = ("https://static.euronews.com",)
CDN_HOSTS = tuple(o.split("://", 1)[1] for o in CDN_ORIGINS)
SCRIPT = (
    "(function () {\n  'use strict';\n  document.documentElement.classList.add('js');\n"
    "  var menu = document.querySelector('nav, header');\n"
    "  if (menu) { menu.setAttribute('data-ready', '1'); }\n})();\n"
)
THEMES = {
    "anapress": Theme(
        "https://www.anapress.net",
        "/assets/css/anapress.css",
        "/assets/js/anapress.js",
        "Anapress Kufi",
        "/assets/fonts/anapress-kufi.woff",
        ".ticker-label",
        "#f4efe6",
        "#7a1f1f",
        "/img/{key}.png",
        third_party="https://www.googletagmanager.com/gtag/js?id=G-REPLICA",
    ),
    "orient": Theme(
        "https://www.orient-news.net",
        "/assets/css/orient.css",
        "/assets/js/orient.js",
        "Orient Sans",
        "/assets/fonts/orient-sans.woff",
        ".navbar a:first-child",
        "#eef2f6",
        "#c0392b",
        "/uploads/news/{key}.png",
    ),
    "euronews": Theme(
        "https://static.euronews.com",
        "/css/euronews.css",
        "/js/euronews.js",
        "Euronews Kufi",
        "/fonts/euronews-kufi.woff",
        ".c-header a",
        "#f2f5f9",
        "#0c2a57",
        "/articles/{key}/640x360.png",
    ),
    "enabbaladi": Theme(
        "https://www.enabbaladi.net",
        "/wp-content/themes/enab/style.css",
        "/wp-includes/js/site.min.js",
        "Enab Kufi",
        "/wp-content/themes/enab/fonts/enab-kufi.woff",
        ".site-header a",
        "#f7f4ee",
        "#5b7f2b",
        "/wp-content/uploads/{key}.png",
        imports="/wp-content/themes/enab/fonts.css",
    ),
    "zamanalwsl": Theme(
        "https://www.zamanalwsl.net",
        "/css/style.css",
        "/js/site.js",
        "Zaman Naskh",
        "/fonts/zaman-naskh.woff",
        ".top-bar a",
        "#f5f5f0",
        "#1d5e7a",
        "/images/news/{key}.png",
    ),
}
_PICTURE = re.compile(r"^(?P<stem>/.+?)(?:-(?P<width>320))?\.png$")


def resolve(outlet: str | None, host: str, path: str) -> tuple[str, bytes] | None:
    """(content type, body) of a requisite at host + path, or None when the path is none of them.
    `outlet`: the site the host belongs to (None: a CDN host, or no site)."""
    themes = [t for o, t in THEMES.items() if (o == outlet and not t.cdn) or _host(t) == host]
    for theme in themes:
        if path == theme.stylesheet:
            return "text/css; charset=utf-8", theme.css().encode("utf-8")
        if theme.imports and path == theme.imports:
            return "text/css; charset=utf-8", theme.font_css().encode("utf-8")
        if path == theme.script:
            return "application/javascript; charset=utf-8", SCRIPT.encode("utf-8")
        if path == theme.font:
            return "font/woff", media.woff(theme.font_family)
        if path == "/favicon.png":
            return "image/png", media.png(32, 32, f"{host}/favicon")
        if path in ("/assets/img/band.png", theme.stylesheet.rsplit("/", 2)[0] + "/img/band.png"):
            return "image/png", media.png(64, 48, f"{host}/band")
        if _is_picture(theme, path) and (match := _PICTURE.match(path)):
            width = int(match["width"] or 640)
            return "image/png", media.png(width, width * 9 // 16, f"{host}{match['stem']}")
    return None


def _is_picture(theme: Theme, path: str) -> bool:
    prefix, suffix = theme.picture.split("{key}")
    return path.startswith(prefix) and (
        path.endswith(suffix) or path.endswith(suffix.replace(".png", "-320.png"))
    )


def _host(theme: Theme) -> str:
    return theme.origin.split("://", 1)[1]


def robots() -> str:
    """A CDN's robots.txt: everything may be fetched."""
    return "User-agent: *\nDisallow:\n"
