namespace Splynx.Orleans.Customers;

public enum CustomerCategory
{
    Customer,
    Lead,
}

/// <summary>A customer or lead and the addresses its mail is paired by.</summary>
[GenerateSerializer, Immutable, Alias("splynx.customers.CustomerInfo")]
public sealed record CustomerInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] CustomerCategory Category,
    [property: Id(3)] IReadOnlyList<string> Emails);

/// <summary>
/// The outcome of saving a customer: the saved customer, or field errors, or the address that
/// already belongs to someone else.
/// </summary>
[GenerateSerializer, Immutable, Alias("splynx.customers.CustomerSaveResult")]
public sealed record CustomerSaveResult(
    [property: Id(0)] CustomerInfo? Customer,
    [property: Id(1)] IReadOnlyDictionary<string, string[]> Errors,
    [property: Id(2)] string? Conflict)
{
    public static CustomerSaveResult Saved(CustomerInfo customer) => new(customer, new Dictionary<string, string[]>(), null);
}

/// <summary>One customer or lead. Writes go through it, so they never race; reads may use the database directly.</summary>
public interface ICustomerGrain : IGrainWithStringKey
{
    Task<CustomerInfo?> GetAsync();

    /// <summary>Creates or replaces the customer; pairs the mail of added addresses and unpairs that of removed ones.</summary>
    Task<CustomerSaveResult> SaveAsync(string name, CustomerCategory category, IReadOnlyList<string> emails);

    /// <summary>Adds one address (I4, "pair to a customer") and pairs every message from or to it.</summary>
    Task<CustomerSaveResult> AddEmailAsync(string address);
}
