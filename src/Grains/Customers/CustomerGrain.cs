using Microsoft.Extensions.Logging;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Storage.Customers;

namespace Splynx.Orleans.Customers;

/// <summary>
/// One customer or lead. Its record lives in PostgreSQL (the directory that every silo asks when it
/// pairs mail); the grain is its only writer and re-pairs the stored mail of the addresses it gains
/// or loses, telling the mailboxes concerned.
/// </summary>
public sealed partial class CustomerGrain(
    CustomerRepository repository,
    MessagePairing pairing,
    IGrainFactory grains,
    ILogger<CustomerGrain> logger) : Grain, ICustomerGrain
{
    // Mail being stored while the addresses change may have been paired against the old ones; a second
    // pass after the longest such transaction catches it.
    private static readonly TimeSpan SecondPairingPass = TimeSpan.FromSeconds(5);

    private string Id => this.GetPrimaryKeyString();

    public Task<CustomerInfo?> GetAsync() => repository.GetAsync(Id, CancellationToken.None);

    public async Task<CustomerSaveResult> SaveAsync(string name, CustomerCategory category, IReadOnlyList<string> emails)
    {
        var errors = Validate(name, category, emails);
        if (errors.Count > 0)
        {
            return new CustomerSaveResult(null, errors, null);
        }
        var customer = new CustomerInfo(Id, name.Trim(), category,
            emails.Select(email => email.Trim().ToLowerInvariant()).Distinct().ToList());
        var (added, removed, conflict) = await repository.SaveAsync(customer, CancellationToken.None);
        if (conflict is not null)
        {
            var owner = await repository.OwnerOfAsync(conflict, CancellationToken.None);
            return new CustomerSaveResult(null, new Dictionary<string, string[]>(),
                owner is { } holder
                    ? $"{conflict} already belongs to {holder.Name} ({holder.Id}); an address can belong to one customer or lead only."
                    : $"{conflict} was just taken by another customer or lead.");
        }
        await PairAsync([.. added, .. removed]);
        return CustomerSaveResult.Saved(customer);
    }

    public async Task<CustomerSaveResult> AddEmailAsync(string address)
    {
        var current = await GetAsync();
        if (current is null)
        {
            return new CustomerSaveResult(null, new Dictionary<string, string[]> { ["customerId"] = ["no such customer or lead"] }, null);
        }
        return await SaveAsync(current.Name, current.Category, [.. current.Emails, address]);
    }

    private async Task PairAsync(IReadOnlyCollection<string> addresses)
    {
        if (addresses.Count == 0)
        {
            return;
        }
        await NotifyAsync(await pairing.RepairAsync(addresses, CancellationToken.None));
        this.RegisterGrainTimer(async _ => await NotifyAsync(await pairing.RepairAsync(addresses, CancellationToken.None)),
            new GrainTimerCreationOptions(SecondPairingPass, Timeout.InfiniteTimeSpan) { Interleave = true });
    }

    private async Task NotifyAsync(IReadOnlyDictionary<string, IReadOnlyList<string>> changedByMailbox)
    {
        foreach (var (mailboxId, messageIds) in changedByMailbox)
        {
            try
            {
                await grains.GetGrain<IMailboxGrain>(mailboxId).NotifyChangedAsync(messageIds);
            }
            catch (Exception exception)
            {
                // The pairing is committed; a missed event only means browsers learn of it on their next load.
                LogNotifyFailed(exception, mailboxId);
            }
        }
    }

    private static Dictionary<string, string[]> Validate(string name, CustomerCategory category, IReadOnlyList<string> emails)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(name))
        {
            errors["name"] = ["is required"];
        }
        else if (name.Trim().Length > 200)
        {
            errors["name"] = ["must be at most 200 characters"];
        }
        if (!Enum.IsDefined(category))
        {
            errors["category"] = ["must be customer or lead"];
        }
        for (var i = 0; i < emails.Count; i++)
        {
            if (!MailAddressRules.IsAddress((emails[i] ?? "").Trim()))
            {
                errors[$"emails[{i}]"] = [$"'{emails[i]}' is not an email address"];
            }
        }
        return errors;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telling mailbox {MailboxId} of re-paired messages failed")]
    private partial void LogNotifyFailed(Exception exception, string mailboxId);
}
