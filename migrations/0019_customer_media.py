"""Customer media and bursts: a conversation message's media, reaction and forward time, an ad."""

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField
from playhouse.migrate import SqliteMigrator


class BaseModel(Model):
    class Meta:
        legacy_table_names = False


class JSONText(TextField):
    field_type = "LONGTEXT"


class WocsAttachment(BaseModel):
    class Meta:
        table_name = "wocs_attachment"


class ConversationMessage(BaseModel):
    class Meta:
        table_name = "conversation_message"


LINKS = {
    "attachment": WocsAttachment,
    "reacts_to": ConversationMessage,
}


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("wocs_attachment", "attempts", IntegerField(default=0)),
        migrator.add_column(
            "wocs_attachment", "storage_key", CharField(max_length=500, default="")
        ),
        migrator.add_column("conversation", "referral", JSONText(null=True)),
        migrator.add_column("conversation_message", "forward_due", DateTimeField(null=True)),
        migrator.add_index("conversation_message", ("forward_due",)),
        *(
            migrator.add_column(
                "conversation_message",
                f"{name}_id",
                ForeignKeyField(target, null=True, on_delete="SET NULL", field=target.id),
            )
            for name, target in LINKS.items()
        ),
    )


def down(migrator, db):
    sqlite = isinstance(migrator, SqliteMigrator)
    for name in LINKS:
        column = f"{name}_id"
        migrator.migrate(
            migrator.drop_index("conversation_message", f"conversation_message_{column}")
            if sqlite
            else migrator.drop_foreign_key_constraint("conversation_message", column),
            migrator.drop_column("conversation_message", column),
        )
    migrator.migrate(
        migrator.drop_index("conversation_message", "conversation_message_forward_due"),
        migrator.drop_column("conversation_message", "forward_due"),
        migrator.drop_column("conversation", "referral"),
        migrator.drop_column("wocs_attachment", "attempts"),
        migrator.drop_column("wocs_attachment", "storage_key"),
    )
