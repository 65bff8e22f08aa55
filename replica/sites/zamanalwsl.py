"""Zaman al-Wasl: section pages and two RSS addresses (/news/rss/94/ and the older /rss.php, the newest
stories only), no outlet rules; inline «اقرأ أيضاً», «تابعونا»."""

from html import escape

from replica import datelines, markup
from replica.catalog import headlines
from replica.sites.base import Site

FEED_ITEMS = 20


class ZamanAlWasl(Site):
    outlet = "zamanalwsl"
    name = "زمان الوصل"
    base = "https://www.zamanalwsl.net"
    aliases = ("zamanalwsl.net",)
    section_path = "/news/section/1"

    def date_line(self, article):
        return datelines.zamanalwsl(self.local_published(article))

    def url(self, article):
        return f"{self.base}/news/article/{article.key}/"

    def documents(self):
        feed = markup.rss(title=self.name, link=self.base, items=self.items()[:FEED_ITEMS])
        return {
            "/news/rss/94/": ("application/rss+xml", feed),
            "/rss.php": ("application/rss+xml", feed),
        }

    def article_html(self, a):
        url = self.url(a)
        others = headlines(self.catalog, a)
        read_also = others[0] if others else "زمان الوصل"
        body = f"""
<div class="wrapper"><div class="top-bar"><a href="/">زمان الوصل</a></div>
<div class="main"><div class="article">
<h1>{escape(a.title)}</h1>
{self.theme.img(a.key)}
<div class="date">{escape(self.date_line(a))}</div>
<div class="text">
{markup.story(a)}
<p>اقرأ أيضاً: <a href="#">{escape(read_also)}</a></p>
</div>
<div class="adv">إعلان</div>
<div class="social">تابعونا على <a href="#">فيسبوك</a> <a href="#">تويتر</a></div>
<div class="box"><h3>مواضيع ذات صلة</h3>{markup.link_list([("#", t) for t in others[1:4]], "")}</div>
</div></div></div>"""
        head = markup.article_head(a, url, self.name, dated=self.structured_date(a))
        head += self.theme.head()
        return markup.page(title=f"{a.title} - {self.name}", body=body, head=head)
