"""Real browser tests: Debian Chromium driven by Playwright against `python app.py` started as a subprocess.

Story flow (type, plan, edit a caption cell, render, regenerate one clip, timeline image, download the mix
and the project), a rejected cell edit, the Chinese UI, two browser sessions at once, and the Instruct tab.
Screenshots go to tests/artifacts/ (gitignored). Skipped only when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
import soundfile as sf

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CAFE = ('In a quiet cafe, Anna says, "I got the job!" Her friend Tom laughs and replies, "I knew you would." '
        'Cups clink as they celebrate. The total duration is 12 seconds.')
FOREST = "Birds sing at dawn in a forest and a stream babbles nearby. 12 seconds."

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); browser tests need it",
                allow_module_level=True)

pw = pytest.importorskip("playwright.sync_api")
expect = pw.expect


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_ANALYTICS_ENABLED="False")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / "browser_server.log", "w")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.perf_counter() - t0 > 120:
                    raise RuntimeError(f"app.py did not start; see {ARTIFACTS / 'browser_server.log'}")
                time.sleep(0.05)
        (ARTIFACTS / "cold_start_browser_fixture.txt").write_text(
            f"python app.py -> first HTTP 200: {time.perf_counter() - t0:.2f} s\n")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def browser():
    with pw.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                    "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


def open_page(browser, url, locale="en-US"):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1100}, locale=locale, accept_downloads=True)
    page = ctx.new_page()
    page.goto(url)
    expect(page.locator("#ready textarea")).to_have_value("1", timeout=30000)  # load handler has run
    return ctx, page


def plan(page, text):
    page.locator("#instruction textarea").fill(text)
    page.locator("#plan-btn").click()


def cell(page, r, c):
    return page.locator(f'#plan [data-testid="cell-{r}-{c}"]')


def edit_cell(page, r, c, text):
    cell(page, r, c).dblclick()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def find_row(page, kind, track, n_rows=8):
    for r in range(n_rows):
        if kind in cell(page, r, 1).inner_text() and track in cell(page, r, 2).inner_text():
            return r
    raise AssertionError(f"no {kind}/{track} row in the plan table")


def shot(page, name, full=True):
    page.screenshot(path=str(ARTIFACTS / name), full_page=full)


def download(page, what):
    page.locator("#export-what input").click()
    page.get_by_role("option", name=what, exact=True).click()
    page.locator("#export-btn").click()
    link = page.locator("#export-file a[download]").first
    expect(link).to_have_attribute("href", re.compile(rf"\.{'zip' if what == 'project' else what}"), timeout=20000)
    with page.expect_download() as dl:
        link.click()
    return Path(dl.value.path()).read_bytes()


def test_story_flow(server, browser):
    from engine.plan import Plan
    from engine.timing import layout

    ctx, page = open_page(browser, server)
    plan(page, CAFE)
    expect(page.locator("#plan")).to_contain_text("I got the job", timeout=20000)
    expect(page.locator("#timeline img")).to_be_visible(timeout=20000)  # a dry-run timeline before rendering
    r = find_row(page, "sound", "foreground")
    sid = cell(page, r, 0).inner_text().replace("⋮", "").strip()
    edit_cell(page, r, 5, "A door slams shut.")
    expect(cell(page, r, 5)).to_contain_text("A door slams shut.")
    cell(page, r, 0).click()  # select the row: the clip editor shows what the server now holds
    expect(page.locator("#clip-caption textarea")).to_have_value("A door slams shut.", timeout=10000)
    shot(page, "story_planned.png")

    page.locator("#gen-btn").click()
    expect(page.locator("#status textarea")).to_have_value(re.compile(r"^Done: \d+ rendered"), timeout=60000)
    expect(page.locator("#timeline img")).to_be_visible()
    expect(page.locator("#loudness")).to_contain_text("LUFS")
    expect(cell(page, r, 10)).to_contain_text("✓")
    shot(page, "story_rendered.png")

    expect(page.locator("#clip-id input")).to_have_value(re.compile(sid), timeout=10000)
    expect(page.locator("#takes input[type=radio]").first).to_be_visible()
    n_takes = page.locator("#takes input[type=radio]").count()  # 1, or more if the checks retook it
    page.locator("#regen-btn").click()
    expect(page.locator("#status textarea")).to_have_value(
        re.compile(rf"^✓ {sid}: new take t{n_takes + 1:03d}"), timeout=30000)
    expect(page.locator("#takes input[type=radio]")).to_have_count(n_takes + 1)
    shot(page, "story_regenerated.png")

    wav = download(page, "wav")
    project_bytes = download(page, "project")
    project = zipfile.ZipFile(io.BytesIO(project_bytes))
    saved = Plan.from_json(project.read("plan.json"))
    assert saved.segment(sid).caption == "A door slams shut." and len(saved.segment(sid).takes) == n_takes + 1
    audio, sr = sf.read(io.BytesIO(wav))
    assert abs(audio.shape[0] / sr - layout(saved).total) <= 0.05
    shot(page, "story_exported.png")
    ctx.close()

    # a fresh browser session opens the project zip: plan and takes come back exactly
    zpath = ARTIFACTS / "story.audiostory.zip"
    zpath.write_bytes(project_bytes)
    ctx, page = open_page(browser, server)
    with page.expect_file_chooser() as fc:
        page.locator("#import-btn").click()
    fc.value.set_files(str(zpath))
    expect(page.locator("#plan")).to_contain_text("A door slams shut.", timeout=20000)
    expect(cell(page, r, 10)).to_contain_text("✓")
    expect(page.locator("#loudness")).to_contain_text("LUFS", timeout=20000)  # the mix is back
    page.locator("#takes").scroll_into_view_if_needed()
    expect(page.locator("#takes input[type=radio]")).to_have_count(
        len(saved.segments[0].takes), timeout=10000)  # the clip editor opened the first segment with its takes
    shot(page, "story_reopened.png")
    ctx.close()


def test_bad_cell_edit_shows_its_error_and_keeps_the_plan(server, browser):
    ctx, page = open_page(browser, server)
    plan(page, CAFE)
    expect(page.locator("#plan")).to_contain_text("I got the job", timeout=20000)
    r = find_row(page, "sound", "foreground")
    before = cell(page, r, 4).inner_text().replace("⋮", "").strip()
    sid = cell(page, r, 0).inner_text().replace("⋮", "").strip()
    edit_cell(page, r, 4, "-2")
    message = f"row {r + 1} (segment {sid}), duration: must be more than 0"
    expect(page.locator("#plan-msg")).to_contain_text(message, timeout=10000)
    expect(page.get_by_text(message).first).to_be_visible()  # the warning toast
    expect(cell(page, r, 4)).to_contain_text(before)  # the table is restored
    shot(page, "bad_cell_edit.png", full=False)
    edit_cell(page, r, 1, "explosion")
    expect(page.locator("#plan-msg")).to_contain_text(f"row {r + 1} (segment {sid}), kind: 'explosion' is not")
    expect(cell(page, r, 1)).to_contain_text("sound")
    ctx.close()


def test_chinese_interface(server, browser):
    ctx, page = open_page(browser, server, locale="zh-CN")
    expect(page.get_by_role("tab", name="故事")).to_be_visible()
    expect(page.get_by_role("tab", name="指令配音")).to_be_visible()
    expect(page.locator("#plan-btn")).to_have_text("生成计划")
    expect(page.locator("#gen-btn")).to_contain_text("全部生成")
    expect(page.get_by_text("故事指令", exact=True)).to_be_visible()  # a component label
    shot(page, "ui_zh.png", full=False)
    ctx.close()


def test_two_browser_sessions_keep_separate_projects(server, browser):
    ctx_a, a = open_page(browser, server)
    ctx_b, b = open_page(browser, server)
    plan(a, CAFE)
    expect(a.locator("#plan")).to_contain_text("I got the job", timeout=20000)
    b.wait_for_timeout(500)
    expect(b.locator("#plan")).not_to_contain_text("I got the job")
    plan(b, FOREST)
    expect(b.locator("#plan")).to_contain_text("bird", ignore_case=True, timeout=20000)
    expect(b.locator("#plan")).not_to_contain_text("I got the job")
    expect(a.locator("#plan")).to_contain_text("I got the job")
    expect(a.locator("#plan")).not_to_contain_text("stream", ignore_case=True)
    # a's project on the server is still a's
    zip_a = zipfile.ZipFile(io.BytesIO(download(a, "project")))
    assert "I got the job!" in zip_a.read("plan.json").decode()
    shot(a, "session_a.png", full=False)
    shot(b, "session_b.png", full=False)
    ctx_a.close()
    ctx_b.close()


def test_instruct_tab_composes_and_generates(server, browser):
    ctx, page = open_page(browser, server)
    page.get_by_role("tab", name="Instruct").click()
    page.locator("#inst-age input").click()
    page.get_by_role("option", name="elderly").click()
    page.locator("#inst-emotion input").click()
    page.get_by_role("option", name="sad", exact=True).click()
    expect(page.locator("#inst-instruction textarea")).to_have_value(re.compile("elderly voice.*sad", re.I))
    page.locator("#inst-btn").click()
    expect(page.locator("#inst-understood")).to_contain_text('age = "elderly"', timeout=30000)
    expect(page.locator("#inst-fig img")).to_be_visible()
    shot(page, "instruct.png")
    ctx.close()
