using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Splynx.Orleans.Customers;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Storage.Messages;
using Splynx.Orleans.WebHost.Auth;
using Splynx.Orleans.WebHost.Messages;
using Splynx.Orleans.Storage.Customers;

namespace Splynx.Orleans.WebHost.Customers;

/// <summary>Customers and leads (C1) and their communication (C2), limited to the mailboxes the caller may read.</summary>
public static class CustomersApi
{
    private const int ListLimit = 200;

    public static IEndpointRouteBuilder MapCustomersApi(this IEndpointRouteBuilder app)
    {
        var customers = app.MapGroup("/api/customers").WithTags("Customers").RequireAuthorization();
        customers.MapGet("/", ListAsync);
        customers.MapPost("/", CreateAsync);
        customers.MapGet("/{id}", GetAsync).WithName("GetCustomer");
        customers.MapPut("/{id}", UpdateAsync);
        customers.MapGet("/{id}/communication", CommunicationAsync);
        return app;
    }

    private static async Task<Ok<CustomerResponse[]>> ListAsync([FromQuery] string? q, CustomerRepository customers, CancellationToken cancellationToken) =>
        TypedResults.Ok((await customers.SearchAsync(q, ListLimit, cancellationToken)).Select(CustomerResponse.From).ToArray());

    private static async Task<Results<Ok<CustomerResponse>, ProblemHttpResult>> GetAsync(string id, CustomerRepository customers, CancellationToken cancellationToken) =>
        await customers.GetAsync(id, cancellationToken) is { } customer ? TypedResults.Ok(CustomerResponse.From(customer)) : NoSuchCustomer();

    private static async Task<Results<CreatedAtRoute<CustomerResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CustomerRequest request, IClusterClient cluster)
    {
        if (CustomerWrites.ParseCategory(request.Category) is not { } category)
        {
            return CustomerWrites.Invalid(new Dictionary<string, string[]> { ["category"] = CustomerWrites.CategoryError(request.Category) });
        }
        var result = await cluster.GetGrain<ICustomerGrain>(CustomerWrites.NewId()).SaveAsync(request.Name ?? "", category, request.Emails ?? []);
        if (result.Conflict is { } conflict)
        {
            return CustomerWrites.Conflict(conflict);
        }
        return result.Customer is { } saved
            ? TypedResults.CreatedAtRoute(CustomerResponse.From(saved), "GetCustomer", new { id = saved.Id })
            : CustomerWrites.Invalid(result.Errors);
    }

    private static async Task<Results<Ok<CustomerResponse>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string id, CustomerRequest request, CustomerRepository customers, IClusterClient cluster, CancellationToken cancellationToken)
    {
        if (await customers.GetAsync(id, cancellationToken) is null)
        {
            return NoSuchCustomer();
        }
        if (CustomerWrites.ParseCategory(request.Category) is not { } category)
        {
            return CustomerWrites.Invalid(new Dictionary<string, string[]> { ["category"] = CustomerWrites.CategoryError(request.Category) });
        }
        var result = await cluster.GetGrain<ICustomerGrain>(id).SaveAsync(request.Name ?? "", category, request.Emails ?? []);
        if (result.Conflict is { } conflict)
        {
            return CustomerWrites.Conflict(conflict);
        }
        return result.Customer is { } saved ? TypedResults.Ok(CustomerResponse.From(saved)) : CustomerWrites.Invalid(result.Errors);
    }

    private static async Task<Results<Ok<PageResponse<ConversationItemResponse>>, ValidationProblem, ProblemHttpResult>> CommunicationAsync(
        string id, ClaimsPrincipal user, CustomerRepository customers, MailboxAccessRules rules, MessageQueries queries,
        [FromQuery] string? before, [FromQuery] string? limit, CancellationToken cancellationToken)
    {
        if (await customers.GetAsync(id, cancellationToken) is null)
        {
            return NoSuchCustomer();
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var pageSize = MessagesApi.ParseLimit(limit, errors);
        MessagesApi.CheckCursor(before, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The communication could not be listed");
        }
        var readable = await rules.ReadableMailboxesAsync(user.AdminId(), cancellationToken);
        var page = await queries.ConversationAsync(id, readable.ToList(), before, pageSize, cancellationToken);
        return TypedResults.Ok(new PageResponse<ConversationItemResponse>(page.Items.Select(item => ConversationItemResponse.Of(item, user.AdminId())).ToList(), page.Next));
    }

    private static ProblemHttpResult NoSuchCustomer() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such customer or lead");
}
