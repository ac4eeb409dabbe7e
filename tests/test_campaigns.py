"""Campaigns end to end: create, customers join by message, draw once, verify, public page."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
import threading
from pathlib import Path

import requests

from jobs.draws import close_when_due, run_draw
from jobs.sweeper import sweep
from models import AuditLog, Campaign, Draw, Entry, utcnow
from tests.conftest import ADMIN, beacon_env, carried, wait_until
from tests.scenarios import create_campaign
from whatsapp.payload import text_message_body
from wocs.drand_rounds import RECORDED
from wocs.draw_check import check_record

CUSTOMERS = [f"6011{n:07d}" for n in range(1, 6)]
ROOT = Path(__file__).resolve().parents[1]


def _join_all(live, code="RAYA26"):
    for n, phone in enumerate(CUSTOMERS):
        live.say(phone, f"  {'join' if n % 2 else 'MASUK'}   {code.lower() if n % 2 else code} ")
    for phone in CUSTOMERS:
        live.replies_to(phone)


def test_create_commits_to_a_seed_and_show_publishes_the_commitment(live):
    reply = create_campaign(live, extra="\nrequirements: Follow us on TikTok")
    assert reply.startswith(
        "Campaign RAYA26 created: Hamper Raya, Thu 1 Jan 2026 to Tue 31 Dec 2030."
    )
    draw = Draw.get()
    assert draw.commitment == hashlib.sha256(bytes.fromhex(draw.seed)).hexdigest()
    assert draw.state == "committed"
    live.say(ADMIN, "/campaign show raya26")
    shown = live.replies_to(ADMIN, 2)[1]
    assert f"Draw commitment (SHA-256 of the secret seed): {draw.commitment}" in shown
    assert draw.seed not in shown
    assert "Requirements: Follow us on TikTok" in shown


def test_bad_campaign_values_are_explained(live):
    live.say(ADMIN, "/campaign create code: R! prize: x\nstart: 2026-01-01\nend: 2030-01-01")
    assert live.replies_to(ADMIN)[0].startswith("code: 'R!' is not a campaign code")
    live.say(ADMIN, "/campaign create code: ABC prize: x\nstart: 2030-02-01\nend: 2030-01-01")
    assert live.replies_to(ADMIN, 2)[1] == (
        "end: comes before start:. Give an end date on or after the start date."
    )


def test_customers_join_once_with_clear_replies_for_every_case(live):
    create_campaign(live)
    create_campaign(live, code="SOON", start="2030-01-01", end="2030-02-01")
    _join_all(live)
    assert Entry.select().count() == 5
    first = live.replies_to(CUSTOMERS[0])[0]
    ticket = Entry.get(Entry.phone == CUSTOMERS[0]).ticket
    assert first.startswith(
        f"You're in the RAYA26 lucky draw for Hamper Raya! Your ticket: {ticket}."
    )
    live.say(CUSTOMERS[0], "join RAYA26")
    assert live.replies_to(CUSTOMERS[0], 2)[1].startswith("You're already in the RAYA26 draw")
    live.say(CUSTOMERS[1], "JOIN NOPE")
    assert live.replies_to(CUSTOMERS[1], 2)[1].startswith(
        "Sorry, we couldn't find a campaign called NOPE."
    )
    live.say(CUSTOMERS[2], "JOIN SOON")
    assert live.replies_to(CUSTOMERS[2], 2)[1].startswith("SOON opens on Tue 1 Jan 2030.")
    live.say(CUSTOMERS[3], "join")
    assert live.replies_to(CUSTOMERS[3], 2)[1].startswith(
        "To join a lucky draw, send JOIN and the campaign code"
    )
    live.say(ADMIN, "/campaign close RAYA26")
    live.say("60119999999", "JOIN RAYA26")
    assert live.replies_to("60119999999")[0].startswith(
        "Sorry, RAYA26 is closed: its entries were frozen for the draw"
    )
    assert Entry.select().count() == 5


def test_draw_picks_once_tells_winners_and_the_admin_and_verifies(live, tmp_path):
    create_campaign(live)
    _join_all(live)
    question = live.ask("/draw RAYA26 winners: 2")
    assert question.startswith(
        "RAYA26 is still open. It must close first: its 5 entries are frozen, their digest "
        "published and the drand round that decides the draw fixed.\n"
        "Close it and draw 2 winner(s) for RAYA26 among 5 entries?\n"
        "The draw runs once and cannot be undone; the winners are told at once.\n"
        "Tap ✅ Yes or ❌ No, or reply YES or NO (Ya / Tidak)."
    )
    assert Draw.get().state == "committed"
    assert live.ask("/confirm").startswith(
        "Drawing 2 winner(s) for RAYA26 among 5 entries. It is decided by drand round "
    )
    result = live.replies_to(ADMIN, 4)[3]
    draw = Draw.get()
    assert draw.state == "drawn" and len(draw.winners) == 2 and draw.entry_count == 5
    for winner in draw.winners:
        assert live.replies_to(winner["phone"], 2)[1].startswith(
            "Congratulations! 🎉 You won Hamper Raya"
        )
        assert (
            winner["phone"] not in result
            and f"{winner['phone'][:2]}*****{winner['phone'][-4:]}" in result
        )
    assert f"Seed {draw.seed}" in result
    assert live.ask("/draw RAYA26") == (
        "RAYA26 has already been drawn. See /campaign show RAYA26; "
        "/draw RAYA26 redraw: N draws again for prizes not collected."
    )
    assert live.ask("/confirm") == (
        "There is no question waiting for your answer. Send the command again."
    )
    assert run_draw(draw.id) == "skipped (drawn)"
    assert AuditLog.select().where(AuditLog.action == "draw.request").count() == 1
    ran = AuditLog.get(AuditLog.action == "draw.run")
    assert (ran.actor, ran.source, ran.after["entries"]) == ("system", "job", 5)

    env = {
        "DATABASE_URL": live.settings.database_url,
        "PATH": "/usr/bin:/bin",
        **beacon_env(live.settings.beacon),
    }
    ok = verify_draw(env, "raya26")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout == (
        "RAYA26: the draw matches its commitment, its 5 frozen entries and its winners, "
        "decided by drand round 2, whose signature verifies.\n"
    )
    record = requests.get(f"{live.url}/c/RAYA26/draw.json", timeout=5).json()
    assert record["beacon"]["round"] == 2 and record["source"] == "beacon"
    assert record["beacon"]["randomness"] == RECORDED[2][1] == draw.beacon_randomness
    assert not any(phone in json.dumps(record) for phone in CUSTOMERS)
    downloaded = tmp_path / "RAYA26-draw.json"
    downloaded.write_text(json.dumps(record))
    assert (
        verify_draw(
            {"PATH": "/usr/bin:/bin", **beacon_env(live.settings.beacon)},
            "--from-file",
            str(downloaded),
        ).returncode
        == 0
    )
    assert verify_draw(env, "RAYA26", "--url", live.url).returncode == 0
    # Each tampering is caught from the record alone: an entry, a beacon bit, the round, a winner.
    signature = record["beacon"]["signature"]
    flipped = f"{int(signature[:2], 16) ^ 1:02x}{signature[2:]}"
    for change in (
        lambda r: r["entries"].__setitem__(2, r["entries"][2].replace(":", ":X", 1)),
        lambda r: r["entries"].pop(),
        lambda r: r["beacon"].__setitem__("signature", flipped),
        lambda r: r["beacon"].__setitem__("randomness", RECORDED[21_000_000][1]),
        lambda r: r["beacon"].__setitem__("round", 3),
        lambda r: r["winners"][0].__setitem__("ticket", "FORGED22"),
        lambda r: r.__setitem__("source", "operator"),
    ):
        tampered = json.loads(json.dumps(record))
        change(tampered)
        assert check_record(tampered, live.settings.beacon).problems, tampered
    tampered = json.loads(json.dumps(record))
    tampered["beacon"]["signature"] = flipped  # and the command line says so too
    downloaded.write_text(json.dumps(tampered))
    bad = verify_draw(env, "--from-file", str(downloaded))
    assert bad.returncode == 1 and "MISMATCH: The beacon signature of round 2 " in bad.stdout
    Entry.update(ticket="FORGED22").where(Entry.id == Entry.select().first().id).execute()
    bad = verify_draw(env, "RAYA26")
    assert bad.returncode == 1 and "MISMATCH: The entries digest does not match" in bad.stdout


def verify_draw(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """Run `python bot.py verify-draw ARGS` as anyone would."""
    return subprocess.run(
        [sys.executable, "bot.py", "verify-draw", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_two_concurrent_draw_jobs_pick_once(live):
    create_campaign(live)
    _join_all(live)
    live.ask("/campaign close RAYA26")
    draw = Draw.get()
    draw.state, draw.requested_by = "queued", ADMIN
    draw.save()
    outcomes = []
    threads = [
        threading.Thread(target=carried(lambda: outcomes.append(run_draw(draw.id))))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["drawn (1 winners, beacon)", "skipped (drawn)"]
    live.settle()
    assert (
        len(
            [b for b in live.graph.sent() if "Congratulations" in b.get("text", {}).get("body", "")]
        )
        == 1
    )


def test_draw_without_entries_is_refused(live):
    create_campaign(live)
    live.say(ADMIN, "/draw RAYA26")
    assert live.replies_to(ADMIN, 2)[1] == "RAYA26 has no entries yet, so there is nobody to draw."
    assert Draw.get().state == "committed"


CTA = ("Enter on WhatsApp", "Sertai di WhatsApp", "Scan to open WhatsApp", "<svg")


def _page(live, code):
    page = requests.get(f"{live.url}/c/{code}", timeout=5)
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    return page


def test_public_page_before_and_after_the_draw(live):
    create_campaign(live, extra="\nrequirements: <script>alert(1)</script> follow us")
    page = _page(live, "raya26")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-cache"
    html = page.text
    assert "Win Hamper Raya" in html and "Menangi Hamper Raya" in html
    assert all(part in html for part in CTA) and "0 entries so far" in html
    assert 'href="https://wa.me/?text=JOIN%20RAYA26"' in html
    assert "How to check this draw yourself" in html and "Cara menyemak cabutan ini sendiri" in html
    assert Draw.get().commitment in html and Draw.get().seed not in html
    assert (
        "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    )
    assert requests.get(f"{live.url}/c/raya26/entries.txt", timeout=5).status_code == 404
    _join_all(live)
    assert "5 entries so far" in _page(live, "RAYA26").text
    live.draw("RAYA26")
    html = _page(live, "RAYA26").text
    draw = Draw.get()
    assert draw.seed in html and draw.entries_digest in html
    assert "The draw is done: 1 winner(s) among 5 entries." in html
    assert "Cabutan telah dibuat: 1 pemenang daripada 5 penyertaan." in html
    assert not any(part in html for part in CTA) and "so far" not in html
    winner = draw.winners[0]
    assert (
        winner["phone"] not in html and f"{winner['phone'][:2]}*****{winner['phone'][-4:]}" in html
    )
    assert f"ticket · tiket <strong>{winner['ticket']}</strong></li>" in html
    assert "sudah diambil" not in html
    lines = requests.get(f"{live.url}/c/RAYA26/entries.txt", timeout=5).text.splitlines()
    assert len(lines) == 5 and not any(phone in "".join(lines) for phone in CUSTOMERS)
    assert {line.split(":")[1] for line in lines} == {e.ticket for e in Entry.select()}
    assert hashlib.sha256("\n".join(lines).encode()).hexdigest() == draw.entries_digest
    live.ask(f"/campaign claimed RAYA26 {winner['ticket'].lower()}")
    assert "collected · sudah diambil</span></li>" in _page(live, "RAYA26").text
    assert Campaign.select().count() == 1


def test_an_unknown_code_gets_a_404_page_in_english_and_malay(live):
    for path in ("/c/nope", "/c/NOPE/entries.txt"):
        page = requests.get(f"{live.url}{path}", timeout=5)
        assert page.status_code == 404 and page.headers["X-Content-Type-Options"] == "nosniff"
        assert "No lucky draw called NOPE" in page.text
        assert "Tiada cabutan bertuah bernama NOPE" in page.text
        assert "The requested URL was not found" not in page.text  # not Flask's own page


def test_the_page_invites_entries_only_while_the_campaign_is_open(live):
    create_campaign(live, code="SOON", start="2030-01-01", end="2030-02-01")
    html = _page(live, "SOON").text
    assert "Entries open on Tue 1 Jan 2030." in html
    assert "Penyertaan dibuka pada Selasa, 1 Januari 2030." in html
    assert not any(part in html for part in CTA)
    create_campaign(live)
    _join_all(live)
    closed = live.ask("/campaign close RAYA26")
    draw = Draw.get(Draw.campaign == Campaign.get(Campaign.code == "RAYA26"))
    assert closed == (
        f"RAYA26 is closed to new entries. 5 entries frozen, digest {draw.entries_digest}; "
        f"decided by drand round {draw.beacon_round}.\nDraw it with /draw RAYA26."
    )
    html = _page(live, "RAYA26").text
    assert (
        f"Entries are closed: 5 entries frozen. The draw waits for drand round {draw.beacon_round}"
        in html
    )
    assert "Penyertaan telah ditutup: 5 penyertaan dibekukan." in html
    assert draw.entries_digest in html and draw.seed not in html
    assert not any(part in html for part in CTA) and "so far" not in html


def test_a_tapped_join_button_enters_the_draw(live):
    create_campaign(live)
    body = text_message_body(CUSTOMERS[0], "", "wamid.button.1", name="Aminah")
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    message.pop("text")
    message.update(
        type="interactive",
        interactive={
            "type": "button_reply",
            "button_reply": {"id": "JOIN RAYA26", "title": "Join the draw"},
        },
    )
    assert live.post(body).status_code == 200
    assert live.replies_to(CUSTOMERS[0])[0].startswith("You're in the RAYA26 lucky draw")
    assert Entry.get().name == "Aminah"


def test_a_winner_outside_the_24_hour_window_gets_the_template(live):
    import datetime as dt

    from models import Contact, utcnow

    create_campaign(live)
    live.say(CUSTOMERS[0], "JOIN RAYA26")
    live.replies_to(CUSTOMERS[0])
    live.settle()
    Contact.update(last_inbound_at=utcnow() - dt.timedelta(days=2)).execute()
    live.draw("RAYA26")
    live.settle()
    (sent,) = [
        b for b in live.graph.sent() if b["to"] == f"+{CUSTOMERS[0]}" and b["type"] == "template"
    ]
    assert sent["template"]["name"] == "draw_winner"
    assert [p["text"] for p in sent["template"]["components"][0]["parameters"]] == [
        "Hamper Raya",
        "RAYA26",
    ]


def test_campaign_qr_is_uploaded_and_sent_as_an_image(live):
    create_campaign(live)
    live.say(ADMIN, "/campaign qr RAYA26")
    live.graph.wait_for(2)
    live.settle()
    (image,) = [b for b in live.graph.sent() if b["type"] == "image"]
    assert image["to"] == f"+{ADMIN}"
    assert image["image"]["caption"].startswith("Scan to join RAYA26: Hamper Raya")
    uploaded = live.graph.media[image["image"]["id"]]
    assert uploaded["data"].startswith(b"\x89PNG") and uploaded["mime_type"] == "image/png"


def _verify(live, code):
    env = {"DATABASE_URL": live.settings.database_url, "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "bot.py", "verify-draw", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_verify_draw_of_an_unknown_or_undrawn_campaign_is_an_error_not_a_mismatch(live):
    create_campaign(live)
    unknown = _verify(live, "nope")
    assert unknown.returncode == 2 and "MISMATCH" not in unknown.stdout + unknown.stderr
    assert unknown.stderr.strip() == "error: no campaign NOPE"
    undrawn = _verify(live, "RAYA26")
    assert undrawn.returncode == 2
    assert undrawn.stderr.strip() == (
        "error: RAYA26 has not been drawn yet, so there is nothing to check"
    )


def test_a_campaign_closes_by_itself_at_its_end_once_and_join_is_refused(live):
    create_campaign(live)
    _join_all(live)
    draw = Draw.get()
    assert close_when_due(draw.id) == "scheduled"  # still open: it waits for the end time
    assert Draw.get().state == "committed" and sweep()["closes"] == 0
    Campaign.update(end_at=utcnow() - dt.timedelta(seconds=5)).execute()
    live.say("60119999999", "JOIN RAYA26")  # after the end, before the close job ran
    assert live.replies_to("60119999999")[0].startswith("Sorry, RAYA26 has ended.")
    outcomes = [close_when_due(draw.id), close_when_due(draw.id)]
    assert outcomes[0].startswith("closed (5 entries, round ") and outcomes[1] == "skipped (closed)"
    draw = Draw.get()
    lines = requests.get(f"{live.url}/c/RAYA26/entries.txt", timeout=5).text.splitlines()
    assert draw.entry_count == 5 and len(lines) == 5
    assert hashlib.sha256("\n".join(lines).encode()).hexdigest() == draw.entries_digest
    beacon = live.settings.beacon
    assert beacon.round_time(draw.beacon_round) > draw.frozen_at + dt.timedelta(
        seconds=beacon.margin
    )
    assert beacon.round_time(draw.beacon_round - 1) <= draw.frozen_at + dt.timedelta(
        seconds=beacon.margin
    )
    assert Campaign.get().status == "closed" and sweep()["closes"] == 0
    assert AuditLog.select().where(AuditLog.action == "campaign.close").count() == 1
    live.say("60119999998", "JOIN RAYA26")
    assert live.replies_to("60119999998")[0].startswith(
        "Sorry, RAYA26 is closed: its entries were frozen for the draw"
    )
    assert live.ask("/campaign close RAYA26").startswith(
        f"RAYA26 is already closed: 5 entries frozen, digest {draw.entries_digest}"
    )
    assert live.ask("/draw RAYA26").startswith(
        "Draw 1 winner(s) for RAYA26 among 5 entries?\nThe draw runs once"
    )
    assert "drand round 2, randomness " in live.draw("RAYA26")
    assert Draw.get().entry_count == 5 and len(Draw.get().winners) == 1


def test_the_sweeper_closes_a_campaign_whose_scheduled_close_was_lost(live):
    create_campaign(live)
    Campaign.update(end_at=utcnow() - dt.timedelta(minutes=5)).execute()
    assert sweep()["closes"] == 1
    wait_until(lambda: Draw.get().state == "closed")
    assert Draw.get().entry_count == 0 and sweep()["closes"] == 0


def _texts_to(live, phone, part):
    return [text for text in live.replies_to(phone, 0) if part in text]


def test_an_unreachable_beacon_is_retried_the_admin_told_once_and_the_round_kept(live):
    create_campaign(live)
    _join_all(live)
    live.drand.down = True
    live.ask("/draw RAYA26")
    live.say(ADMIN, "/confirm")
    wait_until(lambda: _texts_to(live, ADMIN, "cannot be fetched or verified right now"))
    told = _texts_to(live, ADMIN, "cannot be fetched or verified right now")[0]
    assert told.startswith("RAYA26: drand round 2 cannot be fetched or verified right now (")
    assert "To draw without the beacon instead, send /draw RAYA26 operator" in told
    draw = Draw.get()
    assert draw.state == "queued" and draw.beacon_round == 2
    # A retry while it is still down comes back later; the admin is not told again.
    assert run_draw(draw.id) == "beacon unavailable, trying again in 15 s"
    assert live.ask("/draw RAYA26").startswith(
        "RAYA26 is being drawn; the result is on its way once drand round 2 is in."
    )
    live.drand.down = False
    sweep()  # what the sweeper does every 30 s for a queued draw
    wait_until(lambda: Draw.get().state == "drawn")
    assert run_draw(draw.id) == "skipped (drawn)"
    draw = Draw.get()
    assert (draw.beacon_round, draw.beacon_randomness, draw.source) == (
        2,
        RECORDED[2][1],
        "beacon",
    )
    live.settle()
    assert len(_texts_to(live, ADMIN, "cannot be fetched or verified right now")) == 1
    assert AuditLog.select().where(AuditLog.action == "draw.run").count() == 1


def test_a_lying_relay_never_decides_a_draw(live):
    create_campaign(live)
    _join_all(live)
    live.drand.tamper = True
    live.ask("/draw RAYA26")
    live.say(ADMIN, "/confirm")
    wait_until(lambda: _texts_to(live, ADMIN, "cannot be fetched or verified right now"))
    assert "The beacon signature of round 2 " in _texts_to(live, ADMIN, "verified right now")[0]
    assert Draw.get().state == "queued" and Draw.get().winners == []


def test_a_round_not_out_yet_makes_the_draw_wait_for_it(live):
    create_campaign(live)
    _join_all(live)
    live.ask("/campaign close RAYA26")
    draw = Draw.get()
    draw.state, draw.requested_by = "queued", ADMIN
    draw.save()
    live.drand.rounds.pop(2)
    assert run_draw(draw.id) == "waiting for round 2"
    assert Draw.get().state == "queued"
    live.drand.reset()
    assert run_draw(draw.id) == "drawn (1 winners, beacon)"


def test_an_operator_only_override_is_confirmed_and_labelled_everywhere(live, tmp_path):
    create_campaign(live)
    _join_all(live)
    live.drand.down = True
    live.ask("/draw RAYA26")
    live.say(ADMIN, "/confirm")
    wait_until(lambda: _texts_to(live, ADMIN, "cannot be fetched or verified right now"))
    question = live.ask("/draw RAYA26 operator")
    assert question.startswith("RAYA26 is waiting for drand round 2. Draw it OPERATOR-ONLY instead")
    assert Draw.get().source == "beacon"
    seen = len(live.replies_to(ADMIN, 0))
    live.say(ADMIN, "/confirm")
    confirmed, result = live.replies_to(ADMIN, seen + 2)[seen : seen + 2]
    assert confirmed.startswith("Drawing RAYA26 OPERATOR-ONLY, without drand round 2.")
    assert "OPERATOR-ONLY draw: no beacon randomness was used (the page says so)." in result
    draw = Draw.get()
    assert (draw.state, draw.source, draw.beacon_randomness) == ("drawn", "operator", "")
    html = _page(live, "RAYA26").text
    assert "Operator-only draw:" in html and "Cabutan oleh pengendali sahaja" in html
    record = requests.get(f"{live.url}/c/RAYA26/draw.json", timeout=5).json()
    assert record["source"] == "operator" and record["beacon"]["signature"] is None
    downloaded = tmp_path / "draw.json"
    downloaded.write_text(json.dumps(record))
    env = {"PATH": "/usr/bin:/bin", **beacon_env(live.settings.beacon)}
    checked = verify_draw(env, "--from-file", str(downloaded))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("NOTE: OPERATOR-ONLY draw: no beacon randomness decided it")
    assert "decided by the operator's seed alone (no beacon)." in checked.stdout
    assert AuditLog.select().where(AuditLog.action == "draw.override").count() == 1


def test_a_redraw_for_an_uncollected_prize_takes_a_new_round_and_verifies(live, tmp_path):
    create_campaign(live)
    _join_all(live)
    live.draw("RAYA26", " winners: 2")
    first, second = Draw.get().winners
    live.ask(f"/campaign claimed RAYA26 {first['ticket']}")
    assert live.ask("/draw RAYA26 redraw: 2") == (
        "redraw: from 1 to 1, the prizes of RAYA26 not collected."
    )
    question = live.ask("/draw RAYA26 redraw: 1")
    assert question.startswith(
        f"Redraw 1 prize(s) of RAYA26? Ticket(s) {second['ticket']} have not collected their "
        "prize and lose it. New winners are drawn among the 3 entries that have not won"
    )
    seen = len(live.replies_to(ADMIN, 0))
    live.say(ADMIN, "/confirm")
    confirmed, result = live.replies_to(ADMIN, seen + 2)[seen : seen + 2]
    assert confirmed == (
        "Redrawing 1 prize(s) of RAYA26 (redraw 1) among 3 entries that have not won; "
        "decided by drand round 3."
    )
    assert result.startswith("RAYA26 redraw 1 of the 5 entries:\n1. ")
    assert f"drand round 3, randomness {RECORDED[3][1]}" in result
    draw = Draw.get()
    third = draw.winners[2]
    assert draw.state == "redrawn" and third["redraw"] == 1
    assert third["ticket"] not in (first["ticket"], second["ticket"])
    assert draw.winners[1]["forfeited"] == 1
    assert live.replies_to(third["phone"], 2)[1].startswith("Congratulations! 🎉")
    html = _page(live, "RAYA26").text
    assert "not collected, redrawn · tidak dituntut, dicabut semula" in html
    assert "redraw · cabutan semula 1" in html and RECORDED[3][1] in html
    record = requests.get(f"{live.url}/c/RAYA26/draw.json", timeout=5).json()
    assert check_record(record, live.settings.beacon).problems == []
    assert record["redraws"][0]["round"] == 3 and record["redraws"][0]["given_up"] == [
        second["ticket"]
    ]
    downloaded = tmp_path / "draw.json"
    downloaded.write_text(json.dumps(record))
    env = {"PATH": "/usr/bin:/bin", **beacon_env(live.settings.beacon)}
    assert verify_draw(env, "--from-file", str(downloaded)).returncode == 0
    for change in (
        lambda r: r["winners"][2].__setitem__("index", r["winners"][1]["index"]),
        lambda r: r["redraws"][0].__setitem__("randomness", RECORDED[2][1]),
        lambda r: r["redraws"][0].__setitem__("round", 2),  # the first draw's round again
        lambda r: r["winners"][1].pop("forfeited"),
    ):
        tampered = json.loads(json.dumps(record))
        change(tampered)
        assert check_record(tampered, live.settings.beacon).problems, tampered
    assert live.ask(f"/campaign claimed RAYA26 {second['ticket']}") == (
        f"Ticket {second['ticket']} (the winner) gave up its prize to redraw 1 of RAYA26, "
        "so it cannot be collected any more."
    )
    listed = live.ask("/campaign winners RAYA26")
    assert f"ticket {second['ticket']} · given up to redraw 1" in listed
    assert f"ticket {third['ticket']} · not collected (redraw 1)" in listed
    assert live.ask(f"/campaign claimed RAYA26 {third['ticket']}").endswith(
        "2 of 2 collected. Every prize is collected: the draw is finished."
    )
    assert Draw.get().state == "finished"
    assert live.ask("/draw RAYA26 redraw: 1") == (
        "Every prize of RAYA26 has been collected: nothing to redraw."
    )
    assert (
        check_record(
            requests.get(f"{live.url}/c/RAYA26/draw.json", timeout=5).json(), live.settings.beacon
        ).problems
        == []
    )
