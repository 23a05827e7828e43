namespace Splynx.Orleans.OAuth;

/// <summary>
/// The access token of one mailbox's OAuth grant, in the memory of the mailbox grain's activation only. A token is
/// used for logins until its jittered due point (<see cref="AccessTokenRefresh.DueAt"/>); one renewal runs at a
/// time, since a provider that rotates refresh tokens would refuse the second of two concurrent ones.
/// </summary>
internal sealed class GrantAccessToken(OAuthTokenClient client, TimeProvider time)
{
    private OAuthAccessToken? _current;
    private Task<OAuthAccessToken>? _renewal;

    /// <summary>When the current token should be renewed; null while there is none.</summary>
    public DateTimeOffset? DueAt { get; private set; }

    /// <summary>The current token while it is not yet due, else null.</summary>
    public string? Fresh => _current is not null && DueAt is { } due && time.GetUtcNow() < due ? _current.AccessToken : null;

    /// <summary>A new token from the provider (joining a renewal already under way).</summary>
    public Task<OAuthAccessToken> RenewAsync(OAuthApplication application, string refreshToken, CancellationToken cancellationToken)
    {
        if (_renewal is { } running)
        {
            return running;
        }
        var renewal = RenewOnceAsync(application, refreshToken, cancellationToken);
        if (!renewal.IsCompleted)
        {
            _renewal = renewal;
        }
        return renewal;
    }

    /// <summary>Another account or grant: the token in hand belongs to the old one.</summary>
    public void Forget()
    {
        _current = null;
        DueAt = null;
    }

    private async Task<OAuthAccessToken> RenewOnceAsync(OAuthApplication application, string refreshToken, CancellationToken cancellationToken)
    {
        try
        {
            var obtainedAt = time.GetUtcNow();
            var token = await client.RefreshAsync(application, refreshToken, cancellationToken);
            _current = token;
            DueAt = AccessTokenRefresh.DueAt(obtainedAt, token.ExpiresAt, Random.Shared);
            return token;
        }
        finally
        {
            _renewal = null;
        }
    }
}
