using Microsoft.AspNetCore.Http.HttpResults;
using Splynx.Orleans.Customers;

namespace Splynx.Orleans.WebHost.Customers;

/// <summary>What creating and editing customers share between the customers and the messages endpoints.</summary>
internal static class CustomerWrites
{
    /// <summary>The category as the API spells it, or null when it is neither.</summary>
    public static CustomerCategory? ParseCategory(string? category) => category?.Trim() switch
    {
        "customer" => CustomerCategory.Customer,
        "lead" => CustomerCategory.Lead,
        _ => null,
    };

    public static string[] CategoryError(string? category) =>
        [category is null ? "is required: customer or lead" : $"'{category}' is not a category: use customer or lead"];

    /// <summary>An address that belongs to another customer or lead (C1).</summary>
    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The address belongs to another customer or lead", detail: detail);

    public static ValidationProblem Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The customer was not saved");

    public static string NewId() => Guid.NewGuid().ToString("N");
}
