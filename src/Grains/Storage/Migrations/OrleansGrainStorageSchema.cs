namespace Splynx.Orleans.Storage.Migrations;

/// <summary>
/// Grain state for Orleans' ADO.NET grain storage provider (binary payloads, optimistic versions).
/// </summary>
/// <remarks>
/// The provider detects a conflicting write when the version it gets back is empty or equals the one
/// it sent, so every statement returns exactly one row, NULL when the guarded change did not happen.
/// </remarks>
internal static class OrleansGrainStorageSchema
{
    private const string ThisGrain = """
        service_id = @ServiceId AND grain_type_hash = @GrainTypeHash AND grain_id_hash = @GrainIdHash
                   AND grain_type = @GrainTypeString AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
                   AND grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString
        """;

    public static Migration Migration { get; } = new(2, "orleans grain storage", $$"""
        CREATE TABLE orleans_storage (
            service_id         text NOT NULL,
            grain_type_hash    integer NOT NULL,
            grain_id_hash      integer NOT NULL,
            grain_type         text NOT NULL,
            grain_id_n0        bigint NOT NULL,
            grain_id_n1        bigint NOT NULL,
            grain_id_extension text,
            payload            bytea,
            version            integer NOT NULL,
            modified_at        timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT orleans_storage_grain UNIQUE NULLS NOT DISTINCT
                (service_id, grain_type_hash, grain_id_hash, grain_type, grain_id_n0, grain_id_n1, grain_id_extension)
        );

        INSERT INTO orleansquery (querykey, querytext) VALUES
        ('ReadFromStorageKey', $q$
            SELECT payload AS "PayloadBinary", version AS "Version"
              FROM orleans_storage
             WHERE {{ThisGrain}}
        $q$),
        ('WriteToStorageKey', $q$
            WITH updated AS (
                UPDATE orleans_storage
                   SET payload = @PayloadBinary, version = version + 1, modified_at = now()
                 WHERE @GrainStateVersion IS NOT NULL AND version = @GrainStateVersion
                   AND {{ThisGrain}}
                RETURNING version),
            inserted AS (
                INSERT INTO orleans_storage (service_id, grain_type_hash, grain_id_hash, grain_type,
                                             grain_id_n0, grain_id_n1, grain_id_extension, payload, version)
                SELECT @ServiceId, @GrainTypeHash, @GrainIdHash, @GrainTypeString,
                       @GrainIdN0, @GrainIdN1, @GrainIdExtensionString, @PayloadBinary, 1
                 WHERE @GrainStateVersion IS NULL
                ON CONFLICT ON CONSTRAINT orleans_storage_grain DO NOTHING
                RETURNING version)
            SELECT (SELECT version FROM updated UNION ALL SELECT version FROM inserted) AS "NewGrainStateVersion"
        $q$),
        ('ClearStorageKey', $q$
            WITH cleared AS (
                UPDATE orleans_storage
                   SET payload = NULL, version = version + 1, modified_at = now()
                 WHERE version = @GrainStateVersion AND {{ThisGrain}}
                RETURNING version)
            SELECT (SELECT version FROM cleared) AS "Version"
        $q$),
        ('DeleteStorageKey', $q$
            WITH deleted AS (
                DELETE FROM orleans_storage
                 WHERE version = @GrainStateVersion AND {{ThisGrain}}
                RETURNING version)
            SELECT (SELECT version + 1 FROM deleted) AS "Version"
        $q$);
        """);
}
