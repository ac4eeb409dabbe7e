"""A broadcast's audience may be a BSUID ("CC." + up to 128, or "CC.ENT." + up to 128)."""

from playhouse.migrate import MySQLMigrator


def up(migrator, db):
    # SQLite does not enforce VARCHAR lengths; MySQL refuses longer values.
    if isinstance(migrator, MySQLMigrator):
        db.execute_sql("ALTER TABLE `broadcast` MODIFY `audience` VARCHAR(140) NOT NULL")


def down(migrator, db):
    if isinstance(migrator, MySQLMigrator):
        db.execute_sql("ALTER TABLE `broadcast` MODIFY `audience` VARCHAR(60) NOT NULL")
