"""Anapress: ticker of headlines («المزيد»), view counter, font tools, caption, «الأكثر قراءة»."""

from html import escape

from replica import datelines, markup
from replica.catalog import headlines
from replica.sites.base import Site


class Anapress(Site):
    outlet = "anapress"
    name = "أنا برس"
    base = "https://www.anapress.net"
    aliases = ("anapress.net",)
    section_path = "/section/syria"

    def date_line(self, article):
        return datelines.anapress(self.local_published(article))

    def url(self, article):
        return f"{self.base}/a/{article.key}"

    def documents(self):
        return {
            "/rss": (
                "application/rss+xml",
                markup.rss(title=self.name, link=self.base, items=self.items()),
            )
        }

    def article_html(self, a):
        others = list(a.ticker) or headlines(self.catalog, a)
        url = self.url(a)
        body = f"""
<div class="news-ticker"><span class="ticker-label">المزيد</span>
{markup.link_list([("#", t) for t in others], "ticker")}</div>
<div class="container"><div class="row">
<div class="col-md-8 main-col">
<h1 class="post-title">{escape(a.title)}</h1>
<div class="post-meta"><span class="date">{escape(self.date_line(a))}</span>
<span class="time">{self.local_published(a):%H:%M}</span>
<span class="short-link">{escape(url.replace("https://www.", "http://"))}</span>
<span class="views-count"><b>{a.views}</b> مشاهدة</span></div>
<div class="post-image">{self.theme.img(a.key, a.title)}
<p class="img-caption">{escape(a.caption or "")}</p></div>
<div class="font-tools">حجم الخط: <a href="#">+</a> <a href="#">-</a></div>
<div class="post-content">
{markup.story(a)}
</div>
<div class="ad-box"><span>اعلان</span></div>
</div>
<aside class="col-md-4"><div class="widget"><h3>الأكثر قراءة</h3>
{markup.link_list([("#", t) for t in headlines(self.catalog, a)[:4]], "most-read")}</div></aside>
</div></div>
<footer>جميع الحقوق محفوظة © أنا برس</footer>"""
        head = markup.article_head(a, url, self.name, dated=self.structured_date(a))
        head += self.theme.head()
        return markup.page(title=f"{a.title} | {self.name}", body=body, head=head)
