"""Images from this site only: an image whose address is not an upload (under MEDIA_URL)
becomes a plain link to that address, so that no text can make its readers' browsers call
another server (and log who read it). The Content-Security-Policy's img-src says the same."""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown.treeprocessors import Treeprocessor

from .sanitize import is_upload_url


class ImagesFromThisSite(Treeprocessor):
    """Each <img> not showing an upload becomes <a href="its address">its alt text</a>, or,
    inside a link already, just its alt text (a link in a link is no link)."""

    def run(self, root):
        self._walk(root, in_link=False)

    def _walk(self, element, *, in_link: bool) -> None:
        for index, child in enumerate(list(element)):
            if child.tag == "img" and not is_upload_url(child.get("src") or ""):
                element[index] = _instead_of(child, in_link=in_link)
            else:
                self._walk(child, in_link=in_link or child.tag == "a")


def _instead_of(image, *, in_link: bool):
    address = image.get("src") or ""
    text = image.get("alt") or image.get("title") or address
    if in_link or not address:
        replacement = etree.Element("span")
    else:
        replacement = etree.Element("a", {"href": address})
        if image.get("title"):
            replacement.set("title", image.get("title"))
    replacement.text = text
    replacement.tail = image.tail
    return replacement
