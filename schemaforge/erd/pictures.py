"""Which ERD files a design gets, and drawing them without ever blocking the build.

A design of at most LARGE_ERD entities gets one picture, `erd/erd.svg`. A larger one gets a
picture per cluster (`erd/clusters/<hub>.svg`) and an overview of the clusters
(`erd/overview.svg`); the whole design as one picture is left out (its layout takes minutes and
cannot be read), which the lint says (ER101). Every design gets the Mermaid source of the whole
diagram, `erd/erd.mmd`. Pictures are drawn side by side, one D2 process per core. A picture D2
cannot draw in time is replaced by an SVG saying so, with a warning (ER102): the build goes on.
"""

from __future__ import annotations

import html
import os
from concurrent.futures import ThreadPoolExecutor

from schemaforge.deliverables.files import Artifact
from schemaforge.design.model import Design
from schemaforge.erd.clusters import erd_clusters
from schemaforge.erd.mermaid import render_mermaid
from schemaforge.erd.picture import FAST_RENDER_ARGS, RENDER_ARGS, RenderError, render_d2, render_overview_d2, render_svg
from schemaforge.findings import Finding

MERMAID, PICTURE, OVERVIEW = "erd/erd.mmd", "erd/erd.svg", "erd/overview.svg"


def erd_paths(design: Design) -> list[str]:
    clusters = erd_clusters(design)
    if not clusters:
        return [MERMAID, PICTURE]
    return [MERMAID, OVERVIEW, *(f"erd/clusters/{c.name}.svg" for c in clusters)]


def _sources(design: Design) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Each picture's path -> (its D2 source, the D2 flags to draw it with)."""
    clusters = erd_clusters(design)
    if not clusters:
        return {PICTURE: (render_d2(design), RENDER_ARGS)}
    pictures = {OVERVIEW: (render_overview_d2(design, clusters), FAST_RENDER_ARGS)}
    for cluster in clusters:
        pictures[f"erd/clusters/{cluster.name}.svg"] = (render_d2(design, cluster.entities), FAST_RENDER_ARGS)
    return pictures


def _not_drawn(reason: str) -> bytes:
    text = html.escape(f"This picture was not drawn: {reason}. The diagram is in erd/erd.mmd.")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="900" height="40">'
            f'<text x="10" y="25" font-family="sans-serif" font-size="14">{text}</text></svg>\n').encode()


def erd_artifacts(design: Design) -> tuple[list[Artifact], list[Finding]]:
    """The ERD's files, and a warning for each picture D2 could not draw."""
    pictures = _sources(design)
    findings: list[Finding] = []

    def draw(path: str) -> bytes:
        source, args = pictures[path]
        try:
            return render_svg(source, args)
        except RenderError as error:
            findings.append(Finding(design.source.value(("entities",)), f"{path} not drawn: {error}", "ER102",
                                    "warning", "see erd/erd.mmd, or split the design's entities"))
            return _not_drawn(str(error))

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        drawn = dict(zip(pictures, pool.map(draw, pictures)))
    artifacts = [Artifact(MERMAID, render_mermaid(design).encode())]
    artifacts += [Artifact(path, drawn[path]) for path in sorted(drawn)]
    return artifacts, sorted(findings, key=lambda f: f.message)
