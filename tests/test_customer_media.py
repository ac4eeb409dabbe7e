"""A customer's media, cards, orders, reactions and ad clicks reach the team member as what they are."""

from __future__ import annotations

import uuid

import pytest

from jobs import media
from models import Conversation, ConversationMessage, OutboundMessage, WocsAttachment
from tests.bodies import as_person, recorded
from tests.conftest import TOKEN, addressee, wait_until
from tests.scenarios import all_handled_once, posted
from whatsapp.cloud import CloudTransport
from whatsapp.errors import PermanentGraphError
from whatsapp.payload import text_message_body
from whatsapp.transports import Outgoing
from wocs.replies import reply

SITI = "60129998888"  # the agent on duty
FARAH = "60135551234"  # the customer
WHO = "Test Name (+60 13-555 ****)"  # the corpus bodies' sender, as the team sees her
MEDIA_ID = "1234567890987654321"  # the media id most corpus bodies carry
PHONE_NUMBER_ID = "1234567890"  # the test app's WHATSAPP_PHONE_NUMBER_ID
CLIP = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 8


@pytest.fixture
def on_duty(live, tmp_path, use_storage) -> int:
    """Siti, an agent on duty; files go to a fresh folder. Returns how many texts she has had."""
    use_storage({"STORAGE_DIR": str(tmp_path / "files")})
    live.ask("/admin add phone: 012-999 8888 role: agent name: Siti")
    assert live.ask("/duty on", SITI).startswith("You're on duty")
    return len(live.replies_to(SITI, 0))


def forwarded(live, seen: int, more: int = 1) -> str:
    """The text Siti got last, once she has had `more` texts after the `seen` ones."""
    return live.replies_to(SITI, seen + more)[seen + more - 1]


def from_farah(name: str, **changes: object) -> dict:
    """A recorded corpus body as sent by Farah now to our number, its message changed as given."""
    body = as_person(recorded(name), phone=FARAH)
    value = body["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = PHONE_NUMBER_ID
    value["messages"][0].update(changes)
    return body


def sends(live, phone: str, kind: str, count: int = 1) -> list[dict]:
    """Wait until `phone` got `count` messages of `kind` at the Graph server; their bodies."""
    found: list[dict] = []

    def arrived() -> bool:
        found[:] = [b for b in live.graph.sent() if addressee(b) == phone and b["type"] == kind]
        return len(found) >= count

    wait_until(arrived)
    return found


def test_a_photo_is_stored_and_forwarded_as_a_photo_that_a_quote_reply_answers(live, on_duty):
    live.graph.add_media("65463453", PHOTO, "image/jpeg")
    posted(live, from_farah("message__image.json", image={"id": "65463453", "caption": "Ini?"}))
    (photo,) = sends(live, SITI, "image")
    number = Conversation.get().id
    assert photo["image"]["caption"] == (
        f"💬 #{number} {WHO}: Ini?\n↩️ Quote-reply to answer, or send /reply {number} and your text."
    )
    # Meta sends media by an id the business uploaded (or a link), never one from a webhook.
    assert photo["image"]["id"] != "65463453" and live.graph.media[photo["image"]["id"]]["data"]
    attachment = WocsAttachment.get()
    assert attachment.state == "stored" and attachment.storage_key.startswith(
        f"conversations/{number}/"
    )
    assert live.runtime.storage.open_bytes(attachment.storage_key) == PHOTO
    message = ConversationMessage.get(ConversationMessage.direction == "in")
    assert (message.attachment_id, message.text) == (attachment.id, "[photo] Ini?")
    live.settle()
    assert len(live.replies_to(SITI, 0)) == on_duty  # the photo says it all: no text besides
    sent = OutboundMessage.get(OutboundMessage.kind == "image")
    answer = text_message_body(SITI, "Ya, yang ini.", f"wamid.test.{uuid.uuid4().hex}")
    answer["entry"][0]["changes"][0]["value"]["messages"][0]["context"] = {"id": sent.wamid}
    posted(live, answer)
    assert live.replies_to(FARAH, 2) == [reply("menu"), "Ya, yang ini."]
    assert all_handled_once()


@pytest.mark.parametrize(
    ("corpus", "kind", "data", "said", "caption"),
    [
        ("message__video.json", "video", CLIP, "[video] caption", "caption"),
        (
            "message__document.json",
            "document",
            b"%PDF-1.4 menu",
            "[document filename.pdf] caption",
            "",
        ),
        ("message__voice.json", "audio", b"OggS voice", "[voice note]", ""),
        ("message__static_sticker.json", "sticker", b"RIFF webp", "[sticker]", ""),
    ],
    ids=["video", "document", "voice", "sticker"],
)
def test_video_document_voice_and_sticker_are_forwarded_as_themselves(
    live, on_duty, corpus, kind, data, said, caption
):
    body = from_farah(corpus)
    part = body["entry"][0]["changes"][0]["value"]["messages"][0][kind]
    live.graph.add_media(part["id"], data, part["mime_type"])
    posted(live, body)
    (sent,) = sends(live, SITI, kind)
    number = Conversation.get().id
    uploaded = live.graph.media[sent[kind]["id"]]  # the stored file, uploaded again
    assert (uploaded["data"], uploaded["mime_type"]) == (data, part["mime_type"].split(";")[0])
    if kind in ("video", "document"):
        # A video's caption is the customer's; a document's keeps its name (sent under ours).
        assert sent[kind]["caption"].startswith(f"💬 #{number} {WHO}: {caption or said}\n↩️")
    else:
        # Meta takes no caption on audio or stickers: a text line says whose it is.
        assert "caption" not in sent[kind]
        assert forwarded(live, on_duty).startswith(f"💬 #{number} {WHO}: {said}\n↩️")
    assert ConversationMessage.get(ConversationMessage.direction == "in").text == said
    assert all_handled_once()


def test_a_failed_download_forwards_the_placeholder_and_the_retry_sends_the_photo(live, on_duty):
    live.graph.add_media("65463453", PHOTO, "image/jpeg")
    live.graph.fail_media_next(code=2)  # 503: the first fetch fails, RQ will try again
    posted(live, from_farah("message__image.json"))
    text = forwarded(live, on_duty)
    number = Conversation.get().id
    assert text.startswith(f"💬 #{number} {WHO}: [photo]\n↩️")
    attachment = WocsAttachment.get()
    assert (attachment.state, attachment.attempts) == ("pending", 1)
    assert media.fetch_attachment(attachment.id) == "stored"  # the retry, as a worker runs it
    (late,) = sends(live, SITI, "image")
    assert late["image"]["caption"] == f"💬 #{number} {WHO}"
    assert media.fetch_attachment(attachment.id).startswith("skipped")  # a second retry: nothing
    live.settle()
    assert len(sends(live, SITI, "image")) == 1


def test_a_contact_card_and_an_order_are_spelled_out(live, on_duty):
    posted(live, from_farah("message__contacts.json"))
    card = forwarded(live, on_duty)
    assert card.startswith(
        f"💬 #{Conversation.get().id} {WHO}: [contact card] Chandler Bing +1 555-555-5555; "
        "Monica +1 666-666-6666; Rachel Green +1 777-777-7777"
    )
    posted(live, from_farah("message__order.json"))
    order = forwarded(live, on_duty, 2)
    assert order == (
        f"💬 #{Conversation.get().id} {WHO}: [order] 3 × HAMBURGER at 30.00 ILS; "
        "2 × FRENCH_FRIES at 35.00 ILS; 2 × SODA at 10.00 ILS; total 180.00 ILS"
    )
    assert all_handled_once()


def test_a_reaction_is_attached_to_the_message_it_reacts_to(live, on_duty):
    posted(live, from_farah("message__text.json", text={"body": "Boleh hantar ke Shah Alam?"}))
    forwarded(live, on_duty)
    number = Conversation.get().id
    assert live.ask(f"/reply {number} Boleh, RM5.", SITI).startswith(f"Sent to #{number}")
    live.settle()
    answer = ConversationMessage.get(ConversationMessage.direction == "out")
    wamid = answer.outbound.wamid
    posted(
        live, from_farah("message__reaction.json", reaction={"message_id": wamid, "emoji": "👍"})
    )
    shown = forwarded(live, on_duty, 3)
    assert shown == f"💬 #{number} {WHO}: reacted 👍 to: “Boleh, RM5.”"
    reaction = ConversationMessage.select().order_by(ConversationMessage.id.desc()).first()
    assert reaction.reacts_to_id == answer.id
    # Taking the reaction back is kept in the conversation, and pings nobody.
    posted(live, from_farah("message__reaction.json", reaction={"message_id": wamid, "emoji": ""}))
    live.settle()
    wait_until(lambda: ConversationMessage.select().count() == 4)
    assert len(live.replies_to(SITI, 0)) == on_duty + 3
    assert all_handled_once()


def test_an_ad_click_is_kept_on_the_conversation_and_shown_in_the_first_forward(live, on_duty):
    posted(live, from_farah("message__referral.json", text={"body": "Nak tanya pasal promo"}))
    first = forwarded(live, on_duty)
    number = Conversation.get().id
    assert first.splitlines()[:2] == [
        f"💬 #{number} {WHO}: Nak tanya pasal promo",
        "📣 Came from an ad: “AD_TITLE” (ad or post, AD_OR_POST_FB_URL)",
    ]
    assert Conversation.get().referral == {
        "headline": "AD_TITLE",
        "body": "AD_DESCRIPTION",
        "source_type": "ad or post",
        "source_url": "AD_OR_POST_FB_URL",
        "source_id": "ADID",
    }
    posted(live, from_farah("message__text.json", text={"body": "Harga berapa?"}))
    assert forwarded(live, on_duty, 2) == f"💬 #{number} {WHO}: Harga berapa?"


def test_corpus_media_without_a_file_to_fetch_still_reaches_the_agent(live, on_duty):
    for name in ("message__animated_sticker.json", "message__audio.json"):
        posted(live, from_farah(name))
    wait_until(
        lambda: (
            not ConversationMessage.select().where(ConversationMessage.forward.is_null()).exists()
        )
    )
    live.settle()
    told = "\n".join(live.replies_to(SITI, on_duty + 1)[on_duty:])
    assert "[sticker]" in told and "[audio]" in told  # in one forward or two, each once
    assert told.count("[sticker]") == told.count("[audio]") == 1
    assert {a.state for a in WocsAttachment.select()} == {"failed"}
    assert all_handled_once()


def test_the_graph_server_refuses_to_send_a_media_id_from_a_webhook(live, on_duty, tmp_path):
    live.graph.add_media("65463453", PHOTO, "image/jpeg")  # as a customer's photo arrives
    cloud = CloudTransport(TOKEN, "1234567890", api_base=live.graph.base_url)
    with pytest.raises(PermanentGraphError) as refused:
        cloud.send(Outgoing(to=SITI, kind="image", media_id="65463453"))
    assert refused.value.code == 100 and "uploaded media ID" in str(refused.value)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(PHOTO)
    assert cloud.send(Outgoing(to=SITI, kind="image", media_id=cloud.upload_media(str(photo))))


@pytest.mark.parametrize(
    ("mime", "kind"),
    [("audio/amr", "audio"), ("video/3gpp", "video"), ("audio/ogg; codecs=opus", "audio")],
)
def test_media_types_python_misreads_keep_their_type_through_storage_and_upload(
    live, on_duty, mime, kind
):
    body = from_farah("message__voice.json")
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["audio"]
    message["type"], message[kind] = kind, {"id": "555", "mime_type": mime}
    live.graph.add_media("555", b"media bytes", mime)
    posted(live, body)
    (sent,) = sends(live, SITI, kind)
    assert live.graph.media[sent[kind]["id"]]["mime_type"] == mime.split(";")[0]
