namespace Splynx.Orleans.WebHost.Auth;

/// <summary>The roles of the <c>admins</c> table, as the API spells them.</summary>
public static class AdminRoles
{
    public const string Admin = "admin";
    public const string SuperAdmin = "superadmin";

    /// <summary>The authorization policy of endpoints only super-admins may call.</summary>
    public const string SuperAdminPolicy = "superadmin";

    public static bool IsKnown(string? role) => role is Admin or SuperAdmin;
}
