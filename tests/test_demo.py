"""`python bot.py demo`, run as a newcomer would: the whole day prints and exits 0."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_demo_plays_the_whole_day():
    # The demo builds its own settings; a developer's .env must not reach it either way.
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("WHATSAPP_", "WOCS_", "REDIS_"))
    }
    done = subprocess.run(
        [sys.executable, "bot.py", "demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,  # only a hang is a failure: a busy machine may take its time
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "bot → +60 12-345 6789 (Aisyah): Siti (+60129998888) added as agent." in out
    assert "bot → +60 12-999 8888 (Siti): New task #1 from Aisyah: Setup booth" in out
    assert "bot → +60 12-345 6789 (Aisyah): Siti finished task #1: Setup booth" in out
    assert (
        "Aisyah › /agent task: Stock the cooler\n  bot → +60 12-345 6789 (Aisyah): Who is it for?"
        in out
    )
    assert "Aisyah › Siti\n  bot → +60 12-345 6789 (Aisyah): When is it due?" in out
    assert "Aisyah › esok\n" in out and "New task #2 from Aisyah: Stock the cooler" in out
    assert (
        "… and 17 more customers (Ravi to Irfan) send JOIN RAYA26; 17 of them get a ticket" in out
    )
    assert out.count("Your ticket: ") == 3  # the first three joins are shown in full
    assert "open · 20 entries" in out
    assert "Meta › (webhook) template campaign_reminder is APPROVED" in out
    assert "20 recipients, 1 opted out (skipped), sending now." in out
    assert "done: 19 sent, 1 skipped, 0 failed." in out
    assert "(19 reminders sent; +60 13-555 0005 (Nurul) said STOP and was skipped)" in out
    assert "      [1] ✅ Yes / Ya  → /confirm " in out and "[2] ❌ No / Tidak  → /cancel " in out
    assert "Aisyah › (taps ✅ Yes / Ya)\n" in out
    assert "Drawing 1 winner(s) for RAYA26 among 20 entries." in out
    assert "Congratulations! 🎉 You won Raya hamper worth RM200" in out
    assert "It is decided by drand round 2" in out and "drand round 2, randomness 5782d698" in out
    assert "verify-draw: the draw matches its commitment, entries and winners; the beacon's " in out
    assert "Daily report for " in out and "RAYA26 (drawn): 20 entries, 20 new" in out
    # Customers write in: a question answered by a quote-reply, a photo forwarded as a photo.
    assert "Siti › /duty on\n  bot → +60 12-999 8888 (Siti): You're on duty" in out
    assert (
        "Farah › Hi, do you deliver to Shah Alam?\n"
        "  bot → +60 12-999 8888 (Siti): 💬 #1 Farah (+60 13-555 ****)" in out
    )
    assert "[1] Join the lucky draw — RAYA26: masuk cabutan bertuah  → JOIN RAYA26" in out
    assert (
        "Yes! RM5 to Shah Alam, order by 3pm.\n"
        "  bot → +60 13-555 0001 (Farah): Yes! RM5 to Shah Alam, order by 3pm." in out
    )
    assert "Hafiz › [photo] Is this the hamper I can win?" in out
    assert (
        "bot → +60 12-999 8888 (Siti): [image] 💬 #2 Hafiz (+60 13-555 ****): Is this the hamper"
        in out
    )
    # After hours the customer hears so; in the morning the message is handed to Siti.
    assert "Ravi › Boleh tempah 50 bungkus nasi lemak untuk Sabtu?\n" in out
    assert "(Ravi): Thanks for your message! 🙂 Our team isn't available right now" in out
    assert "1 conversation needs someone: /inbox open" in out
    assert "(Siti): 🌅 #3 Ravi (+60 13-555 ****) wrote while nobody was on duty:" in out
    assert ": Boleh tempah 50 bungkus nasi lemak untuk Sabtu?\n" in out
    assert "The whole day took" in out
    assert "INFO" not in done.stderr  # the transcript is not drowned in logs
