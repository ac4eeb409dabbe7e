"""Media: attachments fetched from WhatsApp by a job, and images in the outbox."""

from peewee import CharField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("wocs_attachment", "media_id", CharField(max_length=64, default="")),
        migrator.add_column("wocs_attachment", "mime_type", CharField(max_length=100, default="")),
        migrator.add_column("wocs_attachment", "state", CharField(max_length=10, default="stored")),
        migrator.add_column(
            "outbound_message", "media_path", CharField(max_length=500, default="")
        ),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("wocs_attachment", "media_id"),
        migrator.drop_column("wocs_attachment", "mime_type"),
        migrator.drop_column("wocs_attachment", "state"),
        migrator.drop_column("outbound_message", "media_path"),
    )
