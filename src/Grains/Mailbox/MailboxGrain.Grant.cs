using Splynx.Orleans.OAuth;

namespace Splynx.Orleans.Mailbox;

// The account's OAuth grant: access tokens for the logins, renewed at their due point.
public sealed partial class MailboxGrain
{
    // How soon a renewal the provider could not answer (down, unreachable) is tried again.
    private static readonly TimeSpan RenewalRetry = TimeSpan.FromMinutes(1);

    private IGrainTimer? _renewalTimer;

    public async Task<string> GetLoginSecretAsync(CancellationToken cancellationToken) =>
        Settings.Credentials.UsesOAuth ? await AccessTokenAsync(cancellationToken) : Password;

    /// <summary>The token in hand while it is not due, else a new one.</summary>
    private async Task<string> AccessTokenAsync(CancellationToken cancellationToken) =>
        _accessToken.Fresh ?? await RenewAccessTokenAsync(cancellationToken);

    private async Task<string> RenewAccessTokenAsync(CancellationToken cancellationToken)
    {
        var applicationId = Settings.Credentials.OAuthApplicationId ?? "";
        if (state.State.ProtectedRefreshToken is not { } protectedRefreshToken)
        {
            throw new OAuthGrantRejectedException("No sign-in is saved for this account.");
        }
        var application = await GrainFactory.GetGrain<IOAuthApplicationsGrain>(IOAuthApplicationsGrain.Key).GetWithSecretAsync(applicationId)
            ?? throw new OAuthGrantRejectedException("The OAuth application this account signed in with is no longer registered.");
        var token = await _accessToken.RenewAsync(application, secrets.Unprotect(protectedRefreshToken), cancellationToken);
        if (token.RotatedRefreshToken is { } rotated)
        {
            state.State.ProtectedRefreshToken = secrets.Protect(rotated);
            await SaveStateAsync();
        }
        ScheduleRenewal(_accessToken.DueAt ?? time.GetUtcNow() + RenewalRetry);
        return token.AccessToken;
    }

    /// <summary>
    /// The renewal runs at the due point even while the IDLE session goes on undisturbed: the new token serves the
    /// next login, and a grant the provider has revoked is found then rather than at the next connection cut.
    /// </summary>
    private void ScheduleRenewal(DateTimeOffset at)
    {
        StopRenewingAccessToken();
        var dueIn = at - time.GetUtcNow();
        _renewalTimer = this.RegisterGrainTimer(RenewInBackgroundAsync, new GrainTimerCreationOptions
        {
            DueTime = dueIn > TimeSpan.Zero ? dueIn : TimeSpan.Zero,
            Period = Timeout.InfiniteTimeSpan,
            Interleave = true,
        });
    }

    private void StopRenewingAccessToken()
    {
        _renewalTimer?.Dispose();
        _renewalTimer = null;
    }

    private async Task RenewInBackgroundAsync(CancellationToken cancellationToken)
    {
        if (!Settings.Credentials.UsesOAuth || !ShouldSync)
        {
            return;
        }
        try
        {
            await RenewAccessTokenAsync(cancellationToken);
        }
        catch (OAuthGrantRejectedException)
        {
            // The session in progress would live on with a grant that is gone: it restarts, its login fails on the
            // refused grant, and the loop reports the auth error and backs off as for a refused password.
            _accessToken.Forget();
            await StopSyncAsync();
            StartSync();
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogAccessTokenFailed(exception, MailboxId);
            ScheduleRenewal(time.GetUtcNow() + RenewalRetry);
        }
    }
}
