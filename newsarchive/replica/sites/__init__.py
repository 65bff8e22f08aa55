"""One module per replica outlet: its URLs, its discovery documents and its article markup."""

from newsarchive.replica.sites.anapress import Anapress
from newsarchive.replica.sites.base import Site
from newsarchive.replica.sites.enabbaladi import EnabBaladi
from newsarchive.replica.sites.euronews import Euronews
from newsarchive.replica.sites.orient import Orient
from newsarchive.replica.sites.zamanalwsl import ZamanAlWasl

SITES: tuple[type[Site], ...] = (Anapress, Orient, Euronews, EnabBaladi, ZamanAlWasl)

__all__ = ["SITES", "Site"]
