using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Splynx.Orleans.WebHost.Api;

/// <summary>
/// Turns a request the API could not read into problem details: malformed JSON, a value of the wrong
/// type or an unknown option is a 400 that names the field (<c>imap.port</c>) and says what it must be.
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        ProblemDetails problem;
        if (badRequest.InnerException is JsonException json)
        {
            var field = FieldOf(json.Path);
            var requestType = httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
            problem = new HttpValidationProblemDetails(new Dictionary<string, string[]>(StringComparer.Ordinal)
            {
                [field.Length == 0 ? "body" : field] = [IsSyntaxError(json) || field.Length == 0
                    ? $"is not valid JSON (line {json.LineNumber + 1}, position {json.BytePositionInLine + 1})"
                    : Expectation(requestType, field)],
            })
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The request body could not be read",
            };
        }
        else
        {
            problem = new ProblemDetails
            {
                Status = badRequest.StatusCode,
                Title = badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large" : "Bad request",
                Detail = badRequest.Message,
            };
        }
        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    // The reader's own exception type is internal: broken JSON, as opposed to a value that does not fit.
    private static bool IsSyntaxError(JsonException exception) => exception.InnerException?.GetType().Name == "JsonReaderException";

    /// <summary><c>$.tracking.denyList[2]</c> → <c>tracking.denyList[2]</c>.</summary>
    private static string FieldOf(string? jsonPath) =>
        jsonPath is null or "$" ? "" : jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : jsonPath.TrimStart('$');

    /// <summary>What the field must hold, found by following its path through the request type.</summary>
    private static string Expectation(Type? requestType, string field)
    {
        var type = requestType;
        foreach (var segment in field.Split('.'))
        {
            if (type is null)
            {
                break;
            }
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            var name = bracket >= 0 ? segment[..bracket] : segment;
            type = type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)?.PropertyType;
            if (bracket >= 0 && type is not null)
            {
                type = ElementType(type);
            }
        }

        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            null => "has a value that cannot be read here",
            { IsEnum: true } => "must be one of: " + string.Join(", ", EnumNames(type)),
            _ when type == typeof(bool) => "must be true or false",
            _ when type == typeof(int) || type == typeof(long) => "must be a whole number",
            _ when type == typeof(DateOnly) => "must be a date like 2024-01-31, or null",
            _ when type == typeof(string) => "must be a text (in quotes)",
            _ when ElementType(type) is not null => "must be a list",
            _ => "must be an object",
        };
    }

    private static Type? ElementType(Type type) =>
        type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type)
            ? null
            : type.IsArray ? type.GetElementType() : type.GetGenericArguments().FirstOrDefault();

    private static IEnumerable<string> EnumNames(Type enumType) =>
        enumType.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(member => member.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? member.Name);
}
