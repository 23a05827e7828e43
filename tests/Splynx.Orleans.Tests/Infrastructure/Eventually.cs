namespace Splynx.Orleans.Tests.Infrastructure;

/// <summary>Waits for a condition that the system reaches on its own, failing with what was last seen.</summary>
internal static class Eventually
{
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> probe, Func<T, bool> accept, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? lastError = null;
        var lastValue = default(T);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                lastValue = await probe();
                if (accept(lastValue))
                {
                    return lastValue;
                }
                lastError = null;
            }
            catch (Exception exception) when (exception is not GiveUpException)
            {
                lastError = exception;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
        throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0}s waiting for {what}; last value: {lastValue}", lastError);
    }

    public static Task TrueAsync(Func<Task<bool>> probe, TimeSpan timeout, string what) =>
        ReturnsAsync(probe, ok => ok, timeout, what);
}

/// <summary>Thrown by a probe when waiting longer cannot help (the process under test has died).</summary>
internal sealed class GiveUpException(string message) : Exception(message);
