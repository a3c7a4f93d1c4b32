"""Keep mkdocs-material's scripts from loading anything from the internet.

mkdocs-material 9.x bundles two loaders that add a <script> from unpkg.com
at run time: a ResizeObserver polyfill for browsers without one (older
office PCs) and Mermaid for pages with diagrams. The site is served on an
intranet without internet access, so after each build the bundle's URLs are
replaced: the polyfill by a data: URL holding the vendored copy, Mermaid by
an empty script, since dmsite pages contain no Mermaid diagrams.
"""

from __future__ import annotations

import base64
from importlib import resources
from pathlib import Path

__all__ = ["EXTERNAL_SCRIPTS", "localise_theme_scripts"]

POLYFILL_URL = "https://unpkg.com/resize-observer-polyfill"
MERMAID_URL = "https://unpkg.com/mermaid@11/dist/mermaid.min.js"
EXTERNAL_SCRIPTS = (POLYFILL_URL, MERMAID_URL)


def _replacements() -> dict[str, str]:
    polyfill = resources.files("dmsite").joinpath("assets/resize-observer-polyfill.js").read_bytes()
    return {
        POLYFILL_URL: "data:text/javascript;base64," + base64.b64encode(polyfill).decode("ascii"),
        MERMAID_URL: "data:text/javascript,",
    }


def localise_theme_scripts(site_dir: Path) -> list[Path]:
    """Rewrite the external script URLs in the theme's bundle; return the files changed."""
    changed: list[Path] = []
    replacements = _replacements()
    for path in sorted((site_dir / "assets" / "javascripts").glob("bundle.*.js*")):
        text = path.read_text(encoding="utf-8")
        updated = text
        for url, local in replacements.items():
            updated = updated.replace(url, local)
        if updated != text:
            path.write_text(updated, encoding="utf-8")
            changed.append(path)
    return changed
