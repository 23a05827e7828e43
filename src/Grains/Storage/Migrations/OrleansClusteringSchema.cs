namespace Splynx.Orleans.Storage.Migrations;

/// <summary>
/// Membership for Orleans' ADO.NET clustering provider. The provider ships no SQL: it reads its
/// statements from <c>OrleansQuery</c> by key, binds named parameters and reads result columns by
/// name (case-insensitively), so these statements are the contract with it.
/// </summary>
/// <remarks>
/// Every change to a silo's row bumps the deployment's version in the same statement, guarded by
/// the version the caller read: that is the optimistic concurrency the membership protocol relies on.
/// </remarks>
internal static class OrleansClusteringSchema
{
    private const string MemberColumns = """
        v.version AS "Version", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
        m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
        m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
        """;

    private static string ThisSilo(string table) =>
        $"{table}.address = @Address AND {table}.port = @Port AND {table}.generation = @Generation";

    public static Migration Migration { get; } = new(1, "orleans clustering", $$"""
        -- The providers ask for "SELECT QueryKey, QueryText FROM OrleansQuery" unquoted, which PostgreSQL folds to lower case.
        CREATE TABLE orleansquery (
            querykey  text PRIMARY KEY,
            querytext text NOT NULL
        );

        CREATE TABLE orleans_membership_version (
            deployment_id text PRIMARY KEY,
            version       integer NOT NULL DEFAULT 0,
            changed_at    timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE orleans_membership (
            deployment_id   text NOT NULL REFERENCES orleans_membership_version (deployment_id) ON DELETE CASCADE,
            address         text NOT NULL,
            port            integer NOT NULL,
            generation      integer NOT NULL,
            silo_name       text NOT NULL,
            host_name       text NOT NULL,
            status          integer NOT NULL,
            proxy_port      integer NOT NULL DEFAULT 0,
            suspect_times   text,
            start_time      timestamptz NOT NULL,
            i_am_alive_time timestamptz NOT NULL,
            PRIMARY KEY (deployment_id, address, port, generation)
        );

        INSERT INTO orleansquery (querykey, querytext) VALUES
        ('InsertMembershipVersionKey', $q$
            WITH inserted AS (
                INSERT INTO orleans_membership_version (deployment_id) VALUES (@DeploymentId)
                ON CONFLICT (deployment_id) DO NOTHING
                RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM inserted)
        $q$),
        ('InsertMembershipKey', $q$
            WITH bumped AS (
                UPDATE orleans_membership_version
                   SET version = version + 1, changed_at = now()
                 WHERE deployment_id = @DeploymentId AND version = @Version
                   AND NOT EXISTS (SELECT 1 FROM orleans_membership m
                                    WHERE m.deployment_id = @DeploymentId AND {{ThisSilo("m")}})
                RETURNING deployment_id),
            inserted AS (
                INSERT INTO orleans_membership (deployment_id, address, port, generation, silo_name, host_name,
                                                status, proxy_port, start_time, i_am_alive_time)
                SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName,
                       @Status, @ProxyPort, @StartTime, @IAmAliveTime
                  FROM bumped
                RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM inserted)
        $q$),
        ('UpdateMembershipKey', $q$
            WITH bumped AS (
                UPDATE orleans_membership_version
                   SET version = version + 1, changed_at = now()
                 WHERE deployment_id = @DeploymentId AND version = @Version
                   AND EXISTS (SELECT 1 FROM orleans_membership m
                                WHERE m.deployment_id = @DeploymentId AND {{ThisSilo("m")}})
                RETURNING deployment_id),
            updated AS (
                UPDATE orleans_membership m
                   SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
                  FROM bumped b
                 WHERE m.deployment_id = b.deployment_id AND {{ThisSilo("m")}}
                RETURNING 1)
            SELECT EXISTS (SELECT 1 FROM updated)
        $q$),
        ('UpdateIAmAlivetimeKey', $q$
            UPDATE orleans_membership m SET i_am_alive_time = @IAmAliveTime
             WHERE m.deployment_id = @DeploymentId AND {{ThisSilo("m")}}
        $q$),
        ('MembershipReadRowKey', $q$
            SELECT {{MemberColumns}}
              FROM orleans_membership_version v
              LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id AND {{ThisSilo("m")}}
             WHERE v.deployment_id = @DeploymentId
        $q$),
        ('MembershipReadAllKey', $q$
            SELECT {{MemberColumns}}
              FROM orleans_membership_version v
              LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id
             WHERE v.deployment_id = @DeploymentId
        $q$),
        ('GatewaysQueryKey', $q$
            SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
              FROM orleans_membership
             WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
        $q$),
        ('DeleteMembershipTableEntriesKey', $q$
            DELETE FROM orleans_membership_version WHERE deployment_id = @DeploymentId
        $q$),
        -- Older callers prune by a cut-off; status 6 is SiloStatus.Dead.
        ('CleanupDefunctSiloEntriesKey', $q$
            DELETE FROM orleans_membership
             WHERE deployment_id = @DeploymentId AND status = 6 AND i_am_alive_time < @IAmAliveTime
        $q$),
        -- Newer callers decide in .NET and delete a dead row only if nothing about it changed since they read it.
        ('CleanupDefunctSiloEntryKey', $q$
            DELETE FROM orleans_membership m
             WHERE m.deployment_id = @DeploymentId AND {{ThisSilo("m")}} AND m.status = 6
               AND start_time = @StartTime AND i_am_alive_time = @IAmAliveTime
               AND suspect_times IS NOT DISTINCT FROM @SuspectTimes
        $q$);
        """);
}
