namespace Splynx.Orleans.Storage.Migrations;

/// <summary>
/// Reminders for Orleans' ADO.NET reminder provider. Each silo reads the reminders whose grain hash
/// falls in its slice of the ring; the hash arrives as a signed integer, and a slice that wraps
/// around the signed range is read with the second range query.
/// </summary>
internal static class OrleansRemindersSchema
{
    private const string ReminderColumns = """
        grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
        period AS "Period", version AS "Version"
        """;

    public static Migration Migration { get; } = new(3, "orleans reminders", $$"""
        CREATE TABLE orleans_reminders (
            service_id    text NOT NULL,
            grain_id      text NOT NULL,
            reminder_name text NOT NULL,
            start_time    timestamptz NOT NULL,
            period        bigint NOT NULL,
            grain_hash    integer NOT NULL,
            version       integer NOT NULL,
            PRIMARY KEY (service_id, grain_id, reminder_name)
        );
        CREATE INDEX orleans_reminders_ring ON orleans_reminders (service_id, grain_hash);

        INSERT INTO orleansquery (querykey, querytext) VALUES
        ('UpsertReminderRowKey', $q$
            INSERT INTO orleans_reminders (service_id, grain_id, reminder_name, start_time, period, grain_hash, version)
            VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
            ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
               SET start_time = EXCLUDED.start_time, period = EXCLUDED.period,
                   grain_hash = EXCLUDED.grain_hash, version = orleans_reminders.version + 1
            RETURNING version AS "Version"
        $q$),
        ('ReadReminderRowsKey', $q$
            SELECT {{ReminderColumns}} FROM orleans_reminders
             WHERE service_id = @ServiceId AND grain_id = @GrainId
        $q$),
        ('ReadReminderRowKey', $q$
            SELECT {{ReminderColumns}} FROM orleans_reminders
             WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
        $q$),
        ('ReadRangeRows1Key', $q$
            SELECT {{ReminderColumns}} FROM orleans_reminders
             WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash
        $q$),
        ('ReadRangeRows2Key', $q$
            SELECT {{ReminderColumns}} FROM orleans_reminders
             WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)
        $q$),
        ('DeleteReminderRowKey', $q$
            WITH deleted AS (
                DELETE FROM orleans_reminders
                 WHERE service_id = @ServiceId AND grain_id = @GrainId
                   AND reminder_name = @ReminderName AND version = @Version
                RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM deleted)
        $q$),
        ('DeleteReminderRowsKey', $q$
            DELETE FROM orleans_reminders WHERE service_id = @ServiceId
        $q$);
        """);
}
