"""Writing a report's charts: each figure as a PNG, and all of them behind a text page in one
PDF. The one place the progress and comparison reports save their files."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def save_report(folder: Path, figures: Mapping[str, Figure], text_page: Figure,
                pdf_name: str, pdf_title: str) -> list[Path]:
    """Write each of ``figures`` (file name → figure) as a PNG into ``folder``, then
    ``pdf_name`` with ``text_page`` first and the figures after it; returns the paths written,
    the PDF last. Closes every figure."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, figure in figures.items():
        path = folder / name
        # Light compression: a chart compresses well anyway, and zlib's default level costs
        # more time than the drawing of some charts.
        figure.savefig(path, dpi=100, metadata={"Software": None},
                       pil_kwargs={"compress_level": 1})
        paths.append(path)
    pdf_path = folder / pdf_name
    with PdfPages(pdf_path, metadata={"Title": pdf_title}) as pdf:
        pdf.savefig(text_page)
        for figure in figures.values():
            pdf.savefig(figure)
    paths.append(pdf_path)
    plt.close("all")
    return paths
