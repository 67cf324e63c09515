"""The researcher's dashboard (Gradio Blocks): progress, leaderboard, quality, flagging and export.

Only wiring: every callback calls :func:`annotation_app.dashboard_data.snapshot` (through the per-data-version
:class:`~annotation_app.dashboard_cache.DashboardCache`; rendered by
:mod:`annotation_app.ui.admin_views`), :func:`~annotation_app.dashboard_data.flag_rater` or
:func:`~annotation_app.dashboard_data.export_download`. The app has no access control of its own: serve it only
behind :class:`annotation_app.ui.admin_server.AdminGuard` (``install_admin`` does both).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from analysis.errors import HumansError
from annotation_app.dashboard_cache import DashboardCache
from annotation_app.dashboard_data import LeaderboardSettings, export_download, flag_rater
from annotation_app.export import FORMATS
from annotation_app.store import Store
from annotation_app.ui.admin_views import VIEW_NAMES, download_links, render

__all__ = ["ADMIN_CSS", "AdminSettings", "build_admin_app"]

#: Stylesheet of the dashboard (pass as ``css_paths`` when mounting).
ADMIN_CSS = Path(__file__).with_name("admin.css")


@dataclass(frozen=True)
class AdminSettings:
    """What the dashboard needs besides the store: the database file (for exports), title and options.

    ``refresh_s`` is the period of the optional auto-refresh (off until the researcher ticks it).
    ``refresh_wait_s`` is the longest a refresh waits for the leaderboard's recomputation after new votes before
    showing the previous one, labelled "as of N votes" (:class:`~annotation_app.dashboard_cache.DashboardCache`;
    None: always wait). ``export_dir``
    holds the files of the export button (default :attr:`export_folder`: ``<db stem>-exports/`` beside the
    database, created on the first export); they are served by the guarded download route of
    :func:`annotation_app.ui.admin_server.install_admin` (never through Gradio's shared file cache, which every
    Gradio app of the server, including the rater app, would serve).
    """

    db_path: Path
    title: str
    leaderboard: LeaderboardSettings = field(default_factory=LeaderboardSettings)
    export_dir: Path | None = None
    refresh_s: int = 30
    refresh_wait_s: float | None = 0.5

    @property
    def export_folder(self) -> Path:
        """Where the export button writes: ``export_dir``, or ``<db stem>-exports`` beside the database."""
        if self.export_dir is not None:
            return Path(self.export_dir)
        db = Path(self.db_path)
        return db.parent / f"{db.stem}-exports"


def build_admin_app(store: Store, settings: AdminSettings) -> gr.Blocks:
    """The dashboard's Blocks app; mount it only behind the admin guard.

    Parameters
    ----------
    store : Store
        The study's open database (shared with the rater app).
    settings : AdminSettings

    Returns
    -------
    gradio.Blocks
        API endpoints ``/refresh``, ``/flag``, ``/unflag`` and ``/export``.
    """
    export_dir = settings.export_folder

    cache = DashboardCache(store, settings.leaderboard, render, wait_s=settings.refresh_wait_s)
    cache.warm()  # the first page load finds the snapshot computed, or under way

    def refresh():
        return cache.rendered()

    def follow_if_pending():
        """Keep the follow-up timer ticking while the page shows the progress-only first snapshot."""
        return gr.Timer(active=cache.showed_pending)

    def follow_up():
        return (*cache.rendered(), follow_if_pending())

    def auto_refresh(on: bool):
        return gr.Timer(active=bool(on))

    def set_flag(flagged: bool):
        def callback(rater_id, reason):
            try:
                return flag_rater(store, rater_id, flagged, reason or "")
            except HumansError as exc:
                return f"Error: {exc}"

        return callback

    def download(fmt, include_flagged):
        return download_links(export_download(settings.db_path, fmt, export_dir, include_flagged), export_dir)

    with gr.Blocks(title=f"Admin · {settings.title}", analytics_enabled=False) as app:
        with gr.Row(elem_id="admin-header"):
            gr.Markdown(f"## {settings.title} · researcher dashboard")
            auto = gr.Checkbox(
                False, label=f"Refresh every {settings.refresh_s} s", scale=0, elem_id="admin-auto-refresh"
            )
            reload = gr.Button("Refresh", variant="primary", scale=0, elem_id="admin-refresh")
        timer = gr.Timer(settings.refresh_s, active=False)
        # ticks only while the first full snapshot is being computed, so the page shows it without a click
        follow = gr.Timer(1.0, active=False)
        views = {"summary": gr.Markdown(elem_id="admin-summary")}
        with gr.Tab("Leaderboard"):
            views["leaderboard"] = gr.Dataframe(interactive=False, label="Leaderboard", elem_id="admin-leaderboard")
            views["reproduce"] = gr.Markdown(elem_id="admin-reproduce")
            with gr.Row():
                views["forest"] = gr.Plot(label="Scores with intervals", show_label=False, format="png")
                views["heatmap"] = gr.Plot(label="Win rate (row vs column)", show_label=False, format="png")
        with gr.Tab("Progress"):
            views["model_pairs"] = gr.Dataframe(interactive=False, label="Votes per model pair vs target")
            views["pairs"] = gr.Dataframe(interactive=False, label="Votes per pair vs target", max_height=400)
        with gr.Tab("Raters & quality"):
            views["quality"] = gr.Markdown(elem_id="admin-quality")
            views["raters"] = gr.Dataframe(interactive=False, label="Raters", max_height=400, elem_id="admin-raters")
            with gr.Row():
                rater_id = gr.Textbox(
                    label="Rater id (from the id column)", placeholder="e.g. 12", max_lines=1, elem_id="admin-rater-id"
                )
                reason = gr.Textbox(label="Reason (when flagging)", max_lines=1)
                flag = gr.Button("Flag rater", variant="stop")
                unflag = gr.Button("Unflag rater")
            flag_note = gr.Markdown()
        with gr.Tab("Study quality"):
            views["study_quality"] = gr.HTML(elem_id="admin-study-quality")
        with gr.Tab("Export"):
            gr.Markdown("Trial votes in long format plus chosen/rejected pairs; `hf` is a zipped dataset folder.")
            with gr.Row():
                fmt = gr.Radio(list(FORMATS), value="csv", label="Format")
                include_flagged = gr.Checkbox(False, label="Include flagged raters")
                go = gr.Button("Export", variant="primary", elem_id="admin-export")
            files = gr.HTML("", elem_id="admin-downloads")
        outputs = [views[name] for name in VIEW_NAMES]
        app.load(refresh, None, outputs, api_name=False).then(follow_if_pending, None, follow, api_name=False)
        reload.click(refresh, None, outputs, api_name="refresh").then(follow_if_pending, None, follow, api_name=False)
        follow.tick(follow_up, None, [*outputs, follow], api_name=False, show_progress="hidden")
        auto.change(auto_refresh, auto, timer, api_name=False)
        timer.tick(refresh, None, outputs, api_name=False, show_progress="hidden")
        flag.click(set_flag(True), [rater_id, reason], flag_note, api_name="flag").then(refresh, None, outputs)
        unflag.click(set_flag(False), [rater_id, reason], flag_note, api_name="unflag").then(refresh, None, outputs)
        go.click(download, [fmt, include_flagged], files, api_name="export")
    return app
