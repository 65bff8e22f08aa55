"""One module per replica outlet: its URLs, its discovery documents and its article markup."""

from replica.sites.anapress import Anapress
from replica.sites.base import Site
from replica.sites.enabbaladi import EnabBaladi
from replica.sites.euronews import Euronews
from replica.sites.orient import Orient
from replica.sites.zamanalwsl import ZamanAlWasl

SITES: tuple[type[Site], ...] = (Anapress, Orient, Euronews, EnabBaladi, ZamanAlWasl)

__all__ = ["SITES", "Site"]
