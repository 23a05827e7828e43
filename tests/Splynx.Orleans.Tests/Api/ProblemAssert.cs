using System.Net;
using System.Text.Json;

namespace Splynx.Orleans.Tests.Api;

/// <summary>Checks of RFC 7807 answers shared by the authorization, bad-input and secrets tests.</summary>
internal static class ProblemAssert
{
    /// <summary>The answer is a problem details document with this status; a 400 names exactly/at least these fields.</summary>
    public static void Is(ApiAnswer answer, HttpStatusCode status, string what, params string[] fields)
    {
        Assert.True(answer.Status == status, $"{what}: expected {(int)status}, got {answer}");
        Assert.True(answer.ContentType == "application/problem+json", $"{what}: expected application/problem+json, got '{answer.ContentType}' ({answer})");
        var json = answer.Json;
        Assert.True(json.ValueKind == JsonValueKind.Object, $"{what}: not an object: {answer}");
        Assert.True(json.TryGetProperty("status", out var s) && s.GetInt32() == (int)status, $"{what}: problem status: {answer}");
        if (status == HttpStatusCode.BadRequest)
        {
            Assert.True(json.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object && errors.EnumerateObject().Any(),
                $"{what}: a 400 without 'errors': {answer}");
            foreach (var field in fields)
            {
                Assert.True(answer.ErrorFields.Contains(field), $"{what}: expected an error for '{field}', got [{string.Join(", ", answer.ErrorFields)}]: {answer}");
            }
        }
    }

    /// <summary>A body just over 1 MB, valid JSON, of the shape <c>{"name":"xxxx…"}</c>.</summary>
    public static string OversizedJson(string field = "name") => "{\"" + field + "\":\"" + new string('x', 1024 * 1024 + 16) + "\"}";
}
