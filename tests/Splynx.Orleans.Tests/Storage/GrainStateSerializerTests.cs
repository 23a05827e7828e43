using System.Collections;
using System.Reflection;
using System.Text.Json;
using Orleans.Storage;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Sending;
using Splynx.Orleans.Storage;
using Splynx.Orleans.Tests.Infrastructure;

namespace Splynx.Orleans.Tests.Storage;

/// <summary>
/// The storage round-trip of every grain state type, through the serializer the silo's grain storage is
/// configured with: states read back in one process are themselves, and share no object with each other.
/// </summary>
public sealed class GrainStateSerializerTests : IDisposable
{
    private readonly UnstartedSilo _silo = new();

    private IGrainStorageSerializer StorageSerializer => _silo.StorageSerializer;

    private IGrainStorageSerializer PreviousVersionSerializer => _silo.PreviousVersionSerializer;

    [Fact]
    public void Grain_storage_writes_with_the_project_serializer_in_binary()
    {
        Assert.IsType<GrainStateSerializer>(StorageSerializer);
        Assert.False(GrainStateSerializer.IsLegacyJson(StorageSerializer.Serialize(MailboxState(1))));
    }

    [Fact]
    public void Two_mailbox_states_read_back_in_one_process_are_themselves_and_share_no_object()
    {
        var (first, second) = (MailboxState(1), MailboxState(2));

        var firstRead = StorageSerializer.Deserialize<MailboxGrainState>(StorageSerializer.Serialize(first));
        var secondRead = StorageSerializer.Deserialize<MailboxGrainState>(StorageSerializer.Serialize(second));

        AssertSameContent(first, firstRead);
        AssertSameContent(second, secondRead);
        AssertShareNoObject(firstRead, secondRead, new MailboxGrainState());
    }

    [Fact]
    public void Two_system_smtp_states_read_back_in_one_process_are_themselves_and_share_no_object()
    {
        var (first, second) = (SystemSmtpState(1), SystemSmtpState(2));

        var firstRead = StorageSerializer.Deserialize<SystemSmtpGrainState>(StorageSerializer.Serialize(first));
        var secondRead = StorageSerializer.Deserialize<SystemSmtpGrainState>(StorageSerializer.Serialize(second));

        AssertSameContent(first, firstRead);
        AssertSameContent(second, secondRead);
        AssertShareNoObject(firstRead, secondRead, new SystemSmtpGrainState());
    }

    [Fact]
    public void Mailbox_states_written_as_json_by_the_previous_version_are_read_as_themselves()
    {
        var (first, second) = (MailboxState(1), MailboxState(2));
        var (firstRow, secondRow) = (PreviousVersionSerializer.Serialize(first), PreviousVersionSerializer.Serialize(second));
        Assert.True(GrainStateSerializer.IsLegacyJson(firstRow), "the previous version's rows are JSON");

        var firstRead = StorageSerializer.Deserialize<MailboxGrainState>(firstRow);
        var secondRead = StorageSerializer.Deserialize<MailboxGrainState>(secondRow);

        AssertSameContent(first, firstRead);
        AssertSameContent(second, secondRead);
        AssertShareNoObject(firstRead, secondRead, new MailboxGrainState());
    }

    [Fact]
    public void System_smtp_states_written_as_json_by_the_previous_version_are_read_as_themselves()
    {
        var (first, second) = (SystemSmtpState(1), SystemSmtpState(2));

        var firstRead = StorageSerializer.Deserialize<SystemSmtpGrainState>(PreviousVersionSerializer.Serialize(first));
        var secondRead = StorageSerializer.Deserialize<SystemSmtpGrainState>(PreviousVersionSerializer.Serialize(second));

        AssertSameContent(first, firstRead);
        AssertSameContent(second, secondRead);
        AssertShareNoObject(firstRead, secondRead, new SystemSmtpGrainState());
    }

    [Fact]
    public void Defaults_are_new_objects_each_time()
    {
        AssertShareNoObject(MailSettings.Default, MailSettings.Default, SystemSmtpSettings.Unset);
        AssertShareNoObject(new MailboxGrainState(), new MailboxGrainState(), new SystemSmtpGrainState());
    }

    public void Dispose() => _silo.Dispose();

    private static MailboxGrainState MailboxState(int n) => new()
    {
        Settings = new MailSettings(
            new TrackingSettings(true, n % 2 == 0 ? ProcessMode.Unread : ProcessMode.All, new DateOnly(2025, n, 1), n % 2 == 0,
                [$"blocked-{n}.example", $"spam-{n}@elsewhere.example"]),
            new AccessSettings([$"delegate-{n}", $"other-delegate-{n}"]),
            // The even state signs in with an OAuth grant, the odd one with a password.
            n % 2 == 0
                ? new CredentialsSettings($"user{n}@isp.example", null, false, $"application-{n}", null, HasGrant: true)
                : new CredentialsSettings($"user{n}@isp.example", null, true),
            new ImapSettings($"imap{n}.isp.example", 990 + n, n % 2 == 0 ? ImapSecurity.StartTls : ImapSecurity.Ssl, n % 2 == 0, $"Sent {n}"),
            new SmtpSettings(true, $"reply-{n}@isp.example", n % 2 == 0, $"smtp{n}.isp.example", 580 + n, SmtpSecurity.Ssl, SmtpAuth.Login, false)),
        ProtectedPassword = $"protected-password-{n}",
        ProcessingStartedAt = new DateTimeOffset(2026, 1, n, 8, 0, 0, TimeSpan.Zero),
        Cursors =
        {
            [SyncedFolder.Inbox] = new SyncCursor("INBOX", 1000 + n, 50 * n),
            [SyncedFolder.Sent] = new SyncCursor($"Sent {n}", 2000 + n, 7 * n),
        },
        ImportedFrom = new DateOnly(2024, n, 2),
        ProtectedRefreshToken = n % 2 == 0 ? $"protected-refresh-token-{n}" : null,
    };

    private static SystemSmtpGrainState SystemSmtpState(int n) => new()
    {
        Settings = new SystemSmtpSettings($"smtp{n}.isp.example", 580 + n, SmtpSecurity.StartTls, SmtpAuth.CramMd5, n % 2 == 0,
            $"system{n}", null, true, $"noreply{n}@isp.example", $"ISP {n}"),
        ProtectedPassword = $"protected-system-password-{n}",
    };

    private static void AssertSameContent<T>(T expected, T actual) =>
        Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(actual));

    private static void AssertShareNoObject(object? first, object? second, object freshDefault)
    {
        Assert.NotNull(first);
        Assert.NotNull(second);
        var ofFirst = ObjectsReachableFrom(first);
        foreach (var other in new[] { second, freshDefault })
        {
            var shared = ObjectsReachableFrom(other).Where(ofFirst.Contains).Select(item => item.GetType().Name).ToList();
            Assert.True(shared.Count == 0, $"Objects shared between two states: {string.Join(", ", shared)}");
        }
    }

    /// <summary>
    /// Every mutable object a state reaches: the project's types through their fields, collections through their
    /// items. Strings and empty arrays are immutable, so sharing them is harmless and they are left out.
    /// </summary>
    private static HashSet<object> ObjectsReachableFrom(object root)
    {
        var found = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<object>([root]);
        while (pending.TryPop(out var item))
        {
            var type = item.GetType();
            if (item is string || item is Array { Length: 0 } || type.IsPrimitive || type.IsEnum)
            {
                continue;
            }
            if (!type.IsValueType && !found.Add(item))
            {
                continue;
            }
            if (item is IEnumerable items)
            {
                foreach (var child in items)
                {
                    if (child is not null)
                    {
                        pending.Push(child);
                    }
                }
            }
            if (type.Namespace?.StartsWith("Splynx.", StringComparison.Ordinal) == true || type.IsGenericType && type.GetGenericTypeDefinition() == typeof(KeyValuePair<,>))
            {
                foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
                {
                    if (field.GetValue(item) is { } child)
                    {
                        pending.Push(child);
                    }
                }
            }
        }
        return found;
    }
}
